//! One account in the vault: who it is for, its secret and how its codes are made.
//!
//! Promises:
//! - An [`Entry`] that passed [`Entry::validate`] always yields codes (no panics later).
//! - Serialised to RON with fields at their default left out (type totp, algorithm SHA1,
//!   digits 6, period 30, counter 0, empty note/tags/metadata) — see README's vault schema.
//! - Two entries are the same account ([`Entry::same_account`]) when type, secret, issuer and
//!   account are equal; that is what import and add treat as a duplicate.
//! - An entry's [`EntryId`] names it for changes (edit, remove, HOTP advance, merge); it is
//!   `None` only until the entry is first stored (see `Vault::ensure_ids`).
//! - An entry whose `conflict` is set is a version a merge kept beside the entry it names
//!   ([`Entry::is_conflict_of`]); the duplicate rule does not pit the two against each other.

use serde::{Deserialize, Serialize};

use super::otp::{self, Algorithm, Code, Generator, Kind, ParamError};
use super::secret::Secret;

mod id;

pub use id::{EntryId, RandomError};

/// A stored OTP account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The stable id; `None` for an entry not stored yet (new, imported, or read from a vault
    /// written before keyfob had ids). Written first, as a bare string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "id::optional"
    )]
    pub id: Option<EntryId>,
    /// When the entry was last changed (Unix seconds, the `now` of the change); 0 = unknown
    /// (never changed since it was read from a vault written before keyfob kept this).
    /// Written second, so that the fast reader meets both in its fixed-layout start.
    #[serde(default, skip_serializing_if = "is_default")]
    pub changed: u64,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub account: String,
    pub secret: Secret,
    #[serde(rename = "type", default, skip_serializing_if = "is_default")]
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "is_default")]
    pub algorithm: Algorithm,
    #[serde(default = "default_digits", skip_serializing_if = "is_default_digits")]
    pub digits: u8,
    /// Seconds per code for totp/steam; unused (kept at 30) for hotp.
    #[serde(default = "default_period", skip_serializing_if = "is_default_period")]
    pub period: u32,
    /// Next counter value for hotp; unused (kept at 0) otherwise.
    #[serde(default, skip_serializing_if = "is_default")]
    pub counter: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Set on the second of two versions a merge kept because both sides changed the same
    /// field differently: the id of the entry it conflicts with. A person resolves it by
    /// deleting one of the two (deleting the other entry clears this). Written as a bare id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "id::optional"
    )]
    pub conflict: Option<EntryId>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}
fn default_digits() -> u8 {
    otp::DEFAULT_DIGITS
}
fn is_default_digits(d: &u8) -> bool {
    *d == otp::DEFAULT_DIGITS
}
fn default_period() -> u32 {
    otp::DEFAULT_PERIOD
}
fn is_default_period(p: &u32) -> bool {
    *p == otp::DEFAULT_PERIOD
}

/// Whether `text` holds a control character, which [`Entry::normalize`] replaces in names.
/// Bidirectional controls count too (see [`crate::engine::printable::is_unsafe`]).
pub fn has_control(text: &str) -> bool {
    // Control characters (Cc) are U+0000..=U+001F and U+007F..=U+009F, which UTF-8 writes as
    // bytes below 0x20, 0x7F, or 0xC2 then 0x80..=0x9F; the bidi controls start with 0xD8
    // (U+061C) or 0xE2 (U+200E..): a cheap byte scan rules most names out before the exact
    // check (every open normalises every entry).
    // (`fold`, not `any`: without an early exit the scan runs on whole vectors.)
    let suspect = text.bytes().fold(false, |seen, b| {
        seen | (b < 0x20) | (b == 0x7f) | (b == 0xc2) | (b == 0xd8) | (b == 0xe2)
    });
    suspect && text.chars().any(super::printable::is_unsafe)
}

/// `Issuer:Account`, or whichever of the two is present.
pub fn display_name(issuer: &str, account: &str) -> String {
    match (issuer.is_empty(), account.is_empty()) {
        (false, false) => format!("{issuer}:{account}"),
        (false, true) => issuer.to_string(),
        _ => account.to_string(),
    }
}

/// Why an entry cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error(transparent)]
    Params(#[from] ParamError),
    #[error("the entry has neither an issuer nor an account name")]
    NoName,
}

