//! `list` and `code`: reading codes, for people and for scripts.

use serde::Serialize;

use super::entries::{ambiguous, no_match, pick};
use super::{Context, clipboard_hold};
use crate::engine::crypto::{Key, Protection};
use crate::engine::entry::Entry;
use crate::engine::otp::{Code, Kind};
use crate::engine::store::Session;
use crate::engine::vault::{Lookup, Vault};
use crate::failure::Failure;

/// One entry as `list --json` / `code --json` print it. No secrets.
#[derive(Debug, Serialize)]
pub struct EntryJson<'a> {
    issuer: &'a str,
    account: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    algorithm: &'static str,
    digits: u8,
    period: Option<u32>,
    counter: Option<u64>,
    code: String,
    remaining: Option<u32>,
    serial: Option<&'a str>,
}

impl<'a> EntryJson<'a> {
    fn new(entry: &'a Entry, code: Code, now: u64) -> EntryJson<'a> {
        let hotp = entry.kind == Kind::Hotp;
        EntryJson {
            issuer: &entry.issuer,
            account: &entry.account,
            kind: entry.kind.as_str(),
            algorithm: entry.algorithm.as_str(),
            digits: entry.digits,
            period: (!hotp).then_some(entry.period),
            counter: hotp.then_some(entry.counter),
            code: code.to_string(),
            remaining: entry.remaining(now),
            serial: entry.serial.as_deref(),
        }
    }
}

fn code_of(entry: &Entry, now: u64) -> Result<Code, Failure> {
    entry
        .code(now)
        .map_err(|e| Failure::new(format!("'{}': {e}", entry.name())))
}

fn json<T: Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|e| Failure::new(format!("cannot write JSON: {e}")))
}

pub fn list(context: &Context, as_json: bool, at: Option<u64>) -> Result<u8, Failure> {
    let session = context.access.open()?;
    let now = Context::now(at);
    let entries = &session.vault().entries;
    let codes = entries
        .iter()
        .map(|e| code_of(e, now))
        .collect::<Result<Vec<_>, _>>()?;
    if as_json {
        let rows: Vec<EntryJson> = entries
            .iter()
            .zip(&codes)
            .map(|(e, c)| EntryJson::new(e, *c, now))
            .collect();
        println!("{}", json(&rows)?);
        return Ok(0);
    }
    if entries.is_empty() {
        eprintln!("the vault is empty; add an entry with `keyfob add` or `keyfob import`");
        return Ok(0);
    }
    let width = |f: fn(&Entry) -> usize| entries.iter().map(f).max().unwrap_or(0);
    let issuer_w = width(|e| e.issuer.chars().count()).max(6);
    let account_w = width(|e| e.account.chars().count()).max(7);
    let mut out = String::new();
    for (entry, code) in entries.iter().zip(&codes) {
        let left = match entry.remaining(now) {
            Some(s) => format!("{s:>3} s"),
            None => format!("#{}", entry.counter),
        };
        out.push_str(&format!(
            "{:<issuer_w$}  {:<account_w$}  {:<9}  {left}\n",
            entry.issuer,
            entry.account,
            code.grouped(),
        ));
    }
    print!("{out}");
    Ok(0)
}

/// `code`'s options.
#[derive(Debug, Clone, Copy, Default)]
pub struct CodeArgs {
    /// A fixed time instead of now (then nothing waits: `--min-remaining` takes the next
    /// period's code at once).
    pub at: Option<u64>,
    pub copy: bool,
    pub json: bool,
    /// If fewer seconds than this are left, the next period's code (waiting for it).
    pub min_remaining: Option<u32>,
    /// The next period's code, without waiting.
    pub next: bool,
}

