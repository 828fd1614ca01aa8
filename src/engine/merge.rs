//! Merging two copies of one vault that changed apart — git's three versions (base, ours,
//! theirs) or Syncthing's two (the vault and a `sync-conflict` copy) — so that no change is
//! lost. Pure: no clock, no files.
//!
//! Promises (see README, "Sharing a vault with a team"):
//! - Entries are matched by id (vaults written before ids, and the same account added on both
//!   sides under different ids, by account: [`matching`]) and merged field by field
//!   ([`slot`]): a change on one side wins; the same field changed differently on both sides
//!   keeps both versions, the second flagged `conflict` until a person deletes one; HOTP
//!   counters take the maximum.
//! - Deletions: an entry one side deleted and the other left as it was is deleted; one the
//!   other side changed is kept, and the report says so ([`Report::kept`]). Without a base, a
//!   tombstone decides by time: an entry changed after it was deleted elsewhere is kept.
//! - Recipients merge as a set ([`recipients`]); a conflicting change is an error, and
//!   nothing is merged.
//! - The result does not depend on which side is "ours" (entry order aside); merging it again
//!   with either side changes nothing; merging with an unchanged side gives the other side.
//! - Its `generation` is the highest of the inputs': saving it writes one more.
//! - Tombstones are the union of both sides' (the later time for an id), without the ids the
//!   result holds; a `conflict` flag naming an entry that is gone is cleared.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::entry::{Entry, EntryId};
use super::vault::{CURRENT_VERSION, Tombstone, Vault};

mod field;
mod matching;
pub mod recipients;
mod slot;

pub use field::Field;
pub use recipients::SetChange;

/// One side of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Ours,
    Theirs,
}

/// Why nothing was merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error(
        "both sides changed the recipients, differently (ours: {}; theirs: {})",
        describe(ours),
        describe(theirs)
    )]
    RecipientsDiverged { ours: SetChange, theirs: SetChange },
    #[error(
        "the two copies are sealed to different recipients (only ours: {}; only theirs: {})",
        keys(only_ours),
        keys(only_theirs)
    )]
    RecipientsDiffer {
        only_ours: Vec<String>,
        only_theirs: Vec<String>,
    },
}

fn keys(list: &[String]) -> String {
    super::store::short_keys(list)
}

fn describe(change: &SetChange) -> String {
    format!(
        "added {}, removed {}",
        keys(&change.added),
        keys(&change.removed)
    )
}

/// What a merge did, for the person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Entries both sides changed differently: both versions kept (new second versions only;
    /// one a side already holds was reported by the merge that made it).
    pub conflicts: Vec<Conflict>,
    /// Entries one side deleted and the other changed: kept.
    pub kept: Vec<Kept>,
    /// Without a base: fields where the later change replaced the other's (names, notes…).
    pub replaced: Vec<Replaced>,
    /// Compared with ours: entries the result adds, changes and no longer has.
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    /// Compared with ours: the recipients the result adds and drops.
    pub recipients: SetChange,
}

/// Two versions of one entry kept side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub name: String,
    pub fields: Vec<&'static str>,
    /// The entry in place, and the flagged second version.
    pub id: EntryId,
    pub copy: EntryId,
}

/// An entry kept although one side deleted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub name: String,
    pub deleted_by: Side,
}

/// Fields of an entry taken from the later change (two-way merges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub name: String,
    pub fields: Vec<&'static str>,
    pub from: Side,
}

/// The merged vault and what was decided.
#[derive(Debug, Clone)]
pub struct Merged {
    pub vault: Vault,
    pub report: Report,
}

