//! The vault file as a whole: open it, change it without losing anyone's update, create it,
//! re-seal it.
//!
//! Promises:
//! - [`Session::update`] holds the writer lock for the whole read-modify-write, re-reads the
//!   file under the lock (so a change made meanwhile by another process is never overwritten
//!   with a stale copy), applies the change to a copy, and writes only if the change succeeded.
//!   On any error the file is byte-identical to before.
//! - A save seals to the same passphrase (and scrypt work factor) or recipients the vault was
//!   opened with; the recipients are stored in the document so they survive.
//! - Creating never replaces an existing vault.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::crypto::{self, CryptoError, Key, PluginUi, Protection, Seal};
use super::storage::{self, LockError, PlainWrite, StorageError, WriteHook};
use super::vault::{DocumentError, Vault};

/// How long a writer waits for another one to finish.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything that can go wrong with the vault file.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at '{}'", path.display())]
    Missing { path: PathBuf },
    #[error("a vault already exists at '{}'; keyfob will not overwrite it", path.display())]
    Exists { path: PathBuf },
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
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Lock(#[from] LockError),
}

impl VaultError {
    /// A second line telling the person what to do, where there is something to say.
    pub fn hint(&self) -> Option<String> {
        let backup_hint = |path: &Path| {
            let backup = storage::sibling(path, ".bak");
            backup.exists().then(|| {
                format!(
                    "the previous version is kept in '{}': open it with --vault to check it, then copy it over the vault",
                    backup.display()
                )
            })
        };
        match self {
            VaultError::Missing { .. } => Some(
                "create one with `keyfob init` (or point --vault / KEYFOB_VAULT at yours)".into(),
            ),
            VaultError::Exists { .. } => {
                Some("use --vault PATH to create a vault somewhere else".into())
            }
            VaultError::Crypto { path, source } => match source {
                CryptoError::Truncated | CryptoError::Tampered | CryptoError::NotAge => {
                    backup_hint(path)
                }
                CryptoError::NeedsIdentity => {
                    Some("pass --identity FILE or set KEYFOB_IDENTITY".into())
                }
                CryptoError::NeedsPassphrase => {
                    Some("leave out --identity / KEYFOB_IDENTITY and give the passphrase".into())
                }
                _ => None,
            },
            VaultError::Document { path, .. } => backup_hint(path),
            VaultError::Storage(_) => Some("the vault was not changed".into()),
            VaultError::Lock(LockError::Io(_)) => Some("the vault was not changed".into()),
            VaultError::Lock(LockError::Busy { .. }) => None,
        }
    }
}

/// Where a vault lives, and how it is written.
pub struct Store {
    path: PathBuf,
    lock_timeout: Duration,
    hook: Box<dyn WriteHook + Send>,
    /// How plugin recipients (hardware keys) reach the person when the vault is sealed.
    plugin_ui: PluginUi,
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

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// First run is decided by the vault file, never by its folder.
    pub fn exists(&self) -> bool {
        self.path.is_file()
    }

    pub fn backup_path(&self) -> PathBuf {
        storage::sibling(&self.path, ".bak")
    }

