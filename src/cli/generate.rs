//! `generate`: fresh secrets, optionally as an Entra hardware-token CSV and as vault entries.

use clap::Args;

use super::Context;
use crate::engine::entra::{self, TokenRow};
use crate::engine::generate::{self, DEFAULT_BITS};
use crate::engine::ops::Op;
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
    if args.add {
        if rows.iter().any(|r| r.upn.is_empty() && r.serial.is_empty()) {
            return Err(Failure::new("--add needs a name for each entry")
                .with_hint("give --upn for each token or --serial-start"));
        }
        let entries: Vec<_> = rows.iter().map(entra::entry_from_row).collect();
        let mut reach = super::reach::Reach::open(context)?;
        reach.apply(context, &Op::Add(entries), Context::now(None))?;
        reach.done(context);
        errln!(
            "added {} entr{} to the vault",
            rows.len(),
            if rows.len() == 1 { "y" } else { "ies" }
        );
    }
    if args.entra_csv {
        if args.upn.is_empty() {
            super::warn("the CSV has no UPNs: Entra needs one per token to assign it (--upn)");
        }
        let csv = entra::write_csv(&rows);
        use std::io::Write;
        std::io::stdout()
            .write_all(&csv)
            .map_err(|e| Failure::new(format!("cannot write the CSV: {e}")))?;
    } else {
        for row in &rows {
            outln!("{}", row.secret.to_base32().as_str())?;
        }
    }
    Ok(0)
}
