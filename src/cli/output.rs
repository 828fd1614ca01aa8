//! Writing to stdout and stderr without panicking: a closed pipe (`keyfob list | head -c 10`)
//! or a full disk (`> /dev/full`) is a one-line error on stdout's side and ignored on
//! stderr's.

use std::io::Write;

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
fn stdout_failure(e: &std::io::Error) -> Failure {
    Failure::new(format!(
        "cannot write to standard output: {}",
        crate::engine::storage::describe_io(e)
    ))
}

/// Writes to stdout (and flushes), for [`outln!`] and [`out!`].
pub fn write_out(args: std::fmt::Arguments, newline: bool) -> Result<(), Failure> {
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
        .map_err(|e| stdout_failure(&e))
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
