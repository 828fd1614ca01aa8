//! One client's connection: its requests read one after another, each answered from the
//! opened vault under the state lock.
//!
//! Promises: a request that cannot be read or understood gets a [`ProblemKind::BadRequest`]
//! reply (when one can still be sent) and the connection closes; answers are the command's
//! own words (the same [`Failure`] texts as without an agent); changes go through
//! [`Session::apply`] only; a vault that the agent can no longer open wipes it and ends it.

use std::os::unix::net::UnixStream;
use std::sync::atomic::Ordering;

use super::{Shared, State};
use crate::agent::protocol::{
    self, Ask, Found, FrameError, Match, Problem, ProblemKind, REQUEST_CAP, Reply, Request,
};
use crate::engine::crypto::CryptoError;
use crate::engine::entry::Entry;
use crate::engine::ops::{Op, OpError, Outcome};
use crate::engine::otp::Kind;
use crate::engine::query;
use crate::engine::store::{ChangeError, Session, VaultError};
use crate::engine::vault::Vault;
use crate::engine::view::{self, EntryView};
use crate::failure::Failure;

/// Serves one connection until the client closes it, a request goes wrong, or the agent
/// ends.
pub(super) fn connection(shared: &Shared, stream: &UnixStream) {
    let mut reader = stream;
    loop {
        let refuse = |message: String| {
            let problem = Problem::new(ProblemKind::BadRequest, message);
            let _ = protocol::write_frame(&mut &*stream, &Reply::Refused(problem));
        };
        let body = match protocol::read_frame(&mut reader, REQUEST_CAP) {
            Ok(body) => body,
            Err(FrameError::Closed | FrameError::Truncated) => return,
            Err(e @ FrameError::TooLarge { .. }) => return refuse(format!("request refused: {e}")),
            Err(FrameError::Io(e)) => {
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) {
                    refuse("the request did not arrive in time".into());
                }
                return;
            }
        };
        let request: Request = match protocol::decode(&body) {
            Ok(request) => request,
            Err(e) => return refuse(format!("request refused: {e}")),
        };
        if request.v != protocol::VERSION {
            return refuse(format!(
                "this agent speaks protocol {}, the request {}: lock it (`keyfob lock`) and unlock again",
                protocol::VERSION,
                request.v
            ));
        }
        shared.answering.fetch_add(1, Ordering::SeqCst);
        let (reply, close) = answer(shared, request.ask);
        let written = protocol::write_frame(&mut &*stream, &reply);
        shared.answering.fetch_sub(1, Ordering::SeqCst);
        if written.is_err() || close {
            return;
        }
    }
}

/// The reply to one request, and whether the connection closes after it.
fn answer(shared: &Shared, ask: Ask) -> (Reply, bool) {
    let mut state = shared.state();
    if state.session.is_none() {
        let gone = Problem::new(ProblemKind::Ending, "the agent has locked the vault");
        return (Reply::Refused(gone), true);
    }
    match ask {
        Ask::Status => (Reply::Status(shared.status(&state)), false),
        Ask::Lock => {
            finish(shared, &mut state);
            (Reply::Locked, true)
        }
        Ask::List { at } => respond(shared, &mut state, |session| {
            let views = views(session.vault().entries.iter(), at)?;
            Ok(Reply::Entries {
                views,
                warnings: crate::unlock::warnings(session),
            })
        }),
        Ask::Code {
            query,
            at,
            advance_hotp,
        } => respond(shared, &mut state, |session| {
            let found = code(session, &query, at, advance_hotp)?;
            Ok(Reply::Code {
                found,
                warnings: crate::unlock::warnings(session),
            })
        }),
        Ask::Apply { sealed, dry_run } => {
            let body = match protocol::open(&sealed, &shared.identity) {
                Ok(body) => body,
                Err(e) => {
                    let problem = Problem::new(ProblemKind::BadRequest, e.to_string());
                    return (Reply::Refused(problem), true);
                }
            };
            respond(shared, &mut state, |session| {
                let (outcome, views) = if dry_run {
                    let mut copy = session.vault().clone();
                    let outcome = body.op.apply(&mut copy, body.at).map_err(op_problem)?;
                    let views = changed_views(&copy, &outcome, body.at)?;
                    (outcome, views)
                } else {
                    let outcome = session.apply(&body.op, body.at).map_err(change_problem)?;
                    let views = changed_views(session.vault(), &outcome, body.at)?;
                    (outcome, views)
                };
                Ok(Reply::Applied {
                    outcome,
                    views,
                    warnings: crate::unlock::warnings(session),
                })
            })
        }
    }
}

