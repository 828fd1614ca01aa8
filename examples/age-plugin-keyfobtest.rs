//! `age-plugin-keyfobtest`: a small age plugin for keyfob's tests — a stand-in for a hardware
//! key. Not shipped: `cargo test` builds it (as an example) and the integration tests put it on
//! PATH.
//!
//! It wraps an X25519 key, so what it seals any age client can check:
//! - `age-plugin-keyfobtest --generate [--pin PIN]` prints a new identity file (a
//!   `# recipient: age1keyfobtest1…` comment and an `AGE-PLUGIN-KEYFOBTEST-1…` line).
//! - recipient-v1 wraps a file key to the X25519 public key (stanza tag `keyfobtest`);
//!   identity-v1 unwraps it. With a PIN in the identity it first sends the message "touch your
//!   keyfobtest key" and asks for the PIN (`request-secret`); a wrong or missing PIN is an
//!   identity error ("wrong PIN").
//! - When `KEYFOBTEST_LOG` names a file, each run appends one line (`wrap` or `unwrap`), so a
//!   test can count how often the "hardware key" was used.
//!
//! Promises: nothing beyond the tests' needs. The identity carries the key in the clear (as
//! the identity line), which a real hardware-key plugin never does.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use age_plugin::identity::{self, IdentityPluginV1};
use age_plugin::recipient::{self, RecipientPluginV1};
use age_plugin::{Callbacks, PluginHandler};
use bech32::{Bech32, Hrp};

const NAME: &str = "keyfobtest";
const TAG: &str = "keyfobtest";
const KEY_LEN: usize = 32;

fn log(what: &str) {
    if let Some(path) = std::env::var_os("KEYFOBTEST_LOG")
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        let _ = writeln!(file, "{what}");
    }
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// The 32 bytes inside an age Bech32 string (`age1…`, `AGE-SECRET-KEY-1…`).
fn payload(text: &str) -> io::Result<Vec<u8>> {
    let (_, data) = bech32::decode(&text.to_lowercase()).map_err(|e| invalid(e.to_string()))?;
    Ok(data)
}

fn encode(hrp: &str, data: &[u8]) -> io::Result<String> {
    let hrp = Hrp::parse(hrp).map_err(|e| invalid(e.to_string()))?;
    bech32::encode::<Bech32>(hrp, data).map_err(|e| invalid(e.to_string()))
}

fn x25519_recipient(public: &[u8]) -> io::Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(&encode("age", public)?).map_err(|e| invalid(e.to_string()))
}

fn x25519_identity(secret: &[u8]) -> io::Result<age::x25519::Identity> {
    age::x25519::Identity::from_str(&encode("age-secret-key-", secret)?.to_uppercase())
        .map_err(|e| invalid(e.to_string()))
}

/// The identity's bytes: the X25519 secret key, then the PIN (possibly empty).
struct Key {
    identity: age::x25519::Identity,
    pin: Vec<u8>,
}

impl Key {
    fn parse(bytes: &[u8]) -> io::Result<Key> {
        if bytes.len() < KEY_LEN {
            return Err(invalid("identity too short"));
        }
        Ok(Key {
            identity: x25519_identity(&bytes[..KEY_LEN])?,
            pin: bytes[KEY_LEN..].to_vec(),
        })
    }
}

struct Plugin;

impl PluginHandler for Plugin {
    type RecipientV1 = Wrap;
    type IdentityV1 = Unwrap;

    fn recipient_v1(self) -> io::Result<Wrap> {
        Ok(Wrap(Vec::new()))
    }

    fn identity_v1(self) -> io::Result<Unwrap> {
        Ok(Unwrap(Vec::new()))
    }
}

struct Wrap(Vec<age::x25519::Recipient>);

impl RecipientPluginV1 for Wrap {
    fn add_recipient(
        &mut self,
        index: usize,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        let refuse = |message: &str| recipient::Error::Recipient {
            index,
            message: message.into(),
        };
        if name != NAME {
            return Err(refuse("not a keyfobtest recipient"));
        }
        self.0
            .push(x25519_recipient(bytes).map_err(|_| refuse("bad recipient"))?);
        Ok(())
    }

