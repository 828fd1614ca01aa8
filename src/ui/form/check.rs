//! Validation: what the form's fields (or its first field's URI or file) would save, or the
//! field at fault and why. Split from `form.rs`, which holds the fields and their editing.
//!
//! Promise: a bad secret is named by character and position (`Secret::parse_base32`); nothing
//! here keeps or shows a secret's text. An edit that keeps the stored secret is checked with a
//! stand-in secret ([`KEPT`]), which never leaves the form: the change saved is a patch of the
//! other fields ([`crate::engine::ops::Patch::between_view`]).

use super::{Check, Field, Form, Purpose};
use crate::engine::entry::Entry;
use crate::engine::import::{self, Item};
use crate::engine::otp::{self, Kind};
use crate::engine::secret::Secret;

impl Form {
    pub(super) fn validate(&self) -> Check {
        if self.uses_uri() {
            return self.validate_uri();
        }
        let adding = !self.is_edit();
        if adding && self.issuer.is_empty() && self.account.is_empty() && self.secret.is_empty() {
            return Check::Empty;
        }
        match self.build() {
            Ok((entry, warnings)) => Check::Ready {
                entries: vec![entry],
                warnings,
            },
            Err((field, message)) => Check::Invalid { field, message },
        }
    }

    fn validate_uri(&self) -> Check {
        let text = self.uri.as_str().trim();
        let items = if let Some(items) = &self.from_file {
            Ok(items.clone())
        } else if text.contains("://") {
            import::detect(text.as_bytes()).and_then(|f| f.read(text.as_bytes(), None))
        } else {
            return Check::NeedsRead;
        };
        let items = match items {
            Ok(items) => items,
            Err(e) => {
                return Check::Invalid {
                    field: Field::Uri,
                    message: e.to_string(),
                };
            }
        };
        let mut entries = Vec::new();
        let mut warnings = Vec::new();
        for item in items {
            match item {
                Item::Entry(entry) => entries.push(*entry),
                Item::Failed { what, reason } => warnings.push(format!("{what}: {reason}")),
                Item::Warning { .. } => {}
            }
        }
        if entries.is_empty() {
            let message = warnings
                .pop()
                .unwrap_or_else(|| "no entry found in it".into());
            return Check::Invalid {
                field: Field::Uri,
                message,
            };
        }
        let tags = split_tags(self.tags.as_str());
        for entry in &mut entries {
            entry.tags.extend(tags.iter().cloned());
            if entry.secret.is_short() {
                warnings.push(short_warning(entry));
            }
        }
        Check::Ready { entries, warnings }
    }

    /// The entry the manual fields describe, or the field at fault and why.
    fn build(&self) -> Result<(Entry, Vec<String>), (Field, String)> {
        let original = match &self.purpose {
            Purpose::Edit(entry) => Some(entry),
            Purpose::Add => None,
        };
        let issuer = self.issuer.as_str().trim();
        let account = self.account.as_str().trim();
        let secret = match (original, self.secret.is_empty()) {
            (Some(_), true) => {
                Secret::from_bytes(KEPT.to_vec()).map_err(|e| (Field::Secret, e.to_string()))?
            }
            _ => Secret::parse_base32(self.secret.as_str())
                .map_err(|e| (Field::Secret, e.to_string()))?,
        };
        if issuer.is_empty() && account.is_empty() {
            return Err((Field::Issuer, "give an issuer or an account name".into()));
        }
        let mut entry = Entry::new("", "", secret.clone());
        if let Some(view) = original {
            entry.id = view.id;
            entry.changed = view.changed;
            entry.counter = view.counter;
            entry.period = view.period;
            entry.digits = view.digits;
            entry.note.clone_from(&view.note);
            entry.serial.clone_from(&view.serial);
            entry.manufacturer.clone_from(&view.manufacturer);
            entry.model.clone_from(&view.model);
            entry.upn.clone_from(&view.upn);
            entry.conflict = view.conflict;
        }
        entry.issuer = issuer.to_string();
        entry.account = account.to_string();
        entry.secret = secret;
        entry.kind = self.kind;
        entry.algorithm = self.algorithm;
        if self.kind != Kind::Steam {
            entry.digits = number(self.digits.as_str())
                .filter(|d| (otp::MIN_DIGITS..=otp::MAX_DIGITS).contains(d))
                .ok_or((Field::Digits, "use 6 to 10 (6 is usual)".to_string()))?;
        }
        match self.kind {
            Kind::Hotp => {
                entry.counter = number(self.number.as_str())
                    .ok_or((Field::Number, "a whole number, 0 or more".to_string()))?;
            }
            Kind::Totp | Kind::Steam => {
                entry.period = number(self.number.as_str())
                    .filter(|p| (1..=otp::MAX_PERIOD).contains(p))
                    .ok_or((
                        Field::Number,
                        "seconds from 1 to 86400 (30 or 60 are usual)".to_string(),
                    ))?;
            }
        }
        entry.tags = split_tags(self.tags.as_str());
        entry
            .validate()
            .map_err(|e| (Field::Number, e.to_string()))?;
        let mut warnings = Vec::new();
        if entry.secret.is_short() && !self.keeps_secret() {
            warnings.push(short_warning(&entry));
        }
        Ok((entry, warnings))
    }
}

/// The stand-in for a kept secret: 160 bits of zeros, only ever validated, never saved.
const KEPT: [u8; 20] = [0; 20];

fn short_warning(entry: &Entry) -> String {
    format!(
        "'{}': the secret is only {} bits (128 are recommended; hardware tokens use fewer)",
        entry.name(),
        entry.secret.bits()
    )
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.trim().parse().ok()
}

fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}
