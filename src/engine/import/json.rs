//! Reading JSON exports field by field.
//!
//! Promises: errors name the field and what was expected, never the value found (a value in
//! the wrong place may be a secret). Syntax errors give line and column only.

use serde_json::{Map, Value};

use super::ImportError;

pub(crate) type Object = Map<String, Value>;

/// The whole file as JSON, or a message saying where it stops being JSON.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, ImportError> {
    let text = super::text(bytes)?;
    serde_json::from_str(text).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Eof => "it ends too early (truncated?)",
            _ => "it is not valid JSON",
        };
        ImportError::Malformed(format!(
            "{kind} at line {}, column {}",
            e.line(),
            e.column()
        ))
    })
}

/// For `sniff`: the file parsed as JSON when its first non-blank byte opens an object or
/// array, else nothing (cheap for CSV, text and images).
pub(crate) fn sniff(bytes: &[u8]) -> Option<Value> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' && *first != b'[' {
        return None;
    }
    serde_json::from_slice(bytes).ok()
}

/// The top level as an object.
pub(crate) fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Object, ImportError> {
    value
        .as_object()
        .ok_or_else(|| ImportError::Malformed(format!("{what} should be a JSON object")))
}

/// A required array field of the top level.
pub(crate) fn array<'a>(obj: &'a Object, key: &str) -> Result<&'a Vec<Value>, ImportError> {
    match obj.get(key) {
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ImportError::Malformed(format!("'{key}' should be a list"))),
        None => Err(ImportError::Malformed(format!(
            "the file has no '{key}' list"
        ))),
    }
}

/// Field access on one entry's object; `Err` is a reason for that entry's failure.
pub(crate) trait Fields {
    fn text(&self, key: &str) -> Result<Option<&str>, String>;
    fn int(&self, key: &str) -> Result<Option<i64>, String>;
    fn child(&self, key: &str) -> Result<Option<&Object>, String>;

    /// Text that must be there.
    fn required_text(&self, key: &str) -> Result<&str, String> {
        self.text(key)?
            .ok_or_else(|| format!("it has no '{key}' field"))
    }

    /// Text or "" when absent.
    fn text_or_empty(&self, key: &str) -> Result<&str, String> {
        Ok(self.text(key)?.unwrap_or(""))
    }
}

impl Fields for Object {
    fn text(&self, key: &str) -> Result<Option<&str>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("'{key}' should be text")),
        }
    }

    fn int(&self, key: &str) -> Result<Option<i64>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("'{key}' should be a whole number")),
            // Some apps write numbers as strings.
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| format!("'{key}' should be a whole number")),
            Some(_) => Err(format!("'{key}' should be a whole number")),
        }
    }

    fn child(&self, key: &str) -> Result<Option<&Object>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(format!("'{key}' should be an object")),
        }
    }
}

/// An entry of a list as an object.
pub(crate) fn entry_object(value: &Value) -> Result<&Object, String> {
    value
        .as_object()
        .ok_or_else(|| "it is not a JSON object".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_broken_json_say_where() {
        let e = parse(b"{\"a\": [1, 2").unwrap_err().to_string();
        assert_eq!(e, "it ends too early (truncated?) at line 1, column 11");
        let e = parse(b"{\"a\": nope}").unwrap_err().to_string();
        assert!(e.starts_with("it is not valid JSON at line 1"), "{e}");
    }

    #[test]
    fn field_errors_never_show_values() {
        let v: Value = serde_json::from_str(r#"{"digits": "JBSWY3DP", "name": 5}"#).unwrap();
        let o = v.as_object().unwrap();
        let e = o.int("digits").unwrap_err();
        assert_eq!(e, "'digits' should be a whole number");
        assert_eq!(o.text("name").unwrap_err(), "'name' should be text");
        assert_eq!(o.text("missing").unwrap(), None);
        assert!(
            o.required_text("missing")
                .unwrap_err()
                .contains("'missing'")
        );
    }

    #[test]
    fn sniff_skips_non_json_cheaply() {
        assert!(sniff(b"upn,serial number").is_none());
        assert!(sniff(b" \n{\"a\":1}").is_some());
        assert!(sniff(b"{broken").is_none());
    }
}
