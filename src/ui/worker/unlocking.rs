//! Unlocking on the vault thread: opening the vault directly with what the person typed on
//! the lock screen's prompt, handing it to an agent afterwards by the command line's rule,
//! and telling what the lock screen will ask for.
//!
//! Promises: an agent is started only after an unlock that asked a person, only when the
//! settings allow it and none serves the vault yet, through the command line's own spawn code
//! (`crate::agent::spawn`); nothing here asks on the terminal (a hardware key's plugin asks
//! through the screen's dialog).

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::held::Starting;
use crate::agent::client::{self, Connect};
use crate::engine::crypto::{Ask, Key, Protection};
use crate::engine::store::Session;
use crate::failure::Failure;
use crate::ui::app::Relock;
use crate::unlock::Access;

/// After a direct unlock: by the command line's rule — a person was asked and
/// `agent_idle_minutes` is not 0 — the vault is left in an agent (a running one, or a new one
/// started through the command line's own spawn code), and the screen uses it. `Ok(false)`:
/// the screen keeps its own session; `Err`: an agent should have started and did not (the
/// screen keeps its session and says so).
pub fn hand_to_agent(
    access: &Access,
    starting: &Starting,
    session: &Session,
) -> Result<bool, String> {
    match client::connect(&access.vault) {
        Connect::Agent(_) => return Ok(true),
        Connect::Unusable(_) => return Ok(false),
        Connect::None => {}
    }
    if !crate::unlock::asked_person() || !starting.allowed {
        return Ok(false);
    }
    crate::agent::spawn::start_with_session(
        &access.vault,
        starting.config.as_deref(),
        session,
        true,
    )
    .map(|_| true)
    .map_err(|f| format!("{}; this screen keeps the vault open itself", f.message))
}

/// What the lock screen asks for, from the vault file's header and the identity file (read,
/// not unlocked: nothing is asked).
pub fn relock_of(access: &Access) -> Relock {
    match access.store().protection() {
        Ok(Protection::Passphrase { .. }) => Relock::Passphrase,
        _ => match access.opening_identity_file() {
            Ok(file) if file.has_plugins() => Relock::HardwareKey,
            Ok(file) if file.is_protected() => Relock::IdentityPassphrase,
            _ => Relock::IdentityFile,
        },
    }
}

/// Opens the vault directly: `typed` is the passphrase — the vault's, or for an identity vault
/// the protected identity file's or SSH key's (if it has one). A hardware key's plugin asks
/// for itself (through the screen's dialog).
pub(super) fn reopen(access: &Access, typed: &Zeroizing<String>) -> Result<Session, String> {
    let store = access.store();
    let message = |e| Failure::from(e).message;
    let key = match store.protection().map_err(message)? {
        Protection::Passphrase { .. } => {
            if typed.is_empty() {
                return Err("type the passphrase".into());
            }
            Key::Passphrase(SecretString::from(typed.to_string()))
        }
        Protection::Recipients => {
            let file = access.opening_identity_file().map_err(|f| f.message)?;
            if file.is_protected() && typed.is_empty() {
                return Err("type the identity file's passphrase".into());
            }
            let mut ask = |ask: Ask| {
                (ask.attempt == 1 && !typed.is_empty())
                    .then(|| SecretString::from(typed.to_string()))
            };
            Key::Identities(file.unlock_with(&mut ask).map_err(|f| f.message)?)
        }
    };
    store.open(key).map_err(message)
}
