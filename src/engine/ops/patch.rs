//! A field patch: the fields of one entry a person changed, and nothing else.
//!
//! Promises:
//! - [`Patch::between`] and [`Patch::apply_to`] name every field of [`Entry`] (no `..`), so a
//!   new field does not build until it is handled here too. `id`, `changed` and `conflict`
//!   are not fields a person edits: a patch never carries them.
//! - Applying a patch sets only the fields it carries, so a change another keyfob made to
//!   other fields of the same entry meanwhile survives.
//! - `Debug` never shows a secret (a [`Secret`] prints redacted).

use serde::{Deserialize, Serialize};

use crate::engine::entry::Entry;
use crate::engine::otp::{Algorithm, Kind};
use crate::engine::secret::Secret;
use crate::engine::view::EntryView;

/// New values for some fields of an entry (`None` = leave the field as it is; for optional
/// fields, `Some(None)` removes the value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patch {
    pub issuer: Option<String>,
    pub account: Option<String>,
    pub secret: Option<Secret>,
    pub kind: Option<Kind>,
    pub algorithm: Option<Algorithm>,
    pub digits: Option<u8>,
    pub period: Option<u32>,
    pub counter: Option<u64>,
    pub note: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub serial: Option<Option<String>>,
    pub manufacturer: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub upn: Option<Option<String>>,
}

/// `Some(after)` when it differs from `before`.
fn changed<T: PartialEq + Clone>(before: &T, after: &T) -> Option<T> {
    (before != after).then(|| after.clone())
}

/// Sets `field` when the patch carries a value for it.
fn set<T: Clone>(field: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        field.clone_from(value);
    }
}

/// The patch of the fields other than the secret in which the entry `$after` differs from
/// `$before` (an [`Entry`] or an [`EntryView`]: the same field names), with `$secret` as its
/// secret. `$after` is destructured whole, so a new field of [`Entry`] does not build until
/// it is handled here.
macro_rules! between {
    ($before:expr, $after:expr, $secret:expr) => {{
        let before = $before;
        let Entry {
            id: _,
            issuer,
            account,
            secret: _,
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
            changed: _,
            conflict: _,
        } = $after;
        Patch {
            issuer: changed(&before.issuer, issuer),
            account: changed(&before.account, account),
            secret: $secret,
            kind: changed(&before.kind, kind),
            algorithm: changed(&before.algorithm, algorithm),
            digits: changed(&before.digits, digits),
            period: changed(&before.period, period),
            counter: changed(&before.counter, counter),
            note: changed(&before.note, note),
            tags: changed(&before.tags, tags),
            serial: changed(&before.serial, serial),
            manufacturer: changed(&before.manufacturer, manufacturer),
            model: changed(&before.model, model),
            upn: changed(&before.upn, upn),
        }
    }};
}

impl Patch {
    /// The fields in which `after` differs from `before` (an edit form's result against the
    /// entry it started from).
    pub fn between(before: &Entry, after: &Entry) -> Patch {
        between!(before, after, changed(&before.secret, &after.secret))
    }

    /// The fields other than the secret in which `after` differs from `before`, an entry as
    /// a seedless face (the screen through an agent) saw it: an edit form's result against the
    /// view it started from. The secret is never compared (a view has none): the caller sets
    /// [`Patch::secret`] when the person typed a new one.
    pub fn between_view(before: &EntryView, after: &Entry) -> Patch {
        between!(before, after, None)
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Patch::default()
    }

    /// Sets the fields the patch carries (the caller validates the result).
    pub fn apply_to(&self, entry: &mut Entry) {
        let Patch {
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
        } = self;
        set(&mut entry.issuer, issuer);
        set(&mut entry.account, account);
        set(&mut entry.secret, secret);
        set(&mut entry.kind, kind);
        set(&mut entry.algorithm, algorithm);
        set(&mut entry.digits, digits);
        set(&mut entry.period, period);
        set(&mut entry.counter, counter);
        set(&mut entry.note, note);
        set(&mut entry.tags, tags);
        set(&mut entry.serial, serial);
        set(&mut entry.manufacturer, manufacturer);
        set(&mut entry.model, model);
        set(&mut entry.upn, upn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry::new(
            "GitHub",
            "me",
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        )
    }

    #[test]
    fn carries_only_what_changed() {
        let before = entry();
        let mut after = before.clone();
        after.account = "work".into();
        after.note = Some("n".into());
        let patch = Patch::between(&before, &after);
        assert_eq!(
            patch,
            Patch {
                account: Some("work".into()),
                note: Some(Some("n".into())),
                ..Patch::default()
            }
        );
        assert!(Patch::between(&before, &before).is_empty());
    }

    #[test]
    fn applying_keeps_other_fields_changed_meanwhile() {
        let before = entry();
        let mut mine = before.clone();
        mine.issuer = "GitHub Enterprise".into();
        let patch = Patch::between(&before, &mine);
        let mut theirs = before.clone();
        theirs.tags = vec!["work".into()];
        theirs.digits = 8;
        patch.apply_to(&mut theirs);
        assert_eq!(theirs.issuer, "GitHub Enterprise");
        assert_eq!((theirs.tags.len(), theirs.digits), (1, 8));
    }

    #[test]
    fn from_a_view_carries_what_changed_but_never_the_secret() {
        let before = entry();
        let view = EntryView::of(&before, 0).unwrap();
        let mut after = before.clone();
        after.secret = Secret::parse_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        assert!(Patch::between_view(&view, &after).is_empty());
        after.issuer = "GitHub Enterprise".into();
        after.period = 60;
        assert_eq!(
            Patch::between_view(&view, &after),
            Patch {
                issuer: Some("GitHub Enterprise".into()),
                period: Some(60),
                ..Patch::default()
            }
        );
    }

    #[test]
    fn a_secret_in_a_patch_is_not_shown() {
        let patch = Patch {
            secret: Some(Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap()),
            note: Some(None),
            ..Patch::default()
        };
        let shown = format!("{patch:?}");
        assert!(!shown.contains("JBSW"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
