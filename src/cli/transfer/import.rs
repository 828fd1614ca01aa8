//! `import`: reads every file once (detects its format, asks for its password, counts its
//! entries, keeps its failures and warnings), then reads them again into one list that goes
//! into the vault as one [`Op::Add`] (moved, not copied: see `Session::apply_owned`), so a
//! big import holds no list of items and no second copy of its entries. A file read with a
//! password keeps its entries from the first read instead: its key derivation (seconds, for
//! some apps' exports) runs once.
//!
//! Promises (CONTRACT.md): nothing is written before every file has been read; `--dry-run`
//! and an import that adds nothing leave the vault file untouched; `--strict` writes nothing
//! if anything failed; exit 0 all added or already there, 4 some imported and some failed,
//! 1 nothing imported. Files are read with the trust rules' cap (`IMPORT_CAP`).

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::{ImportArgs, SecretEncodingArg};
use crate::cli::Context;
use crate::cli::reach::{self, Reach, Refusal};
use crate::engine::entry::{Entry, EntryId};
use crate::engine::import::{self, DuplicateOf, Format, ImportError, Item, SecretEncoding};
use crate::engine::ops::{Op, OpError, Outcome, Skipped};
use crate::engine::storage;
use crate::engine::store::Session;
use crate::failure::Failure;
use crate::unlock;

fn read_input(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    Ok(storage::read::read_input(
        path,
        "import file",
        storage::read::IMPORT_CAP,
    )?)
}

