//! age encryption of the vault: passphrases (scrypt), X25519 identities, OpenSSH keys and age
//! plugins (hardware keys). Identity files are read in [`identities`] (passphrase-protected
//! ones in [`protected`]); plugin prompts are routed by [`plugin`].
//!
//! Promises:
//! - [`protection`] reads only the header, so callers know whether to ask for a passphrase or
//!   an identity before asking for anything.
//! - [`decrypt`] tells apart: not an age file, truncated, modified (authentication failed),
//!   wrong passphrase, no matching identity. age authenticates its body in chunks, so a cut
//!   body and a modified one fail alike; to tell them apart keyfob [`pad`]s what it seals to a
//!   multiple of [`PAD`] bytes, and a body whose length cannot hold such a plaintext was cut.
//!   (A cut that happens to land on a padded length — 1 in 256 — reports as modified.)
//! - [`Seal::encrypt`] produces standard age v1 files that stock `age -d` opens;
//!   [`Seal::encrypt_text_with`] the same from text streamed through the padding and the
//!   encryption, so that a save never holds its plaintext whole (see `padded.rs`).
//! - Passphrases and identities stay in `SecretString`/age types; nothing here prints them.
//! - scrypt's work factor does not depend on the machine's load: new passphrase seals use
//!   2^[`DEFAULT_LOG_N`] unless told otherwise, and opening accepts up to 2^[`MAX_LOG_N`]
//!   (age's own defaults are calibrated on the spot, so a busy machine sealed weaker files
//!   and refused files it had written itself).
//! - A header with any number of stanzas is parsed in linear time (see [`WholeHeader`]).

use std::fmt;
use std::str::FromStr;

use age::secrecy::SecretString;
use zeroize::Zeroizing;

mod header;
mod identities;
mod padded;
mod plaintext;
pub mod plugin;
pub mod protected;

pub use header::{WHOLE_HEADER, WholeHeader};
pub use identities::{
    Ask, Identities, IdentityError, KeyLock, Portable, generate_protected, is_protected,
    read_identities, rebuild, x25519_identities,
};
pub use plaintext::Plaintext;
#[cfg(test)]
use plaintext::wipe;
pub use plugin::{PluginUi, Prompt};

const MAGIC: &[u8] = b"age-encryption.org/";

/// The scrypt work factor (log2 N) of new passphrase seals: age's recommendation for about a
/// second on a current machine, fixed so that a busy machine does not seal weaker files.
pub const DEFAULT_LOG_N: u8 = 18;
/// The highest scrypt work factor keyfob opens (2^22 needs 4 GiB and ~15 s); above it a file
/// is refused before any passphrase is asked for.
pub const MAX_LOG_N: u8 = 22;

/// Plaintexts keyfob seals are padded to a multiple of this many bytes.
pub const PAD: usize = 256;
/// age's STREAM: 64 KiB plaintext chunks, each followed by a 16-byte tag.
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const NONCE: usize = 16;

/// Pads text with spaces before its final newline to a multiple of [`PAD`] bytes, so that a
/// truncated file can be recognised. Whitespace is invisible to RON and to a person reading it.
pub fn pad(text: &str) -> Zeroizing<Vec<u8>> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let len = body.len() + 1;
    let padded_len = len.div_ceil(PAD).max(1) * PAD;
    let mut out = Zeroizing::new(Vec::with_capacity(padded_len));
    out.extend_from_slice(body.as_bytes());
    out.resize(padded_len - 1, b' ');
    out.push(b'\n');
    out
}

/// Whether the body after the header could hold a padded plaintext. False means the file was
/// cut (or grown); true means any failure is a modification.
fn body_length_fits_padding(bytes: &[u8]) -> bool {
    let Some(mac_line) = bytes.windows(5).position(|w| w == b"\n--- ") else {
        return false;
    };
    let Some(header_end) = bytes[mac_line + 1..]
        .iter()
        .position(|b| *b == b'\n')
        .map(|i| mac_line + 1 + i + 1)
    else {
        return false;
    };
    let Some(body) = bytes.len().checked_sub(header_end + NONCE) else {
        return false;
    };
    let chunks = body.div_ceil(CHUNK + TAG).max(1);
    body.checked_sub(chunks * TAG)
        .is_some_and(|plain| plain > 0 && plain % PAD == 0)
}

