//! The edges that read clocks, which the engine never does: the time itself ([`time`]: the
//! system clock, or a simulated one in test builds) and whether the kernel says that clock is
//! synchronised ([`sync`]).
//!
//! Promises: both test switches are read only in debug builds (release builds ignore them),
//! and they are apart: `KEYFOB_TEST_CLOCK=UNIX` simulates the time, `KEYFOB_TEST_CLOCK_SYNC`
//! (`synced`, `unsynced`) forces the kernel's verdict.

pub mod sync;
pub mod time;

pub use sync::{health, kernel, warning};
pub use time::{now, now_precise, sleep_until};
