//! What the screen shows about a shared vault: who it is sealed to and whether this machine
//! trusts that set (the title), and which entries are two versions a merge kept (a `!` in
//! their rows, a line in the detail panel).
//!
//! Promises: plain data, computed from the session (or what an agent says of it) or the entries; nothing here draws or
//! touches a terminal. A conflict shows while both versions exist: deleting either ends it.

use std::collections::HashSet;

use super::app::App;
use crate::engine::crypto::Seal;
use crate::engine::entry::EntryId;
use crate::engine::store::Session;
use crate::engine::view::EntryView;

/// Who the vault is sealed to, as the title tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    /// How many keys it is sealed to (0: a passphrase).
    pub keys: usize,
    /// Whether this machine trusts them (saves go ahead).
    pub trusted: bool,
}

impl Default for Sharing {
    fn default() -> Self {
        Sharing {
            keys: 0,
            trusted: true,
        }
    }
}

impl Sharing {
    /// The session's seal and trust standing.
    pub fn of(session: &Session) -> Sharing {
        let keys = match session.seal() {
            Seal::Passphrase { .. } => 0,
            Seal::Recipients(list) => crate::engine::merge::recipients::canonical_set(list).len(),
        };
        Sharing {
            keys,
            trusted: session.standing().allows_save(),
        }
    }

    /// What an agent says of the vault it holds.
    pub fn of_status(status: &crate::agent::protocol::Status) -> Sharing {
        Sharing {
            keys: status.keys,
            trusted: status.trusted,
        }
    }

    /// The title's words for it, and whether they are a warning: nothing for a vault only
    /// its owner opens.
    pub fn title(self) -> Option<(String, bool)> {
        if !self.trusted {
            return Some((
                "⚠ recipients not trusted: run keyfob trust".to_string(),
                true,
            ));
        }
        (self.keys > 1).then(|| (format!("shared with {} keys", self.keys), false))
    }
}

/// The ids of entries that are one of two versions a merge kept: a flagged second version
/// whose first still exists, and that first.
pub fn conflicted(entries: &[EntryView]) -> HashSet<EntryId> {
    let ids: HashSet<EntryId> = entries.iter().filter_map(|e| e.id).collect();
    let mut out = HashSet::new();
    for entry in entries {
        if let (Some(id), Some(first)) = (entry.id, entry.conflict)
            && ids.contains(&first)
        {
            out.insert(id);
            out.insert(first);
        }
    }
    out
}

/// Which of a conflicting pair an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// The version a merge kept in place.
    First,
    /// The flagged second version.
    Second,
}

impl Conflict {
    /// The detail panel's line.
    pub fn describe(self) -> &'static str {
        match self {
            Conflict::First => {
                "! a merge also kept another version: delete the one you do not want (d)"
            }
            Conflict::Second => {
                "! second version kept by a merge: delete the one you do not want (d)"
            }
        }
    }
}

impl App {
    /// Whether `entry` is one of two versions a merge kept, and which.
    pub fn conflict_of(&self, entry: &EntryView) -> Option<Conflict> {
        let id = entry.id?;
        if !self.conflicts.contains(&id) {
            return None;
        }
        Some(if entry.conflict.is_some() {
            Conflict::Second
        } else {
            Conflict::First
        })
    }
}
