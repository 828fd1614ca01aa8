//! Ente Auth plain exports: `otpauth://` lines with Ente's `codeDisplay` parameter (JSON:
//! tags, note, trashed). Trashed codes are left out; tags and the note are kept. Encrypted
//! Ente exports (JSON with `kdfParams`) are recognised and refused with a message.

use age::secrecy::SecretString;
use serde_json::Value;

use super::otpauth::{first_line_is, meaningful_lines};
use super::{Format, ImportError, Item, json};
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
        "Ente Auth plain text export"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        is_encrypted(bytes)
            || (first_line_is(bytes, "otpauth")
                && super::text(bytes).is_ok_and(|t| t.contains("codeDisplay=")))
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        if is_encrypted(bytes) {
            return Err(ImportError::Malformed(
                "encrypted Ente exports are not supported yet; export a plain text backup from Ente Auth".into(),
            ));
        }
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
    fn encrypted_is_refused() {
        let text = br#"{"version":1,"kdfParams":{"memLimit":1},"encryptedData":"x","encryptionNonce":"y"}"#;
        assert!(Ente.sniff(text));
        assert!(
            Ente.read(text, None)
                .unwrap_err()
                .to_string()
                .contains("encrypted Ente")
        );
    }
}
