//! The writer lock: an exclusive `flock` on `<vault>.lock` beside the vault's real file.
//!
//! Promises:
//! - [`lock`] waits up to the given time for another writer to let go, and the guard releases
//!   the lock on drop.
//! - The lock file is created 0600 and never opened through a symbolic link (`O_NOFOLLOW`): a
//!   link planted under its name is an error, not a way to create or lock another file.
//! - The caller passes the vault's resolved path ([`super::resolve`]), so one vault has one
//!   lock file however it is reached.

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::time::Duration;

use super::{
    LockError, StorageError, create_private_dir, err, parent_dir, private_options, sibling,
};

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
    let file = open_lock_file(&lock_path)?;
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

/// Opens (creating 0600) the lock file, refusing a symbolic link in its place.
fn open_lock_file(lock_path: &Path) -> Result<File, StorageError> {
    let mut options = private_options();
    options.create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed());
    }
    options.open(lock_path).map_err(|source| {
        let is_link = fs::symlink_metadata(lock_path).is_ok_and(|m| m.file_type().is_symlink());
        let source = if is_link {
            io::Error::other("it is a symbolic link, which keyfob never follows; remove it")
        } else {
            source
        };
        err("cannot open the lock file", lock_path)(source)
    })
}