/// What a vault file's header says it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// A passphrase, with the scrypt work factor (log2 N) it was sealed with.
    Passphrase { log_n: u8 },
    /// An identity matching one of its recipients.
    Recipients,
}

/// Failures to open or seal; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("is not an age-encrypted file")]
    NotAge,
    #[error("is truncated (the file ends early)")]
    Truncated,
    #[error("failed authentication: it was modified or damaged")]
    Tampered,
    #[error("could not be opened: wrong passphrase")]
    WrongPassphrase,
    #[error("could not be opened: none of the given identities matches it")]
    NoMatchingIdentity,
    #[error("is protected by a passphrase, not an identity")]
    NeedsPassphrase,
    #[error(
        "is encrypted to age recipients: it needs an identity (--identity FILE), not a passphrase"
    )]
    NeedsIdentity,
    #[error("asks for an scrypt work factor of 2^{0}, too high to try")]
    ExcessiveWork(u8),
    #[error("could not be encrypted: {0}")]
    Encrypt(String),
    /// A hardware key's plugin failed or is missing (its words, control characters replaced).
    #[error("could not be opened: {0}")]
    Plugin(String),
}

/// How a vault is opened.
pub enum Key {
    Passphrase(SecretString),
    Identities(Identities),
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Passphrase(_) => f.write_str("Key::Passphrase(<redacted>)"),
            Key::Identities(ids) => write!(f, "Key::Identities({} keys)", ids.key_count()),
        }
    }
}

/// How a vault is saved: the same passphrase, or a list of recipients.
#[derive(Clone)]
pub enum Seal {
    Passphrase {
        passphrase: SecretString,
        /// scrypt's work factor; `None` is [`DEFAULT_LOG_N`].
        log_n: Option<u8>,
    },
    Recipients(Vec<String>),
}

impl fmt::Debug for Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seal::Passphrase { log_n, .. } => write!(f, "Seal::Passphrase(<redacted>, {log_n:?})"),
            Seal::Recipients(r) => write!(f, "Seal::Recipients({r:?})"),
        }
    }
}

/// Why a recipient string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{text}' is not a recipient: use an age1… public key (or a plugin's, age1yubikey1…) or an ssh-ed25519/ssh-rsa public key line"
)]
pub struct RecipientError {
    pub text: String,
}

/// Reads the header to learn what the file needs.
///
/// A passphrase file asking for more than 2^[`MAX_LOG_N`] of scrypt work is refused here,
/// before anyone is asked for a passphrase.
pub fn protection(bytes: &[u8]) -> Result<Protection, CryptoError> {
    let decryptor = decryptor(bytes)?;
    if decryptor.is_scrypt() {
        let log_n = scrypt_log_n(bytes).unwrap_or(DEFAULT_LOG_N);
        if log_n > MAX_LOG_N {
            return Err(CryptoError::ExcessiveWork(log_n));
        }
        Ok(Protection::Passphrase { log_n })
    } else {
        Ok(Protection::Recipients)
    }
}

/// `-> scrypt SALT LOG_N` is the second header line of a passphrase file.
fn scrypt_log_n(bytes: &[u8]) -> Option<u8> {
    let line = bytes.split(|b| *b == b'\n').nth(1)?;
    let line = std::str::from_utf8(line).ok()?;
    line.strip_prefix("-> scrypt ")?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

fn decryptor(bytes: &[u8]) -> Result<age::Decryptor<WholeHeader<&[u8]>>, CryptoError> {
    if bytes.is_empty() {
        return Err(CryptoError::Truncated);
    }
    if !bytes.starts_with(MAGIC) {
        return Err(if MAGIC.starts_with(bytes) {
            CryptoError::Truncated
        } else {
            CryptoError::NotAge
        });
    }
    age::Decryptor::new_buffered(WholeHeader::new(bytes)).map_err(|e| {
        let header_complete = bytes.windows(4).any(|w| w == b"\n---");
        let v1 = bytes.starts_with(b"age-encryption.org/v1\n");
        match e {
            age::DecryptError::UnknownFormat if !v1 => CryptoError::NotAge,
            _ if !header_complete => CryptoError::Truncated,
            age::DecryptError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                CryptoError::Truncated
            }
            _ => CryptoError::Tampered,
        }
    })
}

