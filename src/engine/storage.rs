//! Bytes on disk: atomic replacement, the backup copy, the writer lock, and capped reads.
//!
//! Promises:
//! - [`replace`] never leaves a half-written file under the vault's name: it writes a temp file
//!   (0600) in the same folder, fsyncs it, keeps the previous vault as `<name>.bak` (0600, via a
//!   hard link so the old bytes are never rewritten), renames the temp file over the vault and
//!   fsyncs the folder. If any step before the rename fails, the vault is untouched.
//! - [`resolve`] follows a vault path that is a symbolic link to the file it names, so saves
//!   replace the link's target (the link stays a link) and the temp file, `.bak` and `.lock`
//!   live beside the target.
//! - [`lock`] takes an exclusive advisory lock on `<name>.lock` (std `File::lock`), waiting up to
//!   the given time, never through a symbolic link; the guard releases it on drop.
//! - Reads go through [`read`]: regular files only (or `-`), size-capped, never blocking.
//! - Folders keyfob creates are 0700; files 0600.
//!
//! Nothing here knows about encryption or the vault's content.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod lock;
pub mod read;

pub use lock::{LockGuard, lock};
pub use read::ReadError;

/// An IO failure, with what was being done and to which path.
#[derive(Debug, thiserror::Error)]
#[error("{action} '{}': {}", path.display(), describe_io(source))]
pub struct StorageError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// The waiting for the lock ran out.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another keyfob is changing '{}' (waited {} s); try again when it has finished",
        path.display(),
        waited.as_secs()
    )]
    Busy { path: PathBuf, waited: Duration },
    #[error(transparent)]
    Io(#[from] StorageError),
}

/// io::Error text without the "(os error N)" noise, with a hint for the common cases.
pub fn describe_io(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    match e.kind() {
        io::ErrorKind::ReadOnlyFilesystem => format!("{text} (the folder is read-only)"),
        io::ErrorKind::StorageFull => format!("{text} (free some space and try again)"),
        _ => text,
    }
}

pub(crate) fn err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> StorageError + 'a {
    move |source| StorageError {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// `<path><suffix>` (e.g. `vault.age` + `.bak`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The folder that holds `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Creates `dir` and missing parents with mode 0700.
pub fn create_private_dir(dir: &Path) -> Result<(), StorageError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(err("cannot create folder", dir))
}

/// Opens a file for writing with mode 0600 (set at creation, never wider).
pub(crate) fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Reads a whole vault-sized regular file. `Ok(None)` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, ReadError> {
    match read::read_regular(path, "vault", read::VAULT_CAP) {
        // The vault is ciphertext: no need to wipe it.
        Ok(mut bytes) => Ok(Some(std::mem::take(&mut *bytes))),
        Err(ReadError::Missing { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether other users can change the file at `path`: it is group- or world-writable, or its
/// folder is world-writable without the sticky bit (anyone could replace the file).
pub fn writable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode()).ok();
        let file = mode(path).is_some_and(|m| m & 0o022 != 0);
        let folder = mode(parent_dir(path)).is_some_and(|m| m & 0o002 != 0 && m & 0o1000 == 0);
        file || folder
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// What the file system says about a file, to tell cheaply that it changed: which file it is
/// (device and inode), its size, and its modification and status-change times (nanoseconds).
/// Equal stamps do not prove equal content (an in-place rewrite can keep size and times); a
/// different stamp means the file was touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    device: u64,
    inode: u64,
    size: u64,
    modified: i128,
    status_changed: i128,
}

/// The stamp of `path` (following a symlink to the file it names).
pub fn stamp(path: &Path) -> Result<FileStamp, StorageError> {
    let meta = fs::metadata(path).map_err(err("cannot read", path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let nanos = |secs: i64, nsec: i64| i128::from(secs) * 1_000_000_000 + i128::from(nsec);
        Ok(FileStamp {
            device: meta.dev(),
            inode: meta.ino(),
            size: meta.size(),
            modified: nanos(meta.mtime(), meta.mtime_nsec()),
            status_changed: nanos(meta.ctime(), meta.ctime_nsec()),
        })
    }
    #[cfg(not(unix))]
    {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
        Ok(FileStamp {
            device: 0,
            inode: 0,
            size: meta.len(),
            modified,
            status_changed: 0,
        })
    }
}

/// How many symbolic links [`resolve`] follows before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// The file a vault path stands for: `path` itself, or, when it is a symbolic link, the file
/// the chain of links ends at (which need not exist yet). Folders on the way may be links;
/// only the last component is followed here, as the kernel would.
pub fn resolve(path: &Path) -> Result<PathBuf, StorageError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)
                    .map_err(err("cannot read the symbolic link", &current))?;
                current = if target.is_absolute() {
                    target
                } else {
                    parent_dir(&current).join(target)
                };
            }
            _ => return Ok(current),
        }
    }
    Err(err("cannot follow the symbolic link", path)(
        io::Error::other("too many levels of symbolic links"),
    ))
}

