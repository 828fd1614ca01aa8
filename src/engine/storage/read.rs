//! Reading the files keyfob is pointed at: the vault, identity files, passphrase files,
//! import files, settings.
//!
//! Promises:
//! - Only a regular file is read (or standard input, where the caller allows `-`). A folder,
//!   a named pipe (FIFO), a device such as `/dev/zero`, or a socket is a one-line error, and
//!   opening never waits: a FIFO with no writer is refused at once, not waited on.
//! - Every read is capped: past its cap it stops and fails with a one-line error, so
//!   `/dev/urandom` on standard input or a huge file cannot exhaust memory.
//! - What is read is returned in a zeroized buffer (these files hold secrets).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// The largest vault keyfob reads: about 500,000 entries (an entry takes ~130 bytes).
pub const VAULT_CAP: u64 = 64 << 20;
/// The largest import file: room for any export and a large screenshot.
pub const IMPORT_CAP: u64 = 64 << 20;
/// The largest identity file (an RSA key with comments is a few kilobytes).
pub const IDENTITY_CAP: u64 = 1 << 20;
/// The largest passphrase (or password) file.
pub const PASSPHRASE_CAP: u64 = 64 << 10;
/// The largest settings file.
pub const CONFIG_CAP: u64 = 1 << 20;

/// Why a file could not be read; `what` names its role ("identity file", "vault").
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {what} '{}': it does not exist", path.display())]
    Missing { what: &'static str, path: PathBuf },
    #[error("{what} '{}' is {kind}, not a regular file", path.display())]
    NotAFile {
        what: &'static str,
        path: PathBuf,
        kind: &'static str,
    },
    #[error("{what} '{}' is larger than {} (the most keyfob reads for a {what})", path.display(), size(*cap))]
    TooLarge {
        what: &'static str,
        path: PathBuf,
        cap: u64,
    },
    #[error("cannot read {what} '{}': {}", path.display(), super::describe_io(source))]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ReadError {
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Missing { path, .. }
            | ReadError::NotAFile { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::Io { path, .. } => path,
        }
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// What a non-regular file is, in words.
pub fn kind_of(file_type: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// Opens `path` for reading if it is a regular file, without ever blocking (a FIFO with no
/// writer would block a plain open), and returns it with its size.
pub fn open_regular(path: &Path, what: &'static str) -> Result<(File, u64), ReadError> {
    let io_err = |source: io::Error| {
        if source.kind() == io::ErrorKind::NotFound {
            ReadError::Missing {
                what,
                path: path.to_path_buf(),
            }
        } else {
            ReadError::Io {
                what,
                path: path.to_path_buf(),
                source,
            }
        }
    };
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits().cast_signed());
    }
    let file = options.open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            what,
            path: path.to_path_buf(),
            kind: kind_of(meta.file_type()),
        });
    }
    Ok((file, meta.len()))
}

/// Reads at most `cap` bytes from `reader`; more is [`ReadError::TooLarge`].
fn read_capped(
    reader: impl Read,
    hint: u64,
    cap: u64,
    what: &'static str,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    // Sized up front (capped), so the buffer is not regrown and no unwiped copy is left.
    let capacity = usize::try_from(hint.min(cap).saturating_add(1)).unwrap_or(usize::MAX);
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            what,
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            what,
            path: path.to_path_buf(),
            cap,
        });
    }
    Ok(bytes)
}

/// Reads a whole regular file of at most `cap` bytes.
pub fn read_regular(
    path: &Path,
    what: &'static str,
    cap: u64,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let (file, len) = open_regular(path, what)?;
    if len > cap {
        return Err(ReadError::TooLarge {
            what,
            path: path.to_path_buf(),
            cap,
        });
    }
    read_capped(file, len, cap, what, path)
}

/// Whether `path` means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// Reads a whole regular file, or standard input for `-`, of at most `cap` bytes.
pub fn read_input(
    path: &Path,
    what: &'static str,
    cap: u64,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    if is_stdin(path) {
        read_capped(io::stdin().lock(), 0, cap, what, path)
    } else {
        read_regular(path, what, cap)
    }
}

/// The first line of a regular file, or of standard input for `-`, without its line ending;
/// a line longer than `cap` bytes is [`ReadError::TooLarge`]. Nothing after the first line is
/// read from standard input.
pub fn read_first_line(
    path: &Path,
    what: &'static str,
    cap: u64,
) -> Result<Zeroizing<String>, ReadError> {
    let mut line = Zeroizing::new(Vec::new());
    let io_err = |source| ReadError::Io {
        what,
        path: path.to_path_buf(),
        source,
    };
    let limit = cap.saturating_add(1);
    if is_stdin(path) {
        io::stdin()
            .lock()
            .take(limit)
            .read_until(b'\n', &mut line)
            .map_err(io_err)?;
    } else {
        let (file, _) = open_regular(path, what)?;
        io::BufReader::new(file)
            .take(limit)
            .read_until(b'\n', &mut line)
            .map_err(io_err)?;
    }
    if line.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            what,
            path: path.to_path_buf(),
            cap,
        });
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    let text = std::str::from_utf8(&line).map_err(|_| {
        io_err(io::Error::new(
            io::ErrorKind::InvalidData,
            "its first line is not UTF-8 text",
        ))
    })?;
    Ok(Zeroizing::new(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_refused_at_once() {
        let e = read_regular(Path::new("/dev/zero"), "vault", VAULT_CAP).unwrap_err();
        assert!(
            e.to_string().contains("is a device, not a regular file"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = read_regular(dir.path(), "identity file", IDENTITY_CAP).unwrap_err();
        assert!(e.to_string().contains("is a folder"), "{e}");
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let start = std::time::Instant::now();
        let e = read_first_line(&fifo, "passphrase file", PASSPHRASE_CAP).unwrap_err();
        assert!(e.to_string().contains("named pipe (FIFO)"), "{e}");
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn caps_are_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        fs::write(&big, vec![b'x'; 2048]).unwrap();
        let e = read_regular(&big, "passphrase file", 1024).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "passphrase file '{}' is larger than 1 KiB (the most keyfob reads for a passphrase file)",
                big.display()
            )
        );
        let e = read_first_line(&big, "passphrase file", 1024).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { .. }), "{e}");
        fs::write(&big, b"first\r\nsecond\n").unwrap();
        assert_eq!(*read_first_line(&big, "p", 1024).unwrap(), "first");
        assert_eq!(
            &**read_regular(&big, "p", 1024).unwrap(),
            b"first\r\nsecond\n"
        );
        let e = read_regular(&dir.path().join("nope"), "vault", 10).unwrap_err();
        assert!(matches!(e, ReadError::Missing { .. }), "{e}");
    }
}
