//! The trust rules ([`crate::engine::trust`]) applied to a store: reading and recording what
//! this machine trusts, judging a seal, and saying why a save was refused.

use std::path::Path;

use super::{Notice, StateFile, Store, seal_for};
use crate::engine::crypto::{self, Key, Protection, Seal};
use crate::engine::storage::{self, StorageError};
use crate::engine::trust::{self, Standing, Trusted};

impl Store {
    /// What this machine trusts for the vault, and where that is kept; `None` without a
    /// state folder.
    pub(super) fn state_file(&self) -> Option<Result<StateFile, String>> {
        let dir = self.state_dir.as_ref()?;
        Some(
            std::fs::canonicalize(&self.path)
                .map(|real| StateFile::new(dir, &real))
                .map_err(|e| {
                    format!(
                        "cannot find the real path of '{}': {}",
                        self.path.display(),
                        storage::describe_io(&e)
                    )
                }),
        )
    }

    /// Applies the trust rules to a vault sealed with `seal` and opened with `key`, recording a
    /// first use. `on_open`: a failure to record becomes a notice (a save goes ahead without
    /// recording: the next open tries again).
    ///
    /// On open, a vault sealed to exactly what this machine trusts is trusted without
    /// deriving the identity's public key (a scalar multiplication, about 5 % of `keyfob
    /// code`): every recorded set passed the identity rule when it was recorded, and a save
    /// (`on_open` false) checks the rule in full anyway.
    pub(super) fn judge(&mut self, seal: &Seal, key: &Key, on_open: bool) -> Standing {
        let sealed = sealed(seal);
        let recorded = match self.state_file() {
            // No state folder: only the identity rule applies.
            None => {
                let own = own_keys(key);
                return trust::assess(Ok(Some(&sealed)), &sealed, own.as_deref()).standing;
            }
            Some(Err(reason)) => Err(reason),
            Some(Ok(file)) => file.load().map(|s| s.and_then(|s| s.trusted)),
        };
        if on_open && matches!(&recorded, Ok(Some(trusted)) if *trusted == sealed) {
            return Standing::Trusted;
        }
        let own = own_keys(key);
        let verdict = trust::assess(
            recorded.as_ref().map(Option::as_ref).map_err(Clone::clone),
            &sealed,
            own.as_deref(),
        );
        if let Some(trusted) = verdict.record
            && let Err(e) = self.record(trusted)
            && on_open
        {
            self.notices.push(Notice::StateNotSaved(e));
        }
        verdict.standing
    }

    /// Where a vault read without a session stands (`code`'s quick look-up): `listed` is the
    /// document's recipients, `protection` its header's. Notices land in [`Store::notices`].
    pub fn standing(&mut self, protection: Protection, listed: &[String], key: &Key) -> Standing {
        let seal = seal_for(key, protection, listed, self.min_log_n);
        self.judge(&seal, key, true)
    }

    /// Records `trusted` as what this machine trusts (a note on failure).
    ///
    /// Without a state folder there is nothing to record (`Ok`); a vault whose real path
    /// cannot be found is an error.
    pub(super) fn record(&mut self, trusted: Trusted) -> Result<(), StorageError> {
        let file = match self.state_file() {
            None => return Ok(()),
            Some(Ok(file)) => file,
            Some(Err(reason)) => {
                return Err(StorageError {
                    action: "cannot record what this machine trusts for",
                    path: self.path.clone(),
                    source: std::io::Error::other(reason),
                });
            }
        };
        // A damaged state file is replaced: recording is how it is repaired.
        let mut state = file.load_or_new().unwrap_or_else(|_| file.fresh());
        state.trusted = Some(trusted);
        file.save(&state)
    }
}

/// What `seal` encrypts to, in the form trust compares.
pub(super) fn sealed(seal: &Seal) -> Trusted {
    match seal {
        Seal::Passphrase { .. } => Trusted::Passphrase,
        Seal::Recipients(list) => Trusted::recipients(&canonical(list)),
    }
}

fn canonical(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|r| crypto::canonical_recipient(r).unwrap_or_else(|_| r.trim().to_string()))
        .collect()
}

/// The public keys of the identity that opened the vault; `None` for a passphrase.
pub(super) fn own_keys(key: &Key) -> Option<Vec<String>> {
    match key {
        Key::Passphrase(_) => None,
        Key::Identities(ids) => Some(canonical(ids.recipients())),
    }
}

/// Up to three keys, each cut short, for one-line messages.
pub fn short_keys(keys: &[String]) -> String {
    let mut shown: Vec<String> = keys
        .iter()
        .take(3)
        .map(|k| crate::engine::printable::printable(k, 24))
        .collect();
    if keys.len() > 3 {
        shown.push(format!("and {} more", keys.len() - 3));
    }
    if shown.is_empty() {
        "none".into()
    } else {
        shown.join(", ")
    }
}

/// Why a save was refused, as facts (the edge adds what to do).
pub(super) fn refusal(path: &Path, standing: &Standing) -> String {
    let path = path.display();
    match standing {
        Standing::Forged { recipients } => format!(
            "vault '{path}' does not list the identity that opened it among its recipients ({}): it may be forged",
            short_keys(recipients)
        ),
        Standing::UnknownIdentity => format!(
            "cannot tell whether vault '{path}' still lists your identity: its public key is unknown"
        ),
        Standing::Unreviewed { others } => format!(
            "vault '{path}' is also sealed to keys this machine has not trusted yet ({})",
            short_keys(others)
        ),
        Standing::Changed {
            added,
            removed,
            kind_changed,
        } => {
            if *kind_changed {
                format!(
                    "vault '{path}' switched between a passphrase and recipients since this machine trusted it"
                )
            } else {
                format!(
                    "the recipients of vault '{path}' changed since this machine trusted them (added: {}; removed: {})",
                    short_keys(added),
                    short_keys(removed)
                )
            }
        }
        Standing::StateUnreadable(reason) => {
            format!("cannot tell which recipients of vault '{path}' are trusted: {reason}")
        }
        Standing::Trusted | Standing::FirstUse => format!("vault '{path}' is trusted"),
    }
}
