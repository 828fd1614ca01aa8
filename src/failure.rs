//! What the edges (CLI and TUI start-up) print when something fails: one line, an optional
//! hint line, and the exit status.
//!
//! Promise: messages come from typed errors that never hold secrets; nothing here formats a
//! secret. The engine's errors carry facts; the advice that names commands and flags is added
//! here (`hint_for`), and so are the warnings about a vault's trust ([`trust_warning`]).

use std::fmt;
use std::path::Path;

use crate::config::ConfigError;
use crate::engine::crypto::CryptoError;
use crate::engine::merge::MergeError;
use crate::engine::ops::OpError;
use crate::engine::storage::{self, LockError};
use crate::engine::store::{ChangeError, MergeFailure};
use crate::engine::store::{Notice, VaultError, short_keys};
use crate::engine::trust::Standing;

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
            hint: hint_for(&e),
            exit: 1,
        }
    }
}

/// The second line for a vault error: what the person can do about it.
pub fn hint_for(e: &VaultError) -> Option<String> {
    let backup_hint = |path: &Path| {
        let backup = storage::sibling(
            &storage::resolve(path).unwrap_or(path.to_path_buf()),
            ".bak",
        );
        backup.exists().then(|| {
            format!(
                "the previous version is kept in '{}': open it with --vault to check it, then copy it over the vault",
                backup.display()
            )
        })
    };
    match e {
        VaultError::Missing { .. } => {
            Some("create one with `keyfob init` (or point --vault / KEYFOB_VAULT at yours)".into())
        }
        VaultError::Exists { .. } => {
            Some("use --vault PATH to create a vault somewhere else".into())
        }
        VaultError::NotAFile { .. } => {
            Some("point --vault / KEYFOB_VAULT at the vault file".into())
        }
        VaultError::Crypto { path, source } => match source {
            CryptoError::Truncated | CryptoError::Tampered | CryptoError::NotAge => {
                backup_hint(path)
            }
            CryptoError::NeedsIdentity => {
                Some("pass --identity FILE or set KEYFOB_IDENTITY".into())
            }
            CryptoError::NeedsPassphrase => {
                Some("leave out --identity / KEYFOB_IDENTITY and give the passphrase".into())
            }
            CryptoError::ExcessiveWork(_) => Some(format!(
                "keyfob opens passphrase vaults up to 2^{}; re-seal it with `age` at a lower work factor",
                crate::engine::crypto::MAX_LOG_N
            )),
            _ => None,
        },
        VaultError::Document { path, .. } => backup_hint(path),
        VaultError::Refused { standing, .. } => refusal_hint(standing),
        VaultError::Storage(_) | VaultError::Random(_) | VaultError::Lock(LockError::Io(_)) => {
            Some("the vault was not changed".into())
        }
        VaultError::TooLarge { .. } => Some(
            "keep fewer entries in this vault (import the rest into another one with --vault)"
                .into(),
        ),
        VaultError::Read(_) | VaultError::Lock(LockError::Busy { .. }) => None,
    }
}

/// What to do when the trust rules refused a save.
fn refusal_hint(standing: &Standing) -> Option<String> {
    Some(match standing {
        Standing::Forged { .. } => "do not add seeds to it; if you changed its recipients on purpose, re-seal it with `keyfob passwd --recipient …` naming your key".into(),
        Standing::UnknownIdentity { hardware_key: false } => "put the identity's public key beside it as FILE.pub (`ssh-keygen -y -f FILE > FILE.pub`)".into(),
        Standing::UnknownIdentity { hardware_key: true } => "add the `# recipient: age1…` line its plugin printed to the identity file (for a YubiKey, `age-plugin-yubikey --list` prints it)".into(),
        Standing::Unreviewed { .. } | Standing::Changed { .. } => "if you (or someone you trust) made this change, run `keyfob trust` to review the recipients and record them".into(),
        Standing::StateUnreadable(_) => "run `keyfob trust` to review the recipients and record them again".into(),
        Standing::Trusted | Standing::FirstUse => return None,
    })
}

