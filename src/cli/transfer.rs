//! `import` and `export`: moving seeds between keyfob and other apps. The import itself is in
//! [`import`]; this file holds both commands' options and the export.

use std::borrow::Cow;
use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, ValueEnum};

use super::{Context, output, reach};
use crate::engine::entry::Entry;
use crate::engine::export;
use crate::engine::query::{self, Found};
use crate::failure::Failure;

mod import;

pub use import::import;

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
    /// How the secrets in an Entra CSV are written (hex: as some token vendors ship them)
    #[arg(long, value_enum, default_value = "base32", value_name = "ENCODING")]
    pub secret_encoding: SecretEncodingArg,
    /// Import nothing if any entry fails (exit 1)
    #[arg(long)]
    pub strict: bool,
}

/// `--secret-encoding` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecretEncodingArg {
    Base32,
    Hex,
}

/// `import --format`'s values: `auto` and every format of the importer registry, so help,
/// errors and shell completion list exactly the formats keyfob reads.
fn import_formats() -> PossibleValuesParser {
    let mut values = vec![PossibleValue::new("auto").help("detect the format from the content")];
    values.extend(
        crate::engine::import::formats()
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
    /// Write to this new file (0600) instead of stdout ("-" = stdout); an existing file is an
    /// error unless --force
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --output: replace an existing file (atomically; a symlink is replaced, not followed)
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Export only the entries QUERY matches (code's matching rules: issuer, account,
    /// issuer:account, serial); repeat for several
    #[arg(long, value_name = "QUERY")]
    pub select: Vec<String>,
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

/// The entries `--select` names (all of them without it), in vault order. Each QUERY takes
/// the entries `code`'s rule finds for it (an exact match wins, else every substring match);
/// a QUERY that matches nothing is an error (exit 2).
fn selected<'a>(entries: &'a [Entry], queries: &[String]) -> Result<Cow<'a, [Entry]>, Failure> {
    if queries.is_empty() {
        return Ok(Cow::Borrowed(entries));
    }
    let mut chosen = vec![false; entries.len()];
    for query in queries {
        match query::find(entries, query) {
            Found::None => return Err(super::entries::no_match(query)),
            Found::One(i) => chosen[i] = true,
            Found::Many(list) => list.into_iter().for_each(|i| chosen[i] = true),
        }
    }
    Ok(Cow::Owned(
        entries
            .iter()
            .zip(chosen)
            .filter(|(_, chosen)| *chosen)
            .map(|(entry, _)| entry.clone())
            .collect(),
    ))
}

pub fn export(context: &Context, args: &ExportArgs) -> Result<u8, Failure> {
    let to_file = output::file(args.output.as_deref());
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
    let entries = selected(&session.vault().entries, &args.select)?;
    let entries = &*entries;
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
    output::write(to_file, &exported.bytes, args.force)?;
    if let Some(path) = to_file {
        errln!(
            "wrote {written} entr{} to '{}' (mode 0600)",
            if written == 1 { "y" } else { "ies" },
            path.display()
        );
    }
    Ok(0)
}
