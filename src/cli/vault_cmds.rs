//! `init` and `passwd`: creating a vault and changing what it is sealed to.

use std::path::Path;

use super::Context;
use crate::engine::crypto::{self, Key, Seal};
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
        if ids.lacks_recipients() {
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

pub fn init(context: &Context, recipient: &[String]) -> Result<u8, Failure> {
    let mut store = context.access.store();
    // A folder or special file at the path is refused before anything is asked.
    store.real_path()?;
    if store.exists() {
        return Err(crate::engine::store::VaultError::Exists {
            path: store.path().to_path_buf(),
        }
        .into());
    }
    let seal = new_seal(
        context,
        recipient,
        true,
        context.access.passphrase_file.as_deref(),
    )?;
    store.create(Vault::default(), &seal)?;
    for notice in store.notices() {
        super::warn(crate::failure::notice_text(notice));
    }
    let how = match &seal {
        Seal::Passphrase { .. } => "a passphrase".to_string(),
        Seal::Recipients(list) => format!("{} recipient(s)", list.len()),
    };
    outln!(
        "created vault '{}' protected by {how}",
        store.path().display()
    )?;
    if let Seal::Recipients(_) = seal
        && context.access.identity.is_none()
    {
        errln!("note: open it with --identity FILE (or KEYFOB_IDENTITY) holding a matching key");
    }
    Ok(0)
}

pub fn passwd(
    context: &Context,
    recipient: &[String],
    new_passphrase_file: Option<&Path>,
) -> Result<u8, Failure> {
    let mut session = context.access.open()?;
    let seal = new_seal(context, recipient, false, new_passphrase_file)?;
    let (key, how) = match &seal {
        Seal::Passphrase { passphrase, .. } => (
            Some(Key::Passphrase(passphrase.clone())),
            "a new passphrase".to_string(),
        ),
        Seal::Recipients(list) => {
            let ours = context.access.identities()?;
            let still_opens = ours
                .as_ref()
                .is_some_and(|ids| ids.recipients().iter().any(|r| list.contains(r)));
            if !still_opens {
                super::warn(
                    "the identity you unlocked with is not among the new recipients: open the vault from now on with an identity for one of them",
                );
            }
            (
                ours.filter(|_| still_opens).map(Key::Identities),
                format!("{} recipient(s)", list.len()),
            )
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
    Ok(0)
}
