//! `add`, `edit`, `remove`: changing entries, each one an engine [`Op`] applied to the vault
//! re-read under the lock.

use std::io::IsTerminal;

use age::secrecy::ExposeSecret;
use clap::Args;
use zeroize::Zeroizing;

use super::reach::Reach;
use super::{AlgorithmArg, Context, warn};
use crate::engine::entry::{self, Entry, EntryId};
use crate::engine::ops::{Op, Patch};
use crate::engine::otp::{self, Kind};
use crate::engine::query::{self, Found};
use crate::engine::secret::Secret;
use crate::engine::storage::read;
use crate::engine::uri;
use crate::engine::vault::Vault;
use crate::engine::view::EntryView;
use crate::failure::Failure;
use crate::unlock;

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A whole otpauth:// URI (instead of --issuer/--account/--secret); "-" reads it from the
    /// first line of stdin (a URI in the arguments is visible to other users in `ps`)
    #[arg(long, value_name = "URI", conflicts_with_all = ["issuer", "account", "secret", "secret_stdin", "hex", "algorithm", "digits", "period", "hotp", "counter", "steam"])]
    pub uri: Option<String>,
    /// The service (e.g. GitHub)
    #[arg(long)]
    pub issuer: Option<String>,
    /// The account at that service (e.g. you@example.com)
    #[arg(long)]
    pub account: Option<String>,
    /// The Base32 secret (visible to other users in `ps`; prefer --secret-stdin or the prompt)
    #[arg(long, value_name = "BASE32", conflicts_with = "secret_stdin")]
    pub secret: Option<String>,
    /// Read the secret from the first line of stdin
    #[arg(long)]
    pub secret_stdin: bool,
    /// The secret is hexadecimal (as some token vendors ship seeds), not Base32
    #[arg(long)]
    pub hex: bool,
    /// HMAC algorithm
    #[arg(long, value_enum, default_value = "sha1")]
    pub algorithm: AlgorithmArg,
    /// Code length, 6 to 10 (6 is usual; Entra and Google Authenticator take only 6)
    #[arg(long, default_value_t = otp::DEFAULT_DIGITS)]
    pub digits: u8,
    /// Seconds per code
    #[arg(long, default_value_t = otp::DEFAULT_PERIOD)]
    pub period: u32,
    /// Counter-based (HOTP) instead of time-based
    #[arg(long, conflicts_with = "steam")]
    pub hotp: bool,
    /// HOTP counter to start from
    #[arg(long, requires = "hotp", default_value_t = 0)]
    pub counter: u64,
    /// A Steam Guard account (5 characters)
    #[arg(long)]
    pub steam: bool,
    /// A free-text note
    #[arg(long)]
    pub note: Option<String>,
    /// A tag (repeat for several)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Which entry (same matching as `code`)
    pub query: String,
    /// New issuer (the service's name)
    #[arg(long)]
    pub issuer: Option<String>,
    /// New account name
    #[arg(long)]
    pub account: Option<String>,
    /// Code length, 6 to 10
    #[arg(long)]
    pub digits: Option<u8>,
    /// Seconds per code (totp and steam)
    #[arg(long)]
    pub period: Option<u32>,
    /// HMAC algorithm
    #[arg(long, value_enum)]
    pub algorithm: Option<AlgorithmArg>,
    /// HOTP counter
    #[arg(long)]
    pub counter: Option<u64>,
    /// Note ("" removes it)
    #[arg(long)]
    pub note: Option<String>,
    /// Replace the tags (repeat for several; one empty tag removes them)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Option<Vec<String>>,
    /// Hardware-token serial number ("" removes it)
    #[arg(long)]
    pub serial: Option<String>,
    /// User principal name the token belongs to ("" removes it)
    #[arg(long)]
    pub upn: Option<String>,
    /// Token manufacturer ("" removes it)
    #[arg(long)]
    pub manufacturer: Option<String>,
    /// Token model ("" removes it)
    #[arg(long)]
    pub model: Option<String>,
}

/// The one entry `query` names, or exit 2 (none) / 3 (several).
pub fn pick(vault: &Vault, query: &str) -> Result<usize, Failure> {
    match query::find(&vault.entries, query) {
        Found::One(index) => Ok(index),
        Found::None => Err(no_match(query)),
        Found::Many(indices) => {
            let matches: Vec<&Entry> = indices.iter().map(|i| &vault.entries[*i]).collect();
            Err(ambiguous(query, told_apart(&matches)))
        }
    }
}

/// The names of `entries`; where two share a name (the versions a merge kept of one entry),
/// with the id that tells them apart and the conflict flag.
fn told_apart(entries: &[&Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|entry| {
            let name = entry.name();
            let shared = entries.iter().filter(|other| other.name() == name).count() > 1;
            match (shared, entry.id) {
                (true, Some(id)) if entry.conflict.is_some() => {
                    format!("{} (conflict, id {id})", query::describe(*entry))
                }
                (true, Some(id)) => format!("{} (id {id})", query::describe(*entry)),
                _ => query::describe(*entry),
            }
        })
        .collect()
}

