//! Aegis vault exports (`aegis-export-*.json`), plain or password-encrypted.
//!
//! Encrypted vaults keep the database as Base64 AES-256-GCM ciphertext; the master key is
//! sealed in "slots". Password slots (type 1) derive a key with scrypt (n, r, p, salt) and
//! open the master key with AES-256-GCM. Database versions 1–3 are read; groups (v3) and the
//! single group (v2) become tags. An entry's valid `uuid` becomes its id (a keyfob export read
//! back keeps its ids; the add still skips an entry already in the vault by the account rule).

use std::collections::HashMap;

use age::secrecy::SecretString;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zeroize::Zeroizing;

use super::draft::{self, Draft};
use super::json::{self, Fields, Object};
use super::{Format, ImportError, Item, cipher, kdf};
use crate::engine::entry::{Entry, EntryId};
use crate::engine::otp::Kind;

pub struct Aegis;

impl Format for Aegis {
    fn name(&self) -> &'static str {
        "aegis"
    }

    fn summary(&self) -> &'static str {
        "Aegis vault export, plain or encrypted"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        json::sniff(bytes)
            .is_some_and(|v| v.get("header").is_some_and(Value::is_object) && v.get("db").is_some())
    }

    fn read(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
    ) -> Result<Vec<Item>, ImportError> {
        let root = json::parse(bytes)?;
        let root = json::object(&root, "an Aegis export")?;
        let db: Value = match root.get("db") {
            Some(Value::Object(db)) => Value::Object(db.clone()),
            Some(Value::String(sealed)) => {
                let plain = decrypt(root, sealed, password)?;
                json::parse(&plain)?
            }
            _ => {
                return Err(ImportError::Malformed(
                    "the Aegis export has no 'db' object".into(),
                ));
            }
        };
        let db = json::object(&db, "the Aegis database")?;
        if let Some(version) = db.get("version").and_then(Value::as_i64)
            && version > 3
        {
            return Err(ImportError::Malformed(format!(
                "the Aegis database is version {version}; keyfob reads versions 1 to 3"
            )));
        }
        let groups = group_names(db);
        let entries = json::array(db, "entries")?;
        Ok(entries
            .iter()
            .enumerate()
            .map(|(i, value)| match entry(value, &groups) {
                Ok(e) => Item::entry(e),
                Err(reason) => Item::failed(name_of(i, value), reason),
            })
            .collect())
    }
}

fn name_of(index: usize, value: &Value) -> String {
    let get = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("");
    draft::located(index, get("issuer"), get("name"))
}

/// Group uuid → name (database version 3).
fn group_names(db: &Object) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for group in db
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(uuid), Some(name)) = (
            group.get("uuid").and_then(Value::as_str),
            group.get("name").and_then(Value::as_str),
        ) {
            names.insert(uuid.to_string(), name.to_string());
        }
    }
    names
}

fn entry(value: &Value, groups: &HashMap<String, String>) -> Result<Entry, String> {
    let obj = json::entry_object(value)?;
    let info = obj.child("info")?.ok_or("it has no 'info' object")?;
    let mut d = Draft::new(obj.text_or_empty("issuer")?, obj.text_or_empty("name")?);
    d.kind = match obj.required_text("type")?.to_ascii_lowercase().as_str() {
        "totp" => Kind::Totp,
        "hotp" => Kind::Hotp,
        "steam" => Kind::Steam,
        other => {
            let shown: String = other.chars().take(20).collect();
            return Err(format!(
                "the Aegis type '{shown}' is not supported (keyfob has totp, hotp and steam)"
            ));
        }
    };
    d.algorithm = draft::algorithm(info.text("algo")?)?;
    d.digits = info.int("digits")?;
    d.period = info.int("period")?;
    d.counter = info.int("counter")?;
    d.note = obj.text("note")?.map(str::to_string);
    if let Some(Value::Array(ids)) = obj.get("groups") {
        d.tags = ids
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|id| groups.get(id).cloned())
            .collect();
    } else if let Some(group) = obj.text("group")?.filter(|g| !g.is_empty()) {
        d.tags = vec![group.to_string()];
    }
    let mut entry = d.build(draft::base32(info.required_text("secret")?)?)?;
    entry.id = obj
        .get("uuid")
        .and_then(Value::as_str)
        .and_then(EntryId::parse);
    Ok(entry)
}

fn hex(obj: &Object, key: &str) -> Result<Vec<u8>, ImportError> {
    let text = obj.required_text(key).map_err(ImportError::Malformed)?;
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .map_err(|_| ImportError::Malformed(format!("the slot's '{key}' is not hexadecimal")))
}

