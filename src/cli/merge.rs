//! `keyfob merge`: git's merge driver (`keyfob merge BASE OURS THEIRS [PATH]`, the result
//! written to OURS), or with no files, Syncthing's conflict copies merged into the vault.
//!
//! Promises: the files are unlocked directly (as `--identity`, the protected identity or a
//! passphrase say), never through an agent. Exit 0 when merged, 1 when both versions of some
//! entry were kept (flagged) or when nothing could be merged (the message says which; OURS
//! and the vault are then untouched). A merged vault is never sealed to a key this machine
//! has not trusted unless the person says yes (on the terminal, or `--accept-recipients`), nor
//! without the opening identity.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Context, confirm, warn};
use crate::engine::crypto::{Key, Protection, Seal};
use crate::engine::merge::{self, Report, SetChange, Side, recipients::canonical_set};
use crate::engine::store::{self, Store};
use crate::engine::trust::Trusted;
use crate::failure::Failure;
use crate::unlock;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The common version (git's %O; an empty file means there is none)
    #[arg(value_name = "BASE", requires = "theirs")]
    pub base: Option<PathBuf>,
    /// This side's version; the result is written here (git's %A)
    #[arg(value_name = "OURS")]
    pub ours: Option<PathBuf>,
    /// The other side's version (git's %B)
    #[arg(value_name = "THEIRS")]
    pub theirs: Option<PathBuf>,
    /// Where the vault lives (git's %P): whose trusted recipients the result is checked
    /// against [default: --vault if given, else OURS' recipients]
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Seal the result to recipients the other side added without asking (check them first)
    #[arg(long)]
    pub accept_recipients: bool,
}

/// Runs `merge`; `vault_given`: whether --vault / KEYFOB_VAULT named the vault.
pub fn merge(context: &Context, args: &MergeArgs, vault_given: bool) -> Result<u8, Failure> {
    match (&args.base, &args.ours, &args.theirs) {
        (Some(base), Some(ours), Some(theirs)) => {
            let trust_path = args
                .path
                .clone()
                .or_else(|| vault_given.then(|| context.access.vault.clone()));
            three_files(context, [base, ours, theirs], trust_path.as_deref(), args)
        }
        (None, None, None) => sync_copies(context),
        _ => Err(
            Failure::new("merge takes three files (BASE OURS THEIRS) or none")
                .with_hint("as a git merge driver: keyfob merge %O %A %B %P"),
        ),
    }
}

/// git's merge: BASE, OURS and THEIRS; the result over OURS.
fn three_files(
    context: &Context,
    [base, ours, theirs]: [&PathBuf; 3],
    trust_path: Option<&Path>,
    args: &MergeArgs,
) -> Result<u8, Failure> {
    let access = &context.access;
    let protection = store::protection_of("OURS", ours)?;
    let key = match protection {
        Protection::Passphrase { .. } => Key::Passphrase(access.passphrase(&format!(
            "Passphrase for the vault being merged ({}): ",
            ours.display()
        ))?),
        Protection::Recipients => Key::Identities(
            access
                .opening_identity_file()?
                .unlock(access.passphrase_file.as_deref())?,
        ),
    };
    let read = |role, path: &PathBuf| store::read_version(role, path, &key);
    let empty = |role: &str, path: &PathBuf| {
        Failure::new(format!(
            "{role} '{}' is empty: nothing to merge",
            path.display()
        ))
    };
    let mine = read("OURS", ours)?.ok_or_else(|| empty("OURS", ours))?;
    let yours = read("THEIRS", theirs)?.ok_or_else(|| empty("THEIRS", theirs))?;
    let common = read("BASE", base)?;
    let merged = merge::merge(common.as_ref(), &mine, &yours).map_err(store::MergeFailure::from)?;
    let seal = match (&key, protection) {
        (Key::Passphrase(passphrase), Protection::Passphrase { log_n }) => Seal::Passphrase {
            passphrase: passphrase.clone(),
            log_n: Some(log_n.max(unlock::new_work_factor()?)),
        },
        (Key::Identities(ids), _) if merged.vault.recipients.is_empty() => {
            Seal::Recipients(ids.recipients().to_vec())
        }
        _ => Seal::Recipients(merged.vault.recipients.clone()),
    };
    let mut trust_store = trust_path.map(|path| access.store_at(path));
    let accepted = check_recipients(&key, &seal, &mine, trust_store.as_ref(), args)?;
    store::write_merged(ours, merged.vault, &seal, &crate::prompt::plugin_ui())?;
    if let (Some(store), true) = (trust_store.as_mut(), accepted)
        && let Err(e) = store.record_trusted(&seal)
    {
        warn(crate::failure::notice_text(&store::Notice::StateNotSaved(
            e,
        )));
    }
    let lines = describe(&merged.report, "THEIRS", "OURS");
    for line in &lines {
        outln!("{line}")?;
    }
    outln!("merged into '{}'", ours.display())?;
    Ok(u8::from(!merged.report.conflicts.is_empty()))
}

