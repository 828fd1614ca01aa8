//! Talking to a running agent: what the command line and the screen use instead of opening
//! the vault themselves.
//!
//! Promises:
//! - [`connect`] reads no vault, identity or settings file: it resolves the vault's path,
//!   checks the agent folder is private, connects, and checks the agent runs as this user
//!   (SO_PEERCRED) before saying a word to it. No agent (no socket, a stale one — removed when
//!   no agent holds its lock) is [`Connect::None`], not an error.
//! - Every request has a time limit, and a reply over [`REPLY_CAP`] is refused unread.
//! - [`Client::apply`] seals the operation to the agent's own ephemeral recipient (asked on
//!   the same connection), so seeds never cross the socket in the clear.
//! - Errors are the agent's own words (the command's texts) or say that the agent stopped
//!   answering; [`ClientError::unserved`] tells when nothing was done, so the caller may
//!   unlock the vault directly instead.

use std::io::Write as _;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::place::{self, Place, PlaceError};
use super::protocol::{
    self, ApplyBody, Ask, Found, FrameError, Problem, ProblemKind, REPLY_CAP, Reply, Request,
    Status,
};
use crate::engine::ops::{Op, Outcome};
use crate::engine::view::EntryView;
use crate::failure::Failure;

/// How long a reply may take (a passphrase vault changed on disk costs the agent one scrypt,
/// which a loaded machine can stretch to seconds).
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// Test builds only: when this variable names a file, every byte a client sends to or
/// receives from an agent is appended to it, so a test can search the socket's traffic.
pub const TEST_TAP_VAR: &str = "KEYFOB_TEST_AGENT_TAP";

/// What [`connect`] found.
#[derive(Debug)]
pub enum Connect {
    Agent(Client),
    /// No agent serves this vault.
    None,
    /// There may be one, but keyfob will not talk to it (its folder is not private, or the
    /// socket's peer is another user).
    Unusable(Failure),
}

/// A connection to the agent of one vault.
pub struct Client {
    stream: UnixStream,
    /// The agent's recipient, once asked.
    recipient: Option<String>,
    tap: Option<std::fs::File>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

/// Why a request got no answer.
#[derive(Debug)]
pub enum ClientError {
    /// The agent stopped answering (it ended, or timed out); whether it did the request is
    /// unknown.
    Lost(String),
    /// The agent answered no.
    Refused(Problem),
    /// The agent answered something that does not fit the request.
    Unexpected,
}

impl ClientError {
    /// Whether the agent certainly did nothing and will not serve again, so that the caller
    /// may open the vault directly instead.
    pub fn unserved(&self) -> bool {
        matches!(self, ClientError::Refused(p) if p.kind == ProblemKind::Ending)
    }

    /// The error as the person sees it.
    pub fn failure(self) -> Failure {
        match self {
            ClientError::Lost(why) => Failure::new(format!("the agent stopped answering ({why})"))
                .with_hint(
                    "`keyfob agent --status` tells whether it still runs; `keyfob lock` ends it",
                ),
            ClientError::Refused(problem) => Failure {
                message: problem.message,
                hint: problem.hint,
                exit: problem.exit,
            },
            ClientError::Unexpected => Failure::new("the agent answered something unexpected")
                .with_hint("lock it (`keyfob lock`) and unlock again"),
        }
    }
}

/// Connects to the agent that serves `vault`, if one runs.
pub fn connect(vault: &Path) -> Connect {
    // Where no agent ever ran there is no folder: nothing more to look at (the common case
    // for scripts with an identity file, which pay one `stat` for this).
    if std::fs::symlink_metadata(place::runtime_dir()).is_err() {
        return Connect::None;
    }
    let place = match place::for_vault(vault) {
        Ok(place) => place,
        Err(_) => return Connect::None,
    };
    match place.check() {
        Ok(()) => {}
        Err(PlaceError::Create { .. }) => return Connect::None,
        Err(e) => return Connect::Unusable(unusable(&e)),
    }
    let stream = match UnixStream::connect(&place.socket) {
        Ok(stream) => stream,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            remove_stale(&place);
            return Connect::None;
        }
        Err(_) => return Connect::None,
    };
    let peer = rustix::net::sockopt::socket_peercred(&stream);
    if !peer.is_ok_and(|cred| cred.uid == rustix::process::geteuid()) {
        return Connect::Unusable(
            Failure::new(format!(
                "the agent socket '{}' is served by another user; keyfob will not talk to it",
                place.socket.display()
            ))
            .with_hint("remove it, or set XDG_RUNTIME_DIR to a private folder"),
        );
    }
    let _ = stream.set_read_timeout(Some(REPLY_TIMEOUT));
    let _ = stream.set_write_timeout(Some(REPLY_TIMEOUT));
    Connect::Agent(Client {
        stream,
        recipient: None,
        tap: tap(),
    })
}

