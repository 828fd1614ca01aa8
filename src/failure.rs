//! What the edges (CLI and TUI start-up) print when something fails: one line, an optional
//! hint line, and the exit status.
//!
//! Promise: messages come from typed errors that never hold secrets; nothing here formats a
//! secret.

use std::fmt;

use crate::config::ConfigError;
use crate::engine::ops::OpError;
use crate::engine::store::{ChangeError, VaultError};

/// A failure ready to be shown to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub hint: Option<String>,
    pub exit: u8,
}

impl Failure {
    /// An ordinary error (exit 1).
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: None,
            exit: 1,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_exit(mut self, exit: u8) -> Failure {
        self.exit = exit;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl From<VaultError> for Failure {
    fn from(e: VaultError) -> Failure {
        Failure {
            message: e.to_string(),
            hint: e.hint(),
            exit: 1,
        }
    }
}

impl From<OpError> for Failure {
    fn from(e: OpError) -> Failure {
        let hint = match &e {
            OpError::Exhausted { .. } => {
                Some("the token cannot make another code: enrol a new secret at the service")
            }
            _ => None,
        };
        let failure = Failure::new(e.to_string());
        match hint {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        }
    }
}

impl From<ChangeError> for Failure {
    fn from(e: ChangeError) -> Failure {
        match e {
            ChangeError::Op(e) => e.into(),
            ChangeError::Vault(e) => e.into(),
        }
    }
}

impl From<crate::engine::storage::StorageError> for Failure {
    fn from(e: crate::engine::storage::StorageError) -> Failure {
        Failure::new(e.to_string())
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::new(e.to_string()).with_hint(
            "see assets/config.ron in keyfob's source for the settings and their defaults",
        )
    }
}

/// Test builds only: panics at `point` when the variable `KEYFOB_TEST_PANIC` names it, so the
/// integration tests can check what a panic prints while secrets are in memory (the message
/// includes `context`'s `Debug`, the worst a careless `unwrap` or `dbg!` could show). Release
/// builds (no `debug_assertions`) compile this to nothing and ignore the variable.
#[cfg(debug_assertions)]
pub fn test_panic_point(point: &str, context: &dyn fmt::Debug) {
    if std::env::var_os("KEYFOB_TEST_PANIC").is_some_and(|v| v == point) {
        panic!("injected test panic at '{point}' with {context:?}");
    }
}

/// Release builds: nothing.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn test_panic_point(_point: &str, _context: &dyn fmt::Debug) {}

/// Test builds only: when the variable `KEYFOB_TEST_SCRYPT_REPORT` is set, says on stderr how
/// many scrypt runs the command's main thread made (see `crypto::scrypt_runs`), so the
/// integration tests can count what `add` or `code` costs on a passphrase vault.
#[cfg(debug_assertions)]
pub fn test_scrypt_report() {
    if std::env::var_os("KEYFOB_TEST_SCRYPT_REPORT").is_some() {
        eprintln!(
            "keyfob-test: scrypt runs: {}",
            crate::engine::crypto::scrypt_runs()
        );
    }
}

/// Release builds: nothing.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn test_scrypt_report() {}
