//! `generate`: fresh secrets, optionally as an Entra hardware-token CSV and as vault entries.

use std::path::PathBuf;

use clap::Args;
use zeroize::Zeroizing;

use super::{Context, output};
use crate::engine::entra::{self, TokenRow};
use crate::engine::generate::{self, DEFAULT_BITS};
use crate::engine::ops::{Op, Outcome};
use crate::failure::Failure;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many secrets [default: 1, or one per --upn]
    #[arg(long)]
    pub count: Option<usize>,
    /// Bits per secret (multiple of 8, 80 to 640)
    #[arg(long, default_value_t = DEFAULT_BITS)]
    pub bits: u32,
    /// Seconds per code (Entra takes 30 or 60)
    #[arg(long, default_value_t = 30, value_parser = entra_period)]
    pub period: u32,
    /// Print an Entra ID hardware-token CSV (header included) instead of bare secrets
    #[arg(long)]
    pub entra_csv: bool,
    /// User principal name for each token, in order (repeat)
    #[arg(long, value_name = "UPN")]
    pub upn: Vec<String>,
    /// First serial number; the following tokens count up from it (e.g. KF0001)
    #[arg(long, value_name = "SERIAL")]
    pub serial_start: Option<String>,
    /// Token manufacturer for the CSV (and the entries' issuer)
    #[arg(long)]
    pub manufacturer: Option<String>,
    /// Token model for the CSV
    #[arg(long)]
    pub model: Option<String>,
    /// Also store the secrets in the vault as TOTP entries
    #[arg(long)]
    pub add: bool,
    /// Write the secrets (or the CSV) to this new file (0600) instead of stdout; an existing
    /// file is an error unless --force
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --output: replace an existing file (atomically; a symlink is replaced, not followed)
    #[arg(long, requires = "output")]
    pub force: bool,
}

fn entra_period(text: &str) -> Result<u32, String> {
    match text.trim() {
        "30" => Ok(30),
        "60" => Ok(60),
        _ => Err(format!(
            "'{text}' is not 30 or 60 (the periods Entra accepts)"
        )),
    }
}

fn rows(args: &GenerateArgs) -> Result<Vec<TokenRow>, Failure> {
    let count = match (args.count, args.upn.len()) {
        (Some(n), 0) => n,
        (Some(n), u) if n == u => n,
        (Some(n), u) => {
            return Err(Failure::new(format!(
                "--count {n} but {u} --upn given: give one UPN per token, or leave out --count"
            )));
        }
        (None, 0) => 1,
        (None, u) => u,
    };
    if count == 0 || count > 100_000 {
        return Err(Failure::new(format!(
            "--count {count} is out of range: use 1 to 100000"
        )));
    }
    let serials = match &args.serial_start {
        Some(start) => generate::serials(start, count).map_err(|e| Failure::new(e.to_string()))?,
        None if args.entra_csv => {
            return Err(Failure::new("Entra needs a serial number for every token")
                .with_hint("pass --serial-start, e.g. --serial-start KF0001"));
        }
        None => vec![String::new(); count],
    };
    let mut out = Vec::with_capacity(count);
    for (i, serial) in serials.into_iter().enumerate() {
        out.push(TokenRow {
            upn: args.upn.get(i).cloned().unwrap_or_default(),
            serial,
            secret: generate::random_secret(args.bits).map_err(|e| Failure::new(e.to_string()))?,
            period: args.period,
            manufacturer: args.manufacturer.clone().unwrap_or_default(),
            model: args.model.clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

pub fn generate(context: &Context, args: &GenerateArgs) -> Result<u8, Failure> {
    let rows = rows(args)?;
    let to_file = output::file(args.output.as_deref());
    if let Some(path) = to_file.filter(|p| !args.force && p.symlink_metadata().is_ok()) {
        // Said before anything is added to the vault (the write checks again, atomically).
        return Err(Failure::new(format!(
            "'{}' already exists; keyfob writes only new files",
            path.display()
        ))
        .with_hint("choose a new file name, or pass --force to replace it"));
    }
    if args.add {
        if rows.iter().any(|r| r.upn.is_empty() && r.serial.is_empty()) {
            return Err(Failure::new("--add needs a name for each entry")
                .with_hint("give --upn for each token or --serial-start"));
        }
        let entries: Vec<_> = rows.iter().map(entra::entry_from_row).collect();
        let mut reach = super::reach::Reach::open(context)?;
        let applied = reach.apply_owned(context, Op::Add(entries), Context::now(None))?;
        if let Outcome::Added { warnings, .. } = &applied.outcome {
            // A serial number another entry already has (`code SERIAL` would match both).
            for (what, text) in warnings {
                super::warn(format!("{what}: {text}"));
            }
        }
        reach.done(context);
        errln!(
            "added {} entr{} to the vault",
            rows.len(),
            if rows.len() == 1 { "y" } else { "ies" }
        );
    }
    let text = if args.entra_csv {
        if args.upn.is_empty() {
            super::warn("the CSV has no UPNs: Entra needs one per token to assign it (--upn)");
        }
        entra::write_csv(&rows)
    } else {
        let mut text = Zeroizing::new(Vec::with_capacity(rows.len() * 40));
        for row in &rows {
            text.extend_from_slice(row.secret.base32().as_bytes());
            text.push(b'\n');
        }
        text
    };
    output::write(to_file, &text, args.force)?;
    if let Some(path) = to_file {
        errln!(
            "wrote {} secret{} to '{}' (mode 0600)",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            path.display()
        );
    }
    Ok(0)
}
