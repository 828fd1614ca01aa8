//! Proton Authenticator JSON exports: `entries[].content` holds an `otpauth://` URI (or
//! `steam://SECRET`) and the display name, which becomes the account; a note is kept.

use age::secrecy::SecretString;
use serde_json::Value;

use super::draft::{self, Draft};
use super::json::{self, Fields};
use super::{Format, ImportError, Item};
use crate::engine::entry::Entry;
use crate::engine::otp::Kind;
use crate::engine::uri;

pub struct Proton;

impl Format for Proton {
    fn name(&self) -> &'static str {
        "proton"
    }

    fn summary(&self) -> &'static str {
        "Proton Authenticator JSON export"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        json::sniff(bytes).is_some_and(|v| {
            v.get("entries")
                .and_then(Value::as_array)
                .is_some_and(|list| {
                    list.iter()
                        .all(|e| e.get("content").and_then(|c| c.get("uri")).is_some())
                })
                && v.get("version").is_some()
        })
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        let root = json::parse(bytes)?;
        let root = json::object(&root, "a Proton Authenticator export")?;
        if root.get("salt").is_some() || root.get("content").is_some_and(Value::is_string) {
            return Err(ImportError::Malformed(
                "encrypted Proton Authenticator exports are not supported; export without a password".into(),
            ));
        }
        Ok(json::array(root, "entries")?
            .iter()
            .enumerate()
            .map(|(i, value)| match entry(value) {
                Ok(e) => Item::entry(e),
                Err(reason) => {
                    let name = value
                        .get("content")
                        .and_then(|c| c.get("name"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    Item::failed(draft::located(i, "", name), reason)
                }
            })
            .collect())
    }
}

fn entry(value: &Value) -> Result<Entry, String> {
    let obj = json::entry_object(value)?;
    let content = obj.child("content")?.ok_or("it has no 'content'")?;
    let link = content.required_text("uri")?.trim();
    let name = content.text_or_empty("name")?.trim();
    let note = obj.text("note")?.map(str::to_string);
    if let Some(secret) = uri::strip_scheme(link, "steam") {
        let mut d = Draft::new("Steam", name);
        d.kind = Kind::Steam;
        d.note = note;
        return d.build(draft::base32(secret)?);
    }
    let mut e = uri::parse(link).map_err(|e| e.to_string())?;
    if !name.is_empty() {
        e.account = name.to_string();
    }
    e.note = note.filter(|n| !n.trim().is_empty());
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_the_account() {
        let text = br#"{"version":1,"entries":[
            {"id":"1","content":{"uri":"otpauth://totp/Acme:old?secret=JBSWY3DPEHPK3PXP&issuer=Acme","entry_type":"Totp","name":"new"},"note":"hi"},
            {"id":"2","content":{"uri":"steam://JBSWY3DPEHPK3PXP","entry_type":"Steam","name":"gabe"},"note":null},
            {"id":"3","content":{"uri":"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0","name":"zero"}}]}"#;
        assert!(Proton.sniff(text));
        let items = Proton.read(text, None).unwrap();
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("Acme", "new"));
        assert_eq!(e.note.as_deref(), Some("hi"));
        let Item::Entry(s) = &items[1] else { panic!() };
        assert_eq!((s.kind, s.account.as_str()), (Kind::Steam, "gabe"));
        assert!(matches!(&items[2], Item::Failed { what, .. } if what == "entry 3 ('zero')"));
    }
}
