//! The edge that asks the kernel whether the system clock is synchronised (`adjtimex(2)`, a
//! read-only query) and words the warning; the verdict is `engine::clock::ClockHealth`, which
//! the screen and the command line take as a value.
//!
//! Promises: no unsafe code here (the one system call goes through `rtime-clock`'s safe
//! wrapper: rustix, nix and clock-steering do not expose the read); off Linux, or when the
//! call fails, the verdict is `Unknown` and nothing is said. Test builds (debug assertions)
//! take the verdict from `KEYFOB_TEST_CLOCK_SYNC` (`synced`, `unsynced`) when it is set, so
//! tests do not depend on the machine's NTP; release builds ignore the variable.

use crate::engine::clock::{ClockHealth, KernelClock};

/// What the kernel says, if it can be asked.
#[cfg(target_os = "linux")]
pub fn kernel() -> Option<KernelClock> {
    let mut timex = rtime_clock::adjtime::Timex::new();
    rtime_clock::adjtime::adjtimex(&mut timex).ok()?;
    Some(KernelClock {
        status: timex.0.status,
        max_error_us: timex.0.maxerror,
    })
}

/// What the kernel says, if it can be asked (only Linux is asked).
#[cfg(not(target_os = "linux"))]
pub fn kernel() -> Option<KernelClock> {
    None
}

/// The verdict on this machine's clock now.
pub fn health() -> ClockHealth {
    #[cfg(debug_assertions)]
    if let Ok(forced) = std::env::var("KEYFOB_TEST_CLOCK_SYNC") {
        match forced.as_str() {
            "synced" => return ClockHealth::Synced,
            "unsynced" => {
                return ClockHealth::Unsynced {
                    max_error_s: Some(16),
                };
            }
            _ => {}
        }
    }
    ClockHealth::assess(kernel())
}

/// The warning for a suspect clock (one line), or nothing.
pub fn warning(health: ClockHealth) -> Option<String> {
    let ClockHealth::Unsynced { max_error_s } = health else {
        return None;
    };
    let error = max_error_s.map_or(String::new(), |s| {
        format!(", possibly off by {s} s or more")
    });
    Some(format!(
        "the system clock is not synchronised (the kernel says so{error}): codes may be wrong; \
         check NTP (timedatectl, chronyc tracking)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_answers_on_linux() {
        if cfg!(target_os = "linux") {
            let k = kernel().expect("adjtimex answers a read-only query");
            assert!(k.max_error_us >= 0, "{k:?}");
        }
    }

    #[test]
    fn the_warning_says_what_and_what_to_do() {
        assert_eq!(warning(ClockHealth::Synced), None);
        assert_eq!(warning(ClockHealth::Unknown), None);
        let text = warning(ClockHealth::Unsynced {
            max_error_s: Some(16),
        })
        .unwrap();
        assert!(
            text.contains("not synchronised") && text.contains("16 s"),
            "{text}"
        );
        assert!(!text.contains('\n'));
    }
}
