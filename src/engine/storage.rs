//! Bytes on disk: atomic replacement, the backup copy and the writer lock.
//!
//! Promises:
//! - [`replace`] never leaves a half-written file under the vault's name: it writes a temp file
//!   (0600) in the same folder, fsyncs it, keeps the previous vault as `<name>.bak` (0600, via a
//!   hard link so the old bytes are never rewritten), renames the temp file over the vault and
//!   fsyncs the folder. If any step before the rename fails, the vault is untouched.
//! - [`lock`] takes an exclusive advisory lock on `<name>.lock` (std `File::lock`), waiting up to
//!   the given time; the guard releases it on drop.
//! - Folders keyfob creates are 0700.
//!
//! Nothing here knows about encryption or the vault's content.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

fn err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StorageError + 'a {
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
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Reads a whole file. `Ok(None)` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StorageError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err("cannot read", path)(e)),
    }
}

/// Holds the exclusive writer lock until dropped.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Takes the exclusive lock on `<path>.lock` (creating the folder, 0700, if needed), waiting
/// up to `timeout` for another writer to let go.
///
/// The wait is a blocking `flock` (in a helper thread, so it can time out): the kernel wakes
/// every waiter the moment the holder lets go. Polling with back-off, as before, let fresh
/// writers (polling every few ms) overtake ones that had waited longest (polling every 50 ms),
/// so with eight busy writers some waited the full 5 s and failed although the lock was free
/// many times meanwhile.
pub fn lock(path: &Path, timeout: Duration) -> Result<LockGuard, LockError> {
    let lock_path = sibling(path, ".lock");
    create_private_dir(parent_dir(path))?;
    let file = private_options()
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(err("cannot open the lock file", &lock_path))?;
    match file.try_lock() {
        Ok(()) => return Ok(LockGuard { file }),
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(e)) => {
            return Err(err("cannot lock", &lock_path)(e).into());
        }
    }
    match wait_for_lock(&file, timeout) {
        Ok(true) => Ok(LockGuard { file }),
        Ok(false) => Err(LockError::Busy {
            path: path.to_path_buf(),
            waited: timeout,
        }),
        Err(e) => Err(err("cannot lock", &lock_path)(e).into()),
    }
}

/// Where a blocking wait for the lock stands.
enum Wait {
    Waiting,
    Got,
    Failed(io::Error),
    GaveUp,
}