/// The database's plaintext, opened with the first password slot the password fits. Every
/// password slot's scrypt parameters are checked against Aegis' limits before the password
/// is asked for.
fn decrypt(
    root: &Object,
    sealed: &str,
    password: Option<&SecretString>,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let malformed = |t: &str| ImportError::Malformed(t.to_string());
    let header = root
        .get("header")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed("the encrypted Aegis export has no header"))?;
    let slots = header
        .get("slots")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("the encrypted Aegis export has no key slots"))?;
    let mut password_slots = Vec::new();
    for slot in slots.iter().filter_map(Value::as_object) {
        if slot.get("type").and_then(Value::as_i64) != Some(1) {
            continue; // raw and biometric slots cannot be opened with a password
        }
        let param = |k: &str| {
            slot.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| malformed("a password slot lacks its scrypt parameters"))
        };
        let cost = kdf::aegis_scrypt(param("n")?, param("r")?, param("p")?)?;
        password_slots.push((slot, cost));
    }
    if password_slots.is_empty() {
        return Err(malformed(
            "the Aegis vault has no password slot (it can only be opened on the phone)",
        ));
    }
    let password = cipher::password(password)?;
    let mut master: Option<Zeroizing<Vec<u8>>> = None;
    for (slot, cost) in password_slots {
        let key = cipher::scrypt(password, &hex(slot, "salt")?, cost)?;
        let key_params = slot
            .child("key_params")
            .map_err(ImportError::Malformed)?
            .ok_or_else(|| malformed("a password slot lacks 'key_params'"))?;
        let mut sealed_key = hex(slot, "key")?;
        sealed_key.extend(hex(key_params, "tag")?);
        match cipher::open_gcm(key.as_slice(), &hex(key_params, "nonce")?, &sealed_key) {
            Ok(k) => {
                master = Some(k);
                break;
            }
            Err(ImportError::WrongPassword) => {}
            Err(e) => return Err(e),
        }
    }
    let master = master.ok_or(ImportError::WrongPassword)?;
    let params = header
        .child("params")
        .map_err(ImportError::Malformed)?
        .ok_or_else(|| malformed("the encrypted Aegis export has no 'params'"))?;
    let mut data = STANDARD
        .decode(sealed.trim())
        .map_err(|_| malformed("the Aegis database is not valid Base64"))?;
    data.extend(hex(params, "tag")?);
    cipher::open_gcm(&master, &hex(params, "nonce")?, &data)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"{"version":1,"header":{"slots":null,"params":null},
      "db":{"version":3,"groups":[{"uuid":"g1","name":"Work"}],"entries":[
        {"type":"totp","uuid":"u1","name":"me","issuer":"GitHub","note":"n","icon":null,
         "info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA256","digits":8,"period":60},"groups":["g1"]},
        {"type":"hotp","uuid":"u2","name":"bank","issuer":"","icon":null,
         "info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":6,"counter":5}},
        {"type":"motp","uuid":"u3","name":"x","issuer":"Old","icon":null,"info":{"secret":"JBSWY3DPEHPK3PXP"}},
        {"type":"totp","uuid":"u4","name":"y","issuer":"Zero","icon":null,
         "info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":6,"period":0}}
      ]}}"#;

    #[test]
    fn reads_plain_vaults_with_groups() {
        assert!(Aegis.sniff(PLAIN.as_bytes()));
        let items = Aegis.read(PLAIN.as_bytes(), None).unwrap();
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("GitHub", "me"));
        assert_eq!((e.digits, e.period), (8, 60));
        assert_eq!(e.tags, vec!["Work".to_string()]);
        assert_eq!(e.note.as_deref(), Some("n"));
        let Item::Entry(h) = &items[1] else { panic!() };
        assert_eq!((h.kind, h.counter), (Kind::Hotp, 5));
        assert!(matches!(&items[2], Item::Failed { what, reason }
            if what == "entry 3 ('Old:x')" && reason.contains("'motp' is not supported")));
        assert!(
            matches!(&items[3], Item::Failed { reason, .. } if reason.contains("period of 0 s"))
        );
    }

    #[test]
    fn encrypted_without_slots_or_password() {
        let sealed = r#"{"version":1,"header":{"slots":[{"type":2}],"params":{"nonce":"00","tag":"00"}},"db":"AAAA"}"#;
        assert!(Aegis.sniff(sealed.as_bytes()));
        // No password is asked for when none could open it.
        let e = Aegis.read(sealed.as_bytes(), None).unwrap_err();
        assert!(e.to_string().contains("no password slot"), "{e}");
        let with_slot = sealed.replace(
            r#"{"type":2}"#,
            r#"{"type":1,"n":32768,"r":8,"p":1,"salt":"00","key":"00","key_params":{"nonce":"00","tag":"00"}}"#,
        );
        assert_eq!(
            Aegis.read(with_slot.as_bytes(), None).unwrap_err(),
            ImportError::NeedsPassword
        );
    }

    /// A password slot with the given scrypt parameters (and nothing that would open).
    fn sealed_with(n: u64, r: u64, p: u64) -> String {
        format!(
            r#"{{"version":1,"header":{{"slots":[{{"type":1,"uuid":"x","n":{n},"r":{r},"p":{p},
            "salt":"00","key":"00","key_params":{{"nonce":"00","tag":"00"}}}}],
            "params":{{"nonce":"00","tag":"00"}}}},"db":"AAAA"}}"#
        )
    }

    #[test]
    fn scrypt_beyond_aegis_limits_is_refused_before_any_work() {
        let pw = SecretString::from("pw".to_string());
        for (n, r, p, what) in [
            (1u64 << 30, 8, 1, "scrypt memory (128·N·r) is 1,024 GiB"),
            (1 << 15, 1 << 20, 1, "scrypt memory (128·N·r) is 4,096 GiB"),
            (1 << 15, 8, 1_000, "scrypt work (N·r·p) is 262,144,000"),
            (1 << 15, 8, 1 << 40, "scrypt p is 1,099,511,627,776"),
            (12_345, 8, 1, "scrypt N (a power of two) is 12,345"),
        ] {
            let file = sealed_with(n, r, p);
            for password in [None, Some(&pw)] {
                let started = std::time::Instant::now();
                let e = Aegis.read(file.as_bytes(), password).unwrap_err();
                assert!(matches!(e, ImportError::KdfRefused(_)), "{e:?}");
                assert!(e.to_string().contains(what), "{e}");
                assert!(started.elapsed() < std::time::Duration::from_millis(100));
            }
        }
        // Aegis' own parameters go on to the password.
        let file = sealed_with(1 << 15, 8, 1);
        assert_eq!(
            Aegis.read(file.as_bytes(), None).unwrap_err(),
            ImportError::NeedsPassword
        );
    }
}
