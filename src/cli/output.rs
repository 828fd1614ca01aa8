//! Where `export` and `generate` put what they make: stdout, or a file for the person that is
//! created new (0600, never through a symlink, never into an existing file) unless `--force`
//! says to replace what is there (atomically). See `storage::write_user_file`.

use std::io::Write;
use std::path::Path;

use crate::engine::storage::{self, UserFileError};
use crate::failure::Failure;

/// `--output`'s path, unless it is absent or `-` (stdout).
pub fn file(output: Option<&Path>) -> Option<&Path> {
    output.filter(|p| p.as_os_str() != "-")
}

/// Writes `bytes` to `output` (a new file, or replaced with `force`) or to stdout.
pub fn write(output: Option<&Path>, bytes: &[u8], force: bool) -> Result<(), Failure> {
    match file(output) {
        Some(path) => storage::write_user_file(path, bytes, force).map_err(|e| match e {
            UserFileError::Exists { .. } => Failure::new(e.to_string()).with_hint(
                "choose a new file name, or pass --force to replace it (the old file is replaced, not written into)",
            ),
            UserFileError::Io(io) => Failure::from(io),
        }),
        None => std::io::stdout()
            .write_all(bytes)
            .and_then(|()| std::io::stdout().flush())
            .map_err(|e| Failure::new(format!("cannot write to stdout: {e}"))),
    }
}
