//! Changes the screen asks for, expressed as operations on the vault as it is on disk.
//!
//! Promises: an [`Op`] is applied inside `Session::update`, i.e. to the vault re-read under
//! the writer lock, and finds its target there by `same_account` — so a change another process
//! made meanwhile is kept, and an entry that vanished or changed is reported, never clobbered.

use crate::engine::entry::Entry;
use crate::engine::store::VaultError;
use crate::engine::vault::Vault;

/// One change to the vault.
#[derive(Debug, Clone)]
pub enum Op {
    /// Add entries, skipping any already there (same type, secret, issuer, account).
    Add(Vec<Entry>),
    /// Replace `target` with `with` (an edit).
    Replace {
        target: Box<Entry>,
        with: Box<Entry>,
    },
    /// Delete `target`.
    Remove(Box<Entry>),
    /// Move a HOTP entry's counter on by one.
    AdvanceCounter(Box<Entry>),
}

/// Why an operation could not be applied (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("'{0}' changed or disappeared meanwhile (another keyfob?); nothing was saved")]
    Gone(String),
    #[error("another entry is already '{0}' with the same secret; nothing was saved")]
    Duplicate(String),
    #[error("every entry was already in the vault; nothing was saved")]
    NothingNew,
    #[error("{0}")]
    Vault(#[from] VaultError),
}

impl Op {
    /// Says in a few words what the operation does, for the status line.
    pub fn describe(&self) -> String {
        match self {
            Op::Add(list) if list.len() == 1 => format!("added '{}'", list[0].name()),
            Op::Add(list) => format!("added {} entries", list.len()),
            Op::Replace { with, .. } => format!("saved '{}'", with.name()),
            Op::Remove(e) => format!("deleted '{}'", e.name()),
            Op::AdvanceCounter(e) => format!("'{}' moved to counter {}", e.name(), e.counter + 1),
        }
    }

    /// The entry to select once the change is saved.
    pub fn focus(&self) -> Option<Entry> {
        match self {
            Op::Add(list) => list.first().cloned(),
            Op::Replace { with, .. } => Some((**with).clone()),
            Op::AdvanceCounter(e) => Some((**e).clone()),
            Op::Remove(_) => None,
        }
    }

    /// Applies the change to `vault` (the fresh copy read under the lock). Returns a summary.
    pub fn apply(&self, vault: &mut Vault) -> Result<String, OpError> {
        let find = |vault: &Vault, target: &Entry| -> Result<usize, OpError> {
            vault
                .entries
                .iter()
                .position(|e| e == target)
                .or_else(|| vault.position_of(target))
                .ok_or_else(|| OpError::Gone(target.name()))
        };
        match self {
            Op::Add(list) => {
                let before = vault.entries.len();
                for entry in list {
                    if !vault.contains_account(entry) {
                        vault.entries.push(entry.clone());
                    }
                }
                let added = vault.entries.len() - before;
                let skipped = list.len() - added;
                match (added, skipped) {
                    (0, _) => Err(OpError::NothingNew),
                    (_, 0) => Ok(self.describe()),
                    (n, m) => Ok(format!("added {n}, skipped {m} already in the vault")),
                }
            }
            Op::Replace { target, with } => {
                let position = find(vault, target)?;
                let clash = vault
                    .entries
                    .iter()
                    .enumerate()
                    .any(|(i, e)| i != position && e.same_account(with));
                if clash {
                    return Err(OpError::Duplicate(with.name()));
                }
                vault.entries[position] = (**with).clone();
                Ok(self.describe())
            }
            Op::Remove(target) => {
                let position = find(vault, target)?;
                vault.entries.remove(position);
                Ok(self.describe())
            }
            Op::AdvanceCounter(target) => {
                let position = find(vault, target)?;
                let entry = &mut vault.entries[position];
                // Another process may have advanced it already: move on from what is stored.
                entry.counter = entry.counter.saturating_add(1);
                Ok(format!(
                    "'{}' moved to counter {}",
                    entry.name(),
                    entry.counter
                ))
            }
        }
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

    #[test]
    fn ops_find_their_target_in_the_fresh_vault() {
        let mut vault = Vault {
            entries: vec![entry("A"), entry("B")],
            ..Vault::default()
        };
        // Another process added C meanwhile; removing B keeps it.
        vault.entries.push(entry("C"));
        Op::Remove(Box::new(entry("B"))).apply(&mut vault).unwrap();
        let names: Vec<_> = vault.entries.iter().map(Entry::name).collect();
        assert_eq!(names, ["A:me", "C:me"]);
        let gone = Op::Remove(Box::new(entry("B")))
            .apply(&mut vault)
            .unwrap_err();
        assert!(gone.to_string().contains("'B:me' changed or disappeared"));
    }

    #[test]
    fn add_skips_duplicates_and_replace_refuses_clashes() {
        let mut vault = Vault {
            entries: vec![entry("A")],
            ..Vault::default()
        };
        let text = Op::Add(vec![entry("A"), entry("B")])
            .apply(&mut vault)
            .unwrap();
        assert_eq!(text, "added 1, skipped 1 already in the vault");
        assert!(matches!(
            Op::Add(vec![entry("A")]).apply(&mut vault),
            Err(OpError::NothingNew)
        ));
        let clash = Op::Replace {
            target: Box::new(entry("A")),
            with: Box::new(entry("B")),
        };
        assert!(matches!(
            clash.apply(&mut vault),
            Err(OpError::Duplicate(_))
        ));
    }

    #[test]
    fn counter_advances_from_what_is_stored() {
        let h = entry("H").with_hotp(5);
        let mut stored = h.clone();
        stored.counter = 9; // advanced elsewhere meanwhile
        let mut vault = Vault {
            entries: vec![stored],
            ..Vault::default()
        };
        Op::AdvanceCounter(Box::new(h)).apply(&mut vault).unwrap();
        assert_eq!(vault.entries[0].counter, 10);
    }
}
