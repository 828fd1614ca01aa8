//! Stratum (formerly Authenticator Pro) backups: `Authenticators` with numeric type (1 HOTP,
//! 2 TOTP, 4 Steam; 3 mOTP and 5 Yandex are not supported) and algorithm (0 SHA1, 1 SHA256,
//! 2 SHA512); categories become tags.
//!
//! Encrypted backups, as the app's StrongBackupEncryption and LegacyBackupEncryption write
//! them (and its BACKUP_FORMAT.md describes the legacy one):
//! - current: `AUTHENTICATORPRO`, salt (16), IV (12), then AES-256-GCM with the tag at the
//!   end; the key is Argon2id (1.3) of the password: 3 passes, 64 MiB, 4 lanes;
//! - legacy: `AuthenticatorPro`, salt (20), IV (16), then AES-256-CBC with PKCS#7 padding; the
//!   key is PBKDF2-HMAC-SHA1 of the password, 64,000 rounds.
//!
//! Both decrypt to the plain JSON backup.

use std::collections::HashMap;

use age::secrecy::SecretString;
use serde_json::Value;

use super::draft::{self, Draft};
use super::json::{self, Fields, Object};
use super::{Format, ImportError, Item, cipher, kdf};
use crate::engine::entry::Entry;
use crate::engine::otp::{Algorithm, Kind};

pub struct Stratum;

/// The current ("strong") encrypted backup's header.
const STRONG: &[u8] = b"AUTHENTICATORPRO";
/// The legacy encrypted backup's header.
const LEGACY: &[u8] = b"AuthenticatorPro";
const ENCRYPTED: [&[u8]; 2] = [STRONG, LEGACY];
/// The strong format's key derivation: fixed by the app, not read from the file.
const STRONG_ARGON2: kdf::Argon2Cost = kdf::Argon2Cost::constant(64 * 1024, 3, 4);
/// The legacy format's PBKDF2 rounds: fixed by the app, not read from the file.
const LEGACY_ROUNDS: kdf::Pbkdf2Rounds = kdf::Pbkdf2Rounds::constant(64_000);

impl Format for Stratum {
    fn name(&self) -> &'static str {
        "stratum"
    }

    fn summary(&self) -> &'static str {
        "Stratum / Authenticator Pro backup, plain JSON or encrypted"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        ENCRYPTED.iter().any(|h| bytes.starts_with(h))
            || json::sniff(bytes)
                .is_some_and(|v| v.get("Authenticators").is_some_and(Value::is_array))
    }

    fn read(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
    ) -> Result<Vec<Item>, ImportError> {
        if ENCRYPTED.iter().any(|h| bytes.starts_with(h)) {
            let plain = decrypt(bytes, cipher::password(password)?)?;
            return read_plain(&plain);
        }
        read_plain(bytes)
    }
}

/// The decrypted JSON of an encrypted backup.
fn decrypt(bytes: &[u8], password: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    let short = || ImportError::Malformed("the encrypted Stratum backup is cut short".into());
    let plain = if let Some(rest) = bytes.strip_prefix(STRONG) {
        let (salt, rest) = rest.split_at_checked(16).ok_or_else(short)?;
        let (iv, sealed) = rest.split_at_checked(12).ok_or_else(short)?;
        let key = cipher::argon2id(password, salt, STRONG_ARGON2)?;
        cipher::open_gcm(key.as_slice(), iv, sealed)?
    } else {
        let rest = bytes.strip_prefix(LEGACY).ok_or_else(short)?;
        let (salt, rest) = rest.split_at_checked(20).ok_or_else(short)?;
        let (iv, data) = rest.split_at_checked(16).ok_or_else(short)?;
        let key = cipher::pbkdf2_sha1(password, salt, LEGACY_ROUNDS);
        cipher::open_cbc(key.as_slice(), iv, data)?
    };
    // CBC has no tag: a wrong password that happens to leave valid padding gives noise.
    if serde_json::from_slice::<serde::de::IgnoredAny>(&plain).is_err() {
        return Err(ImportError::WrongPassword);
    }
    Ok(plain)
}

