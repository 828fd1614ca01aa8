//! Ente Auth exports: `otpauth://` lines with Ente's `codeDisplay` parameter (JSON: tags,
//! note, trashed). Trashed codes are left out; tags and the note are kept.
//!
//! Encrypted exports are JSON (`version` 1): `kdfParams` (`memLimit` in bytes, `opsLimit`,
//! Base64 `salt`), Base64 `encryptedData` and `encryptionNonce`. The key is libsodium's
//! `crypto_pwhash` Argon2id (1.3, one lane) of the password, 32 bytes; the data is one
//! message of a libsodium XChaCha20-Poly1305 secretstream whose header is `encryptionNonce`,
//! and decrypts to the plain export. (Ente Auth's export_widget.dart and
//! encrypted_ente_import.dart, and its "Auth Encrypted Export format" document.)

use age::secrecy::SecretString;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::json::{self, Fields};
use super::otpauth::{first_line_is, meaningful_lines};
use super::{Format, ImportError, Item, cipher, kdf};
use crate::engine::uri;

pub struct Ente;

fn is_encrypted(bytes: &[u8]) -> bool {
    json::sniff(bytes)
        .is_some_and(|v| v.get("kdfParams").is_some() && v.get("encryptedData").is_some())
}

impl Format for Ente {
    fn name(&self) -> &'static str {
        "ente"
    }

    fn summary(&self) -> &'static str {
        "Ente Auth export, plain text or encrypted"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        is_encrypted(bytes)
            || (first_line_is(bytes, "otpauth")
                && super::text(bytes).is_ok_and(|t| t.contains("codeDisplay=")))
    }

    fn read(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
    ) -> Result<Vec<Item>, ImportError> {
        if is_encrypted(bytes) {
            let plain = decrypt(bytes, password)?;
            return read_plain(&plain);
        }
        read_plain(bytes)
    }
}

/// The plain export's lines.
fn read_plain(bytes: &[u8]) -> Result<Vec<Item>, ImportError> {
    let text = super::text(bytes)?;
    let mut items = Vec::new();
    for (number, line) in meaningful_lines(text) {
        let display = code_display(line);
        if display
            .as_ref()
            .and_then(|d| d.get("trashed"))
            .and_then(Value::as_bool)
            == Some(true)
        {
            continue;
        }
        items.push(match uri::parse(line) {
            Ok(mut entry) => {
                if let Some(d) = &display {
                    if let Some(Value::Array(tags)) = d.get("tags") {
                        entry.tags = tags
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect();
                    }
                    entry.note = d
                        .get("note")
                        .and_then(Value::as_str)
                        .filter(|n| !n.trim().is_empty())
                        .map(str::to_string);
                }
                Item::entry(entry)
            }
            Err(e) => Item::failed(format!("line {number}"), e),
        });
    }
    if items.is_empty() {
        return Err(ImportError::Malformed(
            "the file holds no otpauth:// lines".into(),
        ));
    }
    Ok(items)
}

/// The encrypted export's plaintext (the plain export). The file's Argon2 parameters are
/// checked against Ente's limits (`kdf.rs`) before the password is asked for.
fn decrypt(
    bytes: &[u8],
    password: Option<&SecretString>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    let bad = |what: &str| ImportError::Malformed(format!("the encrypted Ente export's {what}"));
    let root = json::parse(bytes)?;
    let root = json::object(&root, "an encrypted Ente export")?;
    match root
        .int("version")
        .map_err(|_| bad("'version' is not a number"))?
    {
        None | Some(1) => {}
        Some(v) => {
            return Err(ImportError::Malformed(format!(
                "encrypted Ente export version {v} is not known (keyfob reads version 1)"
            )));
        }
    }
    let kdf = root
        .child("kdfParams")
        .ok()
        .flatten()
        .ok_or_else(|| bad("'kdfParams' is missing"))?;
    let number = |key: &str| {
        kdf.int(key)
            .ok()
            .flatten()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| bad(&format!("'kdfParams.{key}' is not a positive number")))
    };
    let cost = kdf::ente_argon2(number("memLimit")?, number("opsLimit")?)?;
    let b64 = |obj: &json::Object, key: &str| {
        obj.text(key)
            .ok()
            .flatten()
            .and_then(|t| STANDARD.decode(t.trim()).ok())
            .ok_or_else(|| bad(&format!("'{key}' is not Base64")))
    };
    let salt = b64(kdf, "salt")?;
    let header = b64(root, "encryptionNonce")?;
    let data = zeroize::Zeroizing::new(b64(root, "encryptedData")?);
    let key = cipher::argon2id(cipher::password(password)?, &salt, cost)?;
    cipher::open_secretstream(key.as_slice(), &header, &data)
}

