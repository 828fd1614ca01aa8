//! `import` and `export`: moving seeds between keyfob and other apps.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, ValueEnum};
use zeroize::Zeroizing;

use super::Context;
use super::reach::{self, Applied, Reach, Refusal};
use crate::engine::export;
use crate::engine::import::{self, Format, ImportError, Item, Plan};
use crate::engine::ops::{Op, OpError, Outcome};
use crate::engine::storage;
use crate::failure::Failure;
use crate::unlock;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files to read ("-" = stdin)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The files' format (auto: detect it from the content)
    #[arg(
        long,
        default_value = "auto",
        value_name = "FORMAT",
        value_parser = import_formats(),
        ignore_case = true
    )]
    pub format: String,
    /// Show what would be imported without changing the vault
    #[arg(long)]
    pub dry_run: bool,
    /// Password of encrypted exports, from the first line of this file ("-" = stdin)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// `import --format`'s values: `auto` and every format of the importer registry, so help,
/// errors and shell completion list exactly the formats keyfob reads.
fn import_formats() -> PossibleValuesParser {
    let mut values = vec![PossibleValue::new("auto").help("detect the format from the content")];
    values.extend(
        import::formats()
            .iter()
            .map(|f| PossibleValue::new(f.name()).help(f.summary())),
    );
    PossibleValuesParser::new(values)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One otpauth:// URI per line
    Otpauth,
    /// Entra ID hardware-token upload CSV (TOTP entries that meet Entra's rules)
    EntraCsv,
    /// Aegis plain JSON
    Aegis,
    /// QR codes (terminal, or a PNG with --output)
    Qr,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write here instead of stdout ("-" = stdout); files are created 0600
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Confirm that secrets may be written in the clear
    #[arg(long)]
    pub plaintext: bool,
    /// With --format qr or otpauth: Google Authenticator transfer batches
    /// (otpauth-migration://, up to 10 accounts per code) instead of one URI per entry
    #[arg(long)]
    pub migration: bool,
    /// With --format qr on a terminal: draw dark modules in the text colour (for dark text
    /// on a light background)
    #[arg(long)]
    pub invert: bool,
}

fn read_input(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    Ok(storage::read::read_input(
        path,
        "import file",
        storage::read::IMPORT_CAP,
    )?)
}

