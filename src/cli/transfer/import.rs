//! `import`: reads every file once (detects its format, asks for its password, counts its
//! entries, keeps its failures and warnings), then reads them again straight into the vault
//! under its lock, so a big import holds no list of items and no second copy of its entries.
//!
//! Promises (CONTRACT.md): nothing is written before every file has been read; `--dry-run`
//! and an import that adds nothing leave the vault file untouched; `--strict` writes nothing
//! if anything failed; exit 0 all added or already there, 4 some imported and some failed,
//! 1 nothing imported.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::{ImportArgs, SecretEncodingArg};
use crate::cli::Context;
use crate::engine::entry::Entry;
use crate::engine::import::{self, DuplicateOf, Format, ImportError, Item, Plan, SecretEncoding};
use crate::engine::storage;
use crate::failure::Failure;
use crate::unlock;

fn read_input(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let mut bytes = Zeroizing::new(Vec::new());
    let result = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    result.map_err(|e| {
        Failure::new(format!(
            "cannot read '{}': {}",
            path.display(),
            storage::describe_io(&e)
        ))
    })?;
    Ok(bytes)
}

/// Reads one file, handing its items to `each`, asking for its password if it turns out to
/// be encrypted; `password` is the one that opened it.
fn read_items(
    path: &Path,
    bytes: &[u8],
    format: &dyn Format,
    encoding: SecretEncoding,
    password: &mut Option<SecretString>,
    password_file: Option<&Path>,
    each: &mut dyn FnMut(Item),
) -> Result<(), Failure> {
    let shown = path.display();
    let mut attempts = 0;
    loop {
        match format.read_each(bytes, password.as_ref(), encoding, each) {
            Ok(()) => return Ok(()),
            Err(ImportError::NeedsPassword) | Err(ImportError::WrongPassword)
                if password_file.is_none() && attempts < 3 && std::io::stdin().is_terminal() =>
            {
                if password.is_some() {
                    eprintln!("wrong password for '{shown}'");
                }
                *password = Some(unlock::prompt_hidden(&format!("Password for '{shown}': "))?);
                attempts += 1;
            }
            Err(ImportError::NeedsPassword) if password.is_none() => {
                let passphrase = match password_file {
                    Some(file) => unlock::read_passphrase_file(file)?,
                    None => {
                        return Err(Failure::new(format!(
                            "'{shown}' is encrypted and there is no terminal to ask for its password"
                        ))
                        .with_hint("pass --password-file FILE"));
                    }
                };
                *password = Some(passphrase);
            }
            Err(e @ ImportError::EncodingNotApplicable { .. }) => {
                return Err(Failure::new(format!("'{shown}' ({}): {e}", format.name()))
                    .with_hint("--secret-encoding hex is for Entra CSVs with hex seeds"));
            }
            Err(e) => return Err(Failure::new(format!("'{shown}' ({}): {e}", format.name()))),
        }
    }
}

/// One file to import, read and checked.
struct Source {
    path: PathBuf,
    /// Its bytes (decoded to UTF-8 if they were UTF-16).
    bytes: Zeroizing<Vec<u8>>,
    format: &'static dyn Format,
    /// The password that opened it.
    password: Option<SecretString>,
}

/// Reads every file once: checks that it can be read, counts its entries, and keeps its
/// failures and warnings (labelled with the file when there are several). The entries are
/// not kept: [`import`] reads the files again straight into the vault, so that a big import
/// never holds a second copy of its entries.
fn check_sources(
    args: &ImportArgs,
    encoding: SecretEncoding,
) -> Result<(Vec<Source>, usize, Vec<Item>), Failure> {
    let mut sources = Vec::new();
    let (mut entries, mut notes) = (0, Vec::new());
    let mut password: Option<SecretString> = None;
    for path in &args.files {
        let raw = read_input(path)?;
        // "Unicode text" (UTF-16) files are read as the text they hold.
        let bytes = match import::prepare(&raw) {
            import::Prepared::Decoded(text) => text,
            import::Prepared::AsIs(_) => raw,
        };
        let format = if args.format.eq_ignore_ascii_case("auto") {
            import::detect(&bytes)
        } else {
            import::by_name(&args.format)
        }
        .map_err(|e| Failure::new(format!("'{}': {e}", path.display())))?;
        let label = |what: String| {
            if args.files.len() > 1 {
                format!("{}: {what}", path.display())
            } else {
                what
            }
        };
        read_items(
            path,
            &bytes,
            format,
            encoding,
            &mut password,
            args.password_file.as_deref(),
            &mut |item| match item {
                Item::Entry(_) => entries += 1,
                Item::Failed { what, reason } => notes.push(Item::Failed {
                    what: label(what),
                    reason,
                }),
                Item::Warning { what, text } => notes.push(Item::Warning {
                    what: label(what),
                    text,
                }),
            },
        )?;
        sources.push(Source {
            path: path.clone(),
            bytes,
            format,
            password: password.clone(),
        });
    }
    Ok((sources, entries, notes))
}

/// Reads the checked `sources` again, offering their entries to `planner` (their failures and
/// warnings were kept by [`check_sources`]).
fn plan_sources(
    sources: &[Source],
    encoding: SecretEncoding,
    planner: &mut import::Planner,
) -> Result<(), Failure> {
    for source in sources {
        source
            .format
            .read_each(
                &source.bytes,
                source.password.as_ref(),
                encoding,
                &mut |item| {
                    if matches!(item, Item::Entry(_)) {
                        planner.offer(item);
                    }
                },
            )
            .map_err(|e| {
                Failure::new(format!(
                    "'{}' ({}): {e}",
                    source.path.display(),
                    source.format.name()
                ))
            })?;
    }
    Ok(())
}

