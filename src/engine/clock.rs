//! Whether the system clock can be trusted for codes, from the kernel's own account of it.
//!
//! Promises: pure — the state is read by the edge (`crate::clock`) and passed in, so the rule
//! is a plain unit test and the screen and the command line take the result as a value. A
//! clock is suspect when the kernel says it is not synchronised (`STA_UNSYNC`) or its maximum
//! error exceeds [`MAX_ERROR_US`]: a TOTP code changes every 30 s, so a few seconds off gives
//! codes a server rejects near each change.

/// The kernel's status flag meaning "the clock is not synchronised" (`adjtimex(2)`).
pub const STA_UNSYNC: i32 = 0x0040;

/// The largest maximum error (microseconds) that still counts as synchronised.
pub const MAX_ERROR_US: i64 = 5_000_000;

/// What `adjtimex(2)` says about the clock (a read-only query).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelClock {
    /// The `status` flags.
    pub status: i32,
    /// The maximum error, microseconds (the kernel grows it by 500 ppm while unsynchronised,
    /// up to 16 s).
    pub max_error_us: i64,
}

/// The verdict on the clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClockHealth {
    /// Synchronised, within a few seconds.
    #[default]
    Synced,
    /// Not known to be right: codes may be wrong. The maximum error in whole seconds, if the
    /// kernel gave one.
    Unsynced { max_error_s: Option<u32> },
    /// The kernel could not be asked (not Linux, or the call failed): say nothing.
    Unknown,
}

impl ClockHealth {
    /// The verdict for what the kernel said (`None`: it could not be asked).
    pub fn assess(kernel: Option<KernelClock>) -> ClockHealth {
        let Some(kernel) = kernel else {
            return ClockHealth::Unknown;
        };
        let unsynced = kernel.status & STA_UNSYNC != 0;
        if unsynced || kernel.max_error_us > MAX_ERROR_US {
            let seconds = u32::try_from(kernel.max_error_us.max(0) / 1_000_000).ok();
            ClockHealth::Unsynced {
                max_error_s: seconds.filter(|s| *s > 0),
            }
        } else {
            ClockHealth::Synced
        }
    }

    pub fn is_suspect(self) -> bool {
        matches!(self, ClockHealth::Unsynced { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsync_or_a_large_max_error_is_suspect() {
        let k = |status, max_error_us| {
            Some(KernelClock {
                status,
                max_error_us,
            })
        };
        // A machine with NTP: PLL and NANO flags, a small error.
        assert_eq!(ClockHealth::assess(k(0x2001, 224_455)), ClockHealth::Synced);
        // No NTP: the kernel's state at boot (what this project's build VM reports).
        assert_eq!(
            ClockHealth::assess(k(STA_UNSYNC, 16_000_000)),
            ClockHealth::Unsynced {
                max_error_s: Some(16)
            }
        );
        // Synchronised once, but the source is gone and the error has grown past 5 s.
        assert!(ClockHealth::assess(k(0x2001, 6_000_000)).is_suspect());
        assert!(!ClockHealth::assess(k(0x2001, 5_000_000)).is_suspect());
        assert_eq!(
            ClockHealth::assess(k(STA_UNSYNC, 0)),
            ClockHealth::Unsynced { max_error_s: None }
        );
        assert_eq!(ClockHealth::assess(None), ClockHealth::Unknown);
        assert!(!ClockHealth::Unknown.is_suspect());
    }
}