/// A request that counts as use: resets the idle timer, follows the vault file, then runs
/// `work`. A vault the agent can no longer open ends the agent.
fn respond(
    shared: &Shared,
    state: &mut State,
    work: impl FnOnce(&mut Session) -> Result<Reply, Problem>,
) -> (Reply, bool) {
    state.last_use = std::time::Instant::now();
    let Some(session) = state.session.as_mut() else {
        let gone = Problem::new(ProblemKind::Ending, "the agent has locked the vault");
        return (Reply::Refused(gone), true);
    };
    let result = follow(session).and_then(|()| work(session));
    match result {
        Ok(reply) => (reply, false),
        Err(problem) => {
            if problem.kind == ProblemKind::Ending {
                finish(shared, state);
            }
            (Reply::Refused(problem), false)
        }
    }
}

/// Wipes the session, removes the socket (so no one else connects) and ends the agent.
fn finish(shared: &Shared, state: &mut State) {
    drop(state.session.take());
    if super::identity_of(&shared.socket) == shared.bound {
        let _ = std::fs::remove_file(&shared.socket);
    }
    shared.end(state);
}

/// Re-reads the vault if its file changed since the agent last read or wrote it.
fn follow(session: &mut Session) -> Result<(), Problem> {
    if session.disk_changed() {
        session.refresh().map_err(vault_problem)?;
    }
    Ok(())
}

/// Views of `entries` at `at`.
fn views<'a>(entries: impl Iterator<Item = &'a Entry>, at: u64) -> Result<Vec<EntryView>, Problem> {
    entries.map(|entry| view(entry, at)).collect()
}

fn view(entry: &Entry, at: u64) -> Result<EntryView, Problem> {
    EntryView::of(entry, at).map_err(|e| failed(Failure::new(format!("'{}': {e}", entry.name()))))
}

/// The entries `outcome` added or changed, as they are in `vault`.
fn changed_views(vault: &Vault, outcome: &Outcome, at: u64) -> Result<Vec<EntryView>, Problem> {
    view::changed(vault, outcome, at).map_err(|e| failed(Failure::new(e.to_string())))
}

/// `code`'s look-up; a HOTP match, when asked, issues its code and saves the next counter.
fn code(session: &mut Session, text: &str, at: u64, advance: bool) -> Result<Found, Problem> {
    let entries = &session.vault().entries;
    let index = match session.find(text) {
        query::Found::One(index) => index,
        query::Found::None => return Ok(Found::None),
        query::Found::Many(indices) => {
            let matches = indices
                .iter()
                .map(|i| Match {
                    name: entries[*i].name(),
                    serial: entries[*i].serial.clone(),
                })
                .collect();
            return Ok(Found::Many { matches });
        }
    };
    let entry = &entries[index];
    if entry.kind != Kind::Hotp || !advance {
        return Ok(Found::One {
            view: Box::new(view(entry, at)?),
            issued: None,
        });
    }
    let Some(id) = entry.id else {
        let name = entry.name();
        return Err(failed(Failure::new(format!(
            "'{name}' has no id yet; nothing was changed"
        ))));
    };
    // Issued under the lock from the freshest counter, and saved before it is shown.
    let outcome = session
        .apply(&Op::Advance { id }, at)
        .map_err(change_problem)?;
    let Outcome::Advanced { issued, .. } = outcome else {
        return Err(failed(Failure::new(
            "the HOTP advance reported something else",
        )));
    };
    let mut shown = session
        .vault()
        .entry(id)
        .cloned()
        .ok_or_else(|| failed(Failure::new("the advanced entry is missing after the save")))?;
    shown.counter = issued;
    Ok(Found::One {
        view: Box::new(view(&shown, at)?),
        issued: Some(issued),
    })
}

fn failed(failure: Failure) -> Problem {
    Problem {
        kind: ProblemKind::Failed,
        message: failure.message,
        hint: failure.hint,
        exit: failure.exit,
        op: None,
    }
}

fn op_problem(e: OpError) -> Problem {
    Problem {
        op: Some(e.clone()),
        ..failed(e.into())
    }
}

fn change_problem(e: ChangeError) -> Problem {
    match e {
        ChangeError::Op(e) => op_problem(e),
        ChangeError::Vault(e) => vault_problem(e),
    }
}

/// A vault error as the command would report it — or, when the agent can no longer open the
/// vault at all (deleted, re-sealed, or its hardware key would have to ask someone), the
/// agent's end.
fn vault_problem(e: VaultError) -> Problem {
    let ending = match &e {
        VaultError::Missing { path } => Some(format!(
            "vault '{}' is gone; the agent wiped its keys and ended",
            path.display()
        )),
        VaultError::Crypto { path, source } => match source {
            CryptoError::WrongPassphrase
            | CryptoError::NoMatchingIdentity
            | CryptoError::NeedsPassphrase
            | CryptoError::NeedsIdentity
            | CryptoError::Plugin(_) => Some(format!(
                "vault '{}' changed and the agent cannot open it any more ({source}); it ended",
                path.display()
            )),
            _ => None,
        },
        _ => None,
    };
    match ending {
        Some(message) => Problem::new(ProblemKind::Ending, message),
        None => failed(e.into()),
    }
}