    fn read(&self) -> Result<Vec<u8>, VaultError> {
        storage::read_optional(&self.path)?.ok_or_else(|| VaultError::Missing {
            path: self.path.clone(),
        })
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

    fn decode(&self, bytes: &[u8], key: &Key) -> Result<Vault, VaultError> {
        let plaintext = crypto::decrypt(bytes, key).map_err(self.crypto_err())?;
        self.document(&plaintext)
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
    /// file, a passphrase vault, any error — and the caller takes the ordinary path
    /// ([`Store::load`], [`Store::decrypt`]), which says what is wrong.
    pub fn decrypt_streaming(&self, key: &Key) -> Option<crypto::Plaintext> {
        let file = std::fs::File::open(&self.path).ok()?;
        let size = usize::try_from(file.metadata().ok()?.len()).ok()?;
        crypto::decrypt_reader(std::io::BufReader::new(file), size, key)
    }

    /// Opens the vault from what [`Store::load`] read and [`Store::decrypt`] made of it.
    pub fn open_decrypted(
        self,
        loaded: Loaded,
        key: Key,
        plaintext: &[u8],
    ) -> Result<Session, VaultError> {
        let Loaded { bytes, protection } = loaded;
        let vault = self.document(plaintext)?;
        let seal = match (&key, protection) {
            (Key::Passphrase(passphrase), Protection::Passphrase { log_n }) => Seal::Passphrase {
                passphrase: passphrase.clone(),
                log_n: Some(log_n),
            },
            (Key::Identities(ids), _) if vault.recipients.is_empty() => {
                Seal::Recipients(ids.recipients().to_vec())
            }
            _ => Seal::Recipients(vault.recipients.clone()),
        };
        Ok(Session {
            store: self,
            key,
            seal,
            vault,
            on_disk: bytes,
        })
    }

    /// Creates a new vault; refuses if one exists. The document records the seal's recipients.
    pub fn create(&mut self, mut vault: Vault, seal: &Seal) -> Result<(), VaultError> {
        let _guard = storage::lock(&self.path, self.lock_timeout)?;
        if self.exists() {
            return Err(VaultError::Exists {
                path: self.path.clone(),
            });
        }
        vault.recipients = match seal {
            Seal::Recipients(list) => list.clone(),
            Seal::Passphrase { .. } => Vec::new(),
        };
        let bytes = seal
            .encrypt_with(&crypto::pad(&vault.to_ron()), &self.plugin_ui)
            .map_err(self.crypto_err())?;
        storage::replace(&self.path, &bytes, self.hook.as_mut())?;
        Ok(())
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
}

/// An opened vault: its content as last read or written, and how to read and seal it again.
pub struct Session {
    store: Store,
    key: Key,
    seal: Seal,
    vault: Vault,
    on_disk: Vec<u8>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.store.path)
            .field("entries", &self.vault.entries.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    pub fn path(&self) -> &Path {
        &self.store.path
    }

    pub fn seal(&self) -> &Seal {
        &self.seal
    }

    /// How the vault was opened (its identities' public keys, whether a person was asked).
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// Re-reads the file if another process changed it. Returns whether it had changed.
    pub fn refresh(&mut self) -> Result<bool, VaultError> {
        let bytes = self.store.read()?;
        if bytes == self.on_disk {
            return Ok(false);
        }
        self.vault = self.store.decode(&bytes, &self.key)?;
        self.on_disk = bytes;
        Ok(true)
    }

    /// Applies `change` to the current vault under the writer lock and saves the result.
    /// If `change` fails, nothing is written and its error is returned.
    pub fn update<T, E>(&mut self, change: impl FnOnce(&mut Vault) -> Result<T, E>) -> Result<T, E>
    where
        E: From<VaultError>,
    {
        let _guard =
            storage::lock(&self.store.path, self.store.lock_timeout).map_err(VaultError::from)?;
        self.refresh()?;
        let mut next = self.vault.clone();
        let out = change(&mut next)?;
        self.write_locked(next)?;
        Ok(out)
    }

    /// Re-seals the vault to a new passphrase or recipients (`keyfob passwd`). `key` is how it
    /// will be opened from now on, if this process can still open it.
    pub fn reseal(&mut self, seal: Seal, key: Option<Key>) -> Result<(), VaultError> {
        let _guard = storage::lock(&self.store.path, self.store.lock_timeout)?;
        self.refresh()?;
        let mut next = self.vault.clone();
        next.recipients = match &seal {
            Seal::Recipients(list) => list.clone(),
            Seal::Passphrase { .. } => Vec::new(),
        };
        let previous = std::mem::replace(&mut self.seal, seal);
        if let Err(e) = self.write_locked(next) {
            self.seal = previous;
            return Err(e);
        }
        if let Some(key) = key {
            self.key = key;
        }
        Ok(())
    }

    fn write_locked(&mut self, next: Vault) -> Result<(), VaultError> {
        let bytes = self
            .seal
            .encrypt_with(&crypto::pad(&next.to_ron()), &self.store.plugin_ui)
            .map_err(self.store.crypto_err())?;
        storage::replace(&self.store.path, &bytes, self.store.hook.as_mut())?;
        self.vault = next;
        self.on_disk = bytes;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
