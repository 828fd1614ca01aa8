//! Noticing that another keyfob changed the vault file: a cheap `stat` of the file, compared
//! with the last one, once a second from the event loop (never from drawing).
//!
//! Why a stat poll and not inotify (the `notify` crate): saves replace the vault by renaming a
//! temp file over it, so a watch must be on the folder and re-armed per rename; a vault on NFS
//! or behind a symlink whose target moves gets no events at all. One `stat` a second costs a
//! few microseconds, follows symlinks, works on every filesystem, and is within the contract's
//! 2 seconds. A changed signature only asks the vault thread to re-read; `Session::refresh`
//! compares the bytes, so a false alarm (our own save, a `touch`) costs one read and shows
//! nothing.
//!
//! Promise: [`Watch::changed`] is true once per change of the file's size, modification or
//! change time, inode or device (the engine's [`FileStamp`], the same the agent and
//! `Session::disk_changed` compare) — and once when it disappears or comes back.

use std::path::PathBuf;

use crate::engine::storage::{FileStamp, stamp};

fn signature(path: &std::path::Path) -> Option<FileStamp> {
    stamp(path).ok()
}

/// The vault file, watched.
#[derive(Debug)]
pub struct Watch {
    path: PathBuf,
    last: Option<FileStamp>,
}

impl Watch {
    /// Starts watching `path` from how it is now.
    pub fn new(path: PathBuf) -> Watch {
        let last = signature(&path);
        Watch { path, last }
    }

    /// Whether the file changed since the last call (or since [`Watch::new`]).
    pub fn changed(&mut self) -> bool {
        let now = signature(&self.path);
        if now == self.last {
            return false;
        }
        self.last = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_is_noticed_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.age");
        std::fs::write(&path, b"one").unwrap();
        let mut watch = Watch::new(path.clone());
        assert!(!watch.changed());
        // Saves rename a new file over the vault: same size, new inode.
        let temp = dir.path().join("tmp");
        std::fs::write(&temp, b"two").unwrap();
        std::fs::rename(&temp, &path).unwrap();
        assert!(watch.changed());
        assert!(!watch.changed(), "once per change");
        std::fs::remove_file(&path).unwrap();
        assert!(watch.changed(), "gone");
        assert!(!watch.changed());
        std::fs::write(&path, b"three").unwrap();
        assert!(watch.changed(), "back");
    }
}