thread_local! {
    static SCRYPT_RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many scrypt key derivations (passphrase opens and seals) this thread has started: a
/// measurement hook, so that tests can hold a save to one (each costs about a second at the
/// real work factor).
pub fn scrypt_runs() -> u64 {
    SCRYPT_RUNS.with(std::cell::Cell::get)
}

fn count_scrypt() {
    SCRYPT_RUNS.with(|runs| runs.set(runs.get() + 1));
}

/// Decrypts a whole vault file.
pub fn decrypt(bytes: &[u8], key: &Key) -> Result<Plaintext, CryptoError> {
    let decryptor = decryptor(bytes)?;
    let scrypt = decryptor.is_scrypt();
    let reader = match (key, scrypt) {
        (Key::Passphrase(passphrase), true) => {
            count_scrypt();
            let mut identity = age::scrypt::Identity::new(passphrase.clone());
            identity.set_max_work_factor(MAX_LOG_N);
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity))
        }
        (Key::Identities(ids), false) => ids.decrypt(decryptor),
        (Key::Identities(_), true) => return Err(CryptoError::NeedsPassphrase),
        (Key::Passphrase(_), false) => return Err(CryptoError::NeedsIdentity),
    };
    let mut reader = reader.map_err(|e| match e {
        age::DecryptError::DecryptionFailed if scrypt => CryptoError::WrongPassphrase,
        age::DecryptError::NoMatchingKeys => CryptoError::NoMatchingIdentity,
        age::DecryptError::ExcessiveWork { required, .. } => CryptoError::ExcessiveWork(required),
        age::DecryptError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            CryptoError::Truncated
        }
        age::DecryptError::Plugin(errors) => CryptoError::Plugin(plugin::plugin_errors(&errors)),
        age::DecryptError::PluginResolve(e) => CryptoError::Plugin(plugin::resolve_error(&e)),
        _ => CryptoError::Tampered,
    })?;
    // Never regrown (the plaintext is shorter than the file), so no copy is left unwiped.
    let mut plaintext = Plaintext::with_capacity(bytes.len());
    plaintext.fill(&mut reader).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof || !body_length_fits_padding(bytes) {
            CryptoError::Truncated
        } else {
            CryptoError::Tampered
        }
    })?;
    Ok(plaintext)
}

/// Decrypts a vault with identities as it is read from `reader`, without a copy of the whole
/// file: for a read-only look-up, which this way touches about 30 fewer fresh memory pages on
/// a 1,000-entry vault. `capacity` is the file's size (the plaintext is shorter, so the buffer
/// is never regrown and no unwiped copy is left behind).
///
/// `None` on any failure, with no reason: the caller reads the file whole and [`decrypt`]s
/// it, which tells what is wrong. A passphrase vault is `None` too (its scrypt must not run
/// twice).
pub fn decrypt_reader(
    reader: impl std::io::BufRead,
    capacity: usize,
    key: &Key,
) -> Option<Plaintext> {
    let Key::Identities(ids) = key else {
        return None;
    };
    // A plugin must run once: on any failure here it would run again on the ordinary path.
    if ids.has_plugins() {
        return None;
    }
    let decryptor = age::Decryptor::new_buffered(WholeHeader::new(reader)).ok()?;
    if decryptor.is_scrypt() {
        return None;
    }
    let mut stream = ids.decrypt(decryptor).ok()?;
    let mut plaintext = Plaintext::with_capacity(capacity);
    plaintext.fill(&mut stream).ok()?;
    Some(plaintext)
}

