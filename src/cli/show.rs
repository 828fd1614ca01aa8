//! `list` and `code`: reading codes, for people and for scripts.

use serde::Serialize;

use super::entries::{ambiguous, id_of, no_match, pick};
use super::{Context, clipboard_hold, reach};
use crate::engine::crypto::{Key, Protection};
use crate::engine::entry::Entry;
use crate::engine::ops::{Op, Outcome};
use crate::engine::otp::{Code, Kind};
use crate::engine::store::{Session, Store};
use crate::engine::vault::{Lookup, Vault};
use crate::engine::view::{CodeWindow, EntryView};
use crate::engine::width::{pad, width};
use crate::failure::Failure;

/// One entry as `list --json` / `code --json` print it. No secrets.
///
/// Beside the contract's keys: `id` (the entry's stable id; a query that names it picks the
/// entry) and `conflict` (for a version a merge kept beside another, that entry's id; else
/// null).
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
    id: Option<String>,
    conflict: Option<String>,
}

impl<'a> EntryJson<'a> {
    fn new(view: &'a EntryView) -> EntryJson<'a> {
        let hotp = view.kind == Kind::Hotp;
        EntryJson {
            issuer: &view.issuer,
            account: &view.account,
            kind: view.kind.as_str(),
            algorithm: view.algorithm.as_str(),
            digits: view.digits,
            period: (!hotp).then_some(view.period),
            counter: hotp.then_some(view.counter),
            code: view.code().to_string(),
            remaining: view.remaining(),
            serial: view.serial.as_deref(),
            id: view.id.map(|id| id.to_string()),
            conflict: view.conflict.map(|id| id.to_string()),
        }
    }
}

fn code_of(entry: &Entry, now: u64) -> Result<Code, Failure> {
    entry
        .code(now)
        .map_err(|e| Failure::new(format!("'{}': {e}", entry.name())))
}

fn view_of(entry: &Entry, now: u64) -> Result<EntryView, Failure> {
    EntryView::of(entry, now).map_err(|e| Failure::new(format!("'{}': {e}", entry.name())))
}

/// `--next` / `--min-remaining` on a counter entry.
fn hotp_not_timed(name: &str) -> Failure {
    Failure::new(format!(
        "'{name}' is a HOTP (counter) entry: --next and --min-remaining apply to time-based codes"
    ))
}

fn json<T: Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|e| Failure::new(format!("cannot write JSON: {e}")))
}

/// Warns on stderr when the codes depend on a clock the kernel calls unsynchronised (not with
/// `--at`, which fixes the time).
pub(super) fn check_clock(at: Option<u64>) {
    if at.is_none()
        && let Some(text) = crate::clock::warning(crate::clock::health())
    {
        super::warn(text);
    }
}

/// Every entry's view at `now`: from the agent if one holds the vault, else opened here.
fn all_views(context: &Context, now: u64) -> Result<Vec<EntryView>, Failure> {
    if let Some(mut client) = reach::agent(context) {
        match client.list(now) {
            Ok((views, warnings)) => {
                reach::warn_all(&warnings);
                return Ok(views);
            }
            Err(e) if e.unserved() => {}
            Err(e) => return Err(e.failure()),
        }
    }
    let session = context.access.open()?;
    let views = session
        .vault()
        .entries
        .iter()
        .map(|e| view_of(e, now))
        .collect::<Result<Vec<_>, _>>()?;
    reach::autostart_session(context, &session);
    Ok(views)
}

