//! `keyfob recipients list | add R | remove R`: who a shared vault is sealed to.
//!
//! Promises: `add` and `remove` re-seal the vault and its backup (`Session::reseal`), so after
//! a `remove` neither file opens with the removed key; this machine's trusted set follows
//! (another machine asks for `keyfob trust` once). `remove` lists the entries the removed key
//! could read — the vault's and the backup's — whose seeds should be rotated. Removing the
//! last recipient is refused; removing the identity that opened the vault needs `--force`.
//! The vault is unlocked directly, never through an agent.

use clap::Subcommand;

use super::{Context, warn};
use crate::engine::crypto::{self, Protection, Seal};
use crate::engine::entry::Entry;
use crate::engine::merge::recipients::canonical_set;
use crate::engine::store::{Backup, Session, VaultError};
use crate::engine::trust::Standing;
use crate::failure::Failure;

#[derive(Debug, Subcommand)]
pub enum RecipientsAction {
    /// Show the recipients (marking yours) and whether this machine trusts them
    List,
    /// Also seal the vault (and its backup) to R: an age1… key, a plugin's age1…, or an
    /// ssh-ed25519/ssh-rsa public key line
    Add {
        #[arg(value_name = "R")]
        recipient: String,
    },
    /// Stop sealing the vault (and its backup) to R, and list the entries R could read
    Remove {
        #[arg(value_name = "R")]
        recipient: String,
        /// Also when R is the identity you opened the vault with (you lose access with it)
        #[arg(long)]
        force: bool,
    },
}

pub fn recipients(context: &Context, action: &RecipientsAction) -> Result<u8, Failure> {
    // Told from the header, before anything is asked.
    let store = context.access.store();
    if let Protection::Passphrase { .. } = store.protection()? {
        return Err(passphrase_vault(store.path()));
    }
    let mut session = context.access.open()?;
    let current = match session.seal() {
        Seal::Recipients(list) => list.clone(),
        Seal::Passphrase { .. } => return Err(passphrase_vault(session.path())),
    };
    let own = canonical_set(&session.own_keys());
    // A change builds on the recipients as they are: only on a set this machine trusts (else
    // the new set would trust, unseen, whatever changed behind the person's back).
    if !matches!(action, RecipientsAction::List) && !session.standing().allows_save() {
        return Err(VaultError::Refused {
            path: session.path().to_path_buf(),
            standing: session.standing().clone(),
        }
        .into());
    }
    match action {
        RecipientsAction::List => list(&session, &current, &own),
        RecipientsAction::Add { recipient } => add(&mut session, &current, recipient, context),
        RecipientsAction::Remove { recipient, force } => {
            remove(&mut session, &current, &own, recipient, *force, context)
        }
    }
}

fn passphrase_vault(path: &std::path::Path) -> Failure {
    Failure::new(format!(
        "vault '{}' is protected by a passphrase, not recipients",
        path.display()
    ))
    .with_hint("seal it to keys with `keyfob passwd --recipient R …` (name yours too)")
}

fn canonical(recipient: &str) -> Result<String, Failure> {
    crypto::canonical_recipient(recipient).map_err(|e| {
        Failure::new(format!(
            "'{}': {e}",
            crate::engine::printable::printable(recipient, 40)
        ))
    })
}

fn list(session: &Session, current: &[String], own: &[String]) -> Result<u8, Failure> {
    let keys = canonical_set(current);
    outln!(
        "vault '{}' is shared with {} key{}:",
        session.path().display(),
        keys.len(),
        if keys.len() == 1 { "" } else { "s" }
    )?;
    for key in &keys {
        let yours = if own.contains(key) {
            "  (your identity)"
        } else {
            ""
        };
        outln!("  {key}{yours}")?;
    }
    match session.standing() {
        Standing::Trusted | Standing::FirstUse => outln!("trusted on this machine")?,
        _ => outln!(
            "not trusted on this machine yet: check the keys with your team, then run `keyfob trust`"
        )?,
    }
    Ok(0)
}

fn add(
    session: &mut Session,
    current: &[String],
    recipient: &str,
    context: &Context,
) -> Result<u8, Failure> {
    let key = canonical(recipient)?;
    if canonical_set(current).contains(&key) {
        outln!("'{key}' is already a recipient; nothing was changed")?;
        return Ok(0);
    }
    let mut next = current.to_vec();
    next.push(key.clone());
    let count = canonical_set(&next).len();
    let backup = session.reseal(Seal::Recipients(next), None)?;
    outln!(
        "vault '{}' is now shared with {count} keys, '{key}' among them",
        session.path().display()
    )?;
    tell_backup(context, backup, "")?;
    Ok(0)
}

fn remove(
    session: &mut Session,
    current: &[String],
    own: &[String],
    recipient: &str,
    force: bool,
    context: &Context,
) -> Result<u8, Failure> {
    let key = canonical(recipient)?;
    let keys = canonical_set(current);
    if !keys.contains(&key) {
        return Err(Failure::new(format!(
            "'{key}' is not a recipient of vault '{}'; nothing was changed",
            session.path().display()
        ))
        .with_hint("see them with `keyfob recipients list`"));
    }
    if keys.len() == 1 {
        return Err(Failure::new(
            "that is the vault's last recipient: nobody could open it without one; nothing was changed",
        )
        .with_hint("add the new key first, or switch to a passphrase with `keyfob passwd`"));
    }
    let mine = own.contains(&key);
    if mine && !force {
        return Err(Failure::new(format!(
            "'{key}' is the identity you opened the vault with: you would lose access with it; nothing was changed"
        ))
        .with_hint("open the vault with another of its identities, or pass --force"));
    }
    // What the key could read: every entry in the vault, and in the backup it also opens.
    let mut readable: Vec<String> = session.vault().entries.iter().map(Entry::name).collect();
    if let Some(backup) = session.backup_vault() {
        for entry in &backup.entries {
            let name = entry.name();
            if !readable.contains(&name) {
                readable.push(name);
            }
        }
    }
    let next: Vec<String> = current
        .iter()
        .filter(|r| crypto::canonical_recipient(r).map_or(true, |c| c != key))
        .cloned()
        .collect();
    let backup = session.reseal(Seal::Recipients(next), None)?;
    outln!(
        "removed '{key}': vault '{}' is now shared with {} key{}",
        session.path().display(),
        keys.len() - 1,
        if keys.len() == 2 { "" } else { "s" }
    )?;
    tell_backup(context, backup, ": the removed key opens neither")?;
    if mine {
        warn(
            "you removed your own identity: open the vault from now on with another of its identities",
        );
    }
    if readable.is_empty() {
        outln!("the vault held no entries that key could read")?;
    } else {
        outln!(
            "that key could read {} {}; rotate their seeds at the services (copies made before, such as git history or other machines, still open with it):",
            readable.len(),
            if readable.len() == 1 {
                "entry"
            } else {
                "entries"
            }
        )?;
        for name in readable {
            outln!("  {name}")?;
        }
    }
    Ok(0)
}

fn tell_backup(context: &Context, backup: Backup, more: &str) -> Result<(), Failure> {
    if backup == Backup::Resealed {
        outln!(
            "its backup '{}' was re-sealed the same way{more}",
            context.access.store().backup_path().display()
        )?;
    }
    Ok(())
}
