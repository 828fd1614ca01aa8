//! Identities that travel: what another process (the agent) needs to rebuild the identities
//! a command unlocked, so that nobody is asked twice.
//!
//! Promises: [`Portable`] holds secrets and never shows them (`Debug` is redacted; its buffers
//! are zeroized); rebuilding asks nobody anything.

use std::fmt;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::{Identities, IdentityError, read_lines, read_ssh_identity};

/// What it takes to rebuild identities in another process (the agent) without asking anyone
/// again ([`Identities::portable`], [`rebuild`]). Secret: never shown by `Debug`.
pub enum Portable {
    /// age identity lines: X25519 keys (`AGE-SECRET-KEY-1…`), plugin identities
    /// (`AGE-PLUGIN-…`) and the `# recipient:` comments that name the plugins' public keys.
    Lines(Zeroizing<String>),
    /// An OpenSSH private key file as read, the passphrase that opened it (if encrypted), and
    /// public keys found beside it (an old PEM key's `.pub`).
    Ssh {
        file: Zeroizing<Vec<u8>>,
        passphrase: Option<SecretString>,
        public: Vec<String>,
    },
}

impl fmt::Debug for Portable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Portable::Lines(_) => "Portable::Lines(<redacted>)",
            Portable::Ssh { .. } => "Portable::Ssh(<redacted>)",
        })
    }
}

/// Identities from what [`Identities::portable`] gave; nobody is asked anything (plugins
/// included: their prompts go nowhere until [`Identities::with_plugin_ui`]).
pub fn rebuild(portable: &Portable) -> Result<Identities, IdentityError> {
    match portable {
        Portable::Lines(text) => read_lines(text),
        Portable::Ssh {
            file,
            passphrase,
            public,
        } => {
            let mut given = passphrase.clone();
            let mut identities = read_ssh_identity(file, "agent", &mut |_| given.take())?;
            for key in public {
                if !identities.known.contains(key) {
                    identities = identities.with_recipient(key.clone());
                }
            }
            Ok(identities)
        }
    }
}

impl Identities {
    /// Everything needed to rebuild these identities elsewhere without asking again: the
    /// identity lines, or an OpenSSH key's file and passphrase (see [`Portable`]).
    pub fn portable(&self) -> Portable {
        if let Some((file, passphrase)) = &self.ssh_source {
            return Portable::Ssh {
                file: file.clone(),
                passphrase: passphrase.clone(),
                public: self.known.clone(),
            };
        }
        let mut text = Zeroizing::new(String::new());
        for key in &self.x25519 {
            text.push_str(key.to_string().expose_secret());
            text.push('\n');
        }
        for plugin in &self.plugins {
            text.push_str(&plugin.to_string());
            text.push('\n');
        }
        for known in &self.known {
            text.push_str("# recipient: ");
            text.push_str(known);
            text.push('\n');
        }
        Portable::Lines(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::crypto::{Ask, Key, Seal, decrypt, read_identities};

    const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");

    fn key_file(name: &str) -> Vec<u8> {
        std::fs::read(format!("{KEYS}/{name}")).unwrap()
    }

    /// Seals a document to `ids` and opens it with what `ids.portable()` rebuilds.
    fn round_trip(ids: &Identities) {
        let sealed = Seal::Recipients(ids.recipients().to_vec())
            .encrypt(b"(version: 2)")
            .unwrap();
        let rebuilt = rebuild(&ids.portable()).unwrap();
        assert_eq!(rebuilt.recipients(), ids.recipients());
        let plain = decrypt(&sealed, &Key::Identities(rebuilt)).unwrap();
        assert_eq!(&plain[..], b"(version: 2)");
    }

    #[test]
    fn x25519_and_ssh_identities_travel_without_asking_again() {
        let none = &mut |_: Ask| None;
        round_trip(&read_identities(&key_file("age_identity.txt"), "id", none).unwrap());
        round_trip(&read_identities(&key_file("ssh_ed25519"), "ssh", none).unwrap());
        let mut asked = 0;
        let encrypted = read_identities(&key_file("ssh_ed25519_encrypted"), "enc", &mut |_| {
            asked += 1;
            Some(SecretString::from("test".to_string()))
        })
        .unwrap();
        assert_eq!(asked, 1);
        // Rebuilding uses the passphrase that opened it; nobody is asked.
        round_trip(&encrypted);
        let shown = format!("{:?}", encrypted.portable());
        assert!(
            !shown.contains("test") && !shown.contains("OPENSSH"),
            "{shown}"
        );
    }

    #[test]
    fn plugin_identities_keep_their_recipient_comments() {
        let hrp = bech32::Hrp::parse("age1keyfobtest").unwrap();
        let recipient = bech32::encode::<bech32::Bech32>(hrp, &[7u8; 33]).unwrap();
        let hrp = bech32::Hrp::parse("age-plugin-keyfobtest-").unwrap();
        let identity = bech32::encode::<bech32::Bech32>(hrp, &[9u8; 20])
            .unwrap()
            .to_uppercase();
        let text = format!("# recipient: {recipient}\n{identity}\n");
        let ids = read_identities(text.as_bytes(), "plugin", &mut |_| None).unwrap();
        let rebuilt = rebuild(&ids.portable()).unwrap();
        assert!(rebuilt.has_plugins());
        assert_eq!(rebuilt.recipients(), [recipient]);
    }
}