/// `Some(kind)` when `path` exists and is not a regular file (a folder, a FIFO, a device).
pub fn not_a_file(path: &Path) -> Option<&'static str> {
    let meta = fs::metadata(path).ok()?;
    (!meta.is_file()).then(|| read::kind_of(meta.file_type()))
}

/// A place where [`replace`] can be made to fail, for fault-injection tests.
pub trait WriteHook {
    /// Called with the open temp file; returning an error aborts the save.
    fn write_all(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
        file.write_all(bytes)
    }
}

/// The hook that just writes.
pub struct PlainWrite;
impl WriteHook for PlainWrite {}

fn temp_prefix(path: &Path) -> String {
    format!(
        ".{}.",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Atomically replaces `path` with `bytes`, keeping the previous file as `<path>.bak`.
/// The caller holds the lock.
pub fn replace(path: &Path, bytes: &[u8], hook: &mut dyn WriteHook) -> Result<(), StorageError> {
    let dir = parent_dir(path);
    create_private_dir(dir)?;
    remove_stale_temps(path);

    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(path))
        .suffix(".tmp")
        .tempfile_in(dir) // tempfile creates it 0600
        .map_err(err("cannot write in folder", dir))?;
    hook.write_all(temp.as_file_mut(), bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(err("cannot write", temp.path()))?;

    if path.exists() {
        keep_backup(path)?;
    }
    temp.persist(path)
        .map_err(|e| err("cannot replace", path)(e.error))?;
    sync_dir(dir)
}

/// Points `<path>.bak` at the current vault's bytes without rewriting them: a hard link to a
/// temp name, renamed over the old backup. Falls back to a copy where links are unsupported.
fn keep_backup(path: &Path) -> Result<(), StorageError> {
    let backup = sibling(path, ".bak");
    let staging = sibling(path, ".bak.tmp");
    let _ = fs::remove_file(&staging);
    // The link shares the vault's inode and so its mode: narrow it to 0600 (a vault someone
    // loosened to 0644 must not leave a world-readable backup). Where that is not allowed (a
    // file owned by someone else), copy into a new 0600 file instead.
    let linked = fs::hard_link(path, &staging).is_ok() && {
        let narrowed = restrict(&staging).is_ok();
        if !narrowed {
            let _ = fs::remove_file(&staging);
        }
        narrowed
    };
    if !linked {
        let bytes = fs::read(path).map_err(err("cannot read", path))?;
        let mut file = private_options()
            .create_new(true)
            .open(&staging)
            .map_err(err("cannot write", &staging))?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(err("cannot write", &staging))?;
    }
    fs::rename(&staging, &backup).map_err(err("cannot replace", &backup))?;
    // When a save was cut short after keeping its backup, the vault and the backup are two
    // links to one file, and rename() between links to one file does nothing (POSIX): the
    // staging link would stay behind. The backup is right either way; drop the extra link.
    let _ = fs::remove_file(&staging);
    Ok(())
}

/// Sets mode 0600.
fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Atomically replaces `path` with `bytes` (temp file 0600, fsync, rename, fsync the folder)
/// without keeping a backup: for the backup itself, and for small state files.
pub fn replace_plain(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let dir = parent_dir(path);
    create_private_dir(dir)?;
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(path))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err("cannot write in folder", dir))?;
    temp.as_file_mut()
        .write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(err("cannot write", temp.path()))?;
    temp.persist(path)
        .map_err(|e| err("cannot replace", path)(e.error))?;
    sync_dir(dir)
}

