//! The agent's wire protocol: what a client may ask, what the agent answers, and how both
//! travel over the socket.
//!
//! Promises:
//! - A frame is a 4-byte big-endian length and that many bytes of JSON. A frame longer than
//!   the reader's cap ([`REQUEST_CAP`] in the agent, [`REPLY_CAP`] in a client) is refused
//!   from its length alone, and reading never holds more than what has arrived plus one
//!   chunk, so a length that lies costs nothing.
//! - Decoding any bytes gives a value or an error, never a panic (property-tested here and
//!   against the real agent in the integration tests).
//! - No message carries a secret in the clear: entry views have none, and the one request that
//!   can hold seeds ([`Ask::Apply`], an add or an import) carries its operation sealed with
//!   age to the agent's ephemeral X25519 recipient ([`seal`], [`open`]); only that agent's
//!   memory ever holds the key that opens it.
//! - Every request carries [`VERSION`]; an agent answers another version with a
//!   [`ProblemKind::BadRequest`], so an old agent and a new client never misread each other.

use std::io::{Read, Write};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::engine::ops::{Op, OpError, Outcome};
use crate::engine::view::EntryView;

/// The protocol's version; both sides must speak the same.
pub const VERSION: u32 = 1;
/// The largest request the agent reads (an import of about 50,000 entries, sealed).
pub const REQUEST_CAP: usize = 16 << 20;
/// The largest reply a client reads (`list` of several hundred thousand entries).
pub const REPLY_CAP: usize = 256 << 20;
/// Bytes read at a time while a frame arrives.
const CHUNK: usize = 64 << 10;

/// One request: the protocol version and what is asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub v: u32,
    pub ask: Ask,
}

impl Request {
    pub fn new(ask: Ask) -> Request {
        Request { v: VERSION, ask }
    }
}

/// What a client asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Ask {
    /// Which vault, since when, until when; does not count as use (the idle timer is not
    /// reset).
    Status,
    /// Every entry's view at time `at`.
    List { at: u64 },
    /// The entry `query` picks (the `code` matching rule), with its codes at `at`. A HOTP
    /// match is advanced (its code issued, the counter saved one higher) when `advance_hotp`,
    /// else only shown.
    Code {
        query: String,
        at: u64,
        advance_hotp: bool,
    },
    /// An engine operation, sealed to the agent's recipient ([`seal`]). With `dry_run` the
    /// agent says what it would do and saves nothing.
    Apply { sealed: String, dry_run: bool },
    /// Wipe the keys and end.
    Lock,
}

/// What [`Ask::Apply`] carries, sealed: the operation and the time it happens at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    pub op: Op,
    pub at: u64,
}

/// The agent's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reply {
    Status(Status),
    Entries {
        views: Vec<EntryView>,
        /// What the command would warn about on opening the vault (its trust standing).
        warnings: Vec<String>,
    },
    Code {
        found: Found,
        warnings: Vec<String>,
    },
    Applied {
        outcome: Outcome,
        /// The entries the operation added or changed, as they are now.
        views: Vec<EntryView>,
        warnings: Vec<String>,
    },
    Locked,
    Refused(Problem),
}

/// What [`Ask::Status`] tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub version: u32,
    /// The vault as the agent opened it.
    pub vault: String,
    pub pid: u32,
    /// When the agent was unlocked (Unix seconds).
    pub started: u64,
    /// When it locks if nothing reads a code or changes an entry before (None: no idle lock).
    pub idle_lock_at: Option<u64>,
    /// The idle timeout in seconds (None: no idle lock).
    pub idle_seconds: Option<u64>,
    /// When it ends whatever happens.
    pub ends_at: u64,
    pub entries: usize,
    /// The agent's ephemeral X25519 recipient (`age1…`): what [`seal`] seals to.
    pub recipient: String,
    /// How many keys the vault is sealed to (0: a passphrase), as the screen's title says.
    #[serde(default)]
    pub keys: usize,
    /// Whether this machine trusts the vault's recipients (saves go ahead).
    #[serde(default = "yes")]
    pub trusted: bool,
}

fn yes() -> bool {
    true
}

/// What a [`Ask::Code`] query found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "found", rename_all = "snake_case")]
pub enum Found {
    /// The one match; `issued` is the HOTP counter whose code was used up, if it advanced.
    One {
        view: Box<EntryView>,
        issued: Option<u64>,
    },
    None,
    /// Every match, in vault order.
    Many {
        matches: Vec<Match>,
    },
}

