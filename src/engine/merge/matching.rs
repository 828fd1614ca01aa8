//! Matching entries across the base and the two sides where their ids do not say it.
//!
//! Why: a vault written before keyfob kept ids has none, and each machine that saved it since
//! gave its entries fresh random ids — the same account then has one id in ours and another in
//! theirs. And the same import on two machines adds the same accounts under different ids.
//!
//! Promises (all deterministic, the same whichever side is "ours"; linear in the vaults'
//! sizes, through an index by account):
//! - A base entry without an id takes the id of the entry for the same account (type, secret,
//!   issuer, account) on either side — the smaller, when both have one, and that one is then
//!   given to both sides' entries; with none, an id made from the account
//!   ([`account_id`]).
//! - A side's entry without an id takes the id of the base's entry for its account, else the
//!   other side's, else its [`account_id`].
//! - An entry only one side has (by id, and not in the base) and an entry only the other side
//!   has, for the same account, become one entry under the smaller of their ids.
//! - No vault ends up with two entries under one id.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

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

/// The bucket of the account index an entry falls in (the duplicate rule's fields; equal
/// accounts share a bucket, and [`Entry::same_account`] tells them apart within it).
fn bucket(entry: &Entry) -> u64 {
    let mut hasher = DefaultHasher::new();
    (
        entry.kind,
        &entry.issuer,
        &entry.account,
        entry.secret.as_bytes(),
    )
        .hash(&mut hasher);
    hasher.finish()
}

/// Positions of a list's entries by account, in list order.
struct Index(HashMap<u64, Vec<usize>>);

impl Index {
    fn of(entries: &[Entry], include: impl Fn(&Entry) -> bool) -> Index {
        let mut map: HashMap<u64, Vec<usize>> = HashMap::new();
        for (at, entry) in entries.iter().enumerate() {
            if include(entry) {
                map.entry(bucket(entry)).or_default().push(at);
            }
        }
        Index(map)
    }

    /// The positions of `entries` for the same account as `entry`, in list order.
    fn matches<'a>(
        &'a self,
        entries: &'a [Entry],
        entry: &'a Entry,
    ) -> impl Iterator<Item = usize> + 'a {
        self.0
            .get(&bucket(entry))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |at| entries[*at].same_account(entry))
    }
}

fn ids(entries: &[Entry]) -> HashSet<EntryId> {
    entries.iter().filter_map(|e| e.id).collect()
}

/// Gives `entries[at]` the id `id`, unless another entry of the list has it already (`used`:
/// the list's ids, kept up to date).
fn relabel(entries: &mut [Entry], used: &mut HashSet<EntryId>, at: usize, id: EntryId) {
    if entries[at].id == Some(id) || !used.insert(id) {
        return;
    }
    if let Some(old) = entries[at].id {
        used.remove(&old);
    }
    entries[at].id = Some(id);
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
    if lists.base.iter().all(|e| e.id.is_some()) {
        return;
    }
    let base_ids = ids(lists.base);
    let fresh = |e: &Entry| e.id.is_some_and(|id| !base_ids.contains(&id));
    let (ours_index, theirs_index) = (Index::of(lists.ours, fresh), Index::of(lists.theirs, fresh));
    let (mut picked_ours, mut picked_theirs) = (HashSet::new(), HashSet::new());
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut chosen = Vec::new();
    for (at, entry) in lists.base.iter().enumerate() {
        if entry.id.is_some() {
            continue;
        }
        let earlier = seen.entry(bucket(entry)).or_default();
        let occurrence = earlier
            .iter()
            .filter(|i| lists.base[**i].same_account(entry))
            .count();
        earlier.push(at);
        let mine = ours_index
            .matches(lists.ours, entry)
            .find(|i| !picked_ours.contains(i));
        let other = theirs_index
            .matches(lists.theirs, entry)
            .find(|i| !picked_theirs.contains(i));
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
    let (mut used_base, mut used_ours, mut used_theirs) =
        (base_ids.clone(), ids(lists.ours), ids(lists.theirs));
    for (at, mine, other, id) in chosen {
        relabel(lists.base, &mut used_base, at, id);
        if let Some(i) = mine {
            relabel(lists.ours, &mut used_ours, i, id);
        }
        if let Some(i) = other {
            relabel(lists.theirs, &mut used_theirs, i, id);
        }
    }
    ensure_every_id(lists.base);
}

/// A side's entries without an id: the base's id for their account, else the other side's,
/// else one made from the account. (The n-th such entry for one account takes the n-th
/// match.)
fn adopt_for_side(side: &mut [Entry], base: &[Entry], other: &[Entry]) {
    if side.iter().all(|e| e.id.is_some()) {
        return;
    }
    let mut used = ids(side);
    let free = |e: &Entry| e.id.is_some_and(|id| !used.contains(&id));
    let (base_index, other_index) = (Index::of(base, free), Index::of(other, free));
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut chosen = Vec::new();
    for (at, entry) in side.iter().enumerate() {
        if entry.id.is_some() {
            continue;
        }
        let earlier = seen.entry(bucket(entry)).or_default();
        let occurrence = earlier
            .iter()
            .filter(|i| side[**i].same_account(entry))
            .count();
        earlier.push(at);
        let id = base_index
            .matches(base, entry)
            .nth(occurrence)
            .and_then(|i| base[i].id)
            .or_else(|| {
                other_index
                    .matches(other, entry)
                    .nth(occurrence)
                    .and_then(|i| other[i].id)
            })
            .unwrap_or_else(|| account_id(entry, occurrence));
        chosen.push((at, id));
    }
    for (at, id) in chosen {
        relabel(side, &mut used, at, id);
    }
    ensure_every_id(side);
}

/// Any entry still without an id (its id was taken) gets one made from its account.
fn ensure_every_id(side: &mut [Entry]) {
    let mut used = ids(side);
    for entry in side.iter_mut() {
        if entry.id.is_some() {
            continue;
        }
        let id = (0..)
            .map(|n| account_id(entry, n))
            .find(|id| !used.contains(id));
        if let Some(id) = id {
            used.insert(id);
            entry.id = Some(id);
        }
    }
}

/// Entries only one side has, paired with the other side's only-entries of the same account.
fn pair_one_sided(lists: &mut Lists) {
    let base_ids = ids(lists.base);
    let (mut ours_ids, mut theirs_ids) = (ids(lists.ours), ids(lists.theirs));
    let only = |e: &Entry, other: &HashSet<EntryId>| {
        e.id.is_some_and(|id| !base_ids.contains(&id) && !other.contains(&id))
    };
    let theirs_index = Index::of(lists.theirs, |e| only(e, &ours_ids));
    let mut paired = HashSet::new();
    let mut pairs = Vec::new();
    for (i, mine) in lists.ours.iter().enumerate() {
        if !only(mine, &theirs_ids) {
            continue;
        }
        let found = theirs_index
            .matches(lists.theirs, mine)
            .find(|j| !paired.contains(j));
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
        relabel(lists.ours, &mut ours_ids, i, id);
        relabel(lists.theirs, &mut theirs_ids, j, id);
    }
}
