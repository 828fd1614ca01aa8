//! The process's start and end around `cli::main`, for the binary's own entry point.
//!
//! Why: on GNU/Linux the `keyfob` binary starts from a plain C `main` (src/main.rs) instead of
//! Rust's usual start-up routine. That routine finds the main thread's stack by reading and
//! parsing /proc/self/maps (only to print "has overflowed its stack" by name) and sets up a
//! signal stack for it: about a tenth of a millisecond on the machine README › Performance
//! names, and `keyfob code` through an agent takes about one and a half in all.
//!
//! Promises (what Rust's routine does that keyfob relies on, done here in safe code):
//! - Descriptors 0, 1 and 2 are open when `main` runs: any that was closed is opened on
//!   /dev/null, so a file keyfob opens can never become its standard output.
//! - SIGPIPE does not end the process: writing to a closed pipe fails with `EPIPE`, which the
//!   commands report in one line and exit 1. (A handler that does nothing rather than "ignore":
//!   programs keyfob starts get SIGPIPE's default back when they start, as with Rust's routine.)
//! - A panic that reaches the top ends the process with status 101, as Rust's routine does
//!   (the panic message is printed first, by the usual hook); standard output is flushed on
//!   the way out whatever happens.
//!
//! Not kept: the main thread is not named `main` (a panic message says `<unnamed>`), and a
//! stack overflow ends the process by SIGSEGV without Rust's message.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Status of a process that panicked, as Rust's own start-up routine gives.
const PANICKED: i32 = 101;

/// Prepares the process, runs `main` and exits with its status.
pub fn run(main: fn() -> u8) -> ! {
    open_standard_descriptors();
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGPIPE,
        Arc::new(AtomicBool::new(false)),
    );
    let status = std::panic::catch_unwind(main).map_or(PANICKED, i32::from);
    // `exit` flushes standard output first.
    std::process::exit(status)
}

/// Opens /dev/null on each of descriptors 0, 1 and 2 that is closed: a new descriptor takes the
/// lowest free number, so opening until one lands above 2 fills exactly the closed ones.
fn open_standard_descriptors() {
    use std::os::fd::{AsRawFd, IntoRawFd};
    for _ in 0..3 {
        let Ok(null) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
        else {
            return;
        };
        if null.as_raw_fd() > 2 {
            return;
        }
        // Kept open for the life of the process, as that standard descriptor.
        let _ = null.into_raw_fd();
    }
}