impl Seal {
    /// Encrypts `plaintext` as a binary age v1 file (plugins, if any, ask nobody).
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.encrypt_with(plaintext, &PluginUi::quiet())
    }

    /// Encrypts `plaintext` as a binary age v1 file; plugin recipients talk through `ui`.
    pub fn encrypt_with(&self, plaintext: &[u8], ui: &PluginUi) -> Result<Vec<u8>, CryptoError> {
        let encryptor = self.encryptor(ui)?;
        let mut out = Vec::with_capacity(plaintext.len() + 512);
        let write = |out: &mut Vec<u8>| -> std::io::Result<()> {
            let mut writer = encryptor.wrap_output(out)?;
            std::io::Write::write_all(&mut writer, plaintext)?;
            writer.finish()?;
            Ok(())
        };
        write(&mut out).map_err(|e| CryptoError::Encrypt(e.to_string()))?;
        Ok(out)
    }

    /// age's encryptor for this seal.
    fn encryptor(&self, ui: &PluginUi) -> Result<age::Encryptor, CryptoError> {
        match self {
            Seal::Passphrase { passphrase, log_n } => {
                count_scrypt();
                let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
                recipient.set_work_factor(log_n.unwrap_or(DEFAULT_LOG_N).clamp(1, MAX_LOG_N));
                age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            }
            Seal::Recipients(list) => {
                let parsed = recipients_for_sealing(list, ui)?;
                if parsed.is_empty() {
                    return Err(CryptoError::Encrypt("the vault lists no recipients".into()));
                }
                age::Encryptor::with_recipients(parsed.iter().map(|r| r.as_ref() as _))
            }
        }
        .map_err(plugin::encrypt_error)
    }
}

/// age recipients for a seal: X25519 and SSH keys as they are, plugin recipients grouped into
/// one per plugin (each plugin binary must be on PATH now).
fn recipients_for_sealing(
    list: &[String],
    ui: &PluginUi,
) -> Result<Vec<Box<dyn age::Recipient + Send>>, CryptoError> {
    let mut native = Vec::new();
    let mut plugged = Vec::new();
    for text in list {
        match parse_recipient(text).map_err(|e| CryptoError::Encrypt(e.to_string()))? {
            Recipient::Native(recipient) => native.push(recipient),
            Recipient::Plugin(recipient) => plugged.push(recipient),
        }
    }
    native.extend(plugin::recipient_plugins(&plugged, ui)?);
    Ok(native)
}

/// A parsed recipient.
pub enum Recipient {
    /// X25519 or SSH: age encrypts to it directly.
    Native(Box<dyn age::Recipient + Send>),
    /// A plugin's (`age1yubikey1…`): its plugin encrypts to it when the vault is sealed.
    Plugin(age::plugin::Recipient),
}

/// Parses `age1…` (X25519), `age1NAME1…` (an age plugin's, e.g. `age1yubikey1…`) or an
/// OpenSSH public key line (`ssh-ed25519 AAAA… comment`). Never looks for a plugin binary.
pub fn parse_recipient(text: &str) -> Result<Recipient, RecipientError> {
    let text = text.trim();
    let refuse = || RecipientError {
        text: super::printable::printable(text, 60),
    };
    if text.starts_with("age1") {
        age::x25519::Recipient::from_str(text)
            .map(|r| Recipient::Native(Box::new(r)))
            .ok()
            .or_else(|| plugin::parse_recipient(text).map(Recipient::Plugin))
            .ok_or_else(refuse)
    } else if text.starts_with("ssh-") {
        age::ssh::Recipient::from_str(text)
            .map(|r| Recipient::Native(Box::new(r)))
            .map_err(|_| refuse())
    } else {
        Err(refuse())
    }
}

/// Canonical form of a recipient (drops SSH comments), for storing and comparing.
pub fn canonical_recipient(text: &str) -> Result<String, RecipientError> {
    parse_recipient(text)?;
    let mut parts = text.split_whitespace();
    let first = parts.next().unwrap_or_default();
    Ok(match parts.next() {
        Some(key) if first.starts_with("ssh-") => format!("{first} {key}"),
        _ => first.to_string(),
    })
}

#[cfg(test)]
mod tests;
