//! The agent: unlock once, then every command asks it instead of asking you. An edge over the
//! engine, like the command line and the screen: it holds one opened vault ([`Session`]) in a
//! process of its own and answers codes, names and metadata over a Unix socket, and applies
//! engine operations through the same [`Session::apply`] and trust rules as every other face.
//!
//! - [`protocol`]: the messages and their framing (pure).
//! - [`place`]: where an agent listens (one socket per vault in a private folder).
//! - [`server`]: the agent process — the listener, the peer check, its timers, following the
//!   vault file.
//! - [`client`]: connecting and asking, with timeouts (what `cli` and `ui` use).
//! - [`spawn`] and [`handover`]: starting a background agent and handing it the key through a
//!   pipe (never argv or the environment).
//!
//! Promises (see also CONTRACT.md's "Agent"): seeds never cross the socket; only the same user
//! is served; the agent is not dumpable, keeps what it can in locked memory, wipes its keys on
//! lock, idle timeout, end of life, SIGTERM or SIGINT, and removes its socket. The agent never
//! imports the command line or the screen.
//!
//! [`Session`]: crate::engine::store::Session
//! [`Session::apply`]: crate::engine::store::Session::apply

use std::time::Duration;

use crate::config::Config;

pub mod client;
pub mod handover;
pub mod place;
pub mod protocol;
pub mod server;
pub mod spawn;

/// How long an agent lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Without a code read or a change for this long, it locks (None: never).
    pub idle: Option<Duration>,
    /// It ends this long after unlocking, whatever happens.
    pub lifetime: Duration,
}

/// Test builds only: `KEYFOB_TEST_AGENT_TIMES=IDLE,LIFETIME` (seconds; an IDLE of 0 = never)
/// replaces the settings, so that tests can watch an agent lock in seconds. Release builds
/// ignore it.
pub const TEST_TIMES_VAR: &str = "KEYFOB_TEST_AGENT_TIMES";

/// Test builds only: when set, no command starts an agent by itself (`keyfob unlock` and
/// `keyfob agent` still do), so tests that type a passphrase or a PIN leave no agent behind
/// unless they mean to. Release builds ignore it.
pub const TEST_NO_AUTOSTART_VAR: &str = "KEYFOB_TEST_NO_AGENT";

impl Timing {
    /// From the settings (`agent_idle_minutes`, `agent_max_hours`).
    pub fn from_config(config: &Config) -> Timing {
        if let Some(timing) = test_times() {
            return timing;
        }
        Timing {
            idle: (config.agent_idle_minutes > 0)
                .then(|| Duration::from_secs(config.agent_idle_minutes.saturating_mul(60))),
            lifetime: Duration::from_secs(config.agent_max_hours.max(1).saturating_mul(3600)),
        }
    }
}

#[cfg(debug_assertions)]
fn test_times() -> Option<Timing> {
    let text = std::env::var(TEST_TIMES_VAR).ok()?;
    let (idle, lifetime) = text.split_once(',')?;
    let idle: u64 = idle.trim().parse().ok()?;
    let lifetime: u64 = lifetime.trim().parse().ok()?;
    Some(Timing {
        idle: (idle > 0).then(|| Duration::from_secs(idle)),
        lifetime: Duration::from_secs(lifetime),
    })
}

#[cfg(not(debug_assertions))]
fn test_times() -> Option<Timing> {
    None
}

/// Whether commands may start an agent by themselves: `agent_idle_minutes` is not 0 (and,
/// in test builds, [`TEST_NO_AUTOSTART_VAR`] is not set).
pub fn autostart_allowed(config: &Config) -> bool {
    if cfg!(debug_assertions) && std::env::var_os(TEST_NO_AUTOSTART_VAR).is_some() {
        return false;
    }
    config.agent_idle_minutes > 0
}

/// The current Unix time (the agent is an edge: it may read the clock).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