impl Entry {
    /// A TOTP entry with the usual defaults (SHA1, 6 digits, 30 s).
    pub fn new(issuer: impl Into<String>, account: impl Into<String>, secret: Secret) -> Entry {
        Entry {
            id: None,
            changed: 0,
            issuer: issuer.into(),
            account: account.into(),
            secret,
            kind: Kind::Totp,
            algorithm: Algorithm::Sha1,
            digits: otp::DEFAULT_DIGITS,
            period: otp::DEFAULT_PERIOD,
            counter: 0,
            note: None,
            tags: Vec::new(),
            serial: None,
            manufacturer: None,
            model: None,
            upn: None,
            conflict: None,
        }
    }

    /// Turns the entry into a HOTP entry at `counter`.
    pub fn with_hotp(mut self, counter: u64) -> Entry {
        self.kind = Kind::Hotp;
        self.counter = counter;
        self.period = otp::DEFAULT_PERIOD;
        self
    }

    /// Turns the entry into a Steam entry (SHA1, 5 characters, 30 s).
    pub fn with_steam(mut self) -> Entry {
        self.kind = Kind::Steam;
        self.normalize();
        self
    }

    /// Puts kind-dependent fields into their canonical state (Steam's fixed parameters, unused
    /// period/counter at their defaults, names trimmed).
    pub fn normalize(&mut self) {
        match self.kind {
            Kind::Steam => {
                self.algorithm = Algorithm::Sha1;
                self.digits = otp::STEAM_DIGITS;
                self.period = otp::DEFAULT_PERIOD;
                self.counter = 0;
            }
            Kind::Totp => self.counter = 0,
            Kind::Hotp => self.period = otp::DEFAULT_PERIOD,
        }
        let trimmed = |s: &mut String| {
            let t = s.trim();
            if t.len() != s.len() {
                *s = t.to_string();
            }
        };
        trimmed(&mut self.issuer);
        trimmed(&mut self.account);
        // Names are printed on terminals (list, errors, the TUI): a control character from an
        // imported file must not reach one as an escape sequence (an OSC 52 in an issuer
        // would set the clipboard), nor a bidi control reorder what is shown (a right-to-left
        // override makes "PayPal" of other letters). It is shown as U+FFFD instead.
        let printable = |s: &mut String| {
            if has_control(s) {
                *s = s
                    .chars()
                    .map(|c| {
                        if super::printable::is_unsafe(c) {
                            '\u{FFFD}'
                        } else {
                            c
                        }
                    })
                    .collect();
            }
        };
        printable(&mut self.issuer);
        printable(&mut self.account);
        let metadata = [
            &mut self.serial,
            &mut self.upn,
            &mut self.manufacturer,
            &mut self.model,
        ];
        metadata.into_iter().flatten().for_each(printable);
        self.tags.iter_mut().for_each(printable);
    }

    /// Normalises, then checks that codes can be made.
    pub fn validate(&mut self) -> Result<(), EntryError> {
        self.normalize();
        if self.issuer.is_empty() && self.account.is_empty() {
            return Err(EntryError::NoName);
        }
        otp::check_params(self.kind, self.digits, self.period)?;
        Ok(())
    }

    /// `Issuer:Account`, or whichever of the two is present.
    pub fn name(&self) -> String {
        display_name(&self.issuer, &self.account)
    }

    /// Whether this entry is a conflicting version of `other`, or the other way round (a pair
    /// a merge kept: both stay until a person deletes one).
    pub fn is_conflict_of(&self, other: &Entry) -> bool {
        (self.conflict.is_some() && self.conflict == other.id)
            || (other.conflict.is_some() && other.conflict == self.id)
    }

    /// Same type, secret, issuer and account: the duplicate rule.
    pub fn same_account(&self, other: &Entry) -> bool {
        self.kind == other.kind
            && self.issuer == other.issuer
            && self.account == other.account
            && self.secret == other.secret
    }

    /// Prepares code generation. Fails only for an entry that skipped validation.
    pub fn generator(&self) -> Result<Generator, ParamError> {
        Generator::new(
            &self.secret,
            self.kind,
            self.algorithm,
            self.digits,
            self.period,
        )
    }