/// The decoded `codeDisplay` JSON of a line, if any.
fn code_display(line: &str) -> Option<Value> {
    let query = line.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "codeDisplay")
        .and_then(|(_, v)| serde_json::from_str(&v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_tags_and_skips_trashed() {
        let text = b"otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&codeDisplay=%7B%22tags%22%3A%5B%22work%22%5D%7D\n\
            otpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP&codeDisplay=%7B%22trashed%22%3Atrue%7D\n\
            otpauth://totp/C:c?secret=JBSWY3DPEHPK3PXP&digits=2&codeDisplay=%7B%7D\n";
        assert!(Ente.sniff(text));
        let items = Ente.read(text, None).unwrap();
        assert_eq!(items.len(), 2);
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!(e.tags, vec!["work".to_string()]);
        assert!(matches!(&items[1], Item::Failed { what, .. } if what == "line 3"));
    }

    #[test]
    fn encrypted_needs_its_password_and_says_what_is_missing() {
        let text = br#"{"version":1,"kdfParams":{"memLimit":1},"encryptedData":"x","encryptionNonce":"y"}"#;
        assert!(Ente.sniff(text));
        // A file that cannot be opened says so before any password is asked for.
        let pw = SecretString::from("pw".to_string());
        for password in [None, Some(&pw)] {
            let e = Ente.read(text, password).unwrap_err().to_string();
            assert!(e.contains("'kdfParams.opsLimit'"), "{e}");
        }
        let text = br#"{"version":1,"kdfParams":{"memLimit":1073741824,"opsLimit":4,"salt":"AAAA"},"encryptedData":"AAAA","encryptionNonce":"AAAA"}"#;
        assert_eq!(
            Ente.read(text, None).unwrap_err(),
            ImportError::NeedsPassword
        );
    }

    #[test]
    fn argon2_beyond_entes_limits_is_refused_before_the_password() {
        let pw = SecretString::from("pw".to_string());
        for (mem, ops, what) in [
            (8u64 << 30, 1u64, "memLimit (Argon2 memory) is 8 GiB"),
            (1 << 30, 5, "memLimit × opsLimit (Argon2 work) is 5 GiB"),
            (64 << 20, 1 << 20, "opsLimit (Argon2 passes) is 1,048,576"),
            (1 << 30, 0, "opsLimit (Argon2 passes) is 0"),
            (1024, 4, "memLimit (Argon2 memory) is 1 KiB"),
        ] {
            let text = format!(
                r#"{{"version":1,"kdfParams":{{"memLimit":{mem},"opsLimit":{ops},"salt":"AAAA"}},"encryptedData":"AAAA","encryptionNonce":"AAAA"}}"#
            );
            for password in [None, Some(&pw)] {
                let started = std::time::Instant::now();
                let e = Ente.read(text.as_bytes(), password).unwrap_err();
                assert!(started.elapsed() < std::time::Duration::from_millis(100));
                assert!(matches!(e, ImportError::KdfRefused(_)), "{e:?}");
                assert!(e.to_string().contains(what), "{e}");
            }
        }
    }
}
