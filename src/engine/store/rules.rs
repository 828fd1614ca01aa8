//! The trust rules ([`crate::engine::trust`]) applied to a store: reading and recording what
//! this machine trusts and has seen (generations, HOTP counters issued), judging a seal, and
//! saying why a save was refused.

use std::path::Path;

use super::{Notice, StateFile, Store, seal_for};
use crate::engine::crypto::{self, Key, Protection, Seal};
use crate::engine::entry::EntryId;
use crate::engine::storage::{self, LockError, StorageError};
use crate::engine::trust::{self, Assessment, Standing, State, Trusted};
use crate::engine::vault::DocumentHead;

impl Store {
    /// What this machine trusts for the vault, and where that is kept; `None` without a
    /// state folder.
    pub(super) fn state_file(&self) -> Option<Result<StateFile, String>> {
        let dir = self.state_dir.as_ref()?;
        Some(
            std::fs::canonicalize(&self.path)
                .map(|real| StateFile::new(dir, &real))
                .map_err(|e| {
                    format!(
                        "cannot find the real path of '{}': {}",
                        self.path.display(),
                        storage::describe_io(&e)
                    )
                }),
        )
    }

    /// Applies the trust rules to a vault sealed with `seal`, opened with `key`, whose
    /// document is at `generation`, recording a first use and a newer generation. `on_open`:
    /// a failure to record becomes a notice (a save goes ahead without recording: the next
    /// open tries again), and so does a vault older than one seen here (the roll-back rule).
    ///
    /// On open, a vault sealed to exactly what this machine trusts is trusted without
    /// deriving the identity's public key (a scalar multiplication, about 5 % of `keyfob
    /// code`): every recorded set passed the identity rule when it was recorded, and a save
    /// (`on_open` false) checks the rule in full anyway.
    pub(super) fn judge(
        &mut self,
        seal: &Seal,
        key: &Key,
        on_open: bool,
        generation: u64,
    ) -> Standing {
        let sealed = sealed(seal);
        let state = match self.state_file() {
            // No state folder: only the identity rule applies.
            None => {
                let own = own_keys(key);
                let standing = trust::assess(Ok(Some(&sealed)), &sealed, own.as_deref()).standing;
                return of_hardware_key(standing, key);
            }
            Some(Err(reason)) => Err(reason),
            Some(Ok(file)) => file.load(),
        };
        let seen = match &state {
            Ok(Some(state)) => state.generation,
            _ => 0,
        };
        if on_open {
            self.notices
                .retain(|n| !matches!(n, Notice::RolledBack { .. }));
            if let Some(rolled) = trust::rolled_back(seen, generation) {
                self.notices.push(Notice::RolledBack {
                    path: self.path.clone(),
                    rolled,
                });
            }
        }
        let newer = generation > seen && state.is_ok();
        let recorded = state.map(|s| s.and_then(|s| s.trusted));
        let assessment = if on_open && matches!(&recorded, Ok(Some(trusted)) if *trusted == sealed)
        {
            Assessment {
                standing: Standing::Trusted,
                record: None,
            }
        } else {
            let own = own_keys(key);
            trust::assess(
                recorded.as_ref().map(Option::as_ref).map_err(Clone::clone),
                &sealed,
                own.as_deref(),
            )
        };
        let Assessment { standing, record } = assessment;
        let standing = of_hardware_key(standing, key);
        if record.is_some() || newer {
            let repair = record.is_some();
            let written = self.change_state(repair, |state| {
                let trusted_now = record.map(|trusted| state.trusted = Some(trusted));
                state.see(generation) | trusted_now.is_some()
            });
            if let Err(e) = written
                && on_open
            {
                self.notices.push(Notice::StateNotSaved(e));
            }
        }
        standing
    }

    /// Where a vault read without a session stands (`code`'s quick look-up): `head` is the
    /// document's recipients and generation, `protection` its header's. Notices (a roll-back
    /// among them) land in [`Store::notices`].
    pub fn standing(&mut self, protection: Protection, head: &DocumentHead, key: &Key) -> Standing {
        let seal = seal_for(key, protection, &head.recipients, self.min_log_n);
        self.judge(&seal, key, true, head.generation)
    }

    /// The recipient set this machine trusts for the vault; `None` without a state folder or
    /// a record, or when the record cannot be read.
    pub fn trusted(&self) -> Option<Trusted> {
        let file = self.state_file()?.ok()?;
        file.load().ok().flatten().and_then(|state| state.trusted)
    }

    /// Records what `seal` seals to as trusted on this machine: a change this machine made
    /// (a merge it sealed, after the person accepted the recipients it brings).
    pub fn record_trusted(&mut self, seal: &Seal) -> Result<(), StorageError> {
        self.record(sealed(seal), 0, false)
    }

    /// Records `trusted` as what this machine trusts (a note on failure), and `generation`
    /// as seen: `accept` takes it even if older than the newest seen (`keyfob trust`).
    ///
    /// Without a state folder there is nothing to record (`Ok`); a vault whose real path
    /// cannot be found is an error.
    pub(super) fn record(
        &mut self,
        trusted: Trusted,
        generation: u64,
        accept: bool,
    ) -> Result<(), StorageError> {
        // A damaged state file is replaced: recording is how it is repaired.
        self.change_state(true, |state| {
            state.trusted = Some(trusted);
            if accept {
                state.accept(generation);
            } else {
                state.see(generation);
            }
            true
        })
    }