pub fn import(context: &Context, args: &ImportArgs) -> Result<u8, Failure> {
    let encoding = match args.secret_encoding {
        SecretEncodingArg::Base32 => SecretEncoding::Base32,
        SecretEncodingArg::Hex => SecretEncoding::Hex,
    };
    let (sources, count, notes) = check_sources(args, encoding)?;
    let failed = notes
        .iter()
        .filter(|i| matches!(i, Item::Failed { .. }))
        .count();
    if args.strict && failed > 0 {
        for item in &notes {
            if let Item::Failed { what, reason } = item {
                eprintln!("   failed  {what}: {reason}");
            }
        }
        return Err(Failure::new(format!(
            "{failed} entr{} could not be read; with --strict nothing was imported (the vault was not changed)",
            if failed == 1 { "y" } else { "ies" }
        )));
    }
    let mut session = context.access.open()?;
    // Entries go straight from the files into the vault; nothing copies them (a big import
    // needs memory for its entries once).
    let (mut plan, added) = if args.dry_run {
        let mut added = Vec::with_capacity(count);
        let mut planner = import::Planner::beside(&session.vault().entries, &mut added);
        plan_sources(&sources, encoding, &mut planner)?;
        (planner.finish(), Added::Planned(added))
    } else {
        let saved = session.update(|vault| {
            let first = vault.entries.len();
            vault.entries.reserve(count);
            let mut planner = import::Planner::within(&mut vault.entries);
            plan_sources(&sources, encoding, &mut planner).map_err(Unchanged::Stopped)?;
            let added = planner.added();
            let plan = planner.finish();
            crate::failure::test_panic_point("import", &vault.entries);
            if added == 0 {
                // Nothing new: leave the file as it is.
                return Err(Unchanged::Plan(plan));
            }
            Ok((plan, first))
        });
        match saved {
            Ok((plan, first)) => (plan, Added::Saved(first)),
            Err(Unchanged::Plan(plan)) => (plan, Added::Planned(Vec::new())),
            Err(Unchanged::Stopped(failure)) => return Err(failure),
            Err(Unchanged::Failed(e)) => return Err(e.into()),
        }
    };
    drop(sources);
    // The files' failures and warnings come first, then the planner's own warnings.
    let own_warnings = std::mem::take(&mut plan.warnings);
    for note in notes {
        match note {
            Item::Failed { what, reason } => plan.failed.push((what, reason)),
            Item::Warning { what, text } => plan.warnings.push((what, text)),
            Item::Entry(_) => {}
        }
    }
    plan.warnings.extend(own_warnings);
    let added: &[Entry] = match &added {
        Added::Planned(list) => list,
        Added::Saved(first) => session.vault().entries.get(*first..).unwrap_or_default(),
    };
    report(args, &plan, added);
    // An entry already in the vault counts as imported: running an import again must not
    // turn its partial success into a total failure.
    Ok(if plan.failed.is_empty() {
        0
    } else if added.is_empty() && plan.duplicates.is_empty() {
        // Nothing could be imported.
        1
    } else {
        // Some entries are in the vault now, some failed.
        4
    })
}

/// Why an import's vault update wrote nothing.
enum Unchanged {
    /// Every entry was a duplicate or failed.
    Plan(Plan),
    /// A file could not be read again.
    Stopped(Failure),
    Failed(crate::engine::store::VaultError),
}

impl From<crate::engine::store::VaultError> for Unchanged {
    fn from(e: crate::engine::store::VaultError) -> Unchanged {
        Unchanged::Failed(e)
    }
}

/// The entries an import added (saved at the end of the vault) or would add (a dry run).
enum Added {
    Planned(Vec<Entry>),
    Saved(usize),
}

/// One line per entry and a summary (stdout), failures and warnings (stderr).
fn report(args: &ImportArgs, plan: &Plan, added: &[Entry]) {
    let mut out = std::io::stdout().lock();
    let verb = if args.dry_run { "would add" } else { "added" };
    for entry in added {
        let _ = writeln!(out, "{verb:>9}  {}", entry.name());
    }
    for duplicate in &plan.duplicates {
        let of = match duplicate.of {
            DuplicateOf::Earlier if args.files.len() > 1 => "earlier in these files",
            of => of.describe(),
        };
        let _ = writeln!(out, "{:>9}  {} ({of})", "duplicate", duplicate.entry.name());
    }
    for (what, reason) in &plan.failed {
        eprintln!("   failed  {what}: {reason}");
    }
    for (what, text) in &plan.warnings {
        crate::cli::warn(format!("{what}: {text}"));
    }
    let short = added.iter().filter(|e| e.secret.is_short()).count();
    if short > 0 {
        crate::cli::warn(format!(
            "{short} of the new secrets {} shorter than 128 bits (fine for hardware tokens, weak otherwise)",
            if short == 1 { "is" } else { "are" }
        ));
    }
    let _ = writeln!(
        out,
        "{verb} {}, skipped {} duplicate{}, failed {}{}",
        added.len(),
        plan.duplicates.len(),
        if plan.duplicates.len() == 1 { "" } else { "s" },
        plan.failed.len(),
        if args.dry_run {
            " (dry run: the vault was not changed)"
        } else {
            ""
        }
    );
}
