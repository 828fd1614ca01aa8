//! Entry ids, the save counter and tombstones: what lets changes (and later merges) name an
//! entry for its whole life.
//!
//! Promises:
//! - After [`Vault::ensure_ids`] every entry has an id and no two entries share one; an entry
//!   whose id was unique keeps it. An entry without one (a vault written before ids, a new
//!   entry) takes the id its account had in `previous` — the copy of the same vault read
//!   before — so that re-reading a not-yet-saved old vault gives the same ids again; otherwise
//!   a fresh random id that no entry or tombstone uses.
//! - [`Vault::prepare_save`] is the one pass every save makes: one generation more and an id
//!   for every entry; nothing else changes.
//! - [`Vault::prune_tombstones`] drops tombstones older than [`TOMBSTONE_RETENTION_SECS`] at
//!   the `now` it is given (the engine reads no clock).

use std::collections::{HashMap, HashSet};

use super::{Tombstone, Vault};
use crate::engine::entry::{Entry, EntryId, RandomError};
use crate::engine::otp::Kind;

/// How long a deleted entry's tombstone is kept: 180 days. A copy of the vault that has been
/// away longer than this (a laptop in a drawer, a stale sync folder) can bring a deleted entry
/// back in a merge; anything shorter is covered. Tombstones are small (an id and a time), so
/// the cost of a long retention is a few dozen bytes per deletion.
pub const TOMBSTONE_RETENTION_SECS: u64 = 180 * 24 * 60 * 60;

/// Ids of a previous copy, by (type, issuer, account), with their entries.
type Offered<'a> = HashMap<(Kind, &'a str, &'a str), Vec<(EntryId, &'a Entry)>>;

impl Vault {
    /// Gives every entry a unique id (see the module promises). Fails only if the operating
    /// system's random number generator does.
    pub fn ensure_ids(&mut self, previous: Option<&Vault>) -> Result<(), RandomError> {
        if self.ids_are_complete() {
            return Ok(());
        }
        let mut used = HashSet::with_capacity(self.entries.len() + self.tombstones.len());
        let mut needs = Vec::new();
        for (index, entry) in self.entries.iter().enumerate() {
            match entry.id {
                Some(id) if used.insert(id) => {}
                _ => needs.push(index),
            }
        }
        if needs.is_empty() {
            return Ok(());
        }
        used.extend(self.tombstones.iter().map(|t| t.id));
        // The previous copy's ids by account, for the entries that lack one now.
        let mut offered: Offered = HashMap::new();
        for entry in previous.map_or(&[][..], |v| &v.entries) {
            if let Some(id) = entry.id.filter(|id| !used.contains(id)) {
                offered
                    .entry((entry.kind, &entry.issuer, &entry.account))
                    .or_default()
                    .push((id, entry));
            }
        }
        let mut given = Vec::with_capacity(needs.len());
        for index in needs {
            let entry = &self.entries[index];
            let adopted = offered
                .get_mut(&(entry.kind, entry.issuer.as_str(), entry.account.as_str()))
                .and_then(|bucket| {
                    let at = bucket
                        .iter()
                        .position(|(id, e)| e.same_account(entry) && !used.contains(id))?;
                    Some(bucket.swap_remove(at).0)
                });
            let id = match adopted {
                Some(id) => id,
                None => loop {
                    let id = EntryId::random()?;
                    if !used.contains(&id) {
                        break id;
                    }
                },
            };
            used.insert(id);
            given.push((index, id));
        }
        for (index, id) in given {
            self.entries[index].id = Some(id);
        }
        Ok(())
    }

