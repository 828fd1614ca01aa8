//! Plain text with one `otpauth://` URI per line; blank lines and `#` comments are skipped.

use age::secrecy::SecretString;

use super::{Format, ImportError, Item};
use crate::engine::uri;

pub struct Otpauth;

impl Format for Otpauth {
    fn name(&self) -> &'static str {
        "otpauth"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        super::text(bytes).is_ok_and(|text| {
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .is_some_and(|l| uri::strip_scheme(l, "otpauth").is_some())
        })
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        let text = super::text(bytes)?;
        let mut items = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let what = format!("line {}", index + 1);
            items.push(match uri::parse(line) {
                Ok(entry) => Item::entry(entry),
                Err(e) => Item::failed(what, e),
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
