//! The per-machine state file of one vault (see [`crate::engine::trust`]): where it lives,
//! reading and writing it.
//!
//! Promises: one file per vault, `<state dir>/vaults/<hash>.ron`, where the hash is SHA-256
//! of the vault's canonical path (so a vault reached through a symbolic link shares its
//! target's state); written atomically, 0600, in a 0700 folder; read through the capped,
//! regular-files-only reader; changed under a lock (see [`StateFile::lock_target`]). Nothing
//! in it is secret (public keys, counters).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::engine::storage::{self, StorageError, read};
use crate::engine::trust::State;

/// The largest state file read (a few hundred bytes is usual).
const STATE_CAP: u64 = 1 << 20;

/// The state file of one vault.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
    vault: String,
}

impl StateFile {
    /// The state file for the vault whose canonical path is `vault`, under `state_dir`.
    pub fn new(state_dir: &Path, vault: &Path) -> StateFile {
        let bytes = vault.as_os_str().as_encoded_bytes();
        let digest = Sha256::digest(bytes);
        let name = data_encoding::HEXLOWER.encode(&digest[..16]);
        StateFile {
            path: state_dir.join("vaults").join(format!("{name}.ron")),
            vault: vault.to_string_lossy().into_owned(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What a writer locks while it reads, changes and writes a state file: the `vaults`
    /// folder (`<state dir>/vaults.lock` is the lock file), so the folder holds state files
    /// only.
    pub fn lock_target(&self) -> &Path {
        storage::parent_dir(&self.path)
    }

    /// What is recorded: `Ok(None)` when nothing is, `Err` (a reason) when the file cannot
    /// be read or understood.
    pub fn load(&self) -> Result<Option<State>, String> {
        let bytes = match read::read_regular(&self.path, "state file", STATE_CAP) {
            Ok(bytes) => bytes,
            Err(storage::ReadError::Missing { .. }) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| format!("state file '{}' is not text", self.path.display()))?;
        State::from_ron(text)
            .map(Some)
            .map_err(|e| format!("state file '{}' {e}", self.path.display()))
    }

    /// What is recorded, or a fresh state for this vault.
    pub fn load_or_new(&self) -> Result<State, String> {
        Ok(self.load()?.unwrap_or_else(|| self.fresh()))
    }

    /// An empty state for this vault.
    pub fn fresh(&self) -> State {
        State::new(self.vault.clone())
    }

    pub fn save(&self, state: &State) -> Result<(), StorageError> {
        storage::replace_plain(&self.path, state.to_ron().as_bytes())
    }
}
