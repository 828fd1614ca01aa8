//! Matching entries across the base and the two sides where their ids do not say it.
//!
//! Why: a vault written before keyfob kept ids has none, and each machine that saved it since
//! gave its entries fresh random ids — the same account then has one id in ours and another in
//! theirs. And the same import on two machines adds the same accounts under different ids.
//!
//! Promises (all deterministic, the same whichever side is "ours"):
//! - A base entry without an id takes the id of the entry for the same account (type, secret,
//!   issuer, account) on either side — the smaller, when both have one, and that one is then
//!   given to both sides' entries; with none, an id made from the account
//!   ([`account_id`]).
//! - A side's entry without an id takes the id of the base's entry for its account, else the
//!   other side's, else its [`account_id`].
//! - An entry only one side has (by id, and not in the base) and an entry only the other side
//!   has, for the same account, become one entry under the smaller of their ids.
//! - No vault ends up with two entries under one id.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use crate::engine::entry::{Entry, EntryId};

/// The three lists of entries being merged (the base's empty when there is none).
pub(super) struct Lists<'a> {
    pub base: &'a mut [Entry],
    pub ours: &'a mut [Entry],
    pub theirs: &'a mut [Entry],
}

/// An id made from an entry's account and which of that vault's entries for the same account
/// it is (`occurrence`, from 0): the same on every machine.
pub(super) fn account_id(entry: &Entry, occurrence: usize) -> EntryId {
    let mut hasher = Sha256::new();
    hasher.update(b"keyfob account id\0");
    hasher.update(entry.kind.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(entry.issuer.as_bytes());
    hasher.update([0]);
    hasher.update(entry.account.as_bytes());
    hasher.update([0]);
    hasher.update(entry.secret.as_bytes());
    hasher.update(occurrence.to_le_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    EntryId::from(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

fn ids(entries: &[Entry]) -> HashSet<EntryId> {
    entries.iter().filter_map(|e| e.id).collect()
}

/// Gives `entries[at]` the id `id`, unless another entry of the list has it already.
fn relabel(entries: &mut [Entry], at: usize, id: EntryId) {
    if entries
        .iter()
        .enumerate()
        .all(|(i, e)| i == at || e.id != Some(id))
    {
        entries[at].id = Some(id);
    }
}

/// Applies the promises above to the three lists.
pub(super) fn align(lists: &mut Lists) {
    // A hand-edited vault may repeat an id: the later entries are matched as if they had none.
    for list in [&mut *lists.base, &mut *lists.ours, &mut *lists.theirs] {
        let mut seen = HashSet::new();
        for entry in list.iter_mut() {
            if entry.id.is_some_and(|id| !seen.insert(id)) {
                entry.id = None;
            }
        }
    }
    adopt_for_base(lists);
    adopt_for_side(lists.ours, lists.base, lists.theirs);
    adopt_for_side(lists.theirs, lists.base, lists.ours);
    pair_one_sided(lists);
}

/// Base entries without an id: matched by account to the sides (each side's entry to one
/// base entry at most).
fn adopt_for_base(lists: &mut Lists) {
    let base_ids = ids(lists.base);
    let fresh = |e: &Entry| e.id.is_some_and(|id| !base_ids.contains(&id));
    let (mut picked_ours, mut picked_theirs) = (HashSet::new(), HashSet::new());
    let mut chosen = Vec::new();
    for at in 0..lists.base.len() {
        let entry = &lists.base[at];
        if entry.id.is_some() {
            continue;
        }
        let occurrence = lists.base[..at]
            .iter()
            .filter(|e| e.id.is_none() && e.same_account(entry))
            .count();
        let pick = |side: &[Entry], picked: &HashSet<usize>| {
            side.iter()
                .enumerate()
                .position(|(i, e)| !picked.contains(&i) && fresh(e) && e.same_account(entry))
        };
        let mine = pick(lists.ours, &picked_ours);
        let other = pick(lists.theirs, &picked_theirs);
        picked_ours.extend(mine);
        picked_theirs.extend(other);
        let found = [
            mine.and_then(|i| lists.ours[i].id),
            other.and_then(|i| lists.theirs[i].id),
        ];
        let id = found
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(|| account_id(entry, occurrence));
        chosen.push((at, mine, other, id));
    }
    for (at, mine, other, id) in chosen {
        relabel(lists.base, at, id);
        if let Some(i) = mine {
            relabel(lists.ours, i, id);
        }
        if let Some(i) = other {
            relabel(lists.theirs, i, id);
        }
    }
    ensure_every_id(lists.base);
}

/// A side's entries without an id: the base's id for their account, else the other side's,
/// else one made from the account. (The n-th such entry for one account takes the n-th
/// match.)
fn adopt_for_side(side: &mut [Entry], base: &[Entry], other: &[Entry]) {
    let used = ids(side);
    let free = |e: &Entry| e.id.is_some_and(|id| !used.contains(&id));
    let nth = |list: &[Entry], entry: &Entry, n: usize| {
        list.iter()
            .filter(|e| e.same_account(entry) && free(e))
            .nth(n)
            .and_then(|e| e.id)
    };
    let chosen: Vec<(usize, EntryId)> = (0..side.len())
        .filter(|at| side[*at].id.is_none())
        .map(|at| {
            let entry = &side[at];
            let occurrence = side[..at]
                .iter()
                .filter(|e| e.id.is_none() && e.same_account(entry))
                .count();
            let id = nth(base, entry, occurrence)
                .or_else(|| nth(other, entry, occurrence))
                .unwrap_or_else(|| account_id(entry, occurrence));
            (at, id)
        })
        .collect();
    for (at, id) in chosen {
        relabel(side, at, id);
    }
    ensure_every_id(side);
}

/// Any entry still without an id (its id was taken) gets one made from its account.
fn ensure_every_id(side: &mut [Entry]) {
    for at in 0..side.len() {
        if side[at].id.is_some() {
            continue;
        }
        let mut n = 0;
        loop {
            let id = account_id(&side[at], n);
            if side.iter().all(|e| e.id != Some(id)) {
                side[at].id = Some(id);
                break;
            }
            n += 1;
        }
    }
}

/// Entries only one side has, paired with the other side's only-entries of the same account.
fn pair_one_sided(lists: &mut Lists) {
    let base_ids = ids(lists.base);
    let (ours_ids, theirs_ids) = (ids(lists.ours), ids(lists.theirs));
    let only = |e: &Entry, other: &HashSet<EntryId>| {
        e.id.is_some_and(|id| !base_ids.contains(&id) && !other.contains(&id))
    };
    let mut paired = HashSet::new();
    let mut pairs = Vec::new();
    for (i, mine) in lists.ours.iter().enumerate() {
        if !only(mine, &theirs_ids) {
            continue;
        }
        let found =
            lists.theirs.iter().enumerate().position(|(j, e)| {
                !paired.contains(&j) && only(e, &ours_ids) && e.same_account(mine)
            });
        if let Some(j) = found {
            paired.insert(j);
            pairs.push((i, j));
        }
    }
    for (i, j) in pairs {
        let (Some(a), Some(b)) = (lists.ours[i].id, lists.theirs[j].id) else {
            continue;
        };
        let id = a.min(b);
        relabel(lists.ours, i, id);
        relabel(lists.theirs, j, id);
    }
}
