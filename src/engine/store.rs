//! The vault file as a whole: open it, change it without losing anyone's update, create it,
//! re-seal it — and never seal a seed to a key the owner did not choose.
//!
//! Promises:
//! - [`Session::update`] holds the writer lock for the whole read-modify-write, re-reads the
//!   file under the lock (so a change made meanwhile by another process is never overwritten
//!   with a stale copy), applies the change to a copy, and writes only if the change succeeded.
//!   On any error the file is byte-identical to before. [`Session::apply`] does this for an
//!   [`Op`], the one way entries change.
//! - The re-read decrypts only a file that changed since this session last read or wrote it
//!   (its content's SHA-256 differs), so a save on an unchanged passphrase vault runs scrypt
//!   once, for the seal. [`Session::disk_changed`] tells from the file's stamp alone (device,
//!   inode, size, times) whether to look again, for callers that follow the file.
//! - Every save writes one generation more than it read, and gives every entry an id
//!   ([`Vault::prepare_save`]); entries read without one get ids in memory at once, the same
//!   ones on every re-read until they are saved.
//! - A save seals to the same passphrase or recipients the vault holds now (re-derived from
//!   the file as re-read under the lock); the recipients are stored in the document so they
//!   survive. A passphrase vault keeps its scrypt work factor, raised to the store's minimum.
//! - The trust rules ([`crate::engine::trust`]) are applied on every open
//!   ([`Session::standing`]) and every save: a save that would drop the opening identity, or
//!   seal to recipients this machine has not trusted, is refused with nothing written. Creating
//!   and re-sealing record what they seal to as trusted; [`Session::trust`] records the
//!   current recipients. Without a state folder ([`Store::with_state_dir`]) only the identity
//!   rule applies.
//! - The generation rule ([`crate::engine::trust::rolled_back`]): every open and save records
//!   the newest generation seen; opening an older one adds a [`Notice::RolledBack`] (on every
//!   open, until `keyfob trust` accepts it or the vault is newer again). A HOTP advance never
//!   issues a counter this machine issued before, whatever the vault says, and records the
//!   one it issued before it returns the code.
//! - A vault path that is a symbolic link stays one: the file it ends at is replaced, with the
//!   temp file, `.bak` and `.lock` beside it. A path that is a folder or a special file is
//!   refused before anything is created.
//! - [`Session::reseal`] re-seals the backup too, first, so the old passphrase or key opens
//!   no file keyfob keeps.
//! - Creating never replaces an existing vault.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::crypto::{self, CryptoError, Key, PluginUi, Protection, Seal};
use super::entry::RandomError;
use super::ops::OpError;
use super::storage::{self, FileStamp, LockError, PlainWrite, ReadError, StorageError, WriteHook};
use super::trust::{RolledBack, Standing};
use super::vault::{DocumentError, Vault};

mod merging;
mod rules;
mod state;

pub use merging::{MergeFailure, protection_of, read_version, sync_conflicts, write_merged};
pub use rules::short_keys;
use rules::{own_keys, refusal, sealed};
pub use state::StateFile;

/// How long a writer waits for another one to finish.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything that can go wrong with the vault file.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at '{}'", path.display())]
    Missing { path: PathBuf },
    #[error("a vault already exists at '{}'; keyfob will not overwrite it", path.display())]
    Exists { path: PathBuf },
    #[error("vault '{}' is {kind}, not a regular file; nothing was changed", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("vault '{}' {source}", path.display())]
    Crypto {
        path: PathBuf,
        #[source]
        source: CryptoError,
    },
    #[error("vault '{}' was decrypted but {source}", path.display())]
    Document {
        path: PathBuf,
        #[source]
        source: DocumentError,
    },
    #[error("{}; nothing was saved", refusal(path, standing))]
    Refused { path: PathBuf, standing: Standing },
    /// A save would write a file larger than keyfob reads (`storage::read::VAULT_CAP`).
    #[error(
        "the vault would be {} with this change, more than the {} keyfob reads; nothing was saved",
        amount(*size),
        amount(*cap)
    )]
    TooLarge { size: u64, cap: u64 },
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// `bytes` in MiB (or KiB below one MiB), rounded up.
fn amount(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

/// Why a change was not saved: the op refused it, or the vault could not be read or written.
/// Either way the file is as it was.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Op(#[from] OpError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Something an edge should tell the person, beside the result.
#[derive(Debug)]
pub enum Notice {
    /// What this machine trusts could not be recorded.
    StateNotSaved(StorageError),
    /// The vault file or its folder can be written by other users.
    WritableByOthers { path: PathBuf },
    /// The vault is older than one this machine has seen (restored, or rolled back).
    RolledBack { path: PathBuf, rolled: RolledBack },
}

/// What [`Session::reseal`] did with the backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backup {
    /// Re-sealed to the new passphrase or recipients.
    Resealed,
    /// There was none.
    None,
}