/// Merges `ours` and `theirs`, both changed from `base` (`None`: no common version is known,
/// as with Syncthing's copies).
pub fn merge(base: Option<&Vault>, ours: &Vault, theirs: &Vault) -> Result<Merged, MergeError> {
    let recipients = recipients::merge(
        base.map(|b| b.recipients.as_slice()),
        &ours.recipients,
        &theirs.recipients,
    )?;
    let mut b: Vec<Entry> = base.map(|v| v.entries.clone()).unwrap_or_default();
    let (mut o, mut t) = (ours.entries.clone(), theirs.entries.clone());
    matching::align(&mut matching::Lists {
        base: &mut b,
        ours: &mut o,
        theirs: &mut t,
    });
    let by_id = |list: &[Entry]| -> HashMap<EntryId, usize> {
        list.iter()
            .enumerate()
            .filter_map(|(i, e)| e.id.map(|id| (id, i)))
            .collect()
    };
    let (bi, oi, ti) = (by_id(&b), by_id(&o), by_id(&t));
    let buried = |vault: &Vault| -> HashMap<EntryId, u64> {
        vault.tombstones.iter().map(|t| (t.id, t.deleted)).collect()
    };
    let (o_dead, t_dead) = (buried(ours), buried(theirs));
    let mut order: Vec<EntryId> = o.iter().filter_map(|e| e.id).collect();
    order.extend(
        t.iter()
            .filter_map(|e| e.id)
            .filter(|id| !oi.contains_key(id)),
    );

    let mut report = Report::default();
    let mut entries: Vec<Entry> = Vec::with_capacity(order.len());
    let mut copies: Vec<Entry> = Vec::new();
    for id in order {
        let (be, oe, te) = (
            bi.get(&id).map(|i| &b[*i]),
            oi.get(&id).map(|i| &o[*i]),
            ti.get(&id).map(|i| &t[*i]),
        );
        let merged = match (be, oe, te) {
            (Some(be), Some(oe), Some(te)) => slot::three_way(id, be, oe, te),
            (None, Some(oe), Some(te)) => slot::two_way(id, oe, te),
            (_, Some(one), None) => match survives(be, one, t_dead.get(&id).copied()) {
                Survival::Gone => continue,
                Survival::Added => keep(one),
                Survival::Kept => {
                    report.kept.push(Kept {
                        name: one.name(),
                        deleted_by: Side::Theirs,
                    });
                    keep(one)
                }
            },
            (_, None, Some(one)) => match survives(be, one, o_dead.get(&id).copied()) {
                Survival::Gone => continue,
                Survival::Added => keep(one),
                Survival::Kept => {
                    report.kept.push(Kept {
                        name: one.name(),
                        deleted_by: Side::Ours,
                    });
                    keep(one)
                }
            },
            (_, None, None) => continue,
        };
        note(&mut report, &merged, oe);
        entries.push(merged.entry);
        copies.extend(merged.copy);
    }
    let placed = place_copies(&mut entries, copies);
    // A second version already on a side is an old conflict, not news.
    report.conflicts.retain(|c| placed.contains(&c.copy));
    clear_stale_flags(&mut entries);
    let tombstones = tombstones(ours, theirs, &entries);
    let generation = [Some(ours), Some(theirs), base]
        .into_iter()
        .flatten()
        .map(|v| v.generation)
        .max()
        .unwrap_or_default();
    let vault = Vault {
        version: CURRENT_VERSION,
        generation,
        recipients,
        entries,
        tombstones,
    };
    compare_with_ours(&mut report, &o, &ours.recipients, &vault);
    Ok(Merged { vault, report })
}

/// What becomes of an entry only one side still has.
enum Survival {
    /// It was deleted on the other side, and not changed on this one since.
    Gone,
    /// It is new on this side.
    Added,
    /// The other side deleted it, but this side changed it: kept.
    Kept,
}

/// `one` is on one side only; `base` is its base version, `deleted` the other side's
/// tombstone time for it.
fn survives(base: Option<&Entry>, one: &Entry, deleted: Option<u64>) -> Survival {
    match (base, deleted) {
        // The other side had it and it is gone there (with or without a tombstone).
        (Some(base), _) if slot::unchanged(base, one) => Survival::Gone,
        (Some(_), _) => Survival::Kept,
        // No base: the tombstone's time against this side's last change.
        (None, Some(deleted)) if one.changed > deleted => Survival::Kept,
        (None, Some(_)) => Survival::Gone,
        (None, None) => Survival::Added,
    }
}

fn keep(one: &Entry) -> slot::Merged {
    slot::Merged {
        entry: one.clone(),
        copy: None,
        conflicts: Vec::new(),
        replaced: Vec::new(),
    }
}