/// Replaces `path` with `bytes` like [`replace`], but writes `backup` as the new `<path>.bak`
/// (atomically, first) instead of keeping the previous file: for re-sealing, where the
/// previous file opens with a passphrase or key that is being retired. `None` removes the
/// backup. At every moment the backup opens with nothing the vault itself does not accept
/// (between the two renames it opens with what the vault will accept a moment later).
pub fn replace_with_backup(
    path: &Path,
    bytes: &[u8],
    backup: Option<&[u8]>,
    hook: &mut dyn WriteHook,
) -> Result<(), StorageError> {
    let backup_path = sibling(path, ".bak");
    match backup {
        Some(old) => replace_plain(&backup_path, old)?,
        None => match fs::remove_file(&backup_path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(err("cannot remove", &backup_path)(e)),
        },
    }
    let dir = parent_dir(path);
    remove_stale_temps(path);
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(path))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err("cannot write in folder", dir))?;
    hook.write_all(temp.as_file_mut(), bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(err("cannot write", temp.path()))?;
    temp.persist(path)
        .map_err(|e| err("cannot replace", path)(e.error))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(err("cannot sync folder", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Deletes temp files a killed save left behind. Only called under the lock.
fn remove_stale_temps(path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(listing) = fs::read_dir(parent_dir(path)) else {
        return;
    };
    for item in listing.flatten() {
        let name = item.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            let _ = fs::remove_file(item.path());
        }
    }
}

/// Why a file for the person (an export, generated seeds) was not written.
#[derive(Debug, thiserror::Error)]
pub enum UserFileError {
    /// Something is already at the path (a file, a symlink, even a dangling one).
    #[error("'{}' already exists; keyfob writes only new files", path.display())]
    Exists { path: PathBuf },
    #[error(transparent)]
    Io(#[from] StorageError),
}

/// Writes a file for the person (`export --output`, `generate --output`), mode 0600.
///
/// Without `replace`, the file is created new (`O_CREAT | O_EXCL`): never through a symlink
/// (even a dangling one), never into an existing file, whoever owns it. With `replace`, the
/// bytes go to a new temp file (0600) beside it, which is synced and renamed over the path:
/// whatever was there (a file, a symlink) is replaced, never written into, and a reader sees
/// the old file or the whole new one.
pub fn write_user_file(path: &Path, bytes: &[u8], replace: bool) -> Result<(), UserFileError> {
    if replace {
        let dir = parent_dir(path);
        let mut temp = tempfile::Builder::new()
            .prefix(".keyfob-")
            .tempfile_in(dir)
            .map_err(err("cannot write a temporary file in", dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            temp.as_file()
                .set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(err("cannot set permissions on", temp.path()))?;
        }
        temp.write_all(bytes)
            .and_then(|()| temp.as_file().sync_all())
            .map_err(err("cannot write", path))?;
        temp.persist(path)
            .map_err(|e| err("cannot replace", path)(e.error))?;
        sync_dir(dir)?;
        return Ok(());
    }
    let mut file = match private_options().create_new(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(UserFileError::Exists {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(err("cannot write", path)(e).into()),
    };
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| UserFileError::Io(err("cannot write", path)(e)))
}

/// Creates a new file holding `bytes`, mode 0600, in a folder created 0700 if missing: never
/// through a symlink and never over an existing file (that is an `AlreadyExists` error). The
/// file and its folder are fsynced. A half-written file is removed.
pub fn create_new_private(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let dir = parent_dir(path);
    create_private_dir(dir)?;
    let mut options = private_options();
    options.create_new(true);
    let mut file = options.open(path).map_err(err("cannot create", path))?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(err("cannot write", path)(e));
    }
    sync_dir(dir)
}

#[cfg(test)]
mod tests;
