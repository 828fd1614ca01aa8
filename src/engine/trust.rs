//! Trust in a vault's recipients: which keys a save may encrypt seeds to.
//!
//! The threat: anyone who knows a user's *public* key can write a vault file that opens with
//! the user's identity and whose document lists other `recipients`; keyfob seals every save
//! to the listed recipients, so without these rules the next `add` would hand the new seed to
//! whoever wrote the file. The rules (CONTRACT.md, "Trust"):
//!
//! 1. A save never drops the identity that opened the vault: if none of the opening
//!    identity's public keys is among the recipients a save would seal to, the save is refused
//!    ([`Standing::Forged`]; [`Standing::UnknownIdentity`] when the identity's public key is
//!    not known, so the rule cannot be checked).
//! 2. Each machine keeps the recipient set it trusts for each vault ([`State::trusted`]). A
//!    vault sealed to anything else warns on every open and refuses saves until `keyfob
//!    trust` records the new set ([`Standing::Changed`]). Changes this machine makes
//!    (creating a vault, re-sealing it) record the new set themselves.
//! 3. First use (nothing recorded yet, e.g. on a new machine or after upgrading): a vault
//!    sealed only to the opening identity's own keys, or to a passphrase, is recorded as
//!    trusted at once — nobody else can read what it is sealed to. A vault that is also sealed
//!    to other keys is *not* trusted on first use ([`Standing::Unreviewed`]): it opens and
//!    shows codes, with a warning naming the other keys, and saves wait for `keyfob trust`.
//!    Trusting such a set silently would let a forged vault that lists the user *and* an
//!    attacker leak every later seed on the first run after an upgrade.
//! 4. The generation rule ([`rollback`]): a vault older than one this machine has seen warns,
//!    and a HOTP counter this machine has issued is never issued again.
//!
//! Everything here is pure: the state file's text comes in and goes out as values; the store
//! ([`super::store`]) reads and writes it and applies [`assess`] on every open and every save.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod rollback;

pub use rollback::{RolledBack, first_counter, rolled_back};

/// The state format this keyfob writes; a newer one is not read.
pub const STATE_VERSION: u32 = 1;

/// What one machine remembers about one vault.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub version: u32,
    /// The vault's canonical path (the state file's name is derived from it; kept here for a
    /// person reading the file).
    pub vault: String,
    /// What saves may seal to; `None` until first recorded.
    #[serde(default)]
    pub trusted: Option<Trusted>,
    /// The highest vault `generation` this machine has seen (0: none yet), for the roll-back
    /// rule ([`rollback`]).
    #[serde(default)]
    pub generation: u64,
    /// HOTP counters this machine has issued codes for, by entry id: the lowest counter it may
    /// still issue ([`State::hotp_floor`]).
    #[serde(default)]
    pub hotp: BTreeMap<String, u64>,
}

impl State {
    /// An empty state for the vault at `vault` (its canonical path).
    pub fn new(vault: String) -> State {
        State {
            version: STATE_VERSION,
            vault,
            ..State::default()
        }
    }

    /// Reads a state file's text.
    pub fn from_ron(text: &str) -> Result<State, StateError> {
        let state: State = ron::from_str(text).map_err(|e| {
            if newer(text) {
                StateError::TooNew
            } else {
                StateError::Syntax {
                    line: e.span.start.line,
                    column: e.span.start.col,
                }
            }
        })?;
        if state.version > STATE_VERSION {
            return Err(StateError::TooNew);
        }
        Ok(state)
    }

    /// The state file's text.
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new().indentor("  ");
        let mut text = ron::ser::to_string_pretty(self, config).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Whether a state text that failed to parse claims a newer version.
fn newer(text: &str) -> bool {
    #[derive(Deserialize)]
    struct VersionOnly {
        version: u32,
    }
    ron::Options::default()
        .from_str::<ron::Value>(text)
        .ok()
        .and_then(|value| value.into_rust::<VersionOnly>().ok())
        .is_some_and(|v| v.version > STATE_VERSION)
}

/// Why a state file's text was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("is not a keyfob state file (line {line}, column {column})")]
    Syntax { line: usize, column: usize },
    #[error("was written by a newer keyfob")]
    TooNew,
}