/// Where a vault lives, and how it is written.
pub struct Store {
    path: PathBuf,
    lock_timeout: Duration,
    hook: Box<dyn WriteHook + Send>,
    /// How plugin recipients (hardware keys) reach the person when the vault is sealed.
    plugin_ui: PluginUi,
    state_dir: Option<PathBuf>,
    min_log_n: u8,
    /// The largest vault a save writes (what keyfob reads back: `read::VAULT_CAP`).
    max_size: u64,
    notices: Vec<Notice>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    pub fn new(path: impl Into<PathBuf>) -> Store {
        Store {
            path: path.into(),
            lock_timeout: LOCK_TIMEOUT,
            hook: Box::new(PlainWrite),
            plugin_ui: PluginUi::quiet(),
            state_dir: None,
            min_log_n: 1,
            max_size: storage::read::VAULT_CAP,
            notices: Vec::new(),
        }
    }

    /// Routes plugin recipients' prompts to `ui` when the vault is sealed.
    pub fn with_plugin_ui(mut self, ui: PluginUi) -> Store {
        self.plugin_ui = ui;
        self
    }

    /// Replaces how bytes are written (fault-injection tests).
    pub fn with_write_hook(mut self, hook: Box<dyn WriteHook + Send>) -> Store {
        self.hook = hook;
        self
    }

    pub fn with_lock_timeout(mut self, timeout: Duration) -> Store {
        self.lock_timeout = timeout;
        self
    }

    /// Keeps what this machine trusts for the vault in `dir` (see [`crate::engine::trust`]).
    pub fn with_state_dir(mut self, dir: impl Into<PathBuf>) -> Store {
        self.state_dir = Some(dir.into());
        self
    }

    /// Saves of a passphrase vault use at least this scrypt work factor.
    pub fn with_min_work_factor(mut self, log_n: u8) -> Store {
        self.min_log_n = log_n;
        self
    }

