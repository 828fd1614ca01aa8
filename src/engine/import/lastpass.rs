//! LastPass Authenticator's JSON export (Settings → Transfer accounts → Export to file):
//! `accounts` with `issuerName`/`userName` (as the person named them; `originalIssuerName`/
//! `originalUserName` fill in when they are empty), a Base32 `secret`, `algorithm`, `digits`
//! and `timeStep`; every account is TOTP (LastPass has no other kind). An account's folder
//! (`folderData.folderId`, named in `folders`) becomes its tag, except the built-in
//! "Favorites".

use std::collections::HashMap;

use age::secrecy::SecretString;
use serde_json::Value;

use super::draft::{self, Draft};
use super::json::{self, Fields, Object};
use super::{Format, ImportError, Item};
use crate::engine::entry::Entry;

pub struct LastPass;

impl Format for LastPass {
    fn name(&self) -> &'static str {
        "lastpass"
    }

    fn summary(&self) -> &'static str {
        "LastPass Authenticator JSON export"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        json::sniff(bytes).is_some_and(|v| {
            v.get("accounts")
                .and_then(Value::as_array)
                .is_some_and(|list| {
                    v.get("deviceSecret").is_some()
                        || list.first().is_some_and(|first| {
                            first.get("timeStep").is_some()
                                && (first.get("issuerName").is_some()
                                    || first.get("originalIssuerName").is_some())
                        })
                })
        })
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        let root = json::parse(bytes)?;
        let root = json::object(&root, "a LastPass Authenticator export")?;
        let folders = folders(root);
        Ok(json::array(root, "accounts")?
            .iter()
            .enumerate()
            .map(|(i, value)| match account(value, &folders) {
                Ok(e) => Item::entry(e),
                Err(reason) => {
                    let (issuer, user) = names(value);
                    Item::failed(draft::located(i, issuer, user), reason)
                }
            })
            .collect())
    }
}

/// Folder id → name, without the built-in favourites folder.
fn folders(root: &Object) -> HashMap<i64, &str> {
    root.get("folders")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f.get("id")?.as_i64()?, f.get("name")?.as_str()?)))
        .filter(|(_, name)| !name.trim().is_empty() && *name != "Favorites")
        .collect()
}

/// The account's issuer and user name as shown in the app, else as first scanned.
fn names(value: &Value) -> (&str, &str) {
    let get = |key: &str, original: &str| {
        [key, original]
            .iter()
            .filter_map(|k| value.get(*k).and_then(Value::as_str))
            .find(|s| !s.trim().is_empty())
            .unwrap_or("")
    };
    (
        get("issuerName", "originalIssuerName"),
        get("userName", "originalUserName"),
    )
}

fn account(value: &Value, folders: &HashMap<i64, &str>) -> Result<Entry, String> {
    let obj = json::entry_object(value)?;
    let (issuer, user) = names(value);
    let mut d = Draft::new(issuer, user);
    d.algorithm = draft::algorithm(obj.text("algorithm")?)?;
    d.digits = obj.int("digits")?;
    d.period = obj.int("timeStep")?;
    let folder = obj
        .child("folderData")?
        .and_then(|f| f.get("folderId"))
        .and_then(Value::as_i64);
    if let Some(name) = folder.and_then(|id| folders.get(&id)) {
        d.tags = vec![name.trim().to_string()];
    }
    d.build(draft::base32(obj.required_text("secret")?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_names_and_folders() {
        let text = br#"{"deviceId":"d","deviceSecret":"s","localDeviceId":"l","deviceName":"phone","version":3,
            "accounts":[
            {"accountID":"1","issuerName":"GitHub","originalIssuerName":"github.com","userName":"me","originalUserName":"me@x",
             "pushNotification":false,"secret":"JBSWY3DPEHPK3PXP","timeStep":30,"digits":6,"creationTimestamp":1,
             "isFavorite":true,"algorithm":"SHA1","folderData":{"folderId":0,"position":0}},
            {"accountID":"2","issuerName":"","originalIssuerName":"Bank","userName":"","originalUserName":"bob",
             "secret":"GEZDGNBVGY3TQOJQ","timeStep":60,"digits":8,"algorithm":"SHA256","folderData":{"folderId":7,"position":0}},
            {"accountID":"3","issuerName":"Bad","userName":"x","secret":"JBSW0Y3DP","timeStep":30,"digits":6,"algorithm":"SHA1"}],
            "folders":[{"id":0,"name":"Favorites","isOpened":true},{"id":7,"name":"Work","isOpened":true}]}"#;
        assert!(LastPass.sniff(text));
        assert_eq!(super::super::detect(text).unwrap().name(), "lastpass");
        let items = LastPass.read(text, None).unwrap();
        let Item::Entry(e) = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("GitHub", "me"));
        assert!(e.tags.is_empty(), "favourites are not a tag");
        let Item::Entry(e) = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("Bank", "bob"));
        assert_eq!((e.period, e.digits), (60, 8));
        assert_eq!(e.tags, ["Work"]);
        assert!(matches!(&items[2], Item::Failed { what, reason }
            if what == "entry 3 ('Bad:x')" && reason.contains("'0' at position 5")));
    }
}
