//! The generation rule (CONTRACT.md, "Trust"): a vault file older than one this machine has
//! seen is noticed, and a HOTP counter this machine has issued is never issued again.
//!
//! The threat: a vault file can be put back to an older copy — a restored backup, a stale
//! sync copy, `git revert`, or someone with write access to the folder. Its entries then hold
//! the counters they had back then, and `keyfob code` would hand out HOTP codes that were
//! already used (a replay the service may accept if it never saw them, or a code it refuses
//! at the worst moment). Deleted entries come back and changed seeds revert, too: a person
//! should hear about it.
//!
//! Promises (pure; the store reads and writes the state and applies these on every open and
//! every save):
//! - [`State::generation`] only grows ([`State::see`]), except when a person accepts an older
//!   copy (`keyfob trust`, [`State::accept`]).
//! - [`rolled_back`] tells when a vault is older than the newest this machine saw.
//! - [`State::hotp`] keeps, per entry id, the lowest counter this machine may still issue: it
//!   only grows ([`State::issued`]); [`first_counter`] is where an advance starts: never below
//!   it, whatever the vault says.

use super::State;
use crate::engine::entry::EntryId;

/// A vault older than the newest copy this machine has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolledBack {
    /// The generation of the vault just read.
    pub generation: u64,
    /// The highest generation this machine saw before.
    pub seen: u64,
}

/// `Some` when a vault at `generation` is older than the newest one seen (`seen`).
pub fn rolled_back(seen: u64, generation: u64) -> Option<RolledBack> {
    (generation < seen).then_some(RolledBack { generation, seen })
}

/// The counter an advance issues: the stored one, or, if this machine already issued codes
/// past it (the vault was rolled back), the first one it has not issued.
pub fn first_counter(stored: u64, floor: u64) -> u64 {
    stored.max(floor)
}

impl State {
    /// Records that a vault at `generation` was read or written here. Returns whether the
    /// state changed (the generation is newer than any seen).
    pub fn see(&mut self, generation: u64) -> bool {
        let newer = generation > self.generation;
        if newer {
            self.generation = generation;
        }
        newer
    }

    /// A person accepted the vault as it is now, even if it is older (`keyfob trust`): its
    /// generation becomes the newest seen. The HOTP counters issued are kept.
    pub fn accept(&mut self, generation: u64) {
        self.generation = generation;
    }

    /// The lowest counter this machine may still issue for entry `id` (0: none issued yet).
    pub fn hotp_floor(&self, id: EntryId) -> u64 {
        self.hotp.get(&id.to_string()).copied().unwrap_or(0)
    }

    /// Records that this machine issued the code at `counter` for entry `id`. Returns whether
    /// the state changed.
    pub fn issued(&mut self, id: EntryId, counter: u64) -> bool {
        let next = counter.saturating_add(1);
        let floor = self.hotp.entry(id.to_string()).or_insert(0);
        let higher = next > *floor;
        if higher {
            *floor = next;
        }
        higher
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> EntryId {
        EntryId::from(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn older_vaults_are_told_apart_from_newer_and_equal_ones() {
        assert_eq!(
            rolled_back(5, 3),
            Some(RolledBack {
                generation: 3,
                seen: 5
            })
        );
        assert_eq!(rolled_back(5, 5), None);
        assert_eq!(rolled_back(5, 9), None);
        assert_eq!(rolled_back(0, 0), None);
    }

    #[test]
    fn the_generation_seen_only_grows_unless_accepted() {
        let mut state = State::new("v".into());
        assert!(state.see(4));
        assert!(!state.see(2));
        assert!(!state.see(4));
        assert_eq!(state.generation, 4);
        state.accept(2);
        assert_eq!(state.generation, 2);
    }

    #[test]
    fn an_issued_counter_is_never_issued_again() {
        let mut state = State::new("v".into());
        assert_eq!(state.hotp_floor(id(1)), 0);
        assert!(state.issued(id(1), 7));
        assert_eq!(state.hotp_floor(id(1)), 8);
        assert!(!state.issued(id(1), 3), "an older counter lowers nothing");
        assert_eq!(state.hotp_floor(id(1)), 8);
        assert_eq!(state.hotp_floor(id(2)), 0);
        // A rolled-back vault stores 5: the advance starts at 8.
        assert_eq!(first_counter(5, state.hotp_floor(id(1))), 8);
        // A vault advanced elsewhere beyond what was issued here goes on from there.
        assert_eq!(first_counter(12, state.hotp_floor(id(1))), 12);
        // The last counter saturates (the op refuses to issue it: exhausted).
        assert!(state.issued(id(3), u64::MAX - 1));
        assert_eq!(state.hotp_floor(id(3)), u64::MAX);
        assert!(!state.issued(id(3), u64::MAX));
    }

    #[test]
    fn counters_survive_the_state_file() {
        let mut state = State::new("v".into());
        state.see(9);
        state.issued(id(1), 41);
        let back = State::from_ron(&state.to_ron()).unwrap();
        assert_eq!(back, state);
        assert_eq!(back.hotp_floor(id(1)), 42);
    }
}