/// Reads one file, handing its items to `each` with whether a password was in hand, asking
/// for its password if it turns out to be encrypted; `password` is the one that opened it.
/// Says whether the read that succeeded had a password in hand.
fn read_items(
    path: &Path,
    bytes: &[u8],
    format: &dyn Format,
    encoding: SecretEncoding,
    password: &mut Option<SecretString>,
    password_file: Option<&Path>,
    each: &mut dyn FnMut(Item, bool),
) -> Result<bool, Failure> {
    let shown = path.display();
    let mut attempts = 0;
    loop {
        let with_password = password.is_some();
        let mut each = |item| each(item, with_password);
        match format.read_each(bytes, password.as_ref(), encoding, &mut each) {
            Ok(()) => return Ok(with_password),
            Err(
                ImportError::NeedsPassword
                | ImportError::WrongPassword
                | ImportError::WrongPasswordOrKdfRefused(_),
            ) if password_file.is_none() && attempts < 3 && std::io::stdin().is_terminal() => {
                if password.is_some() {
                    errln!("wrong password for '{shown}'");
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
    /// Its entries, if it was read with a password: they are not read (nor a key derived)
    /// again.
    kept: Option<Vec<Entry>>,
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
        let mut kept = Vec::new();
        let with_password = read_items(
            path,
            &bytes,
            format,
            encoding,
            &mut password,
            args.password_file.as_deref(),
            &mut |item, password_in_hand| match item {
                Item::Entry(entry) => {
                    entries += 1;
                    if password_in_hand {
                        kept.push(*entry);
                    }
                }
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
            kept: with_password.then_some(kept),
        });
    }
    Ok((sources, entries, notes))
}

/// Reads the checked `sources` again, handing their entries to `each` (their failures and
/// warnings were kept by [`check_sources`]); the entries a source kept are handed over
/// (moved) instead.
fn read_again(
    sources: &mut [Source],
    encoding: SecretEncoding,
    each: &mut dyn FnMut(Entry),
) -> Result<(), Failure> {
    for source in sources {
        if let Some(kept) = source.kept.take() {
            kept.into_iter().for_each(&mut *each);
            continue;
        }
        source
            .format
            .read_each(
                &source.bytes,
                source.password.as_ref(),
                encoding,
                &mut |item| {
                    if let Item::Entry(entry) = item {
                        each(*entry);
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
    let (mut sources, count, notes) = check_sources(args, encoding)?;
    let failed = notes
        .iter()
        .filter(|i| matches!(i, Item::Failed { .. }))
        .count();
    if args.strict && failed > 0 {
        for item in &notes {
            if let Item::Failed { what, reason } = item {
                errln!("   failed  {what}: {reason}");
            }
        }
        return Err(Failure::new(format!(
            "{failed} entr{} could not be read; with --strict nothing was imported (the vault was not changed)",
            if failed == 1 { "y" } else { "ies" }
        )));
    }
    // Through the agent when one holds the vault (a very big import, whose sealed entries
    // would pass the agent's request cap, unlocks here instead, saying so).
    let mut reach = if count > AGENT_IMPORT_MAX {
        reach::note_direct(
            context,
            "an import this big goes straight to the vault file: it is unlocked here",
        );
        Reach::Direct(Box::new(context.access.open()?))
    } else {
        Reach::open(context)?
    };
    let mut report = Report::default();
    let added = match &mut reach {
        Reach::Direct(session) => add_here(session, args, sources, encoding, count, &mut report)?,
        Reach::Agent { .. } => {
            let mut entries = Vec::with_capacity(count);
            read_again(&mut sources, encoding, &mut |entry| entries.push(entry))?;
            drop(sources);
            crate::failure::test_panic_point("import", &entries);
            add_through(context, &mut reach, args, entries, &mut report)?
        }
    };
    reach.done(context);
    // The files' failures and warnings come first, then the add's own warnings.
    let own_warnings = std::mem::take(&mut report.warnings);
    for note in notes {
        match note {
            Item::Failed { what, reason } => report.failed.push((what, reason)),
            Item::Warning { what, text } => report.warnings.push((what, text)),
            Item::Entry(_) => {}
        }
    }
    report.warnings.extend(own_warnings);
    report.print(args, &added)?;
    // An entry already in the vault counts as imported: running an import again must not
    // turn its partial success into a total failure.
    Ok(if report.failed.is_empty() {
        0
    } else if added.is_empty() && report.duplicates.is_empty() {
        // Nothing could be imported.
        1
    } else {
        // Some entries are in the vault now, some failed.
        4
    })
}

/// The most entries an import sends through the agent.
const AGENT_IMPORT_MAX: usize = 20_000;

/// One added (or, a dry run, would-be added) entry as the report lists it.
struct Added {
    name: String,
    short_secret: bool,
}

/// The import on a vault unlocked here: a dry run sorts the entries as the add would against
/// the vault as it is (writing nothing); else they go from the files into one list, and from
/// it (moved, not copied) into the vault re-read under the lock, so a big import needs memory
/// for its entries once. The files are dropped before the save.
fn add_here(
    session: &mut Session,
    args: &ImportArgs,
    mut sources: Vec<Source>,
    encoding: SecretEncoding,
    count: usize,
    report: &mut Report,
) -> Result<Vec<Added>, Failure> {
    let added = |entry: &Entry| Added {
        name: entry.name(),
        short_secret: entry.secret.is_short(),
    };
    if args.dry_run {
        let mut planned = Vec::with_capacity(count);
        let mut planner = import::Planner::beside(&session.vault().entries, &mut planned);
        read_again(&mut sources, encoding, &mut |entry| {
            if let Some(duplicate) = planner.offer_entry(entry) {
                report
                    .duplicates
                    .push((duplicate.entry.name(), duplicate.of));
            }
        })?;
        report.warnings = planner.finish().warnings;
        return Ok(planned.iter().map(added).collect());
    }
    let mut entries = Vec::with_capacity(count);
    read_again(&mut sources, encoding, &mut |entry| entries.push(entry))?;
    drop(sources);
    crate::failure::test_panic_point("import", &entries);
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let outcome = session.apply_owned(Op::Add(entries), Context::now(None));
    sort_outcome(outcome.map_err(Refusal::from), report)?;
    // The new entries, in the order they were added (at the end of the vault).
    let new: HashSet<EntryId> = report.added.iter().copied().collect();
    Ok(session
        .vault()
        .entries
        .iter()
        .filter(|e| e.id.is_some_and(|id| new.contains(&id)))
        .map(added)
        .collect())
}

/// The import through the agent (or, if it can no longer serve, unlocked here): one op, the
/// names of what it added from the agent's views.
fn add_through(
    context: &Context,
    reach: &mut Reach,
    args: &ImportArgs,
    entries: Vec<Entry>,
    report: &mut Report,
) -> Result<Vec<Added>, Failure> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let op = Op::Add(entries);
    let now = Context::now(None);
    let applied = if args.dry_run {
        reach.dry_run(context, &op, now)
    } else {
        reach.apply(context, &op, now)
    };
    drop(op);
    let (outcome, views) = match applied {
        Ok(applied) => (Ok(applied.outcome), applied.views),
        Err(refusal) => (Err(refusal), Vec::new()),
    };
    sort_outcome(outcome, report)?;
    Ok(views
        .into_iter()
        .map(|view| Added {
            name: crate::engine::entry::display_name(&view.issuer, &view.account),
            short_secret: view.short_secret,
        })
        .collect())
}

/// Files an add's outcome (or its refusal for having nothing new) into the report.
fn sort_outcome(outcome: Result<Outcome, Refusal>, report: &mut Report) -> Result<(), Failure> {
    let skipped = match outcome {
        Ok(Outcome::Added {
            ids,
            skipped,
            warnings,
        }) => {
            report.added = ids.into_iter().flatten().collect();
            report.warnings = warnings;
            skipped
        }
        Ok(_) => return Err(Failure::new("the import reported something else")),
        // Nothing new (and nothing was written).
        Err(Refusal::Op(OpError::Duplicate { name })) => vec![Skipped {
            index: 0,
            name,
            of: DuplicateOf::Vault,
        }],
        Err(Refusal::Op(OpError::NothingNew { skipped })) => skipped,
        Err(refusal) => return Err(refusal.into()),
    };
    report.duplicates = skipped.into_iter().map(|s| (s.name, s.of)).collect();
    Ok(())
}

/// What an import did (or, a dry run, would do), besides the entries it added.
#[derive(Default)]
struct Report {
    /// The ids the new entries were stored under (empty for a dry run).
    added: Vec<EntryId>,
    /// (name, of what) for each entry left out as a duplicate.
    duplicates: Vec<(String, DuplicateOf)>,
    /// (where, why) for each entry that could not be read.
    failed: Vec<(String, String)>,
    /// (where, what) for each warning.
    warnings: Vec<(String, String)>,
}

impl Report {
    /// One line per entry and a summary (stdout), failures and warnings (stderr).
    fn print(&self, args: &ImportArgs, added: &[Added]) -> Result<(), Failure> {
        let verb = if args.dry_run { "would add" } else { "added" };
        for entry in added {
            outln!("{verb:>9}  {}", entry.name)?;
        }
        for (name, of) in &self.duplicates {
            let of = match of {
                DuplicateOf::Earlier if args.files.len() > 1 => "earlier in these files",
                of => of.describe(),
            };
            outln!("{:>9}  {name} ({of})", "duplicate")?;
        }
        for (what, reason) in &self.failed {
            errln!("   failed  {what}: {reason}");
        }
        for (what, text) in &self.warnings {
            crate::cli::warn(format!("{what}: {text}"));
        }
        let short = added.iter().filter(|e| e.short_secret).count();
        if short > 0 {
            crate::cli::warn(format!(
                "{short} of the new secrets {} shorter than 128 bits (fine for hardware tokens, weak otherwise)",
                if short == 1 { "is" } else { "are" }
            ));
        }
        outln!(
            "{verb} {}, skipped {} duplicate{}, failed {}{}",
            added.len(),
            self.duplicates.len(),
            if self.duplicates.len() == 1 { "" } else { "s" },
            self.failed.len(),
            if args.dry_run {
                " (dry run: the vault was not changed)"
            } else {
                ""
            }
        )
    }
}
