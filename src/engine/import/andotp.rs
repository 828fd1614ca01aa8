//! andOTP backups: a plain JSON list, or the encrypted `.json.aes` file.
//!
//! The encrypted (current) layout is: PBKDF2 rounds (4 bytes, big-endian), salt (12 bytes),
//! nonce (12 bytes), then AES-256-GCM ciphertext with its tag; the key is PBKDF2-HMAC-SHA1 of
//! the password. The old layout (nonce first, key = SHA-256 of the password) is tried when the
//! current one does not open. Neither has a signature, so detection takes a file that is not
//! text (nor UTF-16 text), carries no other known file signature and is long enough to hold a
//! nonce, a tag and a JSON list; a plausible round count is not required, since the old
//! layout starts with a random nonce.

use age::secrecy::SecretString;
use serde_json::Value;
use sha2::Digest;

use super::draft::{self, Draft};
use super::json::{self, Fields};
use super::{Format, ImportError, Item, cipher, kdf};
use crate::engine::entry::Entry;
use crate::engine::otp::Kind;

pub struct AndOtp;

const SALT: usize = 12;
const NONCE: usize = 12;
const TAG: usize = 16;
const HEADER: usize = 4 + SALT + NONCE;

/// The round count at the head of a file long enough for the current layout.
fn rounds(bytes: &[u8]) -> Option<u32> {
    if bytes.len() < HEADER + TAG {
        return None;
    }
    let head: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some(u32::from_be_bytes(head))
}

/// Signatures of binary files that are certainly not andOTP backups.
const OTHER_SIGNATURES: [&[u8]; 9] = [
    b"\x89PNG",
    b"\xFF\xD8\xFF",
    b"PK\x03\x04",
    b"\x1F\x8B",
    b"%PDF",
    b"SQLite format 3\0",
    b"\xAC\xED\x00\x05",
    b"\xFF\xFE",
    b"\xFE\xFF",
];

fn looks_encrypted(bytes: &[u8]) -> bool {
    // The smallest old-format backup: a nonce, "[]" and the tag.
    bytes.len() >= NONCE + 2 + TAG
        && std::str::from_utf8(bytes).is_err()
        && !OTHER_SIGNATURES.iter().any(|s| bytes.starts_with(s))
}

impl Format for AndOtp {
    fn name(&self) -> &'static str {
        "andotp"
    }

    fn summary(&self) -> &'static str {
        "andOTP backup, plain or encrypted"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        if looks_encrypted(bytes) {
            return true;
        }
        json::sniff(bytes).is_some_and(|v| {
            v.as_array().is_some_and(|list| {
                list.first().is_some_and(|first| {
                    first.get("secret").is_some()
                        && first.get("type").is_some()
                        && first.get("label").is_some()
                })
            })
        })
    }

    fn read(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
    ) -> Result<Vec<Item>, ImportError> {
        let is_json = json::sniff(bytes).is_some();
        let value = if is_json || std::str::from_utf8(bytes).is_ok() {
            json::parse(bytes)?
        } else {
            let plain = decrypt(bytes, password)?;
            json::parse(&plain)?
        };
        let list = value
            .as_array()
            .ok_or_else(|| ImportError::Malformed("an andOTP backup should be a list".into()))?;
        Ok(list
            .iter()
            .enumerate()
            .map(|(i, value)| match entry(value) {
                Ok(e) => Item::entry(e),
                Err(reason) => Item::failed(name_of(i, value), reason),
            })
            .collect())
    }
}

fn name_of(index: usize, value: &Value) -> String {
    let get = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("");
    draft::located(index, get("issuer"), get("label"))
}

