//! Steam Desktop Authenticator `.maFile`s: `shared_secret` (Base64) is the Steam Guard seed,
//! `account_name` the account. A manifest-like wrapper `{"accounts": {…}}` holding several
//! maFiles is read too.

use age::secrecy::SecretString;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::draft::{self, Draft};
use super::json::{self, Fields, Object};
use super::{Format, ImportError, Item};
use crate::engine::entry::Entry;
use crate::engine::otp::Kind;

pub struct Steam;

/// The maFile objects in the document.
fn accounts(root: &Value) -> Vec<&Object> {
    if root.get("shared_secret").is_some() {
        return root.as_object().into_iter().collect();
    }
    root.get("accounts")
        .and_then(Value::as_object)
        .map(|map| {
            map.values()
                .filter_map(Value::as_object)
                .filter(|o| o.contains_key("shared_secret"))
                .collect()
        })
        .unwrap_or_default()
}

impl Format for Steam {
    fn name(&self) -> &'static str {
        "steam"
    }

    fn summary(&self) -> &'static str {
        "Steam Desktop Authenticator .maFile"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        json::sniff(bytes).is_some_and(|v| !accounts(&v).is_empty())
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        let root = json::parse(bytes)?;
        if root.get("encryption_iv").is_some_and(|v| !v.is_null()) {
            return Err(ImportError::Malformed(
                "this maFile is encrypted; decrypt it in Steam Desktop Authenticator first".into(),
            ));
        }
        let found = accounts(&root);
        if found.is_empty() {
            return Err(ImportError::Malformed(
                "the file has no 'shared_secret': not a Steam Desktop Authenticator maFile".into(),
            ));
        }
        Ok(found
            .into_iter()
            .enumerate()
            .map(|(i, obj)| match entry(obj) {
                Ok(e) => Item::entry(e),
                Err(reason) => Item::failed(
                    draft::located(i, "Steam", obj.text_or_empty("account_name").unwrap_or("")),
                    reason,
                ),
            })
            .collect())
    }
}

fn entry(obj: &Object) -> Result<Entry, String> {
    let secret = STANDARD
        .decode(obj.required_text("shared_secret")?.trim())
        .map_err(|_| "'shared_secret' is not valid Base64".to_string())?;
    let mut d = Draft::new("Steam", obj.text_or_empty("account_name")?);
    d.kind = Kind::Steam;
    d.build(draft::raw(secret)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_single_mafile() {
        let text =
            br#"{"shared_secret":"SGVsbG8h3q2+7w==","account_name":"gabe","revocation_code":"R1"}"#;
        assert!(Steam.sniff(text));
        let items = Steam.read(text, None).unwrap();
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!(
            (e.issuer.as_str(), e.account.as_str(), e.kind),
            ("Steam", "gabe", Kind::Steam)
        );
        assert_eq!(&*e.secret.to_base32(), "JBSWY3DPEHPK3PXP");
        let bad = br#"{"shared_secret":"not base64!","account_name":"x"}"#;
        let items = Steam.read(bad, None).unwrap();
        assert!(matches!(&items[0], Item::Failed { reason, .. } if reason.contains("Base64")));
    }
}
