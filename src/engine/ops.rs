//! The one change path: every change to the vault's entries — add, edit, remove, HOTP
//! advance — is an [`Op`] applied here, by the command line, the screen and (later) the agent.
//!
//! Promises:
//! - An op is applied to the vault as it is on disk (re-read under the writer lock by
//!   `Session::apply`) and finds its target by id, so a change another keyfob made meanwhile
//!   is kept; an entry that is gone is reported, never recreated.
//! - An edit sets only the fields the person changed ([`Patch`]); other fields of the same
//!   entry changed meanwhile survive.
//! - Every entry an op adds or changes gets `changed = now`; a removal leaves a tombstone at
//!   `now` and resolves a merge conflict it was part of (the other version stays, unflagged); an add gives each new entry a unique id (it keeps one it brings, e.g. an Aegis
//!   `uuid`, unless that id is taken or was deleted).
//! - An add sorts its entries with the importer's [`Planner`] (one duplicate rule for the
//!   screen, `add`, `generate --add` and `import`): it says of each skipped entry whether the
//!   same account is in the vault or earlier in the list, warns of a serial number already
//!   taken, and, applied with [`Op::apply_owned`], moves its entries into the vault instead
//!   of copying them (a big import holds its entries once).
//! - Failures are [`OpError`]s, each message written once here; on any failure the vault is
//!   left as it was (the caller writes nothing).
//! - Ops, outcomes and errors are serde types (an agent carries them later); their `Debug`
//!   never shows a secret.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::entry::{Entry, EntryId, RandomError};
use super::import::{Duplicate, DuplicateOf, Planner};
use super::otp::{Code, Kind};
use super::trust::first_counter;
use super::vault::Vault;

mod patch;

pub use patch::Patch;

/// One change to the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Add entries, skipping any already in the vault (or earlier in the list) for the same
    /// account: same type, secret, issuer and account.
    Add(Vec<Entry>),
    /// Change the fields `patch` carries in the entry `id`.
    Edit { id: EntryId, patch: Box<Patch> },
    /// Delete the entry `id`, leaving a tombstone.
    Remove { id: EntryId },
    /// Issue the code at HOTP entry `id`'s stored counter and move the counter on by one.
    Advance { id: EntryId },
}

/// What an applied op did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// One item per entry of the op, in order: the id it was stored under, or `None` when it
    /// was skipped as a duplicate (listed in `skipped`, with what it duplicates). `warnings`
    /// are (which entry, what) about entries that were added.
    Added {
        ids: Vec<Option<EntryId>>,
        skipped: Vec<Skipped>,
        warnings: Vec<(String, String)>,
    },
    Edited {
        id: EntryId,
    },
    /// `name` is the entry's name when it was deleted.
    Removed {
        id: EntryId,
        name: String,
    },
    /// The code at counter `issued` was handed out; the entry now stores `issued + 1`.
    Advanced {
        id: EntryId,
        issued: u64,
        code: Code,
    },
}

/// An entry an add left out because the same account is already there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Its place in the op's list.
    pub index: usize,
    /// Its name (issuer:account).
    pub name: String,
    /// Where the same account is: in the vault, or earlier in the op's list.
    pub of: DuplicateOf,
}

/// Why an op was not applied (nothing was saved).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum OpError {
    /// The entry is not in the vault any more (deleted by another keyfob, or a merge).
    #[error(
        "'{name}' changed or disappeared meanwhile (deleted by another keyfob?); nothing was saved"
    )]
    Gone { id: EntryId, name: String },
    /// Another entry already is this account (an add of one entry, or an edit).
    #[error("'{name}' is already in the vault with the same secret; nothing was saved")]
    Duplicate { name: String },
    /// An add of several entries (or none) found nothing new: every one is in the vault
    /// (`skipped` lists them).
    #[error("{}", nothing_new(skipped))]
    NothingNew { skipped: Vec<Skipped> },
    /// A HOTP entry at counter 2^64−1: its next code could never be marked as used.
    #[error(
        "'{name}' is at the last HOTP counter ({}) and cannot issue another code; nothing was saved",
        u64::MAX
    )]
    Exhausted { name: String },
    /// An advance asked of an entry without a counter.
    #[error("'{name}' is time-based; only a HOTP (counter) entry moves to a next code")]
    NotCounter { name: String },
    /// The entry the op would store cannot make codes (bad digits or period, no name).
    #[error("'{name}': {problem}")]
    Invalid { name: String, problem: String },
    #[error(transparent)]
    Random(#[from] RandomError),
}

fn nothing_new(skipped: &[Skipped]) -> String {
    // Each skipped entry is in the vault: one that repeats an earlier entry of the list
    // means that earlier one was new.
    match skipped.len() {
        0 => "there was nothing to add; nothing was saved".into(),
        n => format!("all {n} entries were already in the vault; nothing was saved"),
    }
}

impl OpError {
    /// Names a vanished entry as the caller last saw it (the vault re-read under the lock no
    /// longer knows its name).
    pub fn seen_as(self, seen: Option<String>) -> OpError {
        match (self, seen) {
            (OpError::Gone { id, .. }, Some(name)) => OpError::Gone { id, name },
            (other, _) => other,
        }
    }
}

impl Op {
    /// The entry the op changes, for ops that name one.
    pub fn target(&self) -> Option<EntryId> {
        match self {
            Op::Add(_) => None,
            Op::Edit { id, .. } | Op::Remove { id } | Op::Advance { id } => Some(*id),
        }
    }

    /// [`Op::apply`], taking the op: an add moves its entries into the vault instead of
    /// copying them, so a big import needs memory for its entries once.
    pub fn apply_owned(self, vault: &mut Vault, now: u64) -> Result<Outcome, OpError> {
        match self {
            Op::Add(entries) => add(vault, entries.into_iter(), now),
            other => other.apply(vault, now),
        }
    }