    fn add_identity(
        &mut self,
        index: usize,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        let refuse = |message: &str| recipient::Error::Identity {
            index,
            message: message.into(),
        };
        if name != NAME {
            return Err(refuse("not a keyfobtest identity"));
        }
        let key = Key::parse(bytes).map_err(|_| refuse("bad identity"))?;
        self.0.push(key.identity.to_public());
        Ok(())
    }

    fn labels(&mut self) -> HashSet<String> {
        HashSet::new()
    }

    fn wrap_file_keys(
        &mut self,
        file_keys: Vec<FileKey>,
        _: impl Callbacks<recipient::Error>,
    ) -> io::Result<Result<Vec<Vec<Stanza>>, Vec<recipient::Error>>> {
        log("wrap");
        let mut files = Vec::new();
        for file_key in &file_keys {
            let mut stanzas = Vec::new();
            for recipient in &self.0 {
                let (wrapped, _) = age::Recipient::wrap_file_key(recipient, file_key)
                    .map_err(|e| invalid(e.to_string()))?;
                stanzas.extend(wrapped.into_iter().map(|mut stanza| {
                    stanza.tag = TAG.into();
                    stanza
                }));
            }
            files.push(stanzas);
        }
        Ok(Ok(files))
    }
}

struct Unwrap(Vec<Key>);

impl IdentityPluginV1 for Unwrap {
    fn add_identity(
        &mut self,
        index: usize,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), identity::Error> {
        let refuse = |message: &str| identity::Error::Identity {
            index,
            message: message.into(),
        };
        if name != NAME {
            return Err(refuse("not a keyfobtest identity"));
        }
        self.0
            .push(Key::parse(bytes).map_err(|_| refuse("bad identity"))?);
        Ok(())
    }

    fn unwrap_file_keys(
        &mut self,
        files: Vec<Vec<Stanza>>,
        mut callbacks: impl Callbacks<identity::Error>,
    ) -> io::Result<HashMap<usize, Result<FileKey, Vec<identity::Error>>>> {
        log("unwrap");
        let mut keys = HashMap::new();
        let mut pin_ok: Option<bool> = None;
        for (file_index, stanzas) in files.into_iter().enumerate() {
            for (index, key) in self.0.iter().enumerate() {
                for stanza in stanzas.iter().filter(|s| s.tag == TAG) {
                    let as_x25519 = Stanza {
                        tag: "X25519".into(),
                        args: stanza.args.clone(),
                        body: stanza.body.clone(),
                    };
                    let Some(Ok(file_key)) =
                        age::Identity::unwrap_stanza(&key.identity, &as_x25519)
                    else {
                        continue;
                    };
                    if !key.pin.is_empty() {
                        let ok = match pin_ok {
                            Some(ok) => ok,
                            None => {
                                let _ = callbacks.message("touch your keyfobtest key")?;
                                let typed =
                                    callbacks.request_secret("PIN for the keyfobtest key:")?;
                                let ok = typed.is_ok_and(|pin| {
                                    pin.expose_secret().as_bytes() == key.pin.as_slice()
                                });
                                pin_ok = Some(ok);
                                ok
                            }
                        };
                        if !ok {
                            keys.insert(
                                file_index,
                                Err(vec![identity::Error::Identity {
                                    index,
                                    message: "wrong PIN".into(),
                                }]),
                            );
                            break;
                        }
                    }
                    keys.insert(file_index, Ok(file_key));
                    break;
                }
                if keys.contains_key(&file_index) {
                    break;
                }
            }
        }
        Ok(keys)
    }
}

/// Prints a new identity file: `--generate [--pin PIN]`.
fn generate(pin: &str) -> io::Result<()> {
    let identity = age::x25519::Identity::generate();
    let mut secret = payload(identity.to_string().expose_secret())?;
    let public = payload(&identity.to_public().to_string())?;
    secret.extend_from_slice(pin.as_bytes());
    age_plugin::print_new_identity(NAME, &secret, &public);
    Ok(())
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(machine) = args.iter().find_map(|a| a.strip_prefix("--age-plugin=")) {
        return age_plugin::run_state_machine(machine, Plugin);
    }
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--generate"] => generate(""),
        ["--generate", "--pin", pin] => generate(pin),
        _ => Err(invalid(
            "usage: age-plugin-keyfobtest --generate [--pin PIN] (or run by an age client)",
        )),
    }
}
