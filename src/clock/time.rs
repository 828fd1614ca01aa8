//! The time for the command line: the system clock, or in test builds a simulated one.
//! (Not the kernel's sync state: that is [`super::sync`] and `KEYFOB_TEST_CLOCK_SYNC`.)
//!
//! Promises:
//! - Release builds read the system clock and sleep for real; nothing changes that.
//! - Test builds (`debug_assertions`) honour `KEYFOB_TEST_CLOCK=UNIX`: time starts at that
//!   second and stands still except that every [`sleep_until`] jumps straight to the time
//!   asked for. So `watch` and `code --min-remaining` are tested across period boundaries
//!   without waiting (the engine never reads a clock; this is the edge that does).
//! - Time is never before the Unix epoch (a clock set before 1970 reads as 0).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Now, since the Unix epoch.
pub fn now_precise() -> Duration {
    #[cfg(debug_assertions)]
    if let Some(simulated) = simulated::now() {
        return simulated;
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// Now, in whole Unix seconds.
pub fn now() -> u64 {
    now_precise().as_secs()
}

/// Returns once the time is `unix` (whole seconds) or later.
pub fn sleep_until(unix: u64) {
    let target = Duration::from_secs(unix);
    #[cfg(debug_assertions)]
    if simulated::advance_to(target) {
        return;
    }
    loop {
        let now = now_precise();
        if now >= target {
            return;
        }
        std::thread::sleep(target - now);
    }
}

#[cfg(debug_assertions)]
mod simulated {
    //! `KEYFOB_TEST_CLOCK`: the simulated clock of test builds, in milliseconds.

    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    fn clock() -> Option<&'static AtomicU64> {
        static CLOCK: OnceLock<Option<AtomicU64>> = OnceLock::new();
        CLOCK
            .get_or_init(|| {
                let start: u64 = std::env::var("KEYFOB_TEST_CLOCK")
                    .ok()?
                    .trim()
                    .parse()
                    .ok()?;
                Some(AtomicU64::new(start.saturating_mul(1000)))
            })
            .as_ref()
    }

    pub fn now() -> Option<Duration> {
        clock().map(|ms| Duration::from_millis(ms.load(Ordering::SeqCst)))
    }

    /// Jumps to `target` if the clock is simulated (never backwards).
    pub fn advance_to(target: Duration) -> bool {
        let Some(ms) = clock() else {
            return false;
        };
        let target = u64::try_from(target.as_millis()).unwrap_or(u64::MAX);
        ms.fetch_max(target, Ordering::SeqCst);
        true
    }
}
