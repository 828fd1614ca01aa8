//! What may be shown of an entry without its secret: names, parameters, metadata and codes.
//! The command line and the screen print from it, and the agent sends it over its socket, so
//! a process that holds no seed (an agent's client) can still list, match and show codes.
//!
//! Promises:
//! - An [`EntryView`] never holds a secret, in any form: it is built from an [`Entry`] by
//!   naming every field but the secret (no `..`), so a new field does not build until it is
//!   sorted here as shown or kept.
//! - [`CodeWindow`] holds the code at a time and the one after it, so a reader can show the
//!   right code until the next period ends without asking again ([`CodeWindow::code_at`]
//!   says when it no longer can). Time is a parameter: nothing here reads the clock.
//! - Views are serde types; `Debug` shows nothing secret (there is nothing secret in them).

use serde::{Deserialize, Serialize};

use super::entry::{Entry, EntryId, display_name};
use super::ops::Outcome;
use super::otp::{Algorithm, Code, Kind, ParamError};
use super::query::Named;
use super::vault::Vault;

/// The codes of one entry around a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeWindow {
    /// The time the window was made for (Unix seconds).
    pub at: u64,
    /// The code at `at` (for hotp: at the stored counter).
    pub current: Code,
    /// The code of the period after the current one (None for hotp).
    pub next: Option<Code>,
    /// Seconds the current code has left at `at` (None for hotp).
    pub remaining: Option<u32>,
    /// The period in seconds (None for hotp).
    pub period: Option<u32>,
}

impl CodeWindow {
    /// The code at time `t` and the seconds it has left, while the window knows it: from `at`
    /// to the end of the next period. `None` before `at` or after that (ask again). A hotp
    /// window's code does not depend on the time.
    pub fn code_at(&self, t: u64) -> Option<(Code, Option<u32>)> {
        let (Some(left), Some(period)) = (self.remaining, self.period) else {
            return Some((self.current, None));
        };
        let current_ends = self.at.checked_add(u64::from(left))?;
        let next_ends = current_ends.checked_add(u64::from(period))?;
        let seconds = |end: u64| u32::try_from(end - t).ok();
        if t < self.at {
            None
        } else if t < current_ends {
            Some((self.current, seconds(current_ends)))
        } else if t < next_ends {
            Some((self.next?, seconds(next_ends)))
        } else {
            None
        }
    }
}

/// An entry as it may be shown: everything but the secret, and its codes at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: Option<EntryId>,
    pub changed: u64,
    pub issuer: String,
    pub account: String,
    pub kind: Kind,
    pub algorithm: Algorithm,
    pub digits: u8,
    /// Seconds per code (totp, steam; kept at 30 for hotp).
    pub period: u32,
    /// The next HOTP counter (0 for timed kinds).
    pub counter: u64,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub serial: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub upn: Option<String>,
    /// For a version a merge kept beside another, that entry's id.
    pub conflict: Option<EntryId>,
    /// Whether the secret is shorter than 128 bits (worth a warning).
    pub short_secret: bool,
    pub codes: CodeWindow,
}

impl EntryView {
    /// The view of `entry` with its codes at `at`. Fails only for an entry that skipped
    /// validation.
    pub fn of(entry: &Entry, at: u64) -> Result<EntryView, ParamError> {
        let Entry {
            id,
            changed,
            issuer,
            account,
            secret,
            kind,
            algorithm,
            digits,
            period,
            counter,
            note,
            tags,
            serial,
            manufacturer,
            model,
            upn,
            conflict,
        } = entry;
        let generator = entry.generator()?;
        let codes = if kind.is_timed() {
            let left = super::otp::remaining(*period, at);
            CodeWindow {
                at,
                current: generator.code_at(at),
                next: at
                    .checked_add(u64::from(left))
                    .map(|start| generator.code_at(start)),
                remaining: Some(left),
                period: Some(*period),
            }
        } else {
            CodeWindow {
                at,
                current: generator.code_at(*counter),
                next: None,
                remaining: None,
                period: None,
            }
        };
        Ok(EntryView {
            id: *id,
            changed: *changed,
            issuer: issuer.clone(),
            account: account.clone(),
            kind: *kind,
            algorithm: *algorithm,
            digits: *digits,
            period: *period,
            counter: *counter,
            note: note.clone(),
            tags: tags.clone(),
            serial: serial.clone(),
            conflict: *conflict,
            manufacturer: manufacturer.clone(),
            model: model.clone(),
            upn: upn.clone(),
            short_secret: secret.is_short(),
            codes,
        })
    }