/// Blocks on the lock of `file` for at most `timeout`; `Ok(false)` when the time ran out.
/// The helper thread locks a duplicate of the descriptor (a `flock` belongs to the open file,
/// so the lock it takes is `file`'s). If it gets the lock after we gave up, it lets go at once.
fn wait_for_lock(file: &File, timeout: Duration) -> io::Result<bool> {
    use std::sync::{Arc, Condvar, Mutex};
    let waiter = file.try_clone()?;
    let shared = Arc::new((Mutex::new(Wait::Waiting), Condvar::new()));
    let theirs = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("keyfob-lock".into())
        .spawn(move || {
            let result = waiter.lock();
            let (state, ready) = &*theirs;
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            match (&*state, result) {
                (Wait::Waiting, Ok(())) => *state = Wait::Got,
                (Wait::Waiting, Err(e)) => *state = Wait::Failed(e),
                (_, Ok(())) => {
                    let _ = waiter.unlock();
                }
                (_, Err(_)) => {}
            }
            ready.notify_all();
        })?;
    let (state, ready) = &*shared;
    let state = state.lock().unwrap_or_else(|p| p.into_inner());
    let (mut state, _) = ready
        .wait_timeout_while(state, timeout, |s| matches!(s, Wait::Waiting))
        .unwrap_or_else(|p| p.into_inner());
    match std::mem::replace(&mut *state, Wait::GaveUp) {
        Wait::Got => Ok(true),
        Wait::Failed(e) => Err(e),
        Wait::Waiting | Wait::GaveUp => Ok(false),
    }
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
    if fs::hard_link(path, &staging).is_err() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replace_keeps_a_backup_and_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("sub/dir/vault.age");
        replace(&vault, b"one", &mut PlainWrite).unwrap();
        assert_eq!(fs::read(&vault).unwrap(), b"one");
        assert!(!sibling(&vault, ".bak").exists());
        replace(&vault, b"two", &mut PlainWrite).unwrap();
        assert_eq!(fs::read(&vault).unwrap(), b"two");
        assert_eq!(fs::read(sibling(&vault, ".bak")).unwrap(), b"one");
        replace(&vault, b"three", &mut PlainWrite).unwrap();
        assert_eq!(fs::read(sibling(&vault, ".bak")).unwrap(), b"two");
        #[cfg(unix)]
        {
            assert_eq!(mode(&vault), 0o600);
            assert_eq!(mode(&sibling(&vault, ".bak")), 0o600);
            assert_eq!(mode(vault.parent().unwrap()), 0o700);
            assert_eq!(mode(&dir.path().join("sub")), 0o700);
        }
        let leftovers: Vec<_> = fs::read_dir(vault.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(leftovers.len(), 2, "{leftovers:?}");
    }

    struct FailingWrite;
    impl WriteHook for FailingWrite {
        fn write_all(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
            file.write_all(&bytes[..bytes.len() / 2])?;
            Err(io::Error::from(io::ErrorKind::StorageFull))
        }
    }

    #[test]
    fn a_failed_write_leaves_the_vault_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.age");
        replace(&vault, b"original", &mut PlainWrite).unwrap();
        let e = replace(&vault, b"replacement", &mut FailingWrite).unwrap_err();
        assert!(e.to_string().contains("free some space"), "{e}");
        assert_eq!(fs::read(&vault).unwrap(), b"original");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_backup_that_already_is_the_vault_leaves_no_staging_link() {
        // Found by the crash harness (about once in 1,000 kills): a save killed between
        // keeping the backup and the final rename leaves vault and .bak as one file.
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.age");
        replace(&vault, b"one", &mut PlainWrite).unwrap();
        fs::hard_link(&vault, sibling(&vault, ".bak")).unwrap();
        replace(&vault, b"two", &mut PlainWrite).unwrap();
        assert_eq!(fs::read(&vault).unwrap(), b"two");
        assert_eq!(fs::read(sibling(&vault, ".bak")).unwrap(), b"one");
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["vault.age", "vault.age.bak"]);
    }

    #[test]
    fn stale_temps_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.age");
        fs::write(dir.path().join(".vault.age.abc123.tmp"), b"junk").unwrap();
        replace(&vault, b"x", &mut PlainWrite).unwrap();
        assert!(!dir.path().join(".vault.age.abc123.tmp").exists());
    }

    #[test]
    fn lock_is_exclusive_and_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.age");
        let guard = lock(&vault, Duration::from_millis(100)).unwrap();
        let start = Instant::now();
        let e = lock(&vault, Duration::from_millis(200)).unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(200));
        assert!(e.to_string().contains("another keyfob is changing"), "{e}");
        drop(guard);
        lock(&vault, Duration::from_millis(100)).unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&sibling(&vault, ".lock")), 0o600);
    }

    #[test]
    fn a_waiter_gets_the_lock_as_soon_as_it_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.age");
        // Best of three, so a busy machine's scheduling delay does not fail the test.
        let best = (0..3)
            .map(|_| {
                let guard = lock(&vault, Duration::from_secs(1)).unwrap();
                let path = vault.clone();
                let waiter = std::thread::spawn(move || {
                    let guard = lock(&path, Duration::from_secs(5)).unwrap();
                    (Instant::now(), guard)
                });
                std::thread::sleep(Duration::from_millis(300));
                let released = Instant::now();
                drop(guard);
                let (got, _guard) = waiter.join().unwrap();
                got.duration_since(released)
            })
            .min()
            .unwrap();
        // Woken by the release itself, not by a later poll.
        assert!(best < Duration::from_millis(100), "{best:?}");
    }

    #[test]
    fn a_waiter_that_gave_up_does_not_keep_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.age");
        let guard = lock(&vault, Duration::from_secs(1)).unwrap();
        for _ in 0..3 {
            assert!(matches!(
                lock(&vault, Duration::from_millis(50)),
                Err(LockError::Busy { .. })
            ));
        }
        drop(guard);
        // The abandoned waits may take the lock for an instant; they must let go of it.
        let guard = lock(&vault, Duration::from_secs(1)).unwrap();
        drop(guard);
        std::thread::sleep(Duration::from_millis(50));
        let again = File::open(sibling(&vault, ".lock")).unwrap();
        assert!(again.try_lock().is_ok(), "nobody holds the lock any more");
    }
}
