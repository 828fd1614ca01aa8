//! Merging vault files ([`crate::engine::merge`] on disk): git's three versions, written to
//! OURS; and Syncthing's conflict copies, merged into the vault under its lock and removed.
//!
//! Promises:
//! - Every file is read through the capped, regular-files-only reader and decrypted with the
//!   key that opened the vault; an empty BASE (git's "no common version") means no base.
//! - [`write_merged`] writes the merged vault over OURS atomically (temp file, fsync, rename;
//!   0600, no backup, no lock file: OURS is git's temporary copy), one generation on, sealed
//!   as given.
//! - [`Session::merge_copy`] merges a copy two-way into the vault as re-read under the writer
//!   lock, saves with the vault's own seal and trust rules (a refused save writes nothing and
//!   keeps the copy), and removes the copy only after the save.
//! - [`sync_conflicts`] finds Syncthing's copies of a vault: `<stem>.sync-conflict-….<ext>`
//!   beside the file the vault path resolves to.

use std::path::{Path, PathBuf};

use super::{Session, VaultError};
use crate::engine::crypto::{self, Key, PluginUi, Protection, Seal};
use crate::engine::merge::{self, MergeError, Report};
use crate::engine::storage::{self, ReadError, read};
use crate::engine::vault::{DocumentError, Vault};

/// Why a merge of files did not happen (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum MergeFailure {
    /// One of the files could not be read, decrypted or understood.
    #[error("{role} '{}' {problem}", path.display())]
    File {
        role: &'static str,
        path: PathBuf,
        problem: String,
    },
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Reads and decrypts one of the files of a merge (`role`: "BASE", "OURS", …) with `key`.
/// `Ok(None)` for an empty file (git passes one as BASE when there is no common version).
pub fn read_version(
    role: &'static str,
    path: &Path,
    key: &Key,
) -> Result<Option<Vault>, MergeFailure> {
    let failed = |problem: String| MergeFailure::File {
        role,
        path: path.to_path_buf(),
        problem,
    };
    let bytes = read::read_regular(path, "vault", read::VAULT_CAP).map_err(|e| match e {
        ReadError::Missing { .. } => failed("does not exist".into()),
        other => failed(format!("cannot be read: {other}")),
    })?;
    if bytes.is_empty() {
        return Ok(None);
    }
    let plain = crypto::decrypt(&bytes, key).map_err(|e| failed(e.to_string()))?;
    Vault::from_bytes(&plain)
        .map(Some)
        .map_err(|e: DocumentError| failed(format!("was decrypted but {e}")))
}

/// What an age file needs to be opened (from its header), for a file of a merge.
pub fn protection_of(role: &'static str, path: &Path) -> Result<Protection, MergeFailure> {
    let failed = |problem: String| MergeFailure::File {
        role,
        path: path.to_path_buf(),
        problem,
    };
    let bytes = read::read_regular(path, "vault", read::VAULT_CAP)
        .map_err(|e| failed(format!("cannot be read: {e}")))?;
    crypto::protection(&bytes).map_err(|e| failed(e.to_string()))
}

/// Writes `vault` (a merge's result) over `path`, one generation on, sealed with `seal`.
pub fn write_merged(
    path: &Path,
    mut vault: Vault,
    seal: &Seal,
    ui: &PluginUi,
) -> Result<(), VaultError> {
    vault.recipients = match seal {
        Seal::Recipients(list) => list.clone(),
        Seal::Passphrase { .. } => Vec::new(),
    };
    vault.prepare_save()?;
    let bytes = vault
        .seal_with(seal, ui)
        .map_err(|source| VaultError::Crypto {
            path: path.to_path_buf(),
            source,
        })?;
    storage::replace_plain(path, &bytes)?;
    Ok(())
}

/// Syncthing's conflict copies of the vault at `vault` (resolved through symbolic links):
/// `<stem>.sync-conflict-<date>-<time>-<device><ext>` in its folder, sorted by name.
pub fn sync_conflicts(vault: &Path) -> Result<Vec<PathBuf>, storage::StorageError> {
    let real = storage::resolve(vault)?;
    let name = real
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name.as_str(), ""),
    };
    let prefix = format!("{stem}.sync-conflict-");
    let dir = storage::parent_dir(&real);
    let listing = std::fs::read_dir(dir).map_err(storage::err("cannot list the folder", dir))?;
    let mut found: Vec<PathBuf> = listing
        .flatten()
        .filter(|item| {
            let name = item.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix)
                && name.ends_with(ext)
                && name.len() > prefix.len() + ext.len()
                && item.file_type().is_ok_and(|t| t.is_file())
        })
        .map(|item| item.path())
        .collect();
    found.sort();
    Ok(found)
}

impl Session {
    /// Merges the conflict copy at `copy` into the vault (two-way: Syncthing keeps no common
    /// version), saves, and removes the copy. The copy must open with the vault's key.
    pub fn merge_copy(&mut self, copy: &Path) -> Result<Report, MergeFailure> {
        let theirs =
            read_version("conflict copy", copy, &self.key)?.ok_or_else(|| MergeFailure::File {
                role: "conflict copy",
                path: copy.to_path_buf(),
                problem: "is empty".into(),
            })?;
        let report = self.update(|vault| {
            let merged = merge::merge(None, vault, &theirs)?;
            *vault = merged.vault;
            Ok::<_, MergeFailure>(merged.report)
        })?;
        std::fs::remove_file(copy).map_err(|e| MergeFailure::File {
            role: "conflict copy",
            path: copy.to_path_buf(),
            problem: format!(
                "was merged, but cannot be removed: {}",
                storage::describe_io(&e)
            ),
        })?;
        Ok(report)
    }
}