/// What a vault is (or may be) sealed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trusted {
    /// A passphrase (nobody without it can read the vault).
    Passphrase,
    /// These recipients, in canonical form, sorted, without repeats.
    Recipients(Vec<String>),
}

impl Trusted {
    /// The recipient set `list` in the form [`Trusted`] keeps (sorted, without repeats).
    pub fn recipients(list: &[String]) -> Trusted {
        let mut sorted = list.to_vec();
        sorted.sort();
        sorted.dedup();
        Trusted::Recipients(sorted)
    }

    fn keys(&self) -> &[String] {
        match self {
            Trusted::Passphrase => &[],
            Trusted::Recipients(list) => list,
        }
    }
}

/// Where a vault stands on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Sealed to what this machine trusts.
    Trusted,
    /// Nothing was recorded yet, and the vault is sealed only to the opening identity's keys
    /// (or to a passphrase): recorded as trusted now.
    FirstUse,
    /// Nothing was recorded yet, and the vault is also sealed to these other keys: saves
    /// wait until they are reviewed and trusted.
    Unreviewed { others: Vec<String> },
    /// Sealed to something other than what this machine trusts: `added` keys (or a
    /// passphrase, shown as no key) appeared and `removed` ones went.
    Changed {
        added: Vec<String>,
        removed: Vec<String>,
        /// Whether a passphrase replaced recipients or the other way round.
        kind_changed: bool,
    },
    /// None of the opening identity's keys is among the recipients: a save would lock the
    /// owner out and hand the seeds to the listed keys. The vault may be forged.
    Forged { recipients: Vec<String> },
    /// The opening identity's public key is unknown, so rule 1 cannot be checked: an old PEM
    /// key without its `.pub`, or (`hardware_key`) a plugin identity file without the
    /// `# recipient:` line its plugin writes beside the key.
    UnknownIdentity { hardware_key: bool },
    /// What this machine trusts could not be read (the text says why).
    StateUnreadable(String),
}

impl Standing {
    /// Whether a save may go ahead.
    pub fn allows_save(&self) -> bool {
        matches!(self, Standing::Trusted | Standing::FirstUse)
    }
}

/// The verdict on one open or save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub standing: Standing,
    /// What to record as trusted now (first use), if anything.
    pub record: Option<Trusted>,
}

