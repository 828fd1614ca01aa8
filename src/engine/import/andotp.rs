//! andOTP backups: a plain JSON list, or the encrypted `.json.aes` file.
//!
//! The encrypted (current) layout is: PBKDF2 rounds (4 bytes, big-endian), salt (12 bytes),
//! nonce (12 bytes), then AES-256-GCM ciphertext with its tag; the key is PBKDF2-HMAC-SHA1 of
//! the password. The old layout (nonce first, key = SHA-256 of the password) is tried when the
//! current one does not open. The file has no signature, so detection checks that it is not
//! text and that the round count is plausible.

use age::secrecy::SecretString;
use serde_json::Value;
use sha2::Digest;

use super::draft::{self, Draft};
use super::json::{self, Fields};
use super::{Format, ImportError, Item, cipher};
use crate::engine::entry::Entry;
use crate::engine::otp::Kind;

pub struct AndOtp;

const SALT: usize = 12;
const NONCE: usize = 12;
const TAG: usize = 16;
const HEADER: usize = 4 + SALT + NONCE;

fn rounds(bytes: &[u8]) -> Option<u32> {
    let head: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some(u32::from_be_bytes(head)).filter(|r| (1..=cipher::MAX_PBKDF2_ROUNDS).contains(r))
}

fn looks_encrypted(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER + TAG && std::str::from_utf8(bytes).is_err() && rounds(bytes).is_some()
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
            let plain = decrypt(bytes, cipher::password(password)?)?;
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
    let mut d = match obj.text("issuer")? {
        Some(issuer) => Draft::new(issuer, label),
        // Old backups: "Issuer - account" in the label.
        None => match label.split_once(" - ") {
            Some((issuer, account)) => Draft::new(issuer, account),
            None => Draft::new("", label),
        },
    };
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

fn decrypt(bytes: &[u8], password: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    if bytes.len() < NONCE + TAG {
        return Err(ImportError::Malformed(
            "the file is too short to be an andOTP backup".into(),
        ));
    }
    if let Some(rounds) = rounds(bytes).filter(|_| bytes.len() >= HEADER + TAG) {
        let key = cipher::pbkdf2_sha1(password, &bytes[4..4 + SALT], rounds);
        match cipher::open_gcm(key.as_slice(), &bytes[4 + SALT..HEADER], &bytes[HEADER..]) {
            Err(ImportError::WrongPassword) => {}
            other => return other,
        }
    }
    // The old format: SHA-256 of the password as the key, the nonce at the start.
    let key = zeroize::Zeroizing::new(sha2::Sha256::digest(password));
    cipher::open_gcm(key.as_slice(), &bytes[..NONCE], &bytes[NONCE..])
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