    /// `Issuer:Account`, or whichever of the two is present.
    pub fn name(&self) -> String {
        display_name(&self.issuer, &self.account)
    }

    /// The code at the view's time.
    pub fn code(&self) -> Code {
        self.codes.current
    }

    /// Seconds the code has left at the view's time (None for hotp).
    pub fn remaining(&self) -> Option<u32> {
        self.codes.remaining
    }
}

/// The views of the entries `outcome` added or changed, as they are in `vault` (after the
/// operation), at `at`.
pub fn changed(vault: &Vault, outcome: &Outcome, at: u64) -> Result<Vec<EntryView>, ParamError> {
    let ids: Vec<EntryId> = match outcome {
        Outcome::Added { ids, .. } => ids.iter().flatten().copied().collect(),
        Outcome::Edited { id } | Outcome::Advanced { id, .. } => vec![*id],
        Outcome::Removed { .. } => Vec::new(),
    };
    ids.iter()
        .filter_map(|id| vault.entry(*id))
        .map(|entry| EntryView::of(entry, at))
        .collect()
}

impl Named for EntryView {
    fn issuer(&self) -> &str {
        &self.issuer
    }
    fn account(&self) -> &str {
        &self.account
    }
    fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }
    fn has_id(&self, id: EntryId) -> bool {
        self.id == Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::secret::Secret;

    fn rfc() -> Entry {
        Entry::new(
            "Example",
            "alice",
            Secret::parse_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(),
        )
    }

    #[test]
    fn a_view_shows_the_codes_and_no_secret() {
        let entry = rfc();
        let view = EntryView::of(&entry, 59).unwrap();
        // RFC 6238's SHA1 vector at T=59, six digits.
        assert_eq!(view.code().as_str(), "287082");
        assert_eq!(view.remaining(), Some(1));
        assert_eq!(view.codes.next, Some(entry.code(60).unwrap()));
        let json = serde_json::to_string(&view).unwrap();
        assert!(!json.contains("GEZDGNBV"), "{json}");
        assert!(!format!("{view:?}").contains("GEZDGNBV"));
        let back: EntryView = serde_json::from_str(&json).unwrap();
        assert_eq!(back, view);
    }

    #[test]
    fn a_window_knows_the_current_and_the_next_period_only() {
        let entry = rfc();
        let view = EntryView::of(&entry, 40).unwrap();
        let window = view.codes;
        assert_eq!(window.code_at(39), None, "before the window");
        assert_eq!(
            window.code_at(40),
            Some((entry.code(40).unwrap(), Some(20)))
        );
        assert_eq!(window.code_at(59), Some((entry.code(59).unwrap(), Some(1))));
        assert_eq!(
            window.code_at(60),
            Some((entry.code(60).unwrap(), Some(30)))
        );
        assert_eq!(window.code_at(89), Some((entry.code(89).unwrap(), Some(1))));
        assert_eq!(window.code_at(90), None, "after the next period");
    }

    #[test]
    fn a_hotp_view_has_the_code_at_its_counter() {
        let entry = rfc().with_hotp(1);
        let view = EntryView::of(&entry, 1_000).unwrap();
        // RFC 4226's vector for counter 1.
        assert_eq!(view.code().as_str(), "287082");
        assert_eq!(view.remaining(), None);
        assert_eq!(view.codes.next, None);
        assert_eq!(view.codes.code_at(5_000_000), Some((view.code(), None)));
    }
}
