//! Bitwarden vault exports, JSON (unencrypted or password-protected) or CSV: the items whose
//! `login.totp` (JSON) or `login_totp` column (CSV) is set. That field holds an `otpauth://`
//! URI, `steam://SECRET`, or a bare Base32 secret; the item's name and username fill in what
//! the field lacks. A password-protected export is decrypted with its password (see
//! [`protected`]); an export encrypted with a Bitwarden account's own key ("account
//! restricted") can only be read by that account, and is refused saying so.

use age::secrecy::SecretString;
use serde_json::Value;

use super::draft::{self, Draft};
use super::json;
use super::lines::LineCounter;
use super::{Format, ImportError, Item};
use crate::engine::entry::Entry;
use crate::engine::otp::Kind;
use crate::engine::uri;

mod protected;

pub struct Bitwarden;

impl Format for Bitwarden {
    fn name(&self) -> &'static str {
        "bitwarden"
    }

    fn summary(&self) -> &'static str {
        "Bitwarden JSON (plain or password-protected) or CSV export"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        if let Some(v) = json::sniff(bytes) {
            // Password-protected exports have "data" instead of "items".
            return v.get("encrypted").is_some()
                && (v.get("items").is_some_and(Value::is_array)
                    || v.get("passwordProtected").is_some());
        }
        csv_header(bytes).is_some_and(|h| h.iter().any(|c| c == "login_totp"))
    }

    fn read(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
    ) -> Result<Vec<Item>, ImportError> {
        if json::sniff(bytes).is_some() || bytes.trim_ascii_start().starts_with(b"{") {
            read_json(bytes, password)
        } else {
            read_csv(bytes)
        }
    }
}

/// The first line's column names, lower-cased.
fn csv_header(bytes: &[u8]) -> Option<Vec<String>> {
    let text = super::text(bytes).ok()?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let first = reader.records().next()?.ok()?;
    Some(
        first
            .iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect(),
    )
}

fn read_json(bytes: &[u8], password: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
    let root = json::parse(bytes)?;
    let root = json::object(&root, "a Bitwarden export")?;
    if root.get("encrypted").and_then(Value::as_bool) == Some(true) {
        if root.get("passwordProtected").and_then(Value::as_bool) == Some(true) {
            let plain = protected::decrypt(root, password)?;
            return read_json(&plain, None);
        }
        return Err(ImportError::Malformed(
            "this Bitwarden export is encrypted with its account's key (\"account restricted\"), which only that Bitwarden account can read; export again with a password (\"password protected\"), or as unencrypted JSON or CSV".into(),
        ));
    }
    let mut items = Vec::new();
    for (i, value) in json::array(root, "items")?.iter().enumerate() {
        let get = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("");
        let login = value.get("login").and_then(Value::as_object);
        let field = |k: &str| {
            login
                .and_then(|l| l.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let totp = field("totp");
        if totp.trim().is_empty() {
            continue; // a login without a TOTP seed
        }
        items.push(match entry(totp, get("name"), field("username")) {
            Ok(e) => Item::entry(e),
            Err(reason) => Item::failed(draft::located(i, get("name"), ""), reason),
        });
    }
    Ok(items)
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Item>, ImportError> {
    let text = super::text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Malformed(format!("the CSV header cannot be read: {e}")))?
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|c| c == name);
    let totp_at = column("login_totp").ok_or_else(|| {
        ImportError::Malformed("the CSV has no 'login_totp' column: not a Bitwarden export".into())
    })?;
    let (name_at, user_at) = (column("name"), column("login_username"));
    let mut items = Vec::new();
    let mut lines = LineCounter::new(text);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = lines.line_of(e.position().map_or(0, csv::Position::byte));
                items.push(Item::failed(
                    format!("line {line}"),
                    "the CSV row cannot be read",
                ));
                continue;
            }
        };
        let line = lines.line_of(record.position().map_or(0, csv::Position::byte));
        let get = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("");
        let totp = get(Some(totp_at));
        if totp.trim().is_empty() {
            continue;
        }
        items.push(match entry(totp, get(name_at), get(user_at)) {
            Ok(e) => Item::entry(e),
            Err(reason) => Item::failed(format!("line {line}"), reason),
        });
    }
    Ok(items)
}

/// One `totp` field with the item's name and username.
fn entry(totp: &str, name: &str, username: &str) -> Result<Entry, String> {
    let totp = totp.trim();
    if uri::strip_scheme(totp, "otpauth").is_some() {
        let mut e = uri::parse(totp).map_err(|e| e.to_string())?;
        if e.issuer.is_empty() {
            e.issuer = name.trim().to_string();
        }
        if e.account.is_empty() {
            e.account = username.trim().to_string();
        }
        return Ok(e);
    }
    let account = if username.trim().is_empty() {
        name
    } else {
        username
    };
    if let Some(secret) = uri::strip_scheme(totp, "steam") {
        let mut d = Draft::new("Steam", account);
        d.kind = Kind::Steam;
        return d.build(draft::base32(secret)?);
    }
    Draft::new(name, username).build(draft::base32(totp)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms_of_the_totp_field() {
        let text = br#"{"encrypted":false,"items":[
            {"name":"GitHub","login":{"username":"me","totp":"JBSWY3DPEHPK3PXP"}},
            {"name":"NoTotp","login":{"username":"x","totp":null}},
            {"name":"Note","type":2},
            {"name":"Valve","login":{"username":null,"totp":"steam://JBSWY3DPEHPK3PXP"}},
            {"name":"Broken","login":{"totp":"otpauth://totp/x?secret=JBSWY3DPEHPK3PX1"}}]}"#;
        assert!(Bitwarden.sniff(text));
        let items = Bitwarden.read(text, None).unwrap();
        assert_eq!(items.len(), 3);
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("GitHub", "me"));
        let Item::Entry(e) = &items[1] else { panic!() };
        assert_eq!(
            (e.issuer.as_str(), e.account.as_str(), e.kind),
            ("Steam", "Valve", Kind::Steam)
        );
        assert!(matches!(&items[2], Item::Failed { what, .. } if what == "entry 5 ('Broken')"));
    }

    #[test]
    fn encrypted_json_needs_a_password_or_another_export() {
        let text = br#"{"encrypted":true,"passwordProtected":true,"salt":"x","data":"y"}"#;
        assert!(Bitwarden.sniff(text));
        // Without its key derivation it cannot be opened with any password: it says so.
        let e = Bitwarden.read(text, None).unwrap_err().to_string();
        assert!(e.contains("'kdfType'"), "{e}");
        let text = br#"{"encrypted":true,"passwordProtected":true,"salt":"x","data":"y","kdfType":0,"kdfIterations":600000}"#;
        assert_eq!(
            Bitwarden.read(text, None).unwrap_err(),
            ImportError::NeedsPassword
        );
        let account = br#"{"encrypted":true,"encKeyValidation_DO_NOT_EDIT":"2.a|b|c","items":[]}"#;
        assert!(Bitwarden.sniff(account));
        assert!(
            Bitwarden
                .read(account, None)
                .unwrap_err()
                .to_string()
                .contains("account restricted")
        );
    }

    #[test]
    fn csv_names_lines() {
        let text = b"folder,favorite,type,name,notes,fields,login_uri,login_username,login_password,login_totp\n\
            ,,login,A,,,,alice,,JBSWY3DPEHPK3PXP\n\
            ,,login,B,,,,,,\n\
            ,,login,C,,,,,,not base32!\n";
        assert!(Bitwarden.sniff(text));
        let items = Bitwarden.read(text, None).unwrap();
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[1], Item::Failed { what, .. } if what == "line 4"));
    }
}