pub fn list(context: &Context, as_json: bool, at: Option<u64>) -> Result<u8, Failure> {
    let now = Context::now(at);
    let views = all_views(context, now)?;
    check_clock(at);
    if as_json {
        let rows: Vec<EntryJson> = views.iter().map(EntryJson::new).collect();
        outln!("{}", json(&rows)?)?;
        return Ok(0);
    }
    if views.is_empty() {
        errln!("the vault is empty; add an entry with `keyfob add` or `keyfob import`");
        return Ok(0);
    }
    // Padded by display width (CJK characters and emoji take two columns), not characters.
    let widest = |f: fn(&EntryView) -> &str| views.iter().map(|e| width(f(e))).max().unwrap_or(0);
    let issuer_w = widest(|e| &e.issuer).max(6);
    let account_w = widest(|e| &e.account).max(7);
    // A flag naming an entry that is gone (a hand-edited file) marks nothing.
    let ids: std::collections::HashSet<_> = views.iter().filter_map(|e| e.id).collect();
    let mut out = String::new();
    for view in &views {
        let left = match view.remaining() {
            Some(s) => format!("{s:>3} s"),
            None => format!("#{}", view.counter),
        };
        let flag = if view.conflict.is_some_and(|first| ids.contains(&first)) {
            "  [conflict]"
        } else {
            ""
        };
        let line = format!(
            "{}  {}  {:<9}  {left}{flag}",
            pad(&view.issuer, issuer_w),
            pad(&view.account, account_w),
            view.code().grouped(),
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out!("{out}")?;
    let conflicts = views
        .iter()
        .filter(|e| e.conflict.is_some_and(|first| ids.contains(&first)))
        .count();
    if conflicts > 0 {
        errln!(
            "note: {conflicts} [conflict] {} a merge kept beside another version of the same entry: keep one of each pair by removing the other (`keyfob remove ID`; ids in `keyfob list --json`)",
            if conflicts == 1 {
                "entry is"
            } else {
                "entries are"
            }
        );
    }
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
    // A copy that cannot happen fails before anything is printed or a HOTP code is used up.
    let copier = copy
        .then(|| clipboard_hold::Copier::prepare(context))
        .transpose()?;
    let now = Context::now(at);
    let timed_only = min_remaining.is_some() || next;
    // A HOTP match is advanced only when it is not refused below.
    let mut view = match agent_code(context, query, now, !timed_only)? {
        Some(view) => view,
        None => {
            let (entry, _) = find_code(context, query, now, timed_only)?;
            view_of(&entry, now)?
        }
    };
    let mut code = view.code();
    check_clock(at);
    if timed_only {
        let name = crate::engine::entry::display_name(&view.issuer, &view.account);
        if view.kind == Kind::Hotp {
            return Err(hotp_not_timed(&name));
        }
        let left = view.remaining().unwrap_or(0);
        if let Some(wanted) = min_remaining
            && wanted > view.period
        {
            return Err(Failure::new(format!(
                "--min-remaining {wanted} is longer than '{name}''s period of {} s: no code ever has that long left",
                view.period
            )));
        }
        if next || min_remaining.is_some_and(|wanted| left < wanted) {
            let start = now + u64::from(left);
            if at.is_none() && !next {
                crate::clock::sleep_until(start);
            }
            // The view holds the next period's code too.
            let (next_code, left) = view
                .codes
                .code_at(start)
                .ok_or_else(|| Failure::new("the next code is past the end of time"))?;
            view.codes = CodeWindow {
                at: start,
                current: next_code,
                next: None,
                remaining: left,
                period: view.codes.period,
            };
            code = next_code;
        }
    }
    // Copied first: stdout gets the code only when the whole command succeeded.
    if let Some(copier) = copier {
        copier.copy(code.as_str())?;
    }
    if as_json {
        outln!("{}", json(&EntryJson::new(&view))?)?;
    } else {
        outln!("{code}")?;
    }
    Ok(0)
}

/// `code` through the agent, if one holds the vault (a HOTP match is advanced there, under
/// the lock). `None`: no agent (or one that can no longer serve), so the vault is opened here.
fn agent_code(
    context: &Context,
    query: &str,
    now: u64,
    advance_hotp: bool,
) -> Result<Option<EntryView>, Failure> {
    let Some(mut client) = reach::agent(context) else {
        return Ok(None);
    };
    match client.code(query, now, advance_hotp) {
        Ok((found, warnings)) => {
            reach::warn_all(&warnings);
            reach::found_view(found, query).map(Some)
        }
        Err(e) if e.unserved() => Ok(None),
        Err(e) => Err(e.failure()),
    }
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
    let mut store = context.access.store();
    // Read-only, but the trust warnings are shown on every open all the same.
    let quick = |store: &mut Store,
                 protection: Protection,
                 key: &Key,
                 plaintext: &[u8]|
     -> Result<Option<(Entry, Code)>, Failure> {
        let Some((found, head)) = Vault::lookup_with_head(plaintext, query) else {
            return Ok(None);
        };
        if matches!(&found, Lookup::One(entry) if entry.kind == Kind::Hotp) {
            return Ok(None);
        }
        let standing = store.standing(protection, &head, key);
        for line in crate::failure::trust_warning(store.path(), &standing)
            .into_iter()
            .chain(store.notices().iter().map(crate::failure::notice_text))
        {
            super::warn(line);
        }
        match found {
            Lookup::One(entry) => {
                let code = code_of(&entry, now)?;
                Ok(Some((*entry, code)))
            }
            Lookup::None => Err(no_match(query)),
            Lookup::Many(names) => Err(ambiguous(query, names)),
        }
    };
    // Read once: an encrypted SSH key asks for its passphrase once. A protected identity
    // (and the default one) waits for the header: a passphrase vault must not ask for it.
    let plain = match context.access.identity_file() {
        Ok(Some(file)) if !file.is_protected() => Some(
            file.unlock(context.access.passphrase_file.as_deref())
                .map(Key::Identities),
        ),
        Ok(_) => None,
        Err(failure) => Some(Err(failure)),
    };
    if let Some(Ok(key)) = &plain
        && let Some(plaintext) = store.decrypt_streaming(key)
        && let Some(found) = quick(&mut store, Protection::Recipients, key, &plaintext)?
    {
        // (An encrypted SSH key asked for its passphrase: the agent reads the file itself.)
        reach::autostart(context, key, None);
        return Ok(found);
    }
    let loaded = store.load()?;
    let key = match (plain, loaded.protection()) {
        (Some(Ok(key)), Protection::Recipients) => key,
        // A bad identity file matters only to a vault that needs it.
        (Some(Err(failure)), Protection::Recipients) => return Err(failure),
        _ => context.access.key(&loaded)?,
    };
    let plaintext = store.decrypt(&loaded, &key)?;
    if let Some(found) = quick(&mut store, loaded.protection(), &key, &plaintext)? {
        reach::autostart(context, &key, Some((&loaded.content_hash(), &plaintext)));
        return Ok(found);
    }
    let mut session = store.open_decrypted(loaded, key, &plaintext)?;
    for line in crate::unlock::warnings(&session) {
        super::warn(line);
    }
    let found = open_code(&mut session, query, now, timed_only)?;
    reach::autostart_session(context, &session);
    Ok(found)
}

/// `code` on the opened vault: picks the entry, and saves a hotp entry's next counter.
fn open_code(
    session: &mut Session,
    query: &str,
    now: u64,
    timed_only: bool,
) -> Result<(Entry, Code), Failure> {
    let index = pick(session.vault(), query)?;
    if timed_only && session.vault().entries[index].kind == Kind::Hotp {
        return Err(hotp_not_timed(&session.vault().entries[index].name()));
    }
    let (entry, code) = if session.vault().entries[index].kind == Kind::Hotp {
        // The code at the stored counter is used up: the engine issues it and saves counter
        // + 1 under the lock, from the freshest counter in case another process advanced it.
        let id = id_of(&session.vault().entries[index])?;
        let Outcome::Advanced { issued, code, .. } = session.apply(&Op::Advance { id }, now)?
        else {
            return Err(Failure::new("the HOTP advance reported something else"));
        };
        let mut shown = session
            .vault()
            .entry(id)
            .cloned()
            .ok_or_else(|| Failure::new("the advanced entry is missing after the save"))?;
        shown.counter = issued;
        (shown, code)
    } else {
        let entry = session.vault().entries[index].clone();
        let code = code_of(&entry, now)?;
        (entry, code)
    };
    Ok((entry, code))
}