fn read_plain(bytes: &[u8]) -> Result<Vec<Item>, ImportError> {
    let root = json::parse(bytes)?;
    let root = json::object(&root, "a Stratum backup")?;
    let tags = categories(root);
    Ok(json::array(root, "Authenticators")?
        .iter()
        .enumerate()
        .map(|(i, value)| match entry(value, &tags) {
            Ok(e) => Item::entry(e),
            Err(reason) => {
                let get = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("");
                Item::failed(draft::located(i, get("Issuer"), get("Username")), reason)
            }
        })
        .collect())
}

/// Secret → category names.
fn categories(root: &Object) -> HashMap<String, Vec<String>> {
    let list = |k: &str| root.get(k).and_then(Value::as_array).into_iter().flatten();
    let names: HashMap<&str, &str> = list("Categories")
        .filter_map(|c| Some((c.get("Id")?.as_str()?, c.get("Name")?.as_str()?)))
        .collect();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for link in list("AuthenticatorCategories") {
        let (Some(id), Some(secret)) = (
            link.get("CategoryId").and_then(Value::as_str),
            link.get("AuthenticatorSecret").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Some(name) = names.get(id) {
            out.entry(secret.to_string())
                .or_default()
                .push((*name).to_string());
        }
    }
    out
}

fn entry(value: &Value, tags: &HashMap<String, Vec<String>>) -> Result<Entry, String> {
    let obj = json::entry_object(value)?;
    let mut d = Draft::new(obj.text_or_empty("Issuer")?, obj.text_or_empty("Username")?);
    d.kind = match obj.int("Type")? {
        Some(1) => Kind::Hotp,
        Some(2) => Kind::Totp,
        Some(4) => Kind::Steam,
        Some(3) => return Err("mOTP tokens are not supported".into()),
        Some(5) => return Err("Yandex tokens are not supported".into()),
        Some(n) => return Err(format!("unknown Stratum type {n}")),
        None => return Err("it has no 'Type'".into()),
    };
    d.algorithm = match obj.int("Algorithm")? {
        None | Some(0) => Algorithm::Sha1,
        Some(1) => Algorithm::Sha256,
        Some(2) => Algorithm::Sha512,
        Some(n) => return Err(format!("unknown Stratum algorithm {n}")),
    };
    d.digits = obj.int("Digits")?;
    d.period = obj.int("Period")?;
    d.counter = obj.int("Counter")?;
    let secret = obj.required_text("Secret")?;
    d.tags = tags.get(secret).cloned().unwrap_or_default();
    d.build(draft::base32(secret)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_algorithms_and_categories() {
        let text = br#"{"Authenticators":[
            {"Type":1,"Issuer":"A","Username":"a","Secret":"JBSWY3DPEHPK3PXP","Algorithm":2,"Digits":8,"Period":30,"Counter":3},
            {"Type":3,"Issuer":"M","Username":"m","Secret":"JBSWY3DPEHPK3PXP","Algorithm":0,"Digits":6,"Period":10}],
            "Categories":[{"Id":"c1","Name":"Work"}],
            "AuthenticatorCategories":[{"CategoryId":"c1","AuthenticatorSecret":"JBSWY3DPEHPK3PXP"}]}"#;
        assert!(Stratum.sniff(text));
        let items = Stratum.read(text, None).unwrap();
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!(
            (e.kind, e.algorithm, e.digits, e.counter),
            (Kind::Hotp, Algorithm::Sha512, 8, 3)
        );
        assert_eq!(e.tags, vec!["Work".to_string()]);
        assert!(matches!(&items[1], Item::Failed { reason, .. } if reason.contains("mOTP")));
    }

    #[test]
    fn encrypted_backups_need_their_password() {
        for header in ["AuthenticatorPro", "AUTHENTICATORPRO"] {
            let bytes = format!("{header}\x01\x02");
            assert!(Stratum.sniff(bytes.as_bytes()));
            assert_eq!(
                Stratum.read(bytes.as_bytes(), None).unwrap_err(),
                ImportError::NeedsPassword
            );
            let pw = SecretString::from("pw".to_string());
            let e = Stratum.read(bytes.as_bytes(), Some(&pw)).unwrap_err();
            assert!(e.to_string().contains("cut short"), "{e}");
        }
    }
}
