//! An opened vault: reading it again, changing it under the lock, re-sealing it, and the
//! trust rules on each of those (see the promises in [`super`]).

use super::{
    Backup, ChangeError, Fingerprint, Notice, Store, VaultError, own_keys, seal_for, sealed,
};
use crate::engine::crypto::{self, Key, Seal};
use crate::engine::entry::{Entry, EntryId};
use crate::engine::ops::{Op, Outcome};
use crate::engine::query;
use crate::engine::storage;
use crate::engine::trust::{self, Standing, Trusted};
use crate::engine::vault::Vault;

/// An opened vault: its content as last read or written, and how to read and seal it again.
pub struct Session {
    pub(super) store: Store,
    pub(super) key: Key,
    pub(super) seal: Seal,
    pub(super) vault: Vault,
    pub(super) known: Fingerprint,
    pub(super) standing: Standing,
    /// [`Session::find`]'s index of `vault`'s entries: built on first use, dropped whenever
    /// `vault` is replaced ([`Session::replace_vault`]).
    pub(super) lookup: std::cell::OnceCell<query::Index>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.store.path)
            .field("entries", &self.vault.entries.len())
            .field("standing", &self.standing)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The matching rule ([`query::find`]) over the vault's entries, through an index kept
    /// while they stay the same: for a session that answers look-up after look-up (an agent).
    pub fn find(&self, text: &str) -> query::Found {
        let entries = &self.vault.entries;
        self.lookup
            .get_or_init(|| query::Index::new(entries))
            .find(entries, text)
    }

    /// The one way `vault` changes once the session is open (the look-up index goes with it).
    fn replace_vault(&mut self, vault: Vault) {
        self.vault = vault;
        self.lookup = std::cell::OnceCell::new();
    }

    pub fn path(&self) -> &std::path::Path {
        &self.store.path
    }

    pub fn seal(&self) -> &Seal {
        &self.seal
    }

    /// How the vault was opened (its identities' public keys, whether a person was asked).
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// Where the vault stands with this machine's trust, as of the last read.
    pub fn standing(&self) -> &Standing {
        &self.standing
    }

    /// What the edges should tell the person about opening or saving.
    pub fn notices(&self) -> &[Notice] {
        &self.store.notices
    }

    /// The public keys of the identity that opened the vault (none for a passphrase).
    pub fn own_keys(&self) -> Vec<String> {
        own_keys(&self.key).unwrap_or_default()
    }

    /// Applies the trust rules to the vault as last read (see [`Store::judge`]).
    pub(super) fn judge(&mut self, on_open: bool) -> Standing {
        let generation = self.vault.generation;
        self.store.judge(&self.seal, &self.key, on_open, generation)
    }

    /// The SHA-256 of the file as this session last read or wrote it: another process that
    /// reads the same content (see [`super::Loaded::content_hash`]) can skip decrypting it.
    pub fn content_hash(&self) -> [u8; 32] {
        self.known.hash
    }

    /// Whether the file's stamp (device, inode, size, times) differs from when this session
    /// last read or wrote it: a cheap test, without reading the file, for callers that follow
    /// the file (then [`Session::refresh`]). It can miss an in-place rewrite that keeps the
    /// size and both times; `refresh` and every save compare the content itself.
    pub fn disk_changed(&self) -> bool {
        let now = storage::stamp(&self.store.path).ok();
        now.is_none() || now != self.known.stamp
    }

    /// Re-reads the file if another process changed it. Returns whether it had changed.
    ///
    /// The file is read once and its SHA-256 compared with what this session last read or
    /// wrote: only a different content is decrypted (for a passphrase vault, an scrypt run).
    pub fn refresh(&mut self) -> Result<bool, VaultError> {
        let bytes = self.store.read()?;
        let seen = Fingerprint::of(&self.store.path, &bytes);
        if seen.hash == self.known.hash {
            self.known = seen;
            return Ok(false);
        }
        let protection = crypto::protection(&bytes).map_err(self.store.crypto_err())?;
        let plaintext = crypto::decrypt(&bytes, &self.key).map_err(self.store.crypto_err())?;
        let mut vault = self.store.document(&plaintext)?;
        vault.ensure_ids(Some(&self.vault))?;
        self.seal = seal_for(
            &self.key,
            protection,
            &vault.recipients,
            self.store.min_log_n,
        );
        self.replace_vault(vault);
        self.known = seen;
        self.standing = self.judge(true);
        Ok(true)
    }

    /// Applies `op` at time `now` to the vault re-read under the writer lock (see
    /// [`Session::update`]), drops tombstones past their retention, and saves. On any error
    /// nothing is written.
    ///
    /// A HOTP advance starts at the first counter this machine has not issued (read under the
    /// lock; see [`crate::engine::trust::first_counter`]), and the counter it issued is
    /// recorded in the state file before the code is returned.
    pub fn apply(&mut self, op: &Op, now: u64) -> Result<Outcome, ChangeError> {
        self.apply_with(op, now, |op, vault, floor| {
            op.apply_with_floor(vault, now, floor)
        })
    }

    /// [`Session::apply`], taking the op: an add moves its entries into the vault instead of
    /// copying them (see [`Op::apply_owned`]), so a big import holds its entries once.
    pub fn apply_owned(&mut self, op: Op, now: u64) -> Result<Outcome, ChangeError> {
        self.apply_with(op, now, |op, vault, floor| match op {
            Op::Add(_) => op.apply_owned(vault, now),
            other => other.apply_with_floor(vault, now, floor),
        })
    }

    fn apply_with<O: std::borrow::Borrow<Op>>(
        &mut self,
        op: O,
        now: u64,
        run: impl FnOnce(O, &mut Vault, u64) -> Result<Outcome, crate::engine::ops::OpError>,
    ) -> Result<Outcome, ChangeError> {
        // A vanished entry is named as this session last saw it.
        let seen = op
            .borrow()
            .target()
            .and_then(|id| self.vault.entry(id))
            .map(Entry::name);
        let state = self.store.state_file().and_then(Result::ok);
        let issued = |outcome: &Outcome| match outcome {
            Outcome::Advanced { id, issued, .. } => Some((*id, *issued)),
            _ => None,
        };
        self.update_recording(
            |vault| {
                let floor = match op.borrow() {
                    Op::Advance { id } => Store::hotp_floor(state.as_ref(), *id),
                    _ => 0,
                };
                let outcome = run(op, vault, floor).map_err(|e| e.seen_as(seen))?;
                vault.prune_tombstones(now);
                Ok::<_, ChangeError>(outcome)
            },
            issued,
        )
    }

    /// Applies `change` to the current vault under the writer lock and saves the result.
    /// If `change` fails, or the trust rules refuse the save, nothing is written. Entries
    /// change only through [`Session::apply`]; this is for whole-vault work (tests, merges).
    pub fn update<T, E>(&mut self, change: impl FnOnce(&mut Vault) -> Result<T, E>) -> Result<T, E>
    where
        E: From<VaultError>,
    {
        self.update_recording(change, |_| None)
    }

    /// [`Session::update`], recording in the state file the generation written and the HOTP
    /// counter `issued` names (entry, counter), while the lock is held.
    fn update_recording<T, E>(
        &mut self,
        change: impl FnOnce(&mut Vault) -> Result<T, E>,
        issued: impl FnOnce(&T) -> Option<(EntryId, u64)>,
    ) -> Result<T, E>
    where
        E: From<VaultError>,
    {
        let real = self.store.real_path()?;
        let _guard = storage::lock(&real, self.store.lock_timeout).map_err(VaultError::from)?;
        self.refresh()?;
        // Judged afresh under the lock: `keyfob trust` may have run meanwhile.
        self.standing = self.judge(false);
        if !self.standing.allows_save() {
            return Err(VaultError::Refused {
                path: self.store.path.clone(),
                standing: self.standing.clone(),
            }
            .into());
        }
        let mut next = self.vault.clone();
        let out = change(&mut next)?;
        if matches!(self.seal, Seal::Passphrase { .. }) {
            next.recipients.clear();
        }
        self.write_locked(&real, next)?;
        let generation = self.vault.generation;
        let issued = issued(&out);
        let recorded = self.store.change_state(false, |state| {
            let counter = issued.is_some_and(|(id, counter)| state.issued(id, counter));
            state.see(generation) | counter
        });
        if let Err(e) = recorded {
            self.store.notices.push(Notice::StateNotSaved(e));
        }
        Ok(out)
    }

    /// Records the recipients the vault is sealed to now as trusted on this machine (`keyfob
    /// trust`), after reading it again, and accepts its generation even if it is older than
    /// one seen here (a copy restored on purpose). Refused when the opening identity is not among them:
    /// trusting would not make such a vault safe to save. Returns what was recorded.
    pub fn trust(&mut self) -> Result<Trusted, VaultError> {
        if self.store.state_dir.is_none() {
            return Err(VaultError::Storage(storage::StorageError {
                action: "cannot record what this machine trusts for",
                path: self.store.path.clone(),
                source: std::io::Error::other("keyfob has no state folder (no home folder?)"),
            }));
        }
        self.refresh()?;
        let sealed = sealed(&self.seal);
        let verdict = trust::assess(Ok(Some(&sealed)), &sealed, own_keys(&self.key).as_deref());
        if !verdict.standing.allows_save() {
            return Err(VaultError::Refused {
                path: self.store.path.clone(),
                standing: verdict.standing,
            });
        }
        self.store
            .record(sealed.clone(), self.vault.generation, true)?;
        self.store
            .notices
            .retain(|n| !matches!(n, Notice::RolledBack { .. }));
        self.standing = Standing::Trusted;
        Ok(sealed)
    }

    /// The backup (`.bak`, the vault before the last save) as this session's key opens it;
    /// `None` when there is none or it does not open (it is only ever read, for reports).
    pub fn backup_vault(&self) -> Option<Vault> {
        let real = self.store.real_path().ok()?;
        let bytes = storage::read_optional(&storage::sibling(&real, ".bak")).ok()??;
        let plain = crypto::decrypt(&bytes, &self.key).ok()?;
        Vault::from_bytes(&plain).ok()
    }

    /// Re-seals the vault to a new passphrase or recipients (`keyfob passwd`). `key` is how it
    /// will be opened from now on, if this process can still open it.
    ///
    /// The person names the new seal, so this is allowed whatever the vault's standing, and
    /// what it seals to becomes what this machine trusts. The backup (`.bak`, the vault as it
    /// was) is re-sealed to the new seal first, so no file keyfob keeps opens with the old
    /// passphrase or key; if that cannot be written, nothing is changed.
    pub fn reseal(&mut self, seal: Seal, key: Option<Key>) -> Result<Backup, VaultError> {
        let real = self.store.real_path()?;
        let _guard = storage::lock(&real, self.store.lock_timeout)?;
        self.refresh()?;
        let mut next = self.vault.clone();
        next.recipients = match &seal {
            Seal::Recipients(list) => list.clone(),
            Seal::Passphrase { .. } => Vec::new(),
        };
        next.prepare_save()?;
        let bytes = next
            .seal_with(&seal, &self.store.plugin_ui)
            .map_err(self.store.crypto_err())?;
        readable(&bytes, self.store.max_size)?;
        // The backup holds the vault as it was: the same entries, so the same document, and
        // so the same bytes as the new vault (sealing it again would double the scrypt work).
        let had_backup = storage::sibling(&real, ".bak").exists();
        let backup = had_backup.then_some(&bytes[..]);
        storage::replace_with_backup(&real, &bytes, backup, self.store.hook.as_mut())?;
        let outcome = if had_backup {
            Backup::Resealed
        } else {
            Backup::None
        };
        if let Err(e) = self.store.record(sealed(&seal), next.generation, false) {
            self.store.notices.push(Notice::StateNotSaved(e));
        }
        self.seal = seal;
        self.replace_vault(next);
        self.known = Fingerprint::of(&self.store.path, &bytes);
        self.standing = Standing::Trusted;
        if let Some(key) = key {
            self.key = key;
        }
        Ok(outcome)
    }

    fn write_locked(&mut self, real: &std::path::Path, mut next: Vault) -> Result<(), VaultError> {
        next.prepare_save()?;
        let bytes = next
            .seal_with(&self.seal, &self.store.plugin_ui)
            .map_err(self.store.crypto_err())?;
        readable(&bytes, self.store.max_size)?;
        storage::replace(real, &bytes, self.store.hook.as_mut())?;
        self.replace_vault(next);
        self.known = Fingerprint::of(&self.store.path, &bytes);
        Ok(())
    }
}

/// A save never writes a vault keyfob would refuse to read back (a big import could make one
/// past the read cap): the file stays as it was, and the person is told.
fn readable(bytes: &[u8], cap: u64) -> Result<(), VaultError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > cap {
        return Err(VaultError::TooLarge { size, cap });
    }
    Ok(())
}
