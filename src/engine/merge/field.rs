//! The fields of an entry as the merge sees them: compared, copied and fingerprinted one at a
//! time.
//!
//! Promise: [`Field::ALL`] names every field of [`Entry`] a person or an op changes; `id` and
//! `changed` are the merge's own business. [`check_every_field_is_named`] destructures `Entry`
//! without `..`, so a field added to it does not build until it is handled here.

use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::engine::entry::Entry;

/// One field of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Issuer,
    Account,
    Secret,
    Kind,
    Algorithm,
    Digits,
    Period,
    Counter,
    Note,
    Tags,
    Serial,
    Manufacturer,
    Model,
    Upn,
    Conflict,
}

impl Field {
    pub const ALL: [Field; 15] = [
        Field::Issuer,
        Field::Account,
        Field::Secret,
        Field::Kind,
        Field::Algorithm,
        Field::Digits,
        Field::Period,
        Field::Counter,
        Field::Note,
        Field::Tags,
        Field::Serial,
        Field::Manufacturer,
        Field::Model,
        Field::Upn,
        Field::Conflict,
    ];

    /// The field's name as the vault file writes it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Issuer => "issuer",
            Field::Account => "account",
            Field::Secret => "secret",
            Field::Kind => "type",
            Field::Algorithm => "algorithm",
            Field::Digits => "digits",
            Field::Period => "period",
            Field::Counter => "counter",
            Field::Note => "note",
            Field::Tags => "tags",
            Field::Serial => "serial",
            Field::Manufacturer => "manufacturer",
            Field::Model => "model",
            Field::Upn => "upn",
            Field::Conflict => "conflict",
        }
    }

    /// Whether the field changes the codes an entry makes (a difference there, without a
    /// base to tell who changed it, must keep both versions).
    pub fn makes_codes(self) -> bool {
        matches!(
            self,
            Field::Secret | Field::Kind | Field::Algorithm | Field::Digits | Field::Period
        )
    }

    /// Whether `a` and `b` hold the same value in this field.
    pub fn same(self, a: &Entry, b: &Entry) -> bool {
        match self {
            Field::Issuer => a.issuer == b.issuer,
            Field::Account => a.account == b.account,
            Field::Secret => a.secret == b.secret,
            Field::Kind => a.kind == b.kind,
            Field::Algorithm => a.algorithm == b.algorithm,
            Field::Digits => a.digits == b.digits,
            Field::Period => a.period == b.period,
            Field::Counter => a.counter == b.counter,
            Field::Note => a.note == b.note,
            Field::Tags => a.tags == b.tags,
            Field::Serial => a.serial == b.serial,
            Field::Manufacturer => a.manufacturer == b.manufacturer,
            Field::Model => a.model == b.model,
            Field::Upn => a.upn == b.upn,
            Field::Conflict => a.conflict == b.conflict,
        }
    }

    /// Sets this field of `into` to `from`'s value.
    pub fn take(self, into: &mut Entry, from: &Entry) {
        match self {
            Field::Issuer => into.issuer.clone_from(&from.issuer),
            Field::Account => into.account.clone_from(&from.account),
            Field::Secret => into.secret.clone_from(&from.secret),
            Field::Kind => into.kind = from.kind,
            Field::Algorithm => into.algorithm = from.algorithm,
            Field::Digits => into.digits = from.digits,
            Field::Period => into.period = from.period,
            Field::Counter => into.counter = from.counter,
            Field::Note => into.note.clone_from(&from.note),
            Field::Tags => into.tags.clone_from(&from.tags),
            Field::Serial => into.serial.clone_from(&from.serial),
            Field::Manufacturer => into.manufacturer.clone_from(&from.manufacturer),
            Field::Model => into.model.clone_from(&from.model),
            Field::Upn => into.upn.clone_from(&from.upn),
            Field::Conflict => into.conflict = from.conflict,
        }
    }

    /// Feeds the field's name and `entry`'s value to `hasher` (the value's text is wiped
    /// afterwards: it may be a secret).
    pub fn feed(self, entry: &Entry, hasher: &mut Sha256) {
        fn text<T: Serialize>(value: &T) -> Zeroizing<String> {
            Zeroizing::new(ron::to_string(value).unwrap_or_default())
        }
        let value = match self {
            Field::Issuer => text(&entry.issuer),
            Field::Account => text(&entry.account),
            Field::Secret => text(&entry.secret),
            Field::Kind => text(&entry.kind),
            Field::Algorithm => text(&entry.algorithm),
            Field::Digits => text(&entry.digits),
            Field::Period => text(&entry.period),
            Field::Counter => text(&entry.counter),
            Field::Note => text(&entry.note),
            Field::Tags => text(&entry.tags),
            Field::Serial => text(&entry.serial),
            Field::Manufacturer => text(&entry.manufacturer),
            Field::Model => text(&entry.model),
            Field::Upn => text(&entry.upn),
            Field::Conflict => text(&entry.conflict.map(|id| id.to_string())),
        };
        hasher.update(self.name().as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
}

/// The fields in which `a` and `b` differ (`changed` and `id` aside).
pub fn differing(a: &Entry, b: &Entry) -> Vec<Field> {
    Field::ALL.into_iter().filter(|f| !f.same(a, b)).collect()
}

/// Whether `a` and `b` are the same version of an entry (`changed` and `id` aside).
pub fn same_content(a: &Entry, b: &Entry) -> bool {
    Field::ALL.into_iter().all(|f| f.same(a, b))
}

/// Names every field of [`Entry`]: a field added there does not build until it is named here
/// (and then in [`Field`]).
#[allow(dead_code)]
fn check_every_field_is_named(entry: &Entry) {
    let Entry {
        id: _,
        changed: _,
        issuer: _,
        account: _,
        secret: _,
        kind: _,
        algorithm: _,
        digits: _,
        period: _,
        counter: _,
        note: _,
        tags: _,
        serial: _,
        manufacturer: _,
        model: _,
        upn: _,
        conflict: _,
    } = entry;
}