pub fn code(context: &Context, query: &str, args: CodeArgs) -> Result<u8, Failure> {
    let CodeArgs {
        at,
        copy,
        json: as_json,
        min_remaining,
        next,
    } = args;
    let mut now = Context::now(at);
    let timed_only = min_remaining.is_some() || next;
    let (entry, mut code) = find_code(context, query, now, timed_only)?;
    if timed_only {
        let left = entry.remaining(now).unwrap_or(0);
        if let Some(wanted) = min_remaining
            && wanted > entry.period
        {
            return Err(Failure::new(format!(
                "--min-remaining {wanted} is longer than '{}''s period of {} s: no code ever has that long left",
                entry.name(),
                entry.period
            )));
        }
        if next || min_remaining.is_some_and(|wanted| left < wanted) {
            let start = now + u64::from(left);
            if at.is_none() && !next {
                crate::clock::sleep_until(start);
            }
            now = start;
            code = code_of(&entry, now)?;
        }
    }
    if as_json {
        println!("{}", json(&EntryJson::new(&entry, code, now))?);
    } else {
        println!("{code}");
    }
    if copy {
        clipboard_hold::copy_from_cli(context, code.as_str())?;
    }
    Ok(0)
}

/// The entry `query` picks and its code. Read-only look-ups build only the matching entry
/// and, with an identity, decrypt straight from the file; a hotp match must save its counter,
/// so it (and any document the quick reader does not take, and every error) opens the whole
/// vault the ordinary way.
///
/// With `timed_only`, a hotp match is refused before its counter moves.
fn find_code(
    context: &Context,
    query: &str,
    now: u64,
    timed_only: bool,
) -> Result<(Entry, Code), Failure> {
    let store = context.access.store();
    let quick = |plaintext: &[u8]| -> Result<Option<(Entry, Code)>, Failure> {
        match Vault::lookup(plaintext, query) {
            Some(Lookup::One(entry)) if entry.kind != Kind::Hotp => {
                let code = code_of(&entry, now)?;
                Ok(Some((*entry, code)))
            }
            Some(Lookup::None) => Err(no_match(query)),
            Some(Lookup::Many(names)) => Err(ambiguous(query, names)),
            _ => Ok(None),
        }
    };
    // Read once: an encrypted SSH key asks for its passphrase once.
    let identities = context
        .access
        .identities()
        .map(|ids| ids.map(Key::Identities));
    if let Ok(Some(key)) = &identities
        && let Some(plaintext) = store.decrypt_streaming(key)
        && let Some(found) = quick(&plaintext)?
    {
        return Ok(found);
    }
    let loaded = store.load()?;
    let key = match (identities, loaded.protection()) {
        (Ok(Some(key)), Protection::Recipients) => key,
        // A bad identity file matters only to a vault that needs it.
        (Err(failure), Protection::Recipients) => return Err(failure),
        _ => context.access.key(&loaded)?,
    };
    let plaintext = store.decrypt(&loaded, &key)?;
    if let Some(found) = quick(&plaintext)? {
        return Ok(found);
    }
    open_code(
        store.open_decrypted(loaded, key, &plaintext)?,
        query,
        now,
        timed_only,
    )
}

/// `code` on the opened vault: picks the entry, and saves a hotp entry's next counter.
fn open_code(
    mut session: Session,
    query: &str,
    now: u64,
    timed_only: bool,
) -> Result<(Entry, Code), Failure> {
    let index = pick(session.vault(), query)?;
    if timed_only && session.vault().entries[index].kind == Kind::Hotp {
        return Err(Failure::new(format!(
            "'{}' is a HOTP (counter) entry: --next and --min-remaining apply to time-based codes",
            session.vault().entries[index].name()
        )));
    }
    let (entry, code) = if session.vault().entries[index].kind == Kind::Hotp {
        // The code at the stored counter is used up: save counter + 1 under the lock, using
        // the freshest counter in case another process advanced it meanwhile.
        let target = session.vault().entries[index].clone();
        session.update(|vault| {
            let position = vault.position_of(&target).ok_or_else(|| {
                Failure::new(format!("'{}' disappeared meanwhile", target.name()))
            })?;
            let shown = vault.entries[position].clone();
            let code = code_of(&shown, now)?;
            vault.entries[position].counter = shown.counter.saturating_add(1);
            Ok::<_, Failure>((shown, code))
        })?
    } else {
        let entry = session.vault().entries[index].clone();
        let code = code_of(&entry, now)?;
        (entry, code)
    };
    Ok((entry, code))
}
