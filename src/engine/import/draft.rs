//! What an export says about one account, turned into a checked [`Entry`].
//!
//! Promises: every entry an importer yields went through [`Entry::validate`]; reasons for a
//! refusal name the field and the problem, never the secret.

use crate::engine::entry::{Entry, EntryError};
use crate::engine::otp::{Algorithm, Kind};
use crate::engine::secret::Secret;

/// One account as read, before checks. Unset numbers take the usual defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub issuer: String,
    pub account: String,
    pub kind: Kind,
    pub algorithm: Algorithm,
    pub digits: Option<i64>,
    pub period: Option<i64>,
    pub counter: Option<i64>,
    pub note: Option<String>,
    pub tags: Vec<String>,
}

impl Draft {
    pub fn new(issuer: &str, account: &str) -> Draft {
        Draft {
            issuer: issuer.trim().to_string(),
            account: account.trim().to_string(),
            ..Draft::default()
        }
    }

    /// The checked entry, or why it cannot be stored.
    pub fn build(self, secret: Secret) -> Result<Entry, String> {
        let mut entry = Entry::new(self.issuer, self.account, secret);
        entry.kind = self.kind;
        entry.algorithm = self.algorithm;
        if let Some(d) = self.digits.filter(|_| self.kind != Kind::Steam) {
            entry.digits = u8::try_from(d)
                .map_err(|_| format!("{d} digits is out of range: use 6 to 10 (6 is usual)"))?;
        }
        if let Some(p) = self.period.filter(|_| self.kind.is_timed()) {
            entry.period = u32::try_from(p)
                .map_err(|_| format!("a period of {p} s is not allowed: use 1 to 86400 seconds"))?;
        }
        if let Some(c) = self.counter.filter(|_| self.kind == Kind::Hotp) {
            entry.counter = u64::try_from(c).map_err(|_| format!("the counter {c} is negative"))?;
        }
        entry.note = self.note.filter(|n| !n.trim().is_empty());
        entry.tags = self.tags;
        entry.validate().map_err(|e| match e {
            EntryError::NoName => "it has neither an issuer nor an account name".to_string(),
            other => other.to_string(),
        })?;
        Ok(entry)
    }
}

/// A Base32 secret; the reason names the bad character's position, not the secret.
pub(crate) fn base32(text: &str) -> Result<Secret, String> {
    Secret::parse_base32(text).map_err(|e| format!("secret: {e}"))
}

/// Raw secret bytes.
pub(crate) fn raw(bytes: Vec<u8>) -> Result<Secret, String> {
    Secret::from_bytes(bytes).map_err(|e| format!("secret: {e}"))
}

/// An algorithm name (SHA1, sha256, HmacSHA512…); absent means SHA1.
pub(crate) fn algorithm(text: Option<&str>) -> Result<Algorithm, String> {
    match text {
        None => Ok(Algorithm::Sha1),
        Some(t) if t.trim().is_empty() => Ok(Algorithm::Sha1),
        Some(t) => t
            .parse()
            .map_err(|e: crate::engine::otp::UnknownAlgorithm| {
                // The name is not a secret, but keep it short.
                let shown: String = e.0.chars().take(20).collect();
                format!("unknown algorithm '{shown}' (use SHA1, SHA256 or SHA512)")
            }),
    }
}

/// "entry 3 ('GitHub:me')", or "entry 3" without names.
pub(crate) fn located(index: usize, issuer: &str, account: &str) -> String {
    let name = crate::engine::entry::display_name(issuer.trim(), account.trim());
    if name.is_empty() {
        format!("entry {}", index + 1)
    } else {
        format!("entry {} ('{name}')", index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap()
    }

    #[test]
    fn defaults_and_checks() {
        let e = Draft::new(" A ", "b").build(secret()).unwrap();
        assert_eq!((e.issuer.as_str(), e.digits, e.period), ("A", 6, 30));
        let mut d = Draft::new("A", "b");
        d.period = Some(0);
        assert!(d.build(secret()).unwrap_err().contains("period of 0 s"));
        let mut d = Draft::new("A", "b");
        d.digits = Some(300);
        assert!(d.build(secret()).unwrap_err().contains("300 digits"));
        let mut d = Draft::new("A", "b");
        d.kind = Kind::Hotp;
        d.counter = Some(-1);
        assert!(d.build(secret()).unwrap_err().contains("negative"));
        assert!(
            Draft::new("", "")
                .build(secret())
                .unwrap_err()
                .contains("neither")
        );
    }

    #[test]
    fn steam_ignores_digits() {
        let mut d = Draft::new("Steam", "me");
        d.kind = Kind::Steam;
        d.digits = Some(6);
        assert_eq!(d.build(secret()).unwrap().digits, 5);
    }

    #[test]
    fn algorithm_and_secret_reasons() {
        assert_eq!(algorithm(Some("sha512")).unwrap(), Algorithm::Sha512);
        assert_eq!(
            algorithm(Some("MD5")).unwrap_err(),
            "unknown algorithm 'MD5' (use SHA1, SHA256 or SHA512)"
        );
        let e = base32("JBSW1Y3DP").unwrap_err();
        assert!(e.contains("'1' at position 5"), "{e}");
        assert!(!e.contains("JBSW"), "{e}");
        assert_eq!(located(0, "A", "b"), "entry 1 ('A:b')");
        assert_eq!(located(4, "", ""), "entry 5");
    }
}
