//! Merging the versions of one entry (one id) that two sides hold.
//!
//! Promises:
//! - Three-way (a base version exists): per field, a change on one side wins; the same field
//!   changed differently on both sides is a conflict.
//! - Two-way (no base: Syncthing's copies, an entry added on both sides): fields that make the
//!   codes (secret, type, algorithm, digits, period) that differ are a conflict; other fields
//!   take the later change (by `changed`).
//! - A conflict keeps both versions: the winner in place under the entry's id, the loser as a
//!   second entry flagged `conflict` (the first's id) under an id made from the first's id
//!   and the loser's values — two machines making the same merge make the same second entry.
//!   The winner is the later change; on a tie, the one whose values hash higher: the outcome
//!   never depends on which side is "ours", and merging the result again changes nothing.
//! - HOTP counters take the maximum of the two sides when their secrets agree; a version
//!   whose secret was changed keeps its own counter (a re-enrolled token starts afresh).
//! - `changed` of the merged entry is the later of the two; the second entry keeps the
//!   loser's.

use std::cmp::Ordering;

use sha2::{Digest, Sha256};

use super::field::{Field, differing, same_content};
use crate::engine::entry::{Entry, EntryId};

/// The merged version of one entry, and what was decided.
#[derive(Debug)]
pub(super) struct Merged {
    pub entry: Entry,
    /// The second version, flagged, when both sides changed a field differently.
    pub copy: Option<Entry>,
    /// The fields in conflict.
    pub conflicts: Vec<Field>,
    /// Two-way only: fields where the later change replaced the other side's value.
    pub replaced: Vec<Field>,
}

/// Merges `ours` and `theirs`, both changed from `base`, all under the id `id`.
pub(super) fn three_way(id: EntryId, base: &Entry, ours: &Entry, theirs: &Entry) -> Merged {
    let mut merged = ours.clone();
    let mut conflicts = Vec::new();
    for field in Field::ALL {
        // Counters are decided by `set_counter`; an equal value is already in `merged`.
        if field == Field::Counter || field.same(ours, theirs) {
            continue;
        }
        if field.same(ours, base) {
            field.take(&mut merged, theirs);
        } else if !field.same(theirs, base) {
            conflicts.push(field);
        }
    }
    resolve(
        id,
        merged,
        ours,
        theirs,
        &conflicts.clone(),
        conflicts,
        Vec::new(),
    )
}

/// Merges `ours` and `theirs` without a base version to tell who changed what.
pub(super) fn two_way(id: EntryId, ours: &Entry, theirs: &Entry) -> Merged {
    let diff: Vec<Field> = differing(ours, theirs)
        .into_iter()
        .filter(|f| *f != Field::Counter)
        .collect();
    let (winner, _) = order(ours, theirs, &diff);
    let mut merged = ours.clone();
    let mut replaced = Vec::new();
    let mut conflicts = Vec::new();
    for field in &diff {
        if field.makes_codes() {
            conflicts.push(*field);
        } else {
            field.take(&mut merged, winner);
            replaced.push(*field);
        }
    }
    resolve(id, merged, ours, theirs, &diff, conflicts, replaced)
}

/// (winner, loser): the later change, or on a tie the one whose values of `fields` hash
/// higher.
fn order<'a>(ours: &'a Entry, theirs: &'a Entry, fields: &[Field]) -> (&'a Entry, &'a Entry) {
    let fingerprint = |entry: &Entry| {
        let mut hasher = Sha256::new();
        for field in fields {
            field.feed(entry, &mut hasher);
        }
        <[u8; 32]>::from(hasher.finalize())
    };
    match ours
        .changed
        .cmp(&theirs.changed)
        .then_with(|| fingerprint(ours).cmp(&fingerprint(theirs)))
    {
        Ordering::Less => (theirs, ours),
        Ordering::Equal | Ordering::Greater => (ours, theirs),
    }
}

/// Finishes a merge: the conflicting fields from the winner in place, from the loser in the
/// flagged second entry; counters, change times, ids; validation.
fn resolve(
    id: EntryId,
    merged: Entry,
    ours: &Entry,
    theirs: &Entry,
    winner_by: &[Field],
    conflicts: Vec<Field>,
    replaced: Vec<Field>,
) -> Merged {
    let changed = ours.changed.max(theirs.changed);
    let mut entry = merged;
    entry.id = Some(id);
    entry.changed = changed;
    if conflicts.is_empty() {
        set_counter(&mut entry, ours, theirs);
        if entry.validate().is_ok() {
            return Merged {
                entry,
                copy: None,
                conflicts,
                replaced,
            };
        }
        // Values that do not go together (a kind from one side, digits from the other):
        // both versions are kept whole.
        let diff = differing(ours, theirs);
        return whole(id, ours, theirs, &diff, diff.clone());
    }
    let (winner, loser) = order(ours, theirs, winner_by);
    let mut copy = entry.clone();
    for field in &conflicts {
        field.take(&mut entry, winner);
        field.take(&mut copy, loser);
    }
    set_counter(&mut entry, ours, theirs);
    set_counter(&mut copy, ours, theirs);
    copy.id = Some(copy_id(id, &conflicts, loser));
    copy.conflict = Some(id);
    copy.changed = loser.changed;
    if entry.validate().is_err() || copy.validate().is_err() {
        return whole(id, ours, theirs, winner_by, conflicts);
    }
    Merged {
        entry,
        copy: Some(copy),
        conflicts,
        replaced,
    }
}

/// Both versions kept as they are: the winner under `id`, the loser flagged beside it.
fn whole(
    id: EntryId,
    ours: &Entry,
    theirs: &Entry,
    winner_by: &[Field],
    conflicts: Vec<Field>,
) -> Merged {
    let (winner, loser) = order(ours, theirs, winner_by);
    let mut entry = winner.clone();
    entry.id = Some(id);
    entry.changed = ours.changed.max(theirs.changed);
    let mut copy = loser.clone();
    copy.id = Some(copy_id(id, &Field::ALL, loser));
    copy.conflict = Some(id);
    Merged {
        entry,
        copy: Some(copy),
        conflicts,
        replaced: Vec::new(),
    }
}

/// A HOTP counter never goes back: the higher of the two sides' when the entry's secret is
/// both sides'; else the counter of the side whose secret it has.
fn set_counter(entry: &mut Entry, ours: &Entry, theirs: &Entry) {
    entry.counter = match (entry.secret == ours.secret, entry.secret == theirs.secret) {
        (true, true) => ours.counter.max(theirs.counter),
        (true, false) => ours.counter,
        (false, _) => theirs.counter,
    };
}

/// The id of the second version of entry `id`: made from `id` and the second version's values
/// of the conflicting `fields`, so the same merge made twice makes the same entry.
fn copy_id(id: EntryId, fields: &[Field], loser: &Entry) -> EntryId {
    let mut hasher = Sha256::new();
    hasher.update(b"keyfob conflict copy\0");
    hasher.update(id.as_uuid().as_bytes());
    for field in fields {
        field.feed(loser, &mut hasher);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    EntryId::from(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// Whether `side` is the version `base` was (its only changes, if any, are to `changed`).
pub(super) fn unchanged(base: &Entry, side: &Entry) -> bool {
    same_content(base, side)
}