/// Adds a slot's conflicts and replaced fields to the report.
fn note(report: &mut Report, merged: &slot::Merged, ours: Option<&Entry>) {
    let names = |fields: &[Field]| fields.iter().map(|f| f.name()).collect::<Vec<_>>();
    if let (Some(copy), Some(id)) = (&merged.copy, merged.entry.id) {
        report.conflicts.push(Conflict {
            name: merged.entry.name(),
            fields: names(&merged.conflicts),
            id,
            copy: copy.id.unwrap_or(id),
        });
    }
    if let (Some(first), Some(ours)) = (merged.replaced.first(), ours) {
        let from = if first.same(&merged.entry, ours) {
            Side::Ours
        } else {
            Side::Theirs
        };
        report.replaced.push(Replaced {
            name: merged.entry.name(),
            fields: names(&merged.replaced),
            from,
        });
    }
}

/// Puts each flagged second version right after the entry it goes with, unless the result
/// already holds an entry under its id (the same merge made before). Returns the ids placed.
fn place_copies(entries: &mut Vec<Entry>, copies: Vec<Entry>) -> HashSet<EntryId> {
    let mut ids: HashSet<EntryId> = entries.iter().filter_map(|e| e.id).collect();
    let mut placed = HashSet::new();
    let mut after: HashMap<Option<EntryId>, Vec<Entry>> = HashMap::new();
    for copy in copies {
        let Some(id) = copy.id else { continue };
        if ids.insert(id) {
            placed.insert(id);
            after.entry(copy.conflict).or_default().push(copy);
        }
    }
    if placed.is_empty() {
        return placed;
    }
    let mut out = Vec::with_capacity(entries.len() + placed.len());
    for entry in entries.drain(..) {
        let id = entry.id;
        out.push(entry);
        if let Some(copies) = after.remove(&id) {
            out.extend(copies);
        }
    }
    // (Every copy's first is in the result; any other would go last.)
    out.extend(after.into_values().flatten());
    *entries = out;
    placed
}

/// A `conflict` flag naming an entry the result does not hold is cleared: the pair is
/// resolved.
fn clear_stale_flags(entries: &mut [Entry]) {
    let ids: HashSet<EntryId> = entries.iter().filter_map(|e| e.id).collect();
    for entry in entries {
        if entry.conflict.is_some_and(|c| !ids.contains(&c)) {
            entry.conflict = None;
        }
    }
}

/// Both sides' tombstones (the later time for one id), without ids the result holds.
fn tombstones(ours: &Vault, theirs: &Vault, entries: &[Entry]) -> Vec<Tombstone> {
    let held: HashSet<EntryId> = entries.iter().filter_map(|e| e.id).collect();
    let mut out: Vec<Tombstone> = Vec::new();
    let mut at: HashMap<EntryId, usize> = HashMap::new();
    for stone in ours.tombstones.iter().chain(&theirs.tombstones) {
        if held.contains(&stone.id) {
            continue;
        }
        match at.get(&stone.id) {
            Some(i) => out[*i].deleted = out[*i].deleted.max(stone.deleted),
            None => {
                at.insert(stone.id, out.len());
                out.push(*stone);
            }
        }
    }
    out
}

/// The report's counts: what the result adds to, changes in and removes from ours (`mine`:
/// ours' entries, matched).
fn compare_with_ours(report: &mut Report, mine: &[Entry], ours: &[String], result: &Vault) {
    let before: HashMap<EntryId, &Entry> =
        mine.iter().filter_map(|e| e.id.map(|id| (id, e))).collect();
    let held: HashSet<EntryId> = result.entries.iter().filter_map(|e| e.id).collect();
    for entry in &result.entries {
        match entry.id.and_then(|id| before.get(&id)) {
            None => report.added += 1,
            Some(was) if !field::same_content(was, entry) => report.changed += 1,
            Some(_) => {}
        }
    }
    report.removed = mine
        .iter()
        .filter(|e| e.id.is_none_or(|id| !held.contains(&id)))
        .count();
    report.recipients = SetChange::between(
        &recipients::canonical_set(ours),
        &recipients::canonical_set(&result.recipients),
    );
}

#[cfg(test)]
mod tests;