/// `query` matches nothing (exit 2).
pub fn no_match(query: &str) -> Failure {
    Failure::new(format!("no entry matches '{query}'")).with_exit(2)
}

/// `query` matches the entries `names` (exit 3).
pub fn ambiguous(query: &str, names: Vec<String>) -> Failure {
    Failure::new(format!(
        "'{query}' matches {} entries: {}",
        names.len(),
        names.join(", ")
    ))
    .with_hint("use the full issuer:account, the serial number or the entry's id")
    .with_exit(3)
}

/// The first line of stdin (a secret or a URI), capped.
fn stdin_line(what: &'static str) -> Result<Zeroizing<String>, Failure> {
    Ok(read::read_first_line(
        std::path::Path::new("-"),
        what,
        read::PASSPHRASE_CAP,
    )?)
}

/// Warns that a secret given in the arguments can be seen by other users.
fn warn_argv(option: &str, instead: &str) {
    warn(format!(
        "{option} puts the secret in keyfob's arguments, which other users of this machine can see (ps) while it runs; use {instead} instead"
    ));
}

fn read_secret(args: &AddArgs, name: &str) -> Result<Zeroizing<String>, Failure> {
    if let Some(secret) = &args.secret {
        // A person at a terminal is told; scripts are not told on every run (what goes in
        // their arguments is their author's choice, and the option's help says the same).
        if std::io::stdin().is_terminal() {
            warn_argv(
                "--secret BASE32",
                "--secret-stdin, or leave --secret out to be asked for it",
            );
        }
        return Ok(Zeroizing::new(secret.clone()));
    }
    if args.secret_stdin {
        return stdin_line("secret (standard input)");
    }
    if std::io::stdin().is_terminal() {
        let encoding = if args.hex { "hex" } else { "Base32" };
        let typed = unlock::prompt_hidden(&format!("Secret ({encoding}) for {name}: "))?;
        return Ok(Zeroizing::new(typed.expose_secret().to_string()));
    }
    Err(Failure::new("no secret given")
        .with_hint("use --secret-stdin, --secret BASE32 or --uri otpauth://…"))
}

fn entry_from_args(args: &AddArgs) -> Result<Entry, Failure> {
    if let Some(given) = &args.uri {
        let text = if given == "-" {
            stdin_line("URI (standard input)")?
        } else {
            Zeroizing::new(given.clone())
        };
        let mut entry = uri::parse(&text).map_err(|e| Failure::new(format!("--uri: {e}")))?;
        if given != "-" {
            // Once it is known to hold a real secret (errors stay one line).
            warn_argv("--uri URI", "--uri - (the URI on standard input)");
        }
        entry.note = args.note.clone();
        entry.tags = args.tags.clone();
        return Ok(entry);
    }
    let issuer = args.issuer.clone().unwrap_or_default();
    let account = args.account.clone().unwrap_or_default();
    if issuer.trim().is_empty() && account.trim().is_empty() {
        return Err(Failure::new("the entry needs a name")
            .with_hint("give --issuer and --account, or --uri otpauth://…"));
    }
    let shown = entry::display_name(&issuer, &account);
    let text = read_secret(args, &shown)?;
    let parsed = if args.hex {
        Secret::parse_hex(&text)
    } else {
        Secret::parse_base32(&text)
    };
    let secret = parsed.map_err(|e| Failure::new(format!("secret: {e}")))?;
    let mut entry = Entry::new(issuer, account, secret);
    entry.algorithm = args.algorithm.into();
    entry.digits = args.digits;
    entry.period = args.period;
    if args.hotp {
        entry = entry.with_hotp(args.counter);
    }
    if args.steam {
        entry = entry.with_steam();
    }
    entry.note = args.note.clone();
    entry.tags = args.tags.clone();
    entry.validate().map_err(|e| Failure::new(e.to_string()))?;
    Ok(entry)
}

/// Describes the code an entry shows now, for `add`/`edit` output.
pub fn describe_code(entry: &Entry, now: u64) -> Result<String, Failure> {
    let code = entry.code(now).map_err(|e| Failure::new(e.to_string()))?;
    Ok(match entry.remaining(now) {
        Some(left) => format!("code {code} ({left} s left)"),
        None => format!("code {code} at counter {}", entry.counter),
    })
}

/// The line `add` and `edit` print about an entry's code now.
pub fn describe(view: &EntryView) -> String {
    match view.remaining() {
        Some(left) => format!("code {} ({left} s left)", view.code()),
        None => format!("code {} at counter {}", view.code(), view.counter),
    }
}

pub fn add(context: &Context, args: &AddArgs) -> Result<u8, Failure> {
    let entry = entry_from_args(args)?;
    if entry.secret.is_short() {
        warn(format!(
            "the secret is only {} bits (RFC 4226 asks for 128); keyfob accepts it because hardware tokens use such secrets",
            entry.secret.bits()
        ));
    }
    let mut reach = Reach::open(context)?;
    let name = entry.name();
    crate::failure::test_panic_point("add", &[&entry]);
    let now = Context::now(None);
    let applied = reach.apply(context, &Op::Add(vec![entry.clone()]), now)?;
    reach.done(context);
    let shown = match applied.views.first() {
        Some(view) => describe(view),
        None => describe_code(&entry, now)?,
    };
    outln!("added '{name}': {shown}")?;
    Ok(0)
}