/// Judges what a vault is sealed to.
///
/// - `trusted`: what this machine recorded (`Ok(None)`: nothing yet; `Err`: unreadable).
/// - `sealed`: what a save would seal to now ([`Trusted::recipients`] form).
/// - `own`: the opening identity's public keys (canonical); `None` for a passphrase.
pub fn assess(
    trusted: Result<Option<&Trusted>, String>,
    sealed: &Trusted,
    own: Option<&[String]>,
) -> Assessment {
    let standing = |standing| Assessment {
        standing,
        record: None,
    };
    if let (Some(own), Trusted::Recipients(list)) = (own, sealed) {
        if own.is_empty() {
            return standing(Standing::UnknownIdentity {
                hardware_key: false,
            });
        }
        if !list.iter().any(|r| own.contains(r)) {
            return standing(Standing::Forged {
                recipients: list.clone(),
            });
        }
    }
    match trusted {
        Err(reason) => standing(Standing::StateUnreadable(reason)),
        Ok(Some(known)) if known == sealed => standing(Standing::Trusted),
        Ok(Some(known)) => {
            let added: Vec<String> = (sealed.keys().iter())
                .filter(|k| !known.keys().contains(k))
                .cloned()
                .collect();
            let removed = (known.keys().iter())
                .filter(|k| !sealed.keys().contains(k))
                .cloned()
                .collect();
            let kind_changed = matches!(
                (known, sealed),
                (Trusted::Passphrase, Trusted::Recipients(_))
                    | (Trusted::Recipients(_), Trusted::Passphrase)
            );
            standing(Standing::Changed {
                added,
                removed,
                kind_changed,
            })
        }
        Ok(None) => {
            let others: Vec<String> = (sealed.keys().iter())
                .filter(|k| !own.unwrap_or_default().contains(k))
                .cloned()
                .collect();
            if others.is_empty() {
                Assessment {
                    standing: Standing::FirstUse,
                    record: Some(sealed.clone()),
                }
            } else {
                standing(Standing::Unreviewed { others })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(keys: &[&str]) -> Trusted {
        Trusted::recipients(&keys.iter().map(|k| k.to_string()).collect::<Vec<_>>())
    }

    fn own(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn first_use_trusts_only_what_the_owner_alone_can_read() {
        let me = own(&["age1me"]);
        let a = assess(Ok(None), &set(&["age1me"]), Some(&me));
        assert_eq!(a.standing, Standing::FirstUse);
        assert_eq!(a.record, Some(set(&["age1me"])));
        let a = assess(Ok(None), &Trusted::Passphrase, None);
        assert_eq!(a.standing, Standing::FirstUse);
        assert_eq!(a.record, Some(Trusted::Passphrase));
        let a = assess(Ok(None), &set(&["age1me", "age1other"]), Some(&me));
        assert_eq!(
            a.standing,
            Standing::Unreviewed {
                others: own(&["age1other"])
            }
        );
        assert!(!a.standing.allows_save());
        assert_eq!(a.record, None);
    }

    #[test]
    fn the_opening_identity_must_stay_a_recipient() {
        let me = own(&["age1me"]);
        for trusted in [Ok(None), Ok(Some(&set(&["age1attacker"])))] {
            let a = assess(trusted, &set(&["age1attacker"]), Some(&me));
            assert!(
                matches!(a.standing, Standing::Forged { .. }),
                "{:?}",
                a.standing
            );
            assert!(!a.standing.allows_save());
        }
        let a = assess(Ok(None), &set(&["age1me"]), Some(&[]));
        assert_eq!(
            a.standing,
            Standing::UnknownIdentity {
                hardware_key: false
            }
        );
    }

    #[test]
    fn a_changed_set_refuses_saves_until_trusted() {
        let me = own(&["age1me"]);
        let pinned = set(&["age1me", "age1backup"]);
        let a = assess(
            Ok(Some(&pinned)),
            &set(&["age1backup", "age1me"]),
            Some(&me),
        );
        assert_eq!(a.standing, Standing::Trusted);
        let a = assess(
            Ok(Some(&pinned)),
            &set(&["age1me", "age1attacker"]),
            Some(&me),
        );
        assert_eq!(
            a.standing,
            Standing::Changed {
                added: own(&["age1attacker"]),
                removed: own(&["age1backup"]),
                kind_changed: false
            }
        );
        assert!(!a.standing.allows_save());
        let a = assess(Ok(Some(&Trusted::Passphrase)), &set(&["age1me"]), Some(&me));
        assert!(matches!(
            a.standing,
            Standing::Changed {
                kind_changed: true,
                ..
            }
        ));
        let a = assess(Err("damaged".into()), &set(&["age1me"]), Some(&me));
        assert_eq!(a.standing, Standing::StateUnreadable("damaged".into()));
        assert!(!a.standing.allows_save());
    }

    #[test]
    fn state_round_trips_and_refuses_newer_versions() {
        let mut state = State::new("/home/u/vault.age".into());
        state.trusted = Some(set(&["age1b", "age1a"]));
        state.hotp.insert("id-1".into(), 7);
        let text = state.to_ron();
        assert_eq!(State::from_ron(&text).unwrap(), state);
        assert!(text.contains("\"age1a\",\n    \"age1b\","), "{text}");
        assert_eq!(
            State::from_ron("(version: 9, vault: \"x\", future: 1)"),
            Err(StateError::TooNew)
        );
        assert!(matches!(
            State::from_ron("garbage"),
            Err(StateError::Syntax { .. })
        ));
    }
}