fn entry(value: &Value) -> Result<Entry, String> {
    let obj = json::entry_object(value)?;
    let label = obj.text_or_empty("label")?;
    let (issuer, account) = match obj.text("issuer")? {
        Some(issuer) => (issuer, label),
        // Old backups: "Issuer - account" in the label.
        None => label.split_once(" - ").unwrap_or(("", label)),
    };
    // Old versions also repeated the issuer in the account: "Issuer:account".
    let account = account
        .strip_prefix(issuer)
        .and_then(|rest| rest.strip_prefix(':'))
        .filter(|_| !issuer.trim().is_empty())
        .unwrap_or(account);
    let mut d = Draft::new(issuer, account);
    d.kind = match obj.required_text("type")?.to_ascii_uppercase().as_str() {
        "TOTP" => Kind::Totp,
        "HOTP" => Kind::Hotp,
        "STEAM" => Kind::Steam,
        other => {
            let shown: String = other.chars().take(20).collect();
            return Err(format!("the andOTP type '{shown}' is not supported"));
        }
    };
    d.algorithm = draft::algorithm(obj.text("algorithm")?)?;
    d.digits = obj.int("digits")?;
    d.period = obj.int("period")?;
    d.counter = obj.int("counter")?;
    if let Some(Value::Array(tags)) = obj.get("tags") {
        d.tags = tags
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    d.build(draft::base32(obj.required_text("secret")?)?)
}

/// The plaintext of an encrypted backup. The current layout is tried when its round count is
/// within andOTP's limits (`kdf.rs`), then the old one; a file that opens neither way and
/// whose head is no acceptable round count gets both explanations, since a random old nonce
/// and a hostile round count look alike.
fn decrypt(
    bytes: &[u8],
    password: Option<&SecretString>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    if bytes.len() < NONCE + TAG {
        return Err(ImportError::Malformed(
            "the file is too short to be an andOTP backup".into(),
        ));
    }
    let password = cipher::password(password)?;
    let mut refused = None;
    match rounds(bytes).map(kdf::andotp_rounds) {
        Some(Ok(rounds)) => {
            let key = cipher::pbkdf2_sha1(password, &bytes[4..4 + SALT], rounds);
            match cipher::open_gcm(key.as_slice(), &bytes[4 + SALT..HEADER], &bytes[HEADER..]) {
                Err(ImportError::WrongPassword) => {}
                other => return other,
            }
        }
        Some(Err(refusal)) => refused = Some(refusal),
        None => {}
    }
    // The old format: SHA-256 of the password as the key, the nonce at the start.
    let key = zeroize::Zeroizing::new(sha2::Sha256::digest(password));
    match cipher::open_gcm(key.as_slice(), &bytes[..NONCE], &bytes[NONCE..]) {
        Err(ImportError::WrongPassword) => Err(match refused {
            Some(refusal) => ImportError::WrongPasswordOrKdfRefused(refusal),
            None => ImportError::WrongPassword,
        }),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_old_labels() {
        let text = br#"[{"secret":"JBSWY3DPEHPK3PXP====","label":"Acme - bob","digits":6,"type":"TOTP","algorithm":"SHA1","period":30},
            {"secret":"JBSWY3DPEHPK3PXP","issuer":"X","label":"y","digits":6,"type":"MOTP","algorithm":"SHA1"}]"#;
        assert!(AndOtp.sniff(text));
        let items = AndOtp.read(text, None).unwrap();
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("Acme", "bob"));
        assert!(matches!(&items[1], Item::Failed { reason, .. } if reason.contains("'MOTP'")));
    }

    /// Seals `plain` in the old layout (as andOTP before 0.6.3 did): nonce, then AES-256-GCM
    /// under SHA-256(password).
    fn old_format(plain: &[u8], password: &str, nonce: [u8; 12]) -> Vec<u8> {
        use aes_gcm::aead::{Aead, KeyInit};
        let key = sha2::Sha256::digest(password.as_bytes());
        let sealed = aes_gcm::Aes256Gcm::new_from_slice(&key)
            .unwrap()
            .encrypt(aes_gcm::Nonce::from_slice(&nonce), plain)
            .unwrap();
        [nonce.as_slice(), &sealed].concat()
    }

    #[test]
    fn old_format_backups_are_detected_and_read() {
        // Old versions also wrote the label as "Issuer:account".
        let plain = br#"[{"secret":"JBSWY3DPEHPK3PXP","issuer":"Old","label":"Old:andotp","digits":6,"type":"TOTP","algorithm":"SHA1","period":30}]"#;
        // Nonces whose first four bytes are no plausible round count (most are not).
        for nonce in [[0xFFu8; 12], [0x9A; 12], *b"\x01\x00\x00\x00nonce123"] {
            let bytes = old_format(plain, "test", nonce);
            assert!(AndOtp.sniff(&bytes), "{nonce:?}");
            assert_eq!(super::super::detect(&bytes).unwrap().name(), "andotp");
            let pw = SecretString::from("test".to_string());
            let items = AndOtp.read(&bytes, Some(&pw)).unwrap();
            let Item::Entry(e) = &items[0] else {
                panic!("{items:?}")
            };
            assert_eq!((e.issuer.as_str(), e.account.as_str()), ("Old", "andotp"));
            // Their heads read as round counts beyond the limit: a wrong password cannot be
            // told from a hostile current-format file, and the message says both.
            let wrong = SecretString::from("nope".to_string());
            let e = AndOtp.read(&bytes, Some(&wrong)).unwrap_err();
            assert!(
                matches!(e, ImportError::WrongPasswordOrKdfRefused(_)),
                "{e:?}"
            );
        }
        // Other binary files are not taken for andOTP backups.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend([0u8; 64]);
        assert!(!AndOtp.sniff(&png));
    }

    /// A current-layout backup of `plain` under `password` with `rounds`.
    fn current_format(plain: &[u8], password: &str, rounds: u32) -> Vec<u8> {
        use aes_gcm::aead::{Aead, KeyInit};
        let (salt, nonce) = ([5u8; SALT], [6u8; NONCE]);
        let key = cipher::pbkdf2_sha1(
            password.as_bytes(),
            &salt,
            kdf::Pbkdf2Rounds::constant(rounds),
        );
        let sealed = aes_gcm::Aes256Gcm::new_from_slice(key.as_slice())
            .unwrap()
            .encrypt(aes_gcm::Nonce::from_slice(&nonce), plain)
            .unwrap();
        [&rounds.to_be_bytes()[..], &salt, &nonce, &sealed].concat()
    }

    #[test]
    fn round_counts_beyond_the_limit_cost_nothing() {
        let plain = br#"[{"secret":"JBSWY3DPEHPK3PXP","issuer":"A","label":"a","digits":6,"type":"TOTP","algorithm":"SHA1","period":30}]"#;
        let pw = SecretString::from("pw".to_string());
        // What andOTP writes opens.
        let good = current_format(plain, "pw", 150_000);
        assert!(matches!(
            &AndOtp.read(&good, Some(&pw)).unwrap()[0],
            Item::Entry(_)
        ));
        // A header asking for 10 million (or 4 billion) rounds is refused at once.
        for rounds in [10_000_000u32, u32::MAX, 0] {
            let mut hostile = good.clone();
            hostile[..4].copy_from_slice(&rounds.to_be_bytes());
            let started = std::time::Instant::now();
            let e = AndOtp.read(&hostile, Some(&pw)).unwrap_err();
            assert!(started.elapsed() < std::time::Duration::from_millis(100));
            let ImportError::WrongPasswordOrKdfRefused(refusal) = &e else {
                panic!("{e:?}")
            };
            assert_eq!(refusal.value, kdf::Amount::Count(u64::from(rounds)), "{e}");
            assert!(e.to_string().contains("keyfob accepts 1 to 500,000"), "{e}");
        }
    }

    #[test]
    fn binary_needs_a_password() {
        let mut bytes = vec![0, 0, 0x27, 0x10];
        bytes.extend([0xFFu8; 60]);
        assert!(AndOtp.sniff(&bytes));
        assert_eq!(
            AndOtp.read(&bytes, None).unwrap_err(),
            ImportError::NeedsPassword
        );
        let pw = SecretString::from("pw".to_string());
        assert_eq!(
            AndOtp.read(&bytes, Some(&pw)).unwrap_err(),
            ImportError::WrongPassword
        );
    }
}