/// The trust rules for a merged vault: it must still open with the identity that opened the
/// files, and keys this machine has not trusted (or OURS did not have) need a person's yes.
/// Returns whether the recipient set should be recorded as trusted.
fn check_recipients(
    key: &Key,
    seal: &Seal,
    mine: &crate::engine::vault::Vault,
    trust_store: Option<&Store>,
    args: &MergeArgs,
) -> Result<bool, Failure> {
    let (Key::Identities(ids), Seal::Recipients(list)) = (key, seal) else {
        return Ok(false);
    };
    let merged = canonical_set(list);
    let own = canonical_set(ids.recipients());
    if !own.is_empty() && !merged.iter().any(|k| own.contains(k)) {
        return Err(Failure::new(format!(
            "the merged vault would not be sealed to your identity ({}); nothing was merged",
            store::short_keys(&own)
        ))
        .with_hint("the other side removed your key: ask a member to add it back (`keyfob recipients add`)"));
    }
    let reference = match trust_store.and_then(Store::trusted) {
        Some(Trusted::Recipients(list)) => list,
        Some(Trusted::Passphrase) => Vec::new(),
        None => canonical_set(&mine.recipients),
    };
    let change = SetChange::between(&reference, &merged);
    if change.added.is_empty() {
        return Ok(!change.removed.is_empty());
    }
    let keys = change.added.join(", ");
    if args.accept_recipients {
        warn(format!(
            "sealing the merged vault to recipients the other side added: {keys}"
        ));
        return Ok(true);
    }
    match confirm(&format!(
        "The other side added recipients this machine has not trusted: {keys}. Seal the merged vault to them too?"
    )) {
        Some(true) => Ok(true),
        Some(false) => Err(Failure::new(format!(
            "not sealing to recipients this machine has not trusted ({}); nothing was merged",
            store::short_keys(&change.added)
        ))),
        None => Err(Failure::new(format!(
            "the other side added recipients this machine has not trusted ({}); nothing was merged",
            store::short_keys(&change.added)
        ))
        .with_hint("check them with your team, then run the merge on a terminal, or with --accept-recipients")),
    }
}

/// Syncthing's conflict copies beside the vault, each merged in and removed.
fn sync_copies(context: &Context) -> Result<u8, Failure> {
    let mut session = context.access.open()?;
    let vault = session.path().to_path_buf();
    let copies = store::sync_conflicts(&vault)?;
    if copies.is_empty() {
        outln!(
            "no Syncthing conflict copies beside '{}': nothing to merge",
            vault.display()
        )?;
        return Ok(0);
    }
    let mut status = 0;
    for copy in copies {
        let name = copy.file_name().map_or_else(
            || copy.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match session.merge_copy(&copy) {
            Ok(report) => {
                outln!("merged '{name}' into '{}' and removed it", vault.display())?;
                for line in describe(&report, "the copy", "the vault") {
                    outln!("  {line}")?;
                }
                if !report.conflicts.is_empty() {
                    status = 1;
                }
            }
            Err(e) => {
                let failure = Failure::from(e);
                errln!(
                    "error: '{name}' was not merged (it is kept): {}",
                    failure.message
                );
                if let Some(hint) = failure.hint {
                    errln!("hint: {hint}");
                }
                status = 1;
            }
        }
    }
    Ok(status)
}

/// What a merge did, one line each (`theirs`/`ours`: how to call the two sides).
fn describe(report: &Report, theirs: &str, ours: &str) -> Vec<String> {
    let side = |s: Side| if s == Side::Ours { ours } else { theirs };
    let mut lines = vec![format!(
        "{} added, {} changed, {} removed (from {theirs})",
        report.added, report.changed, report.removed
    )];
    for kept in &report.kept {
        lines.push(format!(
            "kept '{}': deleted in {}, but changed in {}",
            kept.name,
            side(kept.deleted_by),
            side(if kept.deleted_by == Side::Ours {
                Side::Theirs
            } else {
                Side::Ours
            })
        ));
    }
    for replaced in &report.replaced {
        lines.push(format!(
            "'{}': took the later {} from {}",
            replaced.name,
            replaced.fields.join(", "),
            side(replaced.from)
        ));
    }
    for conflict in &report.conflicts {
        lines.push(format!(
            "conflict: '{}' was changed differently on both sides ({}): both versions kept, the second flagged [conflict] (id {}); delete the one you do not want",
            conflict.name,
            conflict.fields.join(", "),
            conflict.copy
        ));
    }
    if !report.recipients.is_empty() {
        lines.push(format!(
            "recipients: added {}; removed {}",
            store::short_keys(&report.recipients.added),
            store::short_keys(&report.recipients.removed)
        ));
    }
    lines
}
