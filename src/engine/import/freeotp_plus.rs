//! FreeOTP+ JSON exports (`tokens` + `tokenOrder`). Secrets are lists of signed bytes; HOTP
//! counters are stored one lower than the next counter to use, so one is added back.

use age::secrecy::SecretString;
use serde_json::Value;

use super::draft::{self, Draft};
use super::json::{self, Fields};
use super::{Format, ImportError, Item};
use crate::engine::entry::Entry;
use crate::engine::otp::Kind;

pub struct FreeOtpPlus;

impl Format for FreeOtpPlus {
    fn name(&self) -> &'static str {
        "freeotp-plus"
    }

    fn summary(&self) -> &'static str {
        "FreeOTP+ JSON backup"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        json::sniff(bytes).is_some_and(|v| v.get("tokens").is_some_and(Value::is_array))
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        let root = json::parse(bytes)?;
        let root = json::object(&root, "a FreeOTP+ export")?;
        Ok(json::array(root, "tokens")?
            .iter()
            .enumerate()
            .map(|(i, value)| match token(value, 1) {
                Ok(e) => Item::entry(e),
                Err(reason) => {
                    let get = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("");
                    Item::failed(
                        draft::located(
                            i,
                            issuer_of(get("issuerExt"), get("issuerInt")),
                            get("label"),
                        ),
                        reason,
                    )
                }
            })
            .collect())
    }
}

pub(super) fn issuer_of<'a>(external: &'a str, internal: &'a str) -> &'a str {
    if external.trim().is_empty() {
        internal
    } else {
        external
    }
}

/// One FreeOTP token object (FreeOTP+ and FreeOTP share it). `counter_offset` is added to
/// a HOTP counter (FreeOTP+ and FreeOTP's tokens.xml store one less than the next counter).
pub(super) fn token(value: &Value, counter_offset: i64) -> Result<Entry, String> {
    let obj = json::entry_object(value)?;
    let d = draft_of(obj, counter_offset)?;
    let bytes = match obj.get("secret") {
        Some(Value::Array(list)) => list
            .iter()
            .map(|b| {
                b.as_i64()
                    .filter(|n| (-128..=255).contains(n))
                    // Java bytes are signed: -1 is 0xFF.
                    .map(|n| n.to_le_bytes()[0])
                    .ok_or_else(|| "'secret' should be a list of bytes".to_string())
            })
            .collect::<Result<Vec<u8>, String>>()?,
        Some(Value::String(text)) => return d.build(draft::base32(text)?),
        _ => return Err("it has no 'secret' list".into()),
    };
    d.build(draft::raw(bytes)?)
}

/// A token object's fields other than its secret.
pub(super) fn draft_of(obj: &json::Object, counter_offset: i64) -> Result<Draft, String> {
    let issuer = issuer_of(
        obj.text_or_empty("issuerExt")?,
        obj.text_or_empty("issuerInt")?,
    );
    let mut d = Draft::new(issuer, obj.text_or_empty("label")?);
    d.kind = match obj.text("type")?.map(str::to_ascii_uppercase).as_deref() {
        None | Some("TOTP") => Kind::Totp,
        Some("HOTP") => Kind::Hotp,
        Some("STEAM") => Kind::Steam,
        Some(other) => {
            let shown: String = other.chars().take(20).collect();
            return Err(format!("the FreeOTP type '{shown}' is not supported"));
        }
    };
    d.algorithm = draft::algorithm(obj.text("algo")?)?;
    d.digits = obj.int("digits")?;
    d.period = obj.int("period")?;
    d.counter = obj
        .int("counter")?
        .map(|c| c.saturating_add(counter_offset));
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_bytes_and_counter_plus_one() {
        let text = br#"{"tokenOrder":["A:b"],"tokens":[
            {"algo":"SHA1","counter":0,"digits":6,"issuerExt":"A","label":"b","period":30,"secret":[72,101,108,108,111,33,-34,-83,-66,-17],"type":"HOTP"},
            {"algo":"SHA1","digits":6,"issuerExt":"","issuerInt":"Inner","label":"c","secret":[1,999],"type":"TOTP"}]}"#;
        assert!(FreeOtpPlus.sniff(text));
        let items = FreeOtpPlus.read(text, None).unwrap();
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!(&*e.secret.to_base32(), "JBSWY3DPEHPK3PXP");
        assert_eq!((e.kind, e.counter), (Kind::Hotp, 1));
        assert!(matches!(&items[1], Item::Failed { what, reason }
            if what == "entry 2 ('Inner:c')" && reason.contains("list of bytes")));
    }
}
