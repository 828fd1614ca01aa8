//! Where the command line's output goes.
//!
//! - Writing to stdout and stderr without panicking: a closed pipe (`keyfob list | head -c
//!   10`) or a full disk (`> /dev/full`) is a one-line error on stdout's side and ignored on
//!   stderr's ([`outln!`], [`out!`], [`errln!`]).
//! - Where `export` and `generate` put what they make: stdout, or a file for the person that
//!   is created new (0600, never through a symlink, never into an existing file) unless
//!   `--force` says to replace what is there (atomically). See `storage::write_user_file`.

use std::io::Write;
use std::path::Path;

use crate::engine::storage::{self, UserFileError};
use crate::failure::Failure;

/// `println!` that returns a [`Failure`] instead of panicking when stdout is gone or full.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*), true) };
}

/// `print!` that returns a [`Failure`] instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*), false) };
}

/// `eprintln!` that never panics (a closed or full stderr is ignored).
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::write_err(format_args!($($arg)*)) };
}

/// Why writing to stdout failed, as a failure.
pub fn stdout_failure(e: &std::io::Error) -> Failure {
    Failure::new(format!(
        "cannot write to standard output: {}",
        crate::engine::storage::describe_io(e)
    ))
}

/// Writes to stdout (and flushes), returning the I/O error itself: for callers that treat a
/// closed pipe as the reader's way of saying stop (`watch`).
pub fn write_out_io(args: std::fmt::Arguments, newline: bool) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_fmt(args)
        .and_then(|()| {
            if newline {
                stdout.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| stdout.flush())
}

/// Writes to stdout (and flushes), for [`outln!`] and [`out!`].
pub fn write_out(args: std::fmt::Arguments, newline: bool) -> Result<(), Failure> {
    write_out_io(args, newline).map_err(|e| stdout_failure(&e))
}

/// Writes bytes to stdout (and flushes).
pub fn write_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| stdout_failure(&e))
}

/// Writes a line to stderr, for [`errln!`]; errors are ignored (there is nowhere to say them).
pub fn write_err(args: std::fmt::Arguments) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_fmt(args)
        .and_then(|()| stderr.write_all(b"\n"));
}

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
        None => write_bytes(bytes),
    }
}