    /// Saves refuse to write a vault larger than `bytes` (tests; the default is the most
    /// keyfob reads, `storage::read::VAULT_CAP`).
    pub fn with_max_size(mut self, bytes: u64) -> Store {
        self.max_size = bytes.min(storage::read::VAULT_CAP);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the edges should tell about the last create.
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// First run is decided by the vault file, never by its folder.
    pub fn exists(&self) -> bool {
        self.path.is_file()
    }

    /// The file saves replace: the path, or where its symbolic links lead. A folder or a
    /// special file there is refused.
    pub fn real_path(&self) -> Result<PathBuf, VaultError> {
        let real = storage::resolve(&self.path)?;
        match storage::not_a_file(&real) {
            Some(kind) => Err(VaultError::NotAFile {
                path: self.path.clone(),
                kind,
            }),
            None => Ok(real),
        }
    }

    pub fn backup_path(&self) -> PathBuf {
        let real = storage::resolve(&self.path).unwrap_or_else(|_| self.path.clone());
        storage::sibling(&real, ".bak")
    }

    fn read(&self) -> Result<Vec<u8>, VaultError> {
        match storage::read_optional(&self.path) {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err(VaultError::Missing {
                path: self.path.clone(),
            }),
            Err(ReadError::NotAFile { kind, .. }) => Err(VaultError::NotAFile {
                path: self.path.clone(),
                kind,
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn crypto_err(&self) -> impl FnOnce(CryptoError) -> VaultError + '_ {
        |source| VaultError::Crypto {
            path: self.path.clone(),
            source,
        }
    }

    /// What the file needs to be opened (reads the header only).
    pub fn protection(&self) -> Result<Protection, VaultError> {
        crypto::protection(&self.read()?).map_err(self.crypto_err())
    }

    fn document(&self, plaintext: &[u8]) -> Result<Vault, VaultError> {
        Vault::from_bytes(plaintext).map_err(|source| VaultError::Document {
            path: self.path.clone(),
            source,
        })
    }

    /// Reads the file once, for [`Store::open_loaded`]: callers that must look at the
    /// header before they can build a key (ask for a passphrase or read an identity) need
    /// not read a big vault twice.
    pub fn load(&self) -> Result<Loaded, VaultError> {
        let bytes = self.read()?;
        let protection = crypto::protection(&bytes).map_err(self.crypto_err())?;
        Ok(Loaded { bytes, protection })
    }

    /// Opens the vault for reading and later updates.
    pub fn open(self, key: Key) -> Result<Session, VaultError> {
        let loaded = self.load()?;
        self.open_loaded(loaded, key)
    }

    /// Opens the vault from what [`Store::load`] read.
    pub fn open_loaded(self, loaded: Loaded, key: Key) -> Result<Session, VaultError> {
        let plaintext = self.decrypt(&loaded, &key)?;
        self.open_decrypted(loaded, key, &plaintext)
    }

    /// The document inside what [`Store::load`] read, for read-only use (see [`Vault::lookup`]).
    pub fn decrypt(&self, loaded: &Loaded, key: &Key) -> Result<crypto::Plaintext, VaultError> {
        crypto::decrypt(&loaded.bytes, key).map_err(self.crypto_err())
    }

    /// The document, decrypted with identities straight from the file (see
    /// [`crypto::decrypt_reader`]), for a read-only look-up. `None` for anything else — no
    /// file, a special file, a passphrase vault, any error — and the caller takes the
    /// ordinary path ([`Store::load`], [`Store::decrypt`]), which says what is wrong.
    pub fn decrypt_streaming(&self, key: &Key) -> Option<crypto::Plaintext> {
        let (file, size) = storage::read::open_regular(&self.path, "vault").ok()?;
        if size > storage::read::VAULT_CAP {
            return None;
        }
        let size = usize::try_from(size).ok()?;
        crypto::decrypt_reader(std::io::BufReader::new(file), size, key)
    }

    /// Opens the vault from what [`Store::load`] read and [`Store::decrypt`] made of it.
    pub fn open_decrypted(
        mut self,
        loaded: Loaded,
        key: Key,
        plaintext: &[u8],
    ) -> Result<Session, VaultError> {
        let Loaded { bytes, protection } = loaded;
        let mut vault = self.document(plaintext)?;
        vault.ensure_ids(None)?;
        let known = Fingerprint::of(&self.path, &bytes);
        let seal = seal_for(&key, protection, &vault.recipients, self.min_log_n);
        if let Ok(real) = storage::resolve(&self.path)
            && storage::writable_by_others(&real)
        {
            self.notices.push(Notice::WritableByOthers {
                path: self.path.clone(),
            });
        }
        let mut session = Session {
            standing: Standing::Trusted,
            store: self,
            key,
            seal,
            vault,
            known,
            lookup: std::cell::OnceCell::new(),
        };
        session.standing = session.judge(true);
        Ok(session)
    }

    /// Creates a new vault; refuses if one exists. The document records the seal's recipients,
    /// and this machine trusts what it sealed to.
    pub fn create(&mut self, mut vault: Vault, seal: &Seal) -> Result<(), VaultError> {
        let real = self.real_path()?;
        let _guard = storage::lock(&real, self.lock_timeout)?;
        if real.exists() {
            return Err(VaultError::Exists {
                path: self.path.clone(),
            });
        }
        vault.recipients = match seal {
            Seal::Recipients(list) => list.clone(),
            Seal::Passphrase { .. } => Vec::new(),
        };
        vault.prepare_save()?;
        let bytes = vault
            .seal_with(seal, &self.plugin_ui)
            .map_err(self.crypto_err())?;
        storage::replace(&real, &bytes, self.hook.as_mut())?;
        // A new vault at this path starts the roll-back rule afresh (an old state for a vault
        // once here must not call the new one rolled back).
        if let Err(e) = self.record(sealed(seal), vault.generation, true) {
            self.notices.push(Notice::StateNotSaved(e));
        }
        Ok(())
    }
}

/// The seal a save uses: the opening passphrase (work factor at least `min_log_n`), or the
/// recipients the document lists (an older vault that lists none: the opening identity).
fn seal_for(key: &Key, protection: Protection, listed: &[String], min_log_n: u8) -> Seal {
    match (key, protection) {
        (Key::Passphrase(passphrase), Protection::Passphrase { log_n }) => Seal::Passphrase {
            passphrase: passphrase.clone(),
            log_n: Some(log_n.max(min_log_n)),
        },
        (Key::Identities(ids), _) if listed.is_empty() => {
            Seal::Recipients(ids.recipients().to_vec())
        }
        _ => Seal::Recipients(listed.to_vec()),
    }
}

/// A vault file as read from disk, not yet decrypted.
#[derive(Debug)]
pub struct Loaded {
    bytes: Vec<u8>,
    protection: Protection,
}

impl Loaded {
    /// What the file needs to be opened.
    pub fn protection(&self) -> Protection {
        self.protection
    }

    /// The SHA-256 of the file's bytes (what [`Session::content_hash`] compares).
    pub fn content_hash(&self) -> [u8; 32] {
        Sha256::digest(&self.bytes).into()
    }
}

/// What a session last read or wrote: enough to tell whether the file changed since, without
/// keeping a copy of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fingerprint {
    /// `None` when the file could not be looked at right after (it then always counts as
    /// touched).
    pub(super) stamp: Option<FileStamp>,
    pub(super) hash: [u8; 32],
}

impl Fingerprint {
    /// `bytes` as just read from or written to `path`. The stamp is taken after the bytes:
    /// if the file was replaced in between, the stamp and the hash disagree and the next
    /// look reads the file again, which is safe (never the other way round: an unchanged
    /// verdict always rests on the hash).
    pub(super) fn of(path: &Path, bytes: &[u8]) -> Fingerprint {
        Fingerprint {
            stamp: storage::stamp(path).ok(),
            hash: Sha256::digest(bytes).into(),
        }
    }
}

mod session;
pub use session::Session;

#[cfg(test)]
mod tests;
