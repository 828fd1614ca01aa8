//! 2FAS Authenticator backups (`.2fas`, schemas 1 to 4), plain or password-encrypted.
//!
//! Encrypted backups keep the services in `servicesEncrypted` as three Base64 parts joined by
//! colons: ciphertext with its GCM tag, salt, IV. The key is PBKDF2-HMAC-SHA256 of the password
//! (10,000 rounds, 256 bits), the cipher AES-256-GCM. Schema 1 has no OTP parameters: every
//! entry is TOTP/SHA1/6 digits/30 s. A service's group (`groupId`, named in the top-level
//! `groups` list, which encrypted backups keep in the clear) becomes its tag.

use std::collections::HashMap;

use age::secrecy::SecretString;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::draft::{self, Draft};
use super::json::{self, Fields};
use super::{Format, ImportError, Item, cipher, kdf};
use crate::engine::entry::Entry;
use crate::engine::otp::Kind;

pub struct TwoFas;

/// 2FAS's PBKDF2 rounds: fixed by the app, not read from the file.
const ROUNDS: kdf::Pbkdf2Rounds = kdf::Pbkdf2Rounds::constant(10_000);

impl Format for TwoFas {
    fn name(&self) -> &'static str {
        "2fas"
    }

    fn summary(&self) -> &'static str {
        "2FAS backup, plain or encrypted"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        json::sniff(bytes).is_some_and(|v| {
            v.get("services").is_some_and(Value::is_array)
                && (v.get("schemaVersion").is_some() || v.get("servicesEncrypted").is_some())
        })
    }

    fn read(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
    ) -> Result<Vec<Item>, ImportError> {
        let root = json::parse(bytes)?;
        let root = json::object(&root, "a 2FAS backup")?;
        let decrypted;
        let services = match root.get("servicesEncrypted").and_then(Value::as_str) {
            Some(sealed) if !sealed.trim().is_empty() => {
                let plain = decrypt(sealed, cipher::password(password)?)?;
                decrypted = json::parse(&plain)?;
                decrypted.as_array().ok_or_else(|| {
                    ImportError::Malformed("the decrypted services are not a list".into())
                })?
            }
            _ => json::array(root, "services")?,
        };
        let groups = groups(root);
        Ok(services
            .iter()
            .enumerate()
            .map(|(i, value)| match service(value, &groups) {
                Ok(e) => Item::entry(e),
                Err(reason) => Item::failed(name_of(i, value), reason),
            })
            .collect())
    }
}

fn name_of(index: usize, value: &Value) -> String {
    let otp = value.get("otp");
    let get = |k: &str| otp.and_then(|o| o.get(k)).and_then(Value::as_str);
    let issuer = get("issuer")
        .or_else(|| value.get("name").and_then(Value::as_str))
        .unwrap_or("");
    draft::located(index, issuer, get("account").unwrap_or(""))
}

/// Group id → group name.
fn groups(root: &json::Object) -> HashMap<&str, &str> {
    root.get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| Some((g.get("id")?.as_str()?, g.get("name")?.as_str()?)))
        .filter(|(_, name)| !name.trim().is_empty())
        .collect()
}

fn service(value: &Value, groups: &HashMap<&str, &str>) -> Result<Entry, String> {
    let obj = json::entry_object(value)?;
    let empty = json::Object::new();
    let otp = obj.child("otp")?.unwrap_or(&empty);
    let issuer = match otp.text("issuer")? {
        Some(i) if !i.trim().is_empty() => i,
        _ => obj.text_or_empty("name")?,
    };
    let account = match otp.text("account")? {
        Some(a) => a.to_string(),
        // Schema 1 may only have "Issuer:account" as the label.
        None => {
            let label = otp.text_or_empty("label")?;
            label
                .split_once(':')
                .map_or(label, |(_, account)| account)
                .to_string()
        }
    };
    let mut d = Draft::new(issuer, &account);
    d.kind = match otp
        .text("tokenType")?
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("TOTP") => Kind::Totp,
        Some("HOTP") => Kind::Hotp,
        Some("STEAM") => Kind::Steam,
        Some(other) => {
            let shown: String = other.chars().take(20).collect();
            return Err(format!("the 2FAS token type '{shown}' is not supported"));
        }
    };
    d.algorithm = draft::algorithm(otp.text("algorithm")?)?;
    d.digits = otp.int("digits")?;
    d.period = otp.int("period")?;
    d.counter = otp.int("counter")?;
    if let Some(group) = obj.text("groupId")?.and_then(|id| groups.get(id)) {
        d.tags = vec![group.trim().to_string()];
    }
    d.build(draft::base32(obj.required_text("secret")?)?)
}

fn decrypt(sealed: &str, password: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    let parts: Vec<&str> = sealed.trim().split(':').collect();
    let [data, salt, iv] = parts.as_slice() else {
        return Err(ImportError::Malformed(
            "'servicesEncrypted' should have three parts separated by ':'".into(),
        ));
    };
    let b64 = |t: &str| {
        STANDARD
            .decode(t)
            .map_err(|_| ImportError::Malformed("'servicesEncrypted' is not valid Base64".into()))
    };
    let key = cipher::pbkdf2_sha256(password, &b64(salt)?, ROUNDS);
    cipher::open_gcm(key.as_slice(), &b64(iv)?, &b64(data)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_one_is_plain_totp() {
        let text = br#"{"schemaVersion":1,"services":[{"name":"Deno","secret":"JBSWY3DPEHPK3PXP",
            "otp":{"label":"Deno:Mason","account":"Mason","issuer":"Deno"},"type":"Unknown"},
            {"name":"NoAccount","secret":"JBSWY3DPEHPK3PXP","otp":{"label":"X:bob"}},
            {"name":"Bad","secret":"JBSW0Y3DP","otp":{}}]}"#;
        assert!(TwoFas.sniff(text));
        let items = TwoFas.read(text, None).unwrap();
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!(
            (e.issuer.as_str(), e.account.as_str(), e.kind),
            ("Deno", "Mason", Kind::Totp)
        );
        let Item::Entry(e) = &items[1] else { panic!() };
        assert_eq!(
            (e.issuer.as_str(), e.account.as_str()),
            ("NoAccount", "bob")
        );
        assert!(matches!(&items[2], Item::Failed { what, reason }
            if what == "entry 3 ('Bad')" && reason.contains("'0' at position 5")));
    }

    #[test]
    fn groups_become_tags() {
        let text = br#"{"schemaVersion":4,"groups":[{"id":"g1","name":"Work","isExpanded":true}],
            "services":[{"name":"A","secret":"JBSWY3DPEHPK3PXP","otp":{"account":"a"},"groupId":"g1"},
            {"name":"B","secret":"JBSWY3DPEHPK3PXP","otp":{"account":"b"},"groupId":"gone"},
            {"name":"C","secret":"JBSWY3DPEHPK3PXP","otp":{"account":"c"}}]}"#;
        let tags: Vec<Vec<String>> = TwoFas
            .read(text, None)
            .unwrap()
            .into_iter()
            .map(|i| match i {
                Item::Entry(e) => e.tags,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(tags, [vec!["Work".to_string()], vec![], vec![]]);
    }

    #[test]
    fn bad_encrypted_field() {
        let text = br#"{"schemaVersion":4,"services":[],"servicesEncrypted":"abc"}"#;
        assert_eq!(
            TwoFas.read(text, None).unwrap_err(),
            ImportError::NeedsPassword
        );
        let pw = SecretString::from("x".to_string());
        let e = TwoFas.read(text, Some(&pw)).unwrap_err().to_string();
        assert!(e.contains("three parts"), "{e}");
    }
}