    /// The lowest counter this machine may still issue for HOTP entry `id` (0 without a
    /// state, or when none was issued).
    pub(super) fn hotp_floor(file: Option<&StateFile>, id: EntryId) -> u64 {
        file.and_then(|f| f.load().ok().flatten())
            .map_or(0, |state| state.hotp_floor(id))
    }

    /// Changes the state file under its own lock (read, change, write), so that two keyfobs
    /// recording at once lose neither's record. `change` says whether it changed anything
    /// (nothing is written otherwise). A damaged state file is replaced only when `repair`
    /// (recording trust): anything else must not turn it into a first use.
    pub(super) fn change_state(
        &mut self,
        repair: bool,
        change: impl FnOnce(&mut State) -> bool,
    ) -> Result<(), StorageError> {
        let not_recorded = |path: &Path, reason: String| StorageError {
            action: "cannot record what this machine knows about",
            path: path.to_path_buf(),
            source: std::io::Error::other(reason),
        };
        let file = match self.state_file() {
            None => return Ok(()),
            Some(Ok(file)) => file,
            Some(Err(reason)) => return Err(not_recorded(&self.path, reason)),
        };
        let _guard = storage::lock(file.lock_target(), self.lock_timeout).map_err(|e| match e {
            LockError::Io(e) => e,
            busy @ LockError::Busy { .. } => not_recorded(&self.path, busy.to_string()),
        })?;
        let mut state = match file.load() {
            Ok(Some(state)) => state,
            Ok(None) => file.fresh(),
            Err(_) if repair => file.fresh(),
            Err(reason) => return Err(not_recorded(&self.path, reason)),
        };
        if change(&mut state) {
            file.save(&state)?;
        }
        Ok(())
    }
}

/// What `seal` encrypts to, in the form trust compares.
pub(super) fn sealed(seal: &Seal) -> Trusted {
    match seal {
        Seal::Passphrase { .. } => Trusted::Passphrase,
        Seal::Recipients(list) => Trusted::recipients(&canonical(list)),
    }
}

fn canonical(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|r| crypto::canonical_recipient(r).unwrap_or_else(|_| r.trim().to_string()))
        .collect()
}

/// `standing`, saying whether an unknown identity is a hardware key's (a plugin identity
/// file without its `# recipient:` line): what to do about it differs.
fn of_hardware_key(standing: Standing, key: &Key) -> Standing {
    match (standing, key) {
        (Standing::UnknownIdentity { .. }, Key::Identities(ids)) if ids.has_plugins() => {
            Standing::UnknownIdentity { hardware_key: true }
        }
        (standing, _) => standing,
    }
}

/// The public keys of the identity that opened the vault; `None` for a passphrase.
pub(super) fn own_keys(key: &Key) -> Option<Vec<String>> {
    match key {
        Key::Passphrase(_) => None,
        Key::Identities(ids) => Some(canonical(ids.recipients())),
    }
}

/// Up to three keys, each cut short, for one-line messages.
pub fn short_keys(keys: &[String]) -> String {
    let mut shown: Vec<String> = keys
        .iter()
        .take(3)
        .map(|k| crate::engine::printable::printable(k, 24))
        .collect();
    if keys.len() > 3 {
        shown.push(format!("and {} more", keys.len() - 3));
    }
    if shown.is_empty() {
        "none".into()
    } else {
        shown.join(", ")
    }
}

/// Why a save was refused, as facts (the edge adds what to do).
pub(super) fn refusal(path: &Path, standing: &Standing) -> String {
    let path = path.display();
    match standing {
        Standing::Forged { recipients } => format!(
            "vault '{path}' does not list the identity that opened it among its recipients ({}): it may be forged",
            short_keys(recipients)
        ),
        Standing::UnknownIdentity {
            hardware_key: false,
        } => format!(
            "cannot tell whether vault '{path}' still lists your identity: its public key is unknown"
        ),
        Standing::UnknownIdentity { hardware_key: true } => format!(
            "cannot tell whether vault '{path}' still lists your identity: the identity file does not say which recipient its hardware key answers to"
        ),
        Standing::Unreviewed { others } => format!(
            "vault '{path}' is also sealed to keys this machine has not trusted yet ({})",
            short_keys(others)
        ),
        Standing::Changed {
            added,
            removed,
            kind_changed,
        } => {
            if *kind_changed {
                format!(
                    "vault '{path}' switched between a passphrase and recipients since this machine trusted it"
                )
            } else {
                format!(
                    "the recipients of vault '{path}' changed since this machine trusted them (added: {}; removed: {})",
                    short_keys(added),
                    short_keys(removed)
                )
            }
        }
        Standing::StateUnreadable(reason) => {
            format!("cannot tell which recipients of vault '{path}' are trusted: {reason}")
        }
        Standing::Trusted | Standing::FirstUse => format!("vault '{path}' is trusted"),
    }
}