/// The warning to show on every open of a vault that is not trusted as it is, if any.
pub fn trust_warning(path: &Path, standing: &Standing) -> Option<String> {
    let path = path.display();
    Some(match standing {
        Standing::Trusted | Standing::FirstUse => return None,
        Standing::Forged { recipients } => format!(
            "vault '{path}' does not list your identity among its recipients ({}): it may be forged; keyfob will not save to it",
            short_keys(recipients)
        ),
        Standing::UnknownIdentity {
            hardware_key: false,
        } => format!(
            "cannot check that vault '{path}' still lists your identity (its public key is unknown); keyfob will not save to it"
        ),
        Standing::UnknownIdentity { hardware_key: true } => format!(
            "cannot check that vault '{path}' still lists your identity (the identity file names no recipient for its hardware key); keyfob will not save to it"
        ),
        Standing::Unreviewed { others } => format!(
            "vault '{path}' is also sealed to keys this machine has not trusted yet ({}); run `keyfob trust` to review them before saving",
            short_keys(others)
        ),
        Standing::Changed {
            added,
            removed,
            kind_changed,
        } => {
            if *kind_changed {
                format!(
                    "vault '{path}' switched between a passphrase and recipients since this machine trusted it; saves wait for `keyfob trust`"
                )
            } else {
                format!(
                    "the recipients of vault '{path}' changed since this machine trusted them (added: {}; removed: {}); saves wait for `keyfob trust`",
                    short_keys(added),
                    short_keys(removed)
                )
            }
        }
        Standing::StateUnreadable(reason) => format!(
            "cannot tell which recipients of vault '{path}' are trusted ({reason}); saves wait for `keyfob trust`"
        ),
    })
}

/// A notice from the store, as a warning line.
pub fn notice_text(notice: &Notice) -> String {
    match notice {
        Notice::StateNotSaved(e) => format!(
            "could not record which recipients this machine trusts, or the generation and HOTP counters it has seen ({e}); keyfob will check them again next time"
        ),
        Notice::RolledBack { path, rolled } => format!(
            "vault '{}' is older than the copy this machine saw last (generation {}, seen {}): rolled back? (a restored backup, an old sync copy, a revert); if you meant it, run `keyfob trust` to accept it (HOTP codes issued here are never issued again)",
            path.display(),
            rolled.generation,
            rolled.seen
        ),
        Notice::WritableByOthers { path } => format!(
            "vault '{}' or its folder can be changed by other users: anyone who can replace it can feed you a forged vault (chmod 600 the file, 700 the folder)",
            path.display()
        ),
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

impl From<MergeFailure> for Failure {
    fn from(e: MergeFailure) -> Failure {
        match e {
            MergeFailure::Vault(e) => e.into(),
            MergeFailure::File { .. } => Failure::new(e.to_string()),
            MergeFailure::Merge(merge) => {
                let hint = match &merge {
                    MergeError::RecipientsDiverged { .. } => {
                        "decide who may read the vault on one side (`keyfob recipients add/remove`), then merge again"
                    }
                    MergeError::RecipientsDiffer { .. } => {
                        "make the same recipient change here (`keyfob recipients add/remove`), then run `keyfob merge` again"
                    }
                };
                Failure::new(format!("{merge}; nothing was merged")).with_hint(hint)
            }
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

impl From<crate::engine::storage::ReadError> for Failure {
    fn from(e: crate::engine::storage::ReadError) -> Failure {
        Failure::new(e.to_string())
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        let hint = match e.setting().and_then(|name| {
            crate::config::SETTINGS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, takes)| format!("'{n}' takes {takes}; fix or remove it"))
        }) {
            Some(hint) => hint,
            None => format!(
                "the settings are {}; any left out keeps its default",
                crate::config::SETTINGS
                    .iter()
                    .map(|(n, takes)| format!("{n} ({takes})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Failure::new(e.to_string()).with_hint(hint)
    }
}

/// Prints a warning line on stderr (a closed or full stderr is ignored).
pub fn warn(text: impl fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
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