    /// The current code: at `unix` for timed kinds, at the stored counter for hotp.
    pub fn code(&self, unix: u64) -> Result<Code, ParamError> {
        let generator = self.generator()?;
        Ok(match self.kind {
            Kind::Hotp => generator.code_at(self.counter),
            Kind::Totp | Kind::Steam => generator.code_at(unix),
        })
    }

    /// Seconds the current code has left (None for hotp).
    pub fn remaining(&self, unix: u64) -> Option<u32> {
        self.kind
            .is_timed()
            .then(|| otp::remaining(self.period, unix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::parse_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap()
    }

    #[test]
    fn defaults_are_left_out_of_ron() {
        let e = Entry::new("Example", "alice", secret());
        let text = ron::to_string(&e).unwrap();
        assert_eq!(
            text,
            r#"(issuer:"Example",account:"alice",secret:"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")"#
        );
        let back: Entry = ron::from_str(&text).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn non_defaults_round_trip() {
        let mut e = Entry::new("Bank", "bob", secret()).with_hotp(42);
        e.algorithm = Algorithm::Sha512;
        e.digits = 8;
        e.tags = vec!["work".into()];
        e.serial = Some("SN1".into());
        let text = ron::to_string(&e).unwrap();
        assert!(text.contains("type:hotp"), "{text}");
        assert!(text.contains("counter:42"), "{text}");
        let back: Entry = ron::from_str(&text).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn steam_is_normalised() {
        let mut e = Entry::new("Steam", "gabe", secret());
        e.kind = Kind::Steam;
        e.digits = 7;
        e.validate().unwrap();
        assert_eq!(e.digits, 5);
        assert_eq!(e.code(0).unwrap().as_str().len(), 5);
    }

    #[test]
    fn validation_names_the_problem() {
        let mut e = Entry::new("X", "y", secret());
        e.period = 0;
        assert_eq!(e.validate(), Err(EntryError::Params(ParamError::Period(0))));
        let mut e = Entry::new(" ", "", secret());
        assert_eq!(e.validate(), Err(EntryError::NoName));
    }

    #[test]
    fn control_characters_never_stay_in_names() {
        let mut e = Entry::new("\tEvil\x1b]52;c;aGk=\x07", "me\nyou", secret());
        e.serial = Some("SN\x1b[2J".into());
        e.tags = vec!["a\rb".into()];
        e.note = Some("line one\nline two".into());
        e.validate().unwrap();
        assert_eq!(e.issuer, "Evil\u{FFFD}]52;c;aGk=\u{FFFD}");
        assert_eq!(e.account, "me\u{FFFD}you");
        assert_eq!(e.serial.as_deref(), Some("SN\u{FFFD}[2J"));
        assert_eq!(e.tags, ["a\u{FFFD}b"]);
        assert_eq!(
            e.note.as_deref(),
            Some("line one\nline two"),
            "notes may span lines"
        );
    }

    #[test]
    fn c1_controls_are_replaced_but_other_latin1_is_kept() {
        // U+0085 and U+009B (CSI) are C1 controls; U+00A0 and U+00E9 share their lead byte.
        let mut e = Entry::new("A\u{85}B\u{9B}2J", "caf\u{E9}\u{A0}x\u{7F}", secret());
        e.validate().unwrap();
        assert_eq!(e.issuer, "A\u{FFFD}B\u{FFFD}2J");
        assert_eq!(e.account, "caf\u{E9}\u{A0}x\u{FFFD}");
    }

    #[test]
    fn names_and_duplicates() {
        let a = Entry::new("GitHub", "me", secret());
        assert_eq!(a.name(), "GitHub:me");
        assert_eq!(Entry::new("", "me", secret()).name(), "me");
        let mut b = a.clone();
        assert!(a.same_account(&b));
        b.period = 60; // parameters do not matter for identity
        assert!(a.same_account(&b));
        b.kind = Kind::Hotp;
        assert!(!a.same_account(&b));
    }

    #[test]
    fn hotp_code_uses_the_stored_counter() {
        let key = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let e = Entry::new("RFC", "4226", key).with_hotp(1);
        assert_eq!(e.code(999_999).unwrap().as_str(), "287082");
        assert_eq!(e.remaining(0), None);
    }
}