/// One of several matches: enough to tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    pub name: String,
    pub serial: Option<String>,
}

/// Why a request was not served, in the words the command would use without an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: String,
    pub hint: Option<String>,
    /// The exit status the command should end with.
    pub exit: u8,
    /// The engine's own error, when an operation refused the change (e.g. a duplicate).
    #[serde(default)]
    pub op: Option<OpError>,
}

/// What a client should make of a [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The request failed as it would without an agent (an operation refused, the vault
    /// unreadable); nothing was changed.
    Failed,
    /// The agent can no longer serve this vault (deleted, or re-sealed to something it cannot
    /// open) and is ending; nothing was changed: unlock directly.
    Ending,
    /// Malformed, too large, or another protocol version; the connection closes.
    BadRequest,
}

impl Problem {
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            message: message.into(),
            hint: None,
            exit: 1,
            op: None,
        }
    }
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The other side closed the connection between frames.
    #[error("the connection closed")]
    Closed,
    #[error("a message of {len} bytes is over the limit of {cap}")]
    TooLarge { len: usize, cap: usize },
    /// The connection closed in the middle of a frame.
    #[error("the connection closed in the middle of a message")]
    Truncated,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads one frame's body (at most `cap` bytes).
pub fn read_frame(reader: &mut impl Read, cap: usize) -> Result<Vec<u8>, FrameError> {
    let mut header = [0u8; 4];
    let mut have = 0;
    while have < header.len() {
        match reader.read(&mut header[have..]) {
            Ok(0) if have == 0 => return Err(FrameError::Closed),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => have += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = usize::try_from(u32::from_be_bytes(header)).unwrap_or(usize::MAX);
    if len > cap {
        return Err(FrameError::TooLarge { len, cap });
    }
    let mut body = Vec::with_capacity(len.min(CHUNK));
    while body.len() < len {
        let want = (len - body.len()).min(CHUNK);
        let start = body.len();
        body.resize(start + want, 0);
        match reader.read(&mut body[start..]) {
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => body.truncate(start + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => body.truncate(start),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(body)
}

/// `value` as one frame (length and JSON), ready to write in one go.
pub fn frame<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![0u8; 4];
    // Serialising these types cannot fail (no maps with non-string keys, no I/O).
    if serde_json::to_writer(&mut out, value).is_err() {
        out.truncate(4);
        out.extend_from_slice(b"null");
    }
    let len = u32::try_from(out.len() - 4).unwrap_or(u32::MAX);
    out[..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// Writes `value` as one frame.
pub fn write_frame<T: Serialize>(writer: &mut impl Write, value: &T) -> std::io::Result<()> {
    writer.write_all(&frame(value))?;
    writer.flush()
}

/// Why a frame's body is not a message: where the JSON went wrong, without quoting it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a keyfob agent message (JSON line {line}, column {column}: {what})")]
pub struct DecodeError {
    pub line: usize,
    pub column: usize,
    pub what: &'static str,
}

/// Reads a message from a frame's body.
pub fn decode<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(body).map_err(|e| DecodeError {
        line: e.line(),
        column: e.column(),
        what: match e.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "bad syntax",
            serde_json::error::Category::Data => "unexpected content",
            serde_json::error::Category::Eof => "ends early",
        },
    })
}

/// Why an operation could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the agent's recipient is not an age X25519 key")]
    Recipient,
    #[error("could not seal the change for the agent: {0}")]
    Seal(String),
    #[error("the sealed change could not be opened (not sealed to this agent, or damaged)")]
    Open,
    #[error("the sealed change is not an operation: {0}")]
    Body(DecodeError),
}

/// Seals `body` to the agent's `recipient` (`age1…`), as base64 of a binary age file.
pub fn seal(body: &ApplyBody, recipient: &str) -> Result<String, SealError> {
    let recipient: age::x25519::Recipient = recipient.parse().map_err(|_| SealError::Recipient)?;
    let json =
        Zeroizing::new(serde_json::to_vec(body).map_err(|e| SealError::Seal(e.to_string()))?);
    let sealed = age::encrypt(&recipient, &json).map_err(|e| SealError::Seal(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(sealed))
}

/// Opens what [`seal`] made with the agent's identity.
pub fn open(sealed: &str, identity: &age::x25519::Identity) -> Result<ApplyBody, SealError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .map_err(|_| SealError::Open)?;
    let json = Zeroizing::new(age::decrypt(identity, &bytes).map_err(|_| SealError::Open)?);
    decode(&json).map_err(SealError::Body)
}

#[cfg(test)]
mod tests;