/// The id of an entry as shown (every stored entry has one).
pub fn id_of(entry: &Entry) -> Result<EntryId, Failure> {
    view_id(entry.id, &entry.name())
}

fn view_id(id: Option<EntryId>, name: &str) -> Result<EntryId, Failure> {
    id.ok_or_else(|| Failure::new(format!("'{name}' has no id yet; nothing was changed")))
}

pub fn remove(context: &Context, query: &str, yes: bool) -> Result<u8, Failure> {
    let mut reach = Reach::open(context)?;
    let now = Context::now(None);
    let target = reach.pick(context, query, now)?;
    let name = target.name();
    if !yes {
        match super::confirm(&format!(
            "Remove '{name}'? Its secret is deleted from the vault (vault.age.bak keeps the previous version until the next change)."
        )) {
            Some(true) => {}
            Some(false) => return Err(Failure::new("nothing was removed")),
            None => {
                return Err(Failure::new(format!(
                    "refusing to remove '{name}' without confirmation"
                ))
                .with_hint("pass --yes to remove without asking"));
            }
        }
    }
    let id = view_id(target.id, &name)?;
    reach.apply(context, &Op::Remove { id }, now)?;
    reach.done(context);
    outln!("removed '{name}'")?;
    Ok(0)
}

/// `Some(None)` for an empty text (the field is removed), `Some(Some(text))` otherwise.
fn optional(value: &Option<String>) -> Option<Option<String>> {
    value
        .as_ref()
        .map(|v| (!v.trim().is_empty()).then(|| v.trim().to_string()))
}

/// The fields `args` change in the entry `target` shows, checked as the entry will be: only
/// those given (an edit another keyfob made meanwhile to other fields is kept).
fn edit_patch(target: &EntryView, args: &EditArgs) -> Result<Patch, Failure> {
    let kind = target.kind;
    if args.algorithm.is_some() && kind == Kind::Steam {
        return Err(Failure::new("Steam entries always use SHA1"));
    }
    if args.digits.is_some() && kind == Kind::Steam {
        return Err(Failure::new("Steam codes always have 5 characters"));
    }
    if args.period.is_some() && kind == Kind::Hotp {
        return Err(Failure::new(
            "--period does not apply to a HOTP (counter) entry",
        ));
    }
    if args.counter.is_some() && kind != Kind::Hotp {
        return Err(Failure::new(
            "--counter applies only to HOTP entries; this one is time-based",
        ));
    }
    let issuer = args.issuer.as_deref().unwrap_or(&target.issuer);
    let account = args.account.as_deref().unwrap_or(&target.account);
    if issuer.trim().is_empty() && account.trim().is_empty() {
        return Err(Failure::new(entry::EntryError::NoName.to_string()));
    }
    let digits = args.digits.unwrap_or(target.digits);
    let period = args.period.unwrap_or(target.period);
    otp::check_params(kind, digits, period)
        .map_err(|e| Failure::new(entry::EntryError::from(e).to_string()))?;
    let patch = Patch {
        issuer: args.issuer.clone(),
        account: args.account.clone(),
        algorithm: args.algorithm.map(Into::into),
        digits: args.digits,
        period: args.period,
        counter: args.counter,
        note: optional(&args.note),
        tags: args.tags.as_ref().map(|tags| {
            tags.iter()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        }),
        serial: optional(&args.serial),
        manufacturer: optional(&args.manufacturer),
        model: optional(&args.model),
        upn: optional(&args.upn),
        ..Patch::default()
    };
    Ok(patch)
}

pub fn edit(context: &Context, args: &EditArgs) -> Result<u8, Failure> {
    let changes = [
        args.issuer.is_some(),
        args.account.is_some(),
        args.digits.is_some(),
        args.period.is_some(),
        args.algorithm.is_some(),
        args.counter.is_some(),
        args.note.is_some(),
        args.tags.is_some(),
        args.serial.is_some(),
        args.upn.is_some(),
        args.manufacturer.is_some(),
        args.model.is_some(),
    ];
    if !changes.contains(&true) {
        return Err(Failure::new("nothing to change")
            .with_hint("give at least one of --issuer, --account, --digits, --period, --algorithm, --counter, --note, --tag, --serial, --upn, --manufacturer, --model"));
    }
    let mut reach = Reach::open(context)?;
    let now = Context::now(None);
    let target = reach.pick(context, &args.query, now)?;
    let id = view_id(target.id, &target.name())?;
    let patch = edit_patch(&target, args)?;
    let applied = reach.apply(
        context,
        &Op::Edit {
            id,
            patch: Box::new(patch),
        },
        now,
    )?;
    reach.done(context);
    let updated = applied.views.first().unwrap_or(&target);
    outln!("updated '{}': {}", updated.name(), describe(updated))?;
    Ok(0)
}
