//! Sorting what an export holds against the vault: new, duplicate (of an entry in the vault
//! or of one earlier in the import, and which), failed, and warnings.
//!
//! Promises: linear in the number of entries; no entry is ever copied (the index holds
//! hashes and positions), and items can be offered one at a time as they are read, so a big
//! import never holds a list of items or a second copy of its entries. This is the one
//! duplicate rule: `Op::Add` (engine/ops.rs) sorts every add with it, a dry run or the
//! screen's import preview sorts with it without changing anything.

use std::collections::HashMap;
use std::hash::BuildHasher;

use super::Item;
use crate::engine::entry::Entry;

/// What an import would do.
#[derive(Debug, Default)]
pub struct Plan {
    pub added: Vec<Entry>,
    pub duplicates: Vec<Duplicate>,
    /// (where, why) for each entry that could not be read.
    pub failed: Vec<(String, String)>,
    /// (where, what) for each warning.
    pub warnings: Vec<(String, String)>,
}

/// An entry left out because the same account is already there.
#[derive(Debug)]
pub struct Duplicate {
    pub entry: Entry,
    pub of: DuplicateOf,
}

/// Where the same account already is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DuplicateOf {
    /// An entry of the vault.
    Vault,
    /// An entry earlier in what is being imported.
    Earlier,
}

impl DuplicateOf {
    /// "already in the vault" / "earlier in the file".
    pub fn describe(self) -> &'static str {
        match self {
            DuplicateOf::Vault => "already in the vault",
            DuplicateOf::Earlier => "earlier in the file",
        }
    }
}

/// Where an entry with a given (type, issuer, account) was seen: its place in the
/// planner's pool (see [`Planner`]).
type Seen = usize;

/// Sightings by the hash of (type, issuer, account). Most keys are seen once: the first
/// sighting lives in `first`, any more (the same names with another secret, or a hash
/// collision) in `more`, so the common case costs no list per key.
#[derive(Default)]
struct Sightings {
    first: HashMap<u64, Seen>,
    more: HashMap<u64, Vec<Seen>>,
}

impl Sightings {
    fn note(&mut self, hash: u64, seen: Seen) {
        if let Some(previous) = self.first.insert(hash, seen) {
            self.first.insert(hash, previous);
            self.more.entry(hash).or_default().push(seen);
        }
    }

    fn of(&self, hash: u64) -> impl Iterator<Item = Seen> + '_ {
        self.first
            .get(&hash)
            .into_iter()
            .chain(self.more.get(&hash).into_iter().flatten())
            .copied()
    }
}

/// Sorts items one at a time, as they are read, into new (appended to a list it is given),
/// duplicate (and of what) and failed, collecting warnings. It copies no entry: its index
/// holds hashes and positions, so a million-entry import needs no second copy of its
/// entries, and no list of items needs to exist.
///
/// Its pool of entries is the vault's entries kept elsewhere (`outside`) followed by the list
/// it appends to (`entries`), whose first `vault_inside` entries may be the vault's own (an
/// import straight into the vault).
///
/// A new entry whose serial number an entry of the vault already has is added with a
/// warning (`keyfob code SERIAL` would then match both).
pub struct Planner<'a> {
    outside: &'a [Entry],
    entries: &'a mut Vec<Entry>,
    vault_inside: usize,
    first_new: usize,
    state: std::collections::hash_map::RandomState,
    seen: Sightings,
    /// The hash of a vault entry's serial number → its place in the pool.
    serials: HashMap<u64, usize>,
    plan: Plan,
}