/// Reads one file, asking for its password if it turns out to be encrypted.
fn read_items(
    path: &Path,
    bytes: &[u8],
    format: &dyn Format,
    password: &mut Option<SecretString>,
    password_file: Option<&Path>,
) -> Result<Vec<Item>, Failure> {
    let shown = path.display();
    let mut attempts = 0;
    loop {
        match format.read(bytes, password.as_ref()) {
            Ok(items) => return Ok(items),
            Err(ImportError::NeedsPassword) | Err(ImportError::WrongPassword)
                if password_file.is_none() && attempts < 3 && std::io::stdin().is_terminal() =>
            {
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
            Err(e) => return Err(Failure::new(format!("'{shown}' ({}): {e}", format.name()))),
        }
    }
}

pub fn import(context: &Context, args: &ImportArgs) -> Result<u8, Failure> {
    let mut items = Vec::new();
    let mut password: Option<SecretString> = None;
    for path in &args.files {
        let bytes = read_input(path)?;
        let format = if args.format.eq_ignore_ascii_case("auto") {
            import::detect(&bytes)
        } else {
            import::by_name(&args.format)
        }
        .map_err(|e| Failure::new(format!("'{}': {e}", path.display())))?;
        let read = read_items(
            path,
            &bytes,
            format,
            &mut password,
            args.password_file.as_deref(),
        )?;
        let label = |what: String| {
            if args.files.len() > 1 {
                format!("{}: {what}", path.display())
            } else {
                what
            }
        };
        items.extend(read.into_iter().map(|item| match item {
            Item::Failed { what, reason } => Item::Failed {
                what: label(what),
                reason,
            },
            entry => entry,
        }));
    }

    crate::failure::test_panic_point("import", &items);
    let mut reach = Reach::open(context)?;
    let plan = add_items(context, &mut reach, items, args.dry_run)?;
    reach.done(context);
    let mut out = std::io::stdout().lock();
    let verb = if args.dry_run { "would add" } else { "added" };
    for entry in &plan.added {
        let _ = writeln!(out, "{verb:>9}  {}", entry.name());
    }
    for entry in &plan.duplicates {
        let _ = writeln!(
            out,
            "{:>9}  {} (already in the vault)",
            "duplicate",
            entry.name()
        );
    }
    for (what, reason) in &plan.failed {
        errln!("   failed  {what}: {reason}");
    }
    let short = plan.added.iter().filter(|e| e.secret.is_short()).count();
    if short > 0 {
        super::warn(format!(
            "{short} of the new secrets {} shorter than 128 bits (fine for hardware tokens, weak otherwise)",
            if short == 1 { "is" } else { "are" }
        ));
    }
    let _ = writeln!(
        out,
        "{verb} {}, skipped {} duplicate{}, failed {}{}",
        plan.added.len(),
        plan.duplicates.len(),
        if plan.duplicates.len() == 1 { "" } else { "s" },
        plan.failed.len(),
        if args.dry_run {
            " (dry run: the vault was not changed)"
        } else {
            ""
        }
    );
    let nothing_usable = plan.added.is_empty() && plan.duplicates.is_empty();
    Ok(if !plan.failed.is_empty() && nothing_usable {
        1
    } else {
        0
    })
}

/// Adds the entries among `items` to the vault (one [`Op::Add`], through the agent if one
/// holds the vault; with `dry_run` on a copy, saving nothing) and sorts them: added, already
/// in the vault, failed to read.
fn add_items(
    context: &Context,
    reach: &mut Reach,
    items: Vec<Item>,
    dry_run: bool,
) -> Result<Plan, Failure> {
    let mut plan = Plan::default();
    let mut entries = Vec::new();
    for item in items {
        match item {
            Item::Entry(entry) => entries.push(*entry),
            Item::Failed { what, reason } => plan.failed.push((what, reason)),
        }
    }
    let op = Op::Add(entries);
    let now = Context::now(None);
    let applied = if dry_run {
        reach.dry_run(context, &op, now)
    } else {
        reach.apply(context, &op, now)
    };
    let Op::Add(entries) = op else {
        return Err(Failure::new("the import lost its entries"));
    };
    let ids = match applied {
        Ok(Applied {
            outcome: Outcome::Added { ids },
            ..
        }) => ids,
        Ok(_) => return Err(Failure::new("the import reported something else")),
        // Nothing new: every entry was a duplicate (and nothing was written).
        Err(Refusal::Op(OpError::Duplicate { .. } | OpError::NothingNew { .. })) => {
            vec![None; entries.len()]
        }
        Err(refusal) => return Err(refusal.into()),
    };
    for (entry, id) in entries.into_iter().zip(ids) {
        match id {
            Some(_) => plan.added.push(entry),
            None => plan.duplicates.push(entry),
        }
    }
    Ok(plan)
}

pub fn export(context: &Context, args: &ExportArgs) -> Result<u8, Failure> {
    let to_file = args.output.as_ref().filter(|p| p.as_os_str() != "-");
    if !args.plaintext {
        let failure = if args.format == ExportFormat::Qr {
            Failure::new("QR codes show the secrets to anyone who sees them")
                .with_hint("add --plaintext to confirm")
        } else {
            Failure::new("this export holds the secrets in the clear")
                .with_hint("add --plaintext to confirm, and keep the file somewhere safe")
        };
        return Err(failure);
    }
    if args.migration && !matches!(args.format, ExportFormat::Qr | ExportFormat::Otpauth) {
        return Err(Failure::new(
            "--migration goes with --format qr or --format otpauth",
        ));
    }
    if args.invert && (args.format != ExportFormat::Qr || to_file.is_some()) {
        return Err(Failure::new(
            "--invert only changes QR codes drawn in the terminal (--format qr without --output)",
        ));
    }
    reach::note_direct(
        context,
        "the agent never hands out seeds: the vault is unlocked here for the export",
    );
    let session = context.access.open()?;
    reach::autostart_session(context, &session);
    let entries = &session.vault().entries;
    let engine_err = |e: export::ExportError| Failure::new(e.to_string());
    let batch_id = if args.migration {
        Some(export::new_batch_id().map_err(engine_err)?)
    } else {
        None
    };
    let exported = match (args.format, batch_id) {
        (ExportFormat::Otpauth, None) => export::otpauth(entries),
        (ExportFormat::Otpauth, Some(id)) => export::migration(entries, id),
        (ExportFormat::EntraCsv, _) => export::entra_csv(entries),
        (ExportFormat::Aegis, _) => export::aegis(entries).map_err(engine_err)?,
        (ExportFormat::Qr, batch) => {
            let codes = export::qr_codes(entries, batch);
            if to_file.is_some() {
                export::qr_png(&codes).map_err(engine_err)?
            } else {
                export::qr_text(&codes, args.invert)
            }
        }
    };
    for (name, reason) in &exported.skipped {
        super::warn(format!("left out '{name}': {reason}"));
    }
    let written = entries.len() - exported.skipped.len();
    match to_file {
        Some(path) => {
            storage::write_new_private(path, &exported.bytes)?;
            errln!(
                "wrote {written} entr{} to '{}' (mode 0600)",
                if written == 1 { "y" } else { "ies" },
                path.display()
            );
        }
        None => std::io::stdout()
            .write_all(&exported.bytes)
            .map_err(|e| Failure::new(format!("cannot write: {e}")))?,
    }
    Ok(0)
}
