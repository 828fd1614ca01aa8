//! What both faces (the command line and the screen) start from: where the vault is, how to
//! open it, the settings, and the time.
//!
//! Promises: this is an edge module (it may read the clock; the engine never does); neither
//! `cli` nor `ui` is imported here, so both can build on it without importing each other.

use crate::config::Config;
use crate::unlock::Access;

/// What every command and the screen get: where the vault is and the settings.
pub struct Context {
    pub access: Access,
    pub config: Config,
    /// The settings file named with `--config` / `KEYFOB_CONFIG`, if any (an agent started
    /// from here reads the same one).
    pub config_path: Option<std::path::PathBuf>,
}

impl Context {
    /// The current Unix time (simulated in test builds, see [`crate::clock`]), or `at`
    /// (`--at`).
    pub fn now(at: Option<u64>) -> u64 {
        at.unwrap_or_else(crate::clock::now)
    }
}
