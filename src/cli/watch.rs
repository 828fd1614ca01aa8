//! `watch`: each new code of one entry as its period starts, for scripts that type codes
//! unattended. Time comes from [`crate::clock`] (simulated in tests).
//!
//! Promises: the first line is the current code, then one line per period start, until the
//! process is interrupted or the reader goes away (a closed pipe ends it quietly, exit 0;
//! any other failure to write, such as a full disk, is an error as for every command).
//! A line is written only at or after the start of its period; a late wake-up (a suspended
//! machine) prints the code of the period it wakes in. HOTP entries are refused: their codes
//! change only when used. With an agent holding the vault, each code is asked of it (nothing
//! is unlocked here and no seed is held); if it goes away, the vault is opened here.

use serde::Serialize;

use super::entries::pick;
use super::output::{stdout_failure, write_out_io};
use super::{Context, reach};
use crate::agent::client::ClientError;
use crate::clock;
use crate::engine::entry::display_name;
use crate::engine::otp::{Code, Generator, Kind};
use crate::failure::Failure;

/// One `--json` line.
#[derive(Serialize)]
struct Line<'a> {
    code: &'a str,
    remaining: u32,
    at: u64,
}

pub fn watch(context: &Context, query: &str, json: bool) -> Result<u8, Failure> {
    let mut source = Source::open(context, query, clock::now())?;
    let mut at = clock::now();
    loop {
        let (code, remaining) = source.code_at(context, at)?;
        let written = if json {
            let line = Line {
                code: code.as_str(),
                remaining,
                at,
            };
            serde_json::to_string(&line)
                .map_err(std::io::Error::other)
                .and_then(|text| write_out_io(format_args!("{text}"), true))
        } else {
            write_out_io(format_args!("{code}"), true)
        };
        match written {
            Ok(()) => {}
            // The reader went away (a closed pipe): that is how a script stops watching.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
            Err(e) => return Err(stdout_failure(&e)),
        }
        let next = at + u64::from(remaining);
        clock::sleep_until(next);
        at = clock::now().max(next);
    }
}

/// Where the codes come from: the agent that holds the vault (asked each period for the entry
/// by its id, so no seed is held here), or the entry's generator, from a vault opened here
/// (which, if a person was asked, is then left unlocked in a new agent as by every command).
enum Source {
    Agent { id: String, warned: bool },
    Here(Generator),
}

impl Source {
    fn open(context: &Context, query: &str, now: u64) -> Result<Source, Failure> {
        if let Some(mut client) = reach::agent(context) {
            match client.code(query, now, false) {
                Ok((found, warnings)) => {
                    reach::warn_all(&warnings);
                    let view = reach::found_view(found, query)?;
                    let name = display_name(&view.issuer, &view.account);
                    if view.kind == Kind::Hotp {
                        return Err(hotp(&name));
                    }
                    // A vault from before entry ids: its entries are looked up by name.
                    let id = view.id.map_or(name, |id| id.to_string());
                    return Ok(Source::Agent { id, warned: true });
                }
                Err(e) if e.unserved() => {}
                Err(e) => return Err(e.failure()),
            }
        }
        Source::here(context, query)
    }

    fn here(context: &Context, query: &str) -> Result<Source, Failure> {
        let session = context.access.open()?;
        reach::autostart_session(context, &session);
        let entry = &session.vault().entries[pick(session.vault(), query)?];
        if entry.kind == Kind::Hotp {
            return Err(hotp(&entry.name()));
        }
        let generator = entry
            .generator()
            .map_err(|e| Failure::new(format!("'{}': {e}", entry.name())))?;
        Ok(Source::Here(generator))
    }

    /// The code at `at` and the seconds it has left. An agent that has gone away (locked,
    /// timed out) is replaced by opening the vault here, asking as usual.
    fn code_at(&mut self, context: &Context, at: u64) -> Result<(Code, u32), Failure> {
        if let Source::Agent { id, warned } = self {
            let answer = reach::agent(context).map(|mut client| client.code(id, at, false));
            match answer {
                Some(Ok((found, warnings))) => {
                    if !std::mem::replace(warned, true) {
                        reach::warn_all(&warnings);
                    }
                    let view = reach::found_view(found, id)?;
                    return Ok((view.code(), view.remaining().unwrap_or(0)));
                }
                Some(Err(e)) if !e.unserved() && !matches!(e, ClientError::Lost(_)) => {
                    return Err(e.failure());
                }
                _ => {
                    errln!("note: the agent no longer holds the vault; unlocking it here");
                    *self = Source::here(context, id)?;
                }
            }
        }
        match self {
            Source::Here(generator) => Ok((generator.code_at(at), generator.remaining(at))),
            Source::Agent { .. } => Err(Failure::new("the vault could not be opened")),
        }
    }
}

fn hotp(name: &str) -> Failure {
    Failure::new(format!(
        "'{name}' is a HOTP (counter) entry: its code changes only when used, so there is nothing to watch"
    ))
    .with_hint("use `keyfob code` to take its next code")
}
