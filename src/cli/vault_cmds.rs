//! `init` and `passwd`: creating a vault and changing what it is sealed to.

use std::path::{Path, PathBuf};

use super::Context;
use crate::engine::crypto::{self, Identities, Key, Seal};
use crate::engine::store::Backup;
use crate::engine::vault::Vault;
use crate::failure::Failure;
use crate::unlock;

/// Recipient strings in canonical form, each checked.
fn recipients(list: &[String]) -> Result<Vec<String>, Failure> {
    list.iter()
        .map(|r| {
            crypto::canonical_recipient(r).map_err(|e| Failure::new(format!("--recipient: {e}")))
        })
        .collect()
}

fn push_unique(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// The seal `init` / `passwd` should use: recipients when any key is named, else a new
/// passphrase.
fn new_seal(
    context: &Context,
    recipient: &[String],
    include_identity: bool,
    passphrase_file: Option<&Path>,
) -> Result<Seal, Failure> {
    let mut list = Vec::new();
    if include_identity && let Some(ids) = context.access.identities()? {
        if ids.lacks_recipients() && ids.has_plugins() && recipient.is_empty() {
            return Err(Failure::new(format!(
                "identity file '{}' does not say which recipient its hardware key answers to",
                context
                    .access
                    .identity
                    .as_deref()
                    .unwrap_or(Path::new("?"))
                    .display()
            ))
            .with_hint(
                "pass the key's recipient (age1…, as its plugin printed it) with --recipient",
            ));
        }
        if ids.lacks_recipients() && !ids.has_plugins() {
            return Err(Failure::new(format!(
                "cannot work out the public key of identity '{}'",
                context
                    .access
                    .identity
                    .as_deref()
                    .unwrap_or(Path::new("?"))
                    .display()
            ))
            .with_hint("put its public key beside it as FILE.pub, or pass it with --recipient"));
        }
        push_unique(&mut list, ids.recipients().iter().cloned());
    }
    push_unique(&mut list, recipients(recipient)?);
    if !list.is_empty() {
        return Ok(Seal::Recipients(list));
    }
    Ok(Seal::Passphrase {
        passphrase: context.access.new_passphrase(passphrase_file)?,
        log_n: Some(unlock::new_work_factor()?),
    })
}

pub fn init(
    context: &Context,
    recipient: &[String],
    new_identity: Option<&Option<PathBuf>>,
) -> Result<u8, Failure> {
    let mut store = context.access.store();
    // A folder or special file at the path is refused before anything is asked.
    store.real_path()?;
    if store.exists() {
        return Err(crate::engine::store::VaultError::Exists {
            path: store.path().to_path_buf(),
        }
        .into());
    }
    let made = match new_identity {
        Some(path) => Some(new_identity_path(context, path.as_deref())?),
        None => None,
    };
    let seal = match &made {
        Some(path) => {
            let extra = recipients(recipient)?;
            let ids = context.access.create_protected_identity(path)?;
            let mut list = ids.recipients().to_vec();
            push_unique(&mut list, extra);
            Seal::Recipients(list)
        }
        None => new_seal(
            context,
            recipient,
            true,
            context.access.passphrase_file.as_deref(),
        )?,
    };
    if let Err(e) = store.create(Vault::default(), &seal) {
        if let Some(path) = &made {
            // The identity was made for this vault only; nothing else can use it yet.
            let _ = std::fs::remove_file(path);
        }
        return Err(e.into());
    }
    for notice in store.notices() {
        super::warn(crate::failure::notice_text(notice));
    }
    let how = match (&seal, &made) {
        (Seal::Passphrase { .. }, _) => "a passphrase".to_string(),
        (Seal::Recipients(_), Some(path)) => {
            format!("a new passphrase-protected identity, '{}'", path.display())
        }
        (Seal::Recipients(list), None) => format!("{} recipient(s)", list.len()),
    };
    outln!(
        "created vault '{}' protected by {how}",
        store.path().display()
    )?;
    match made {
        Some(path) if Some(&path) != crate::config::default_identity_path().as_ref() => {
            errln!(
                "note: open it with --identity {} (or KEYFOB_IDENTITY); back up that file with the vault",
                path.display()
            );
        }
        Some(_) => errln!(
            "note: keyfob finds this identity by itself; back it up with the vault (without it the vault cannot be opened)"
        ),
        None if matches!(seal, Seal::Recipients(_)) && context.access.identity.is_none() => {
            errln!(
                "note: open it with --identity FILE (or KEYFOB_IDENTITY) holding a matching key"
            );
        }
        None => {}
    }
    Ok(0)
}

/// Where `init --new-identity` writes the new identity: the given file, else
/// `<data dir>/identity.age`.
fn new_identity_path(context: &Context, given: Option<&Path>) -> Result<PathBuf, Failure> {
    if context.access.identity.is_some() {
        return Err(Failure::new(
            "--new-identity makes a new identity; --identity (or KEYFOB_IDENTITY) names an existing one",
        )
        .with_hint("use one of them"));
    }
    given
        .map(Path::to_path_buf)
        .or_else(crate::config::default_identity_path)
        .ok_or_else(|| {
            Failure::new("cannot work out where to keep the identity (no home folder)")
                .with_hint("name the file: --new-identity FILE")
        })
}

pub fn passwd(
    context: &Context,
    recipient: &[String],
    new_passphrase_file: Option<&Path>,
) -> Result<u8, Failure> {
    let held = super::reach::note_direct(
        context,
        "re-sealing needs the vault's key, which the agent never hands out: the vault is unlocked here",
    );
    let mut session = context.access.open()?;
    let seal = new_seal(context, recipient, false, new_passphrase_file)?;
    let (key, how) = match &seal {
        Seal::Passphrase { passphrase, .. } => (
            Some(Key::Passphrase(passphrase.clone())),
            "a new passphrase".to_string(),
        ),
        Seal::Recipients(list) => {
            let opens = |ids: &Identities| ids.recipients().iter().any(|r| list.contains(r));
            // The identities that opened the vault are not read (or asked for) again.
            let (still_opens, key) = match session.key() {
                Key::Identities(ids) => (opens(ids), None),
                Key::Passphrase(_) => match context.access.identities()? {
                    Some(ids) if opens(&ids) => (true, Some(Key::Identities(ids))),
                    _ => (false, None),
                },
            };
            if !still_opens {
                super::warn(
                    "the identity you unlocked with is not among the new recipients: open the vault from now on with an identity for one of them",
                );
            }
            (key, format!("{} recipient(s)", list.len()))
        }
    };
    let backup = session.reseal(seal, key)?;
    outln!(
        "vault '{}' is now protected by {how}",
        session.path().display()
    )?;
    let backup_path = context.access.store().backup_path();
    match backup {
        Backup::Resealed => outln!(
            "its backup '{}' was re-sealed the same way: the old protection opens neither",
            backup_path.display()
        )?,
        Backup::None => {}
    }
    for notice in session.notices() {
        super::warn(crate::failure::notice_text(notice));
    }
    // The agent holds the old protection: it is locked, and the next unlock uses the new one.
    if held
        && let crate::agent::client::Connect::Agent(mut agent) =
            crate::agent::client::connect(&context.access.vault)
        && agent.lock().is_ok()
    {
        outln!("the agent that held the vault under its old protection was locked")?;
    }
    Ok(0)
}
