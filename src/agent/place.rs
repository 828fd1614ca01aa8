//! Where an agent listens: one socket per vault, in a folder only its user can enter.
//!
//! Promises:
//! - The folder is `$XDG_RUNTIME_DIR/keyfob/` when that variable names an absolute folder,
//!   else `/tmp/keyfob-UID/`. The agent creates it 0700; whoever uses it (agent or client)
//!   first checks that it is a real folder (not a link), owned by this user, and that no one
//!   else may enter or list it — else a one-line error, and a client does not connect.
//! - A vault's socket is named from a 128-bit BLAKE2b hash of its real path (symbolic links
//!   resolved), so every way of naming one vault finds the same agent, and two vaults never
//!   share one. (BLAKE2b rather than SHA-256: SHA-256's code asks the CPU for its features
//!   first, which costs every `keyfob code` through an agent about 15 µs in a virtual
//!   machine; this is a name, not a secret.)
//! - Beside the socket, a lock file that a live agent holds (flock) for its whole life: only
//!   the holder may remove a stale socket and bind a new one, so two agents never serve one
//!   vault and a client never removes a live agent's socket.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use blake2::Digest as _;

/// Unix socket paths longer than this do not fit `sockaddr_un`.
const SOCKET_PATH_MAX: usize = 107;

/// Why there is no usable place for an agent.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    /// The vault file cannot be resolved (it does not exist, or a folder on the way is not
    /// readable): no agent can serve it.
    #[error("vault '{}' cannot be found ({source})", vault.display())]
    NoVault {
        vault: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the agent folder '{}' is {why}; keyfob will not use it", dir.display())]
    NotPrivate { dir: PathBuf, why: String },
    #[error("cannot create the agent folder '{}': {source}", dir.display())]
    Create {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the agent socket path '{}' is too long for a Unix socket", path.display())]
    TooLong { path: PathBuf },
}

impl PlaceError {
    /// What the person can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            PlaceError::NotPrivate { .. } => Some(
                "remove that folder (or let its owner do it), or set XDG_RUNTIME_DIR to a private folder",
            ),
            PlaceError::TooLong { .. } | PlaceError::Create { .. } => {
                Some("set XDG_RUNTIME_DIR to a short private folder (e.g. /run/user/UID)")
            }
            PlaceError::NoVault { .. } => None,
        }
    }
}

/// An agent's files for one vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The private folder.
    pub dir: PathBuf,
    /// The socket.
    pub socket: PathBuf,
    /// The lock file a live agent holds.
    pub lock: PathBuf,
}

/// The folder agents listen in (not checked or created here).
pub fn runtime_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() && dir.is_dir() => dir.join("keyfob"),
        _ => PathBuf::from(format!(
            "/tmp/keyfob-{}",
            rustix::process::geteuid().as_raw()
        )),
    }
}

/// The place of the agent for `vault` (its real path decides), without touching the folder.
pub fn for_vault(vault: &Path) -> Result<Place, PlaceError> {
    let real = std::fs::canonicalize(vault).map_err(|source| PlaceError::NoVault {
        vault: vault.to_path_buf(),
        source,
    })?;
    Ok(in_dir(&runtime_dir(), &real))
}

/// The place for the vault whose real path is `real`, in `dir`.
pub fn in_dir(dir: &Path, real: &Path) -> Place {
    use std::fmt::Write;
    let digest =
        blake2::Blake2b::<blake2::digest::consts::U16>::digest(real.as_os_str().as_encoded_bytes());
    let mut name = String::with_capacity(32);
    for byte in &digest {
        let _ = write!(name, "{byte:02x}");
    }
    Place {
        dir: dir.to_path_buf(),
        socket: dir.join(format!("{name}.sock")),
        lock: dir.join(format!("{name}.lock")),
    }
}

impl Place {
    /// Checks that the folder is private to this user (a client's check before connecting).
    pub fn check(&self) -> Result<(), PlaceError> {
        let meta = std::fs::symlink_metadata(&self.dir).map_err(|source| PlaceError::Create {
            dir: self.dir.clone(),
            source,
        })?;
        private(&self.dir, &meta)?;
        if self.socket.as_os_str().len() > SOCKET_PATH_MAX {
            return Err(PlaceError::TooLong {
                path: self.socket.clone(),
            });
        }
        Ok(())
    }

    /// Creates the folder (0700) if it is missing, then [`Place::check`]s it (the agent's
    /// way in).
    pub fn prepare(&self) -> Result<(), PlaceError> {
        let created = std::fs::DirBuilder::new().mode(0o700).create(&self.dir);
        match created {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(PlaceError::Create {
                    dir: self.dir.clone(),
                    source,
                });
            }
        }
        self.check()
    }
}

/// A real folder, owned by this user, that no one else may enter, list or change.
fn private(dir: &Path, meta: &std::fs::Metadata) -> Result<(), PlaceError> {
    let refuse = |why: String| PlaceError::NotPrivate {
        dir: dir.to_path_buf(),
        why,
    };
    if meta.file_type().is_symlink() {
        return Err(refuse("a symbolic link".into()));
    }
    if !meta.is_dir() {
        return Err(refuse("not a folder".into()));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(refuse(format!(
            "owned by user {}, not you ({me})",
            meta.uid()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(refuse(format!(
            "open to others (mode {:04o}; it must be 0700)",
            meta.mode() & 0o7777
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn one_vault_one_socket_whatever_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.age");
        std::fs::write(&vault, b"x").unwrap();
        let link = dir.path().join("link.age");
        std::os::unix::fs::symlink(&vault, &link).unwrap();
        let other = dir.path().join("other.age");
        std::fs::write(&other, b"x").unwrap();
        let a = for_vault(&vault).unwrap();
        assert_eq!(a, for_vault(&link).unwrap());
        assert_ne!(a.socket, for_vault(&other).unwrap().socket);
        assert!(matches!(
            for_vault(&dir.path().join("missing.age")),
            Err(PlaceError::NoVault { .. })
        ));
    }

    #[test]
    fn the_folder_is_created_private_and_a_loose_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let place = in_dir(&dir.path().join("keyfob"), Path::new("/v.age"));
        place.prepare().unwrap();
        let mode = std::fs::metadata(&place.dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::set_permissions(&place.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let e = place.check().unwrap_err();
        assert!(e.to_string().contains("mode 0755"), "{e}");
        assert!(e.hint().is_some());
        // A link to a private folder is refused all the same.
        std::fs::set_permissions(&place.dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&place.dir, &link).unwrap();
        let e = in_dir(&link, Path::new("/v.age")).check().unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
    }

    #[test]
    fn a_folder_owned_by_someone_else_is_refused() {
        if rustix::process::geteuid().as_raw() != 0 {
            eprintln!("note: not root, so cannot give a folder to another user; skipping");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let place = in_dir(&dir.path().join("keyfob"), Path::new("/v.age"));
        place.prepare().unwrap();
        let nobody = rustix::process::Uid::from_raw(65534);
        rustix::fs::chown(&place.dir, Some(nobody), None).unwrap();
        let e = place.prepare().unwrap_err();
        assert!(e.to_string().contains("owned by user 65534"), "{e}");
    }

    #[test]
    fn a_path_too_long_for_a_socket_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("d".repeat(100));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&deep)
            .unwrap();
        let e = in_dir(&deep, Path::new("/v.age")).check().unwrap_err();
        assert!(matches!(e, PlaceError::TooLong { .. }), "{e}");
    }
}
