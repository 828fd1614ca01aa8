//! The original FreeOTP's backups, the two that Aegis and others read:
//! - `tokens.xml`, the app's Android shared preferences (FreeOTP 1, from a rooted phone or an
//!   `adb backup`): a `<map>` of `<string name="Issuer:label">` elements, each holding a token
//!   as JSON (as FreeOTP+ writes them: signed-byte `secret`, `issuerExt`, `label`, `type`,
//!   `algo`, `digits`, `period`, `counter`), plus `tokenOrder`. HOTP counters are stored one
//!   lower than the next to use, so one is added back.
//! - FreeOTP 2's encrypted backup (`externalBackup.xml`, despite its name a Java-serialized
//!   `HashMap<String, String>`): `masterKey` is JSON naming PBKDF2 (HMAC-SHA1 or -SHA512;
//!   `mIterations`, `mSalt`) and the master key sealed with AES-256-GCM under the key that
//!   PBKDF2 makes of the password (nonce in the DER `mParameters`, `mToken` as associated
//!   data); each token has `<uuid>` = its secret sealed the same way under the master key,
//!   and `<uuid>-token` = the token's JSON without the secret. Counters here are the real
//!   ones.
//!
//! (FreeOTP's own sources, and Aegis's FreeOtpImporter and its test vectors, which keyfob's
//! importer was checked against.)

use age::secrecy::SecretString;
use serde_json::Value;

use super::draft;
use super::freeotp_plus::{draft_of, issuer_of, token};
use super::json::{self, Fields};
use super::{Format, ImportError, Item, cipher, kdf};

mod java;

pub struct FreeOtp;

fn is_backup(bytes: &[u8]) -> bool {
    java::is_serialized(bytes) && memchr::memmem::find(bytes, b"masterKey").is_some()
}

fn is_preferences(bytes: &[u8]) -> bool {
    let Ok(text) = super::text(bytes) else {
        return false;
    };
    let start = text.trim_start();
    (start.starts_with("<?xml") || start.starts_with("<map"))
        && text.contains("<map")
        && text.contains("issuerExt")
}

impl Format for FreeOtp {
    fn name(&self) -> &'static str {
        "freeotp"
    }

    fn summary(&self) -> &'static str {
        "FreeOTP tokens.xml or FreeOTP 2 encrypted backup"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        is_backup(bytes) || is_preferences(bytes)
    }

    fn read(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
    ) -> Result<Vec<Item>, ImportError> {
        if java::is_serialized(bytes) {
            backup(bytes, password)
        } else {
            preferences(bytes)
        }
    }
}

/// The name an item is reported under.
fn located(index: usize, value: &Value) -> String {
    let get = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("");
    draft::located(
        index,
        issuer_of(get("issuerExt"), get("issuerInt")),
        get("label"),
    )
}

fn item(index: usize, value: &Value, counter_offset: i64) -> Item {
    match token(value, counter_offset) {
        Ok(e) => Item::entry(e),
        Err(reason) => Item::failed(located(index, value), reason),
    }
}

/// FreeOTP 1's tokens.xml, in the app's order (`tokenOrder`) where it says.
fn preferences(bytes: &[u8]) -> Result<Vec<Item>, ImportError> {
    let text = super::text(bytes)?;
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        let at = e.pos();
        ImportError::Malformed(format!(
            "it is not valid XML at line {}, column {}",
            at.row, at.col
        ))
    })?;
    let map = doc.root_element();
    if map.tag_name().name() != "map" {
        return Err(ImportError::Malformed(
            "the XML is not Android preferences (no <map>)".into(),
        ));
    }
    let mut order: Vec<String> = Vec::new();
    let mut tokens: Vec<(String, &str)> = Vec::new();
    for node in map.children().filter(|n| n.has_tag_name("string")) {
        let name = node.attribute("name").unwrap_or_default();
        let value = node.text().unwrap_or_default();
        if name == "tokenOrder" {
            order = serde_json::from_str(value).unwrap_or_default();
        } else {
            tokens.push((name.to_string(), value));
        }
    }
    // Tokens the order lists first, in its order; any others after them.
    tokens.sort_by_key(|(name, _)| order.iter().position(|o| o == name).unwrap_or(usize::MAX));
    Ok(tokens
        .iter()
        .enumerate()
        .map(
            |(i, (name, value))| match serde_json::from_str::<Value>(value) {
                Ok(value) => item(i, &value, 1),
                Err(_) => Item::failed(
                    format!("token '{}'", crate::engine::printable::printable(name, 60)),
                    "its value is not JSON",
                ),
            },
        )
        .collect())
}

/// How the master key's description says to derive the key from a password.
struct PasswordKdf {
    sha512: bool,
    rounds: kdf::Pbkdf2Rounds,
    salt: Vec<u8>,
}