impl<'a> Planner<'a> {
    /// New entries go to `added`; the vault's entries are `existing`.
    pub fn beside(existing: &'a [Entry], added: &'a mut Vec<Entry>) -> Planner<'a> {
        Planner::new(existing, added, 0)
    }

    /// New entries are appended to the vault's own `entries`.
    pub fn within(entries: &'a mut Vec<Entry>) -> Planner<'a> {
        let vault = entries.len();
        Planner::new(&[], entries, vault)
    }

    fn new(outside: &'a [Entry], entries: &'a mut Vec<Entry>, vault_inside: usize) -> Planner<'a> {
        let first_new = entries.len();
        let mut planner = Planner {
            outside,
            entries,
            vault_inside,
            first_new,
            state: std::collections::hash_map::RandomState::new(),
            seen: Sightings::default(),
            serials: HashMap::new(),
            plan: Plan::default(),
        };
        let vault = planner.outside.len() + planner.vault_inside;
        planner.seen.first.reserve(vault);
        for index in 0..first_new + planner.outside.len() {
            let entry = planner.get(index);
            let hash = planner.key(entry);
            let serial = entry.serial.as_deref().map(|s| planner.state.hash_one(s));
            planner.seen.note(hash, index);
            if let Some(serial) = serial.filter(|_| index < vault) {
                planner.serials.entry(serial).or_insert(index);
            }
        }
        planner
    }

    fn get(&self, index: usize) -> &Entry {
        match index.checked_sub(self.outside.len()) {
            None => &self.outside[index],
            Some(inside) => &self.entries[inside],
        }
    }

    fn key(&self, e: &Entry) -> u64 {
        self.state
            .hash_one((e.kind, e.issuer.as_str(), e.account.as_str()))
    }

    /// Sorts one item (a duplicate is kept in the plan).
    pub fn offer(&mut self, item: Item) {
        match item {
            Item::Entry(entry) => {
                if let Some(duplicate) = self.offer_entry(*entry) {
                    self.plan.duplicates.push(duplicate);
                }
            }
            Item::Failed { what, reason } => self.plan.failed.push((what, reason)),
            Item::Warning { what, text } => self.plan.warnings.push((what, text)),
        }
    }

    /// Sorts one entry: a new one is appended to the list (with a warning if its serial
    /// number is taken) and `None` returned; a duplicate is handed back, saying of what.
    pub fn offer_entry(&mut self, entry: Entry) -> Option<Duplicate> {
        let hash = self.key(&entry);
        let vault = self.outside.len() + self.vault_inside;
        let found = self
            .seen
            .of(hash)
            .find(|index| self.get(*index).same_account(&entry));
        if let Some(index) = found {
            let of = if index < vault {
                DuplicateOf::Vault
            } else {
                DuplicateOf::Earlier
            };
            return Some(Duplicate { entry, of });
        }
        let other = entry
            .serial
            .as_deref()
            .and_then(|s| self.serials.get(&self.state.hash_one(s)))
            .map(|index| self.get(*index))
            .filter(|other| other.serial == entry.serial);
        if let Some(other) = other {
            self.plan.warnings.push((
                format!("'{}'", entry.name()),
                format!(
                    "serial number '{}' is already used by '{}' in the vault",
                    entry.serial.as_deref().unwrap_or_default(),
                    other.name()
                ),
            ));
        }
        let index = self.outside.len() + self.entries.len();
        self.seen.note(hash, index);
        self.entries.push(entry);
        None
    }

    /// How many entries have been added so far.
    pub fn added(&self) -> usize {
        self.entries.len() - self.first_new
    }

    /// Duplicates, failures and warnings; the new entries are at the end of the list the
    /// planner was given (`plan.added` stays empty).
    pub fn finish(self) -> Plan {
        self.plan
    }
}

/// Sorts `items` against `existing` entries (see [`Planner`]); the new ones are in
/// `plan.added`. Linear in the number of entries.
pub fn plan(existing: &[Entry], items: impl IntoIterator<Item = Item>) -> Plan {
    let mut added = Vec::new();
    let mut planner = Planner::beside(existing, &mut added);
    for item in items {
        planner.offer(item);
    }
    let mut plan = planner.finish();
    plan.added = added;
    plan
}