fn unusable(e: &PlaceError) -> Failure {
    let failure = Failure::new(e.to_string());
    match e.hint() {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    }
}

/// Removes a socket no agent listens on — only when no agent holds the vault's lock, so a
/// socket an agent is binding right now is never taken away.
fn remove_stale(place: &Place) {
    let Ok(lock) = std::fs::OpenOptions::new().write(true).open(&place.lock) else {
        let _ = std::fs::remove_file(&place.socket);
        return;
    };
    if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok() {
        let _ = std::fs::remove_file(&place.socket);
    }
}

#[cfg(debug_assertions)]
fn tap() -> Option<std::fs::File> {
    let path = std::env::var_os(TEST_TAP_VAR)?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()
}

#[cfg(not(debug_assertions))]
fn tap() -> Option<std::fs::File> {
    None
}

impl Client {
    /// Sends one request and reads its reply; a refusal is an error.
    fn request(&mut self, ask: Ask) -> Result<Reply, ClientError> {
        let bytes = protocol::frame(&Request::new(ask));
        if let Some(tap) = &mut self.tap {
            let _ = tap.write_all(&bytes);
        }
        (&self.stream)
            .write_all(&bytes)
            .map_err(|e| ClientError::Lost(e.to_string()))?;
        let body = protocol::read_frame(&mut &self.stream, REPLY_CAP).map_err(|e| match e {
            FrameError::Closed | FrameError::Truncated => {
                ClientError::Lost("it closed the connection".into())
            }
            other => ClientError::Lost(other.to_string()),
        })?;
        if let Some(tap) = &mut self.tap {
            let _ = tap.write_all(&(body.len() as u32).to_be_bytes());
            let _ = tap.write_all(&body);
        }
        match protocol::decode::<Reply>(&body) {
            Ok(Reply::Refused(problem)) => Err(ClientError::Refused(problem)),
            Ok(reply) => Ok(reply),
            Err(_) => Err(ClientError::Unexpected),
        }
    }

    /// Which vault, since when, until when (does not count as use).
    pub fn status(&mut self) -> Result<Status, ClientError> {
        match self.request(Ask::Status)? {
            Reply::Status(status) => {
                self.recipient = Some(status.recipient.clone());
                Ok(status)
            }
            _ => Err(ClientError::Unexpected),
        }
    }

    /// Every entry at `at`, and the warnings the vault's opening would print.
    pub fn list(&mut self, at: u64) -> Result<(Vec<EntryView>, Vec<String>), ClientError> {
        match self.request(Ask::List { at })? {
            Reply::Entries { views, warnings } => Ok((views, warnings)),
            _ => Err(ClientError::Unexpected),
        }
    }

    /// The entry `query` picks, with its codes at `at` (a HOTP match advanced if asked).
    pub fn code(
        &mut self,
        query: &str,
        at: u64,
        advance_hotp: bool,
    ) -> Result<(Found, Vec<String>), ClientError> {
        let ask = Ask::Code {
            query: query.to_string(),
            at,
            advance_hotp,
        };
        match self.request(ask)? {
            Reply::Code { found, warnings } => Ok((found, warnings)),
            _ => Err(ClientError::Unexpected),
        }
    }

    /// Applies `op` at `at` (sealed to the agent); with `dry_run`, only says what it would do.
    pub fn apply(&mut self, op: &Op, at: u64, dry_run: bool) -> Result<Applied, ClientError> {
        let recipient = match &self.recipient {
            Some(recipient) => recipient.clone(),
            None => self.status()?.recipient,
        };
        let body = ApplyBody { op: op.clone(), at };
        let sealed = protocol::seal(&body, &recipient)
            .map_err(|e| ClientError::Refused(Problem::new(ProblemKind::Failed, e.to_string())))?;
        match self.request(Ask::Apply { sealed, dry_run })? {
            Reply::Applied {
                outcome,
                views,
                warnings,
            } => Ok(Applied {
                outcome,
                views,
                warnings,
            }),
            _ => Err(ClientError::Unexpected),
        }
    }

    /// Wipes the agent's keys and ends it; its socket is gone when this returns.
    pub fn lock(&mut self) -> Result<(), ClientError> {
        match self.request(Ask::Lock)? {
            Reply::Locked => Ok(()),
            _ => Err(ClientError::Unexpected),
        }
    }
}

/// What an applied operation did.
#[derive(Debug, Clone)]
pub struct Applied {
    pub outcome: Outcome,
    /// The entries it added or changed, as they are now.
    pub views: Vec<EntryView>,
    pub warnings: Vec<String>,
}