/// The master key's key derivation, its round count checked against FreeOTP's limit.
fn password_kdf(master: &json::Object) -> Result<PasswordKdf, ImportError> {
    let bad =
        |what: &str| ImportError::Malformed(format!("the FreeOTP backup's master key {what}"));
    let rounds = master
        .int("mIterations")
        .ok()
        .flatten()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| bad("has no usable 'mIterations'"))?;
    let rounds = kdf::freeotp_rounds(rounds)?;
    let salt = bytes_of(master.get("mSalt")).ok_or_else(|| bad("has no 'mSalt'"))?;
    let sha512 = match master.text("mAlgorithm").ok().flatten() {
        Some(a) if a.eq_ignore_ascii_case("PBKDF2withHmacSHA512") => true,
        Some(a) if a.eq_ignore_ascii_case("PBKDF2withHmacSHA1") => false,
        _ => return Err(bad("names a key derivation keyfob does not know")),
    };
    Ok(PasswordKdf {
        sha512,
        rounds,
        salt,
    })
}

impl PasswordKdf {
    /// The key `password` gives.
    fn key(&self, password: &[u8]) -> zeroize::Zeroizing<[u8; 32]> {
        if self.sha512 {
            cipher::pbkdf2_sha512(password, &self.salt, self.rounds)
        } else {
            cipher::pbkdf2_sha1(password, &self.salt, self.rounds)
        }
    }
}

/// A list of Java's signed bytes.
fn bytes_of(value: Option<&Value>) -> Option<Vec<u8>> {
    value?
        .as_array()?
        .iter()
        .map(|b| {
            b.as_i64()
                .filter(|n| (-128..=255).contains(n))
                .map(|n| n.to_le_bytes()[0])
        })
        .collect()
}

/// Opens one of the backup's sealed keys (`{"mCipher", "mCipherText", "mParameters",
/// "mToken"}`) with `key`.
fn open(sealed: &json::Object, key: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    let bad =
        |what: &str| ImportError::Malformed(format!("a sealed key in the FreeOTP backup {what}"));
    if sealed.text("mCipher").ok().flatten() != Some("AES/GCM/NoPadding") {
        return Err(bad("does not use AES/GCM"));
    }
    let data = bytes_of(sealed.get("mCipherText")).ok_or_else(|| bad("has no 'mCipherText'"))?;
    let parameters =
        bytes_of(sealed.get("mParameters")).ok_or_else(|| bad("has no 'mParameters'"))?;
    let nonce = der_nonce(&parameters).ok_or_else(|| bad("has no nonce in 'mParameters'"))?;
    let aad = sealed.text("mToken").ok().flatten().unwrap_or_default();
    cipher::open_gcm_aad(key, nonce, aad.as_bytes(), &data)
}

/// The first OCTET STRING of DER-encoded GCM parameters (`SEQUENCE { nonce, tag length }`),
/// or the OCTET STRING itself.
fn der_nonce(der: &[u8]) -> Option<&[u8]> {
    let (tag, body, _) = der_item(der)?;
    match tag {
        0x04 => Some(body),
        0x30 => {
            let mut rest = body;
            while !rest.is_empty() {
                let (tag, body, next) = der_item(rest)?;
                if tag == 0x04 {
                    return Some(body);
                }
                rest = next;
            }
            None
        }
        _ => None,
    }
}

/// One DER item with a short-form length: (tag, body, what follows).
fn der_item(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&len, rest) = rest.split_first()?;
    if len & 0x80 != 0 {
        return None;
    }
    let (body, next) = rest.split_at_checked(usize::from(len))?;
    Some((tag, body, next))
}

/// FreeOTP 2's encrypted backup. The master key's description is checked before the
/// password is asked for.
fn backup(bytes: &[u8], password: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
    let map = java::hash_map(bytes).map_err(ImportError::Malformed)?;
    let find = |key: &str| map.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let master = find("masterKey")
        .ok_or_else(|| ImportError::Malformed("the FreeOTP backup has no master key".into()))?;
    let master: Value = serde_json::from_str(master).map_err(|_| {
        ImportError::Malformed("the FreeOTP backup's master key is not JSON".into())
    })?;
    let master = json::object(&master, "the FreeOTP backup's master key")?;
    let sealed_master = master
        .child("mEncryptedKey")
        .ok()
        .flatten()
        .ok_or_else(|| {
            ImportError::Malformed("the FreeOTP backup's master key is not sealed".into())
        })?;
    let derivation = password_kdf(master)?;
    let password = cipher::password(password)?;
    let master_key = open(sealed_master, derivation.key(password).as_slice())?;
    let mut items = Vec::new();
    for (key, value) in &map {
        let Some(id) = key.strip_suffix("-token") else {
            continue;
        };
        let index = items.len();
        let Ok(token) = serde_json::from_str::<Value>(value) else {
            items.push(Item::failed(
                format!("token {}", index + 1),
                "its description is not JSON",
            ));
            continue;
        };
        let secret = find(id)
            .and_then(|v| serde_json::from_str::<Value>(v).ok())
            .and_then(|v| v.get("key")?.as_str().map(str::to_string))
            .and_then(|k| serde_json::from_str::<Value>(&k).ok());
        let Some(Value::Object(sealed)) = secret else {
            items.push(Item::failed(
                located(index, &token),
                "its secret is missing",
            ));
            continue;
        };
        let entry = open(&sealed, &master_key)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                let obj = json::entry_object(&token)?;
                draft_of(obj, 0)?.build(draft::raw(bytes.to_vec())?)
            });
        items.push(match entry {
            Ok(entry) => Item::entry(entry),
            Err(reason) => Item::failed(located(index, &token), reason),
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests;