    /// Applies the op to `vault` (the copy just re-read under the lock) at time `now`.
    /// On error `vault` may be half-changed: the caller throws it away.
    pub fn apply(&self, vault: &mut Vault, now: u64) -> Result<Outcome, OpError> {
        self.apply_with_floor(vault, now, 0)
    }

    /// [`Op::apply`], where an advance issues no counter below `floor`: the first counter
    /// this machine has not issued yet (see [`first_counter`]; a rolled-back vault stores a
    /// counter whose code was already handed out). Other ops ignore it.
    pub fn apply_with_floor(
        &self,
        vault: &mut Vault,
        now: u64,
        floor: u64,
    ) -> Result<Outcome, OpError> {
        match self {
            Op::Add(entries) => add(vault, entries.iter().cloned(), now),
            Op::Edit { id, patch } => {
                let position = locate(vault, *id)?;
                let before = &vault.entries[position];
                let mut entry = before.clone();
                patch.apply_to(&mut entry);
                validate(&mut entry)?;
                // The two versions a merge kept of one entry are the same account until a
                // person deletes one: editing either is no clash.
                let clash = vault.entries.iter().enumerate().any(|(i, e)| {
                    i != position && e.same_account(&entry) && !e.is_conflict_of(&entry)
                });
                if clash {
                    return Err(OpError::Duplicate { name: entry.name() });
                }
                if entry != *before {
                    entry.changed = now;
                }
                vault.entries[position] = entry;
                Ok(Outcome::Edited { id: *id })
            }
            Op::Remove { id } => {
                let position = locate(vault, *id)?;
                let removed = vault.entries.remove(position);
                vault.bury(*id, now);
                // A version kept beside this one is no longer in conflict with anything.
                for other in &mut vault.entries {
                    if other.conflict == Some(*id) {
                        other.conflict = None;
                        other.changed = now;
                    }
                }
                Ok(Outcome::Removed {
                    id: *id,
                    name: removed.name(),
                })
            }
            Op::Advance { id } => {
                let position = locate(vault, *id)?;
                let entry = &mut vault.entries[position];
                if entry.kind != Kind::Hotp {
                    return Err(OpError::NotCounter { name: entry.name() });
                }
                // Another keyfob may have advanced it meanwhile: go on from what is stored,
                // unless this machine already issued codes beyond it.
                let issued = first_counter(entry.counter, floor);
                let next = issued
                    .checked_add(1)
                    .ok_or_else(|| OpError::Exhausted { name: entry.name() })?;
                entry.counter = issued;
                let code = entry.code(now).map_err(|e| OpError::Invalid {
                    name: entry.name(),
                    problem: e.to_string(),
                })?;
                entry.counter = next;
                entry.changed = now;
                Ok(Outcome::Advanced {
                    id: *id,
                    issued,
                    code,
                })
            }
        }
    }
}

/// The position of entry `id`, or `Gone` (named by its id until [`OpError::seen_as`]).
fn locate(vault: &Vault, id: EntryId) -> Result<usize, OpError> {
    vault.find(id).ok_or_else(|| OpError::Gone {
        id,
        name: id.to_string(),
    })
}

fn validate(entry: &mut Entry) -> Result<(), OpError> {
    entry.validate().map_err(|e| OpError::Invalid {
        name: entry.name(),
        problem: e.to_string(),
    })
}

/// Adds the entries that are new; linear in the vault's size and the list's (a 10,000-row
/// import into a big vault stays fast). The [`Planner`] appends each new entry to the vault as
/// it comes; ids and change times are given afterwards, in order.
fn add(
    vault: &mut Vault,
    entries: impl ExactSizeIterator<Item = Entry>,
    now: u64,
) -> Result<Outcome, OpError> {
    let count = entries.len();
    let mut used: HashSet<EntryId> = vault.entries.iter().filter_map(|e| e.id).collect();
    used.extend(vault.tombstones.iter().map(|t| t.id));
    let first = vault.entries.len();
    vault.entries.reserve(count);
    let mut new = Vec::with_capacity(count);
    let mut skipped = Vec::new();
    let mut planner = Planner::within(&mut vault.entries);
    for (index, mut entry) in entries.enumerate() {
        validate(&mut entry)?;
        match planner.offer_entry(entry) {
            None => new.push(true),
            Some(Duplicate { entry, of }) => {
                new.push(false);
                skipped.push(Skipped {
                    index,
                    name: entry.name(),
                    of,
                });
            }
        }
    }
    let warnings = planner.finish().warnings;
    if skipped.len() == count {
        return Err(match (count, skipped.pop()) {
            (1, Some(one)) => OpError::Duplicate { name: one.name },
            (_, last) => {
                skipped.extend(last);
                OpError::NothingNew { skipped }
            }
        });
    }
    let mut ids = Vec::with_capacity(count);
    let mut flags = new.into_iter();
    for entry in &mut vault.entries[first..] {
        // The entries skipped before this one, then this one's own flag.
        ids.extend(flags.by_ref().take_while(|is_new| !is_new).map(|_| None));
        let id = match entry.id.filter(|id| !used.contains(id)) {
            Some(id) => id,
            None => loop {
                let id = EntryId::random()?;
                if !used.contains(&id) {
                    break id;
                }
            },
        };
        used.insert(id);
        entry.id = Some(id);
        entry.changed = now;
        ids.push(Some(id));
    }
    ids.extend(flags.map(|_| None));
    Ok(Outcome::Added {
        ids,
        skipped,
        warnings,
    })
}

#[cfg(test)]
mod tests;