    /// Whether every entry has an id and no two share one (what every open of a saved vault
    /// finds): sorting the ids is a few times faster than a hash set, and no crafted ids can
    /// slow it down.
    fn ids_are_complete(&self) -> bool {
        let mut ids = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            match entry.id {
                Some(id) => ids.push(id.as_uuid().as_u128()),
                None => return false,
            }
        }
        ids.sort_unstable();
        ids.windows(2).all(|pair| pair[0] != pair[1])
    }

    /// The pass every save makes before sealing: one generation more, an id for every entry.
    pub fn prepare_save(&mut self) -> Result<(), RandomError> {
        self.generation = self.generation.saturating_add(1);
        self.ensure_ids(None)
    }

    /// Records that the entry `id` was deleted at `now`.
    pub fn bury(&mut self, id: EntryId, now: u64) {
        self.tombstones.retain(|t| t.id != id);
        self.tombstones.push(Tombstone { id, deleted: now });
    }

    /// Whether `id` was deleted (within the retention).
    pub fn is_buried(&self, id: EntryId) -> bool {
        self.tombstones.iter().any(|t| t.id == id)
    }

    /// Drops the tombstones older than [`TOMBSTONE_RETENTION_SECS`] at `now`. One dated in
    /// the future (another machine's clock) is kept.
    pub fn prune_tombstones(&mut self, now: u64) {
        self.tombstones
            .retain(|t| now.saturating_sub(t.deleted) < TOMBSTONE_RETENTION_SECS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::secret::Secret;

    fn entry(issuer: &str) -> Entry {
        Entry::new(
            issuer,
            "me",
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        )
    }

    fn id(n: u128) -> EntryId {
        EntryId::from(uuid::Uuid::from_u128(n))
    }

    fn vault(entries: Vec<Entry>) -> Vault {
        Vault {
            entries,
            ..Vault::default()
        }
    }

    #[test]
    fn every_entry_gets_a_unique_id_and_kept_ids_stay() {
        let mut kept = entry("A");
        kept.id = Some(id(1));
        let mut twin = entry("B");
        twin.id = Some(id(1)); // a hand-edited copy
        let mut v = vault(vec![kept, twin, entry("C")]);
        v.tombstones.push(Tombstone {
            id: id(2),
            deleted: 5,
        });
        v.ensure_ids(None).unwrap();
        assert_eq!(v.entries[0].id, Some(id(1)));
        let ids: HashSet<_> = v.entries.iter().map(|e| e.id.unwrap()).collect();
        assert_eq!(ids.len(), 3);
        assert!(!ids.contains(&id(2)), "a tombstone's id is not reused");
    }

    #[test]
    fn a_re_read_old_vault_gets_the_ids_handed_out_before() {
        let old = vault(vec![entry("A"), entry("B"), entry("B")]);
        let mut first = old.clone();
        first.ensure_ids(None).unwrap();
        let mut again = old.clone();
        again.entries.push(entry("D")); // added by an old keyfob meanwhile
        again.ensure_ids(Some(&first)).unwrap();
        for i in 0..3 {
            assert_eq!(again.entries[i].id, first.entries[i].id, "entry {i}");
        }
        assert!(again.entries[3].id.is_some());
        assert_ne!(again.entries[3].id, again.entries[0].id);
    }

    #[test]
    fn a_save_counts_and_fills() {
        let mut v = vault(vec![entry("A")]);
        v.prepare_save().unwrap();
        v.prepare_save().unwrap();
        assert_eq!(v.generation, 2);
        assert!(v.entries[0].id.is_some());
    }

    #[test]
    fn tombstones_are_kept_for_the_retention_then_pruned() {
        let mut v = Vault::default();
        v.bury(id(1), 1_000);
        v.bury(id(1), 2_000); // deleted again (after a merge brought it back): one mark
        v.bury(id(2), 10_000_000_000); // from a machine whose clock runs ahead
        assert!(v.is_buried(id(1)));
        v.prune_tombstones(2_000 + TOMBSTONE_RETENTION_SECS - 1);
        assert_eq!(v.tombstones.len(), 2);
        v.prune_tombstones(2_000 + TOMBSTONE_RETENTION_SECS);
        assert_eq!(v.tombstones.len(), 1);
        assert!(!v.is_buried(id(1)));
        assert!(v.is_buried(id(2)));
    }
}
