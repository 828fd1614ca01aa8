//! The vault document: a schema version, a save counter, the recipients it is sealed to, the
//! entries, and tombstones of deleted entries.
//!
//! Promises:
//! - Plaintext is RON (see README "The vault file"); [`Vault::to_ron`] writes it readably and
//!   [`Vault::from_ron`] reads it back, validating every entry; [`Vault::seal_with`] seals
//!   that text without holding it.
//! - Documents from a newer keyfob are refused with a message saying so, never misread;
//!   version 1 documents (no ids, generation or tombstones) read as before.
//! - Error messages give line and column but never quote document content (it holds secrets).

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::crypto::{CryptoError, PluginUi, Seal};
use super::entry::{Entry, EntryId};

mod canonical;
mod ids;
mod lookup;

pub use ids::TOMBSTONE_RETENTION_SECS;
pub use lookup::{DocumentHead, Lookup};

/// The schema this keyfob writes. Older versions are migrated on read.
///
/// 2 added entry `id` and `changed`, the vault's `generation` and `tombstones`; a keyfob that
/// reads only version 1 refuses such a vault with "upgrade keyfob" instead of an unknown field.
pub const CURRENT_VERSION: u32 = 2;

/// Everything a vault file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vault {
    pub version: u32,
    /// How many saves made this document: each save writes one more than it read, so a copy
    /// with a lower generation is older (see the contract's "Trust").
    #[serde(default, skip_serializing_if = "is_zero")]
    pub generation: u64,
    /// Public keys the vault is sealed to; empty for a passphrase vault.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub entries: Vec<Entry>,
    /// Entries deleted in the last [`TOMBSTONE_RETENTION_SECS`], so that a merge with an older
    /// copy does not bring them back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tombstones: Vec<Tombstone>,
}

/// The mark a deleted entry leaves: its id and when it was deleted (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tombstone {
    pub id: EntryId,
    pub deleted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Default for Vault {
    fn default() -> Self {
        Vault {
            version: CURRENT_VERSION,
            generation: 0,
            recipients: Vec::new(),
            entries: Vec::new(),
            tombstones: Vec::new(),
        }
    }
}

/// Why a decrypted document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("its content is not valid UTF-8")]
    NotUtf8,
    #[error("its content is not a keyfob vault (line {line}, column {column}: {problem})")]
    Syntax {
        line: usize,
        column: usize,
        problem: String,
    },
    #[error(
        "it was written by a newer keyfob (vault version {0}; this keyfob reads up to {CURRENT_VERSION}): upgrade keyfob"
    )]
    TooNew(u32),
    #[error("entry {index} ('{name}'): {problem}")]
    BadEntry {
        index: usize,
        name: String,
        problem: String,
    },
}

impl Vault {
    /// Readable RON: one field per line. The returned text holds secrets and is zeroized.
    pub fn to_ron(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(64 + self.entries.len() * 160));
        // Serialising plain data into a String cannot fail.
        let _ = self.write_ron(&mut *out);
        out.push('\n');
        out
    }

    /// [`Vault::to_ron`]'s text, without its final newline, written piece by piece to `out`.
    pub fn write_ron(&self, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        let config = ron::ser::PrettyConfig::new()
            .indentor("  ")
            .escape_strings(false);
        ron::Options::default()
            .to_writer_pretty(out, self, config)
            .map_err(|_| std::fmt::Error)
    }

    /// The sealed vault file: [`Vault::to_ron`] padded and encrypted, streamed so that the
    /// plaintext is never held whole (see `crypto/padded.rs`). Plugins talk through `ui`.
    pub fn seal_with(&self, seal: &Seal, ui: &PluginUi) -> Result<Vec<u8>, CryptoError> {
        // About what a token with its metadata takes sealed; the buffer grows if it must.
        let guess = 4096 + self.entries.len() * 384;
        seal.encrypt_text_with(&mut |out| self.write_ron(out), guess, ui)
    }

    /// Parses and validates a document.
    pub fn from_ron(text: &str) -> Result<Vault, DocumentError> {
        // The canonical layout (all keyfob writes) takes the fast path; anything else, and
        // every error, is `ron`'s (see `canonical`).
        let parsed = match canonical::parse(text) {
            Some(vault) => Ok(vault),
            None => ron::from_str(text),
        };
        let mut vault: Vault = match parsed {
            Ok(v) => v,
            Err(e) => {
                if let Some(version) = newer_version(text) {
                    return Err(DocumentError::TooNew(version));
                }
                return Err(DocumentError::Syntax {
                    line: e.span.start.line,
                    column: e.span.start.col,
                    problem: describe(&e.code),
                });
            }
        };
        if vault.version > CURRENT_VERSION {
            return Err(DocumentError::TooNew(vault.version));
        }
        vault.version = CURRENT_VERSION;
        for (index, entry) in vault.entries.iter_mut().enumerate() {
            entry.validate().map_err(|e| DocumentError::BadEntry {
                index: index + 1,
                name: super::printable::printable(&entry.name(), 60),
                problem: e.to_string(),
            })?;
        }
        Ok(vault)
    }

    /// Parses decrypted bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Vault, DocumentError> {
        let text = std::str::from_utf8(bytes).map_err(|_| DocumentError::NotUtf8)?;
        Vault::from_ron(text)
    }

    /// Whether an entry for the same account (type, secret, issuer, account) exists.
    pub fn contains_account(&self, entry: &Entry) -> bool {
        self.entries.iter().any(|e| e.same_account(entry))
    }

    /// Position of the entry for the same account as `entry`.
    pub fn position_of(&self, entry: &Entry) -> Option<usize> {
        self.entries.iter().position(|e| e.same_account(entry))
    }

    /// Position of the entry with this id.
    pub fn find(&self, id: EntryId) -> Option<usize> {
        self.entries.iter().position(|e| e.id == Some(id))
    }

    /// The entry with this id.
    pub fn entry(&self, id: EntryId) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == Some(id))
    }
}

/// When a document fails to parse, a `version` above ours explains why.
fn newer_version(text: &str) -> Option<u32> {
    #[derive(Deserialize)]
    struct VersionOnly {
        version: u32,
    }
    let only: VersionOnly = ron::Options::default()
        .from_str::<ron::Value>(text)
        .ok()
        .and_then(|value| value.into_rust().ok())?;
    (only.version > CURRENT_VERSION).then_some(only.version)
}

/// A RON error's kind, without any value from the document.
fn describe(code: &ron::Error) -> String {
    use ron::Error as E;
    match code {
        E::Eof => "the document ends early".into(),
        E::ExpectedComma => "expected a comma".into(),
        E::ExpectedStructLike | E::ExpectedNamedStructLike(_) => {
            "expected '(' to open a record".into()
        }
        E::ExpectedStructLikeEnd => "expected ')' to close a record".into(),
        E::ExpectedArray => "expected '[' to open a list".into(),
        E::ExpectedArrayEnd => "expected ']' to close a list".into(),
        E::ExpectedString | E::ExpectedStringEnd => "expected a quoted string".into(),
        E::ExpectedInteger => "expected a whole number".into(),
        E::MissingStructField { field, .. } => format!("a record is missing its '{field}' field"),
        E::NoSuchStructField { found, .. } if found.len() < 32 => {
            format!("unknown field '{found}'")
        }
        E::DuplicateStructField { field, .. } => format!("field '{field}' appears twice"),
        E::NoSuchEnumVariant { found, .. } if found.len() < 16 => {
            format!("unknown value '{found}'")
        }
        _ => "a value has the wrong form".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::otp::Kind;
    use crate::engine::secret::Secret;

    #[test]
    fn the_sealed_file_holds_the_padded_text() {
        let pass = || age::secrecy::SecretString::from("vault".to_string());
        let seal = Seal::Passphrase {
            passphrase: pass(),
            log_n: Some(4),
        };
        let vault = sample();
        let sealed = vault.seal_with(&seal, &PluginUi::quiet()).unwrap();
        let key = crate::engine::crypto::Key::Passphrase(pass());
        let opened = crate::engine::crypto::decrypt(&sealed, &key).unwrap();
        assert_eq!(
            &opened[..],
            &crate::engine::crypto::pad(&vault.to_ron())[..]
        );
    }

    fn sample() -> Vault {
        let s = |b32| Secret::parse_base32(b32).unwrap();
        Vault {
            version: CURRENT_VERSION,
            generation: 3,
            recipients: vec!["age1example".into()],
            entries: vec![
                Entry::new(
                    "GitHub",
                    "me@example.com",
                    s("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
                ),
                Entry::new("Bank \"Ω\"", "bob", s("GEZDGNBVGY3TQOJQ")).with_hotp(5),
            ],
            tombstones: Vec::new(),
        }
    }

    #[test]
    fn round_trips_readably() {
        let vault = sample();
        let text = vault.to_ron();
        assert!(
            text.starts_with("(\n  version: 2,\n  generation: 3,\n  recipients: ["),
            "{}",
            *text
        );
        assert!(text.contains("issuer: r#\"Bank \"Ω\"\"#"), "{}", *text);
        assert!(text.contains("type: hotp"));
        assert_eq!(Vault::from_ron(&text).unwrap(), vault);
    }

    #[test]
    fn empty_vault_is_minimal() {
        let text = Vault::default().to_ron();
        assert_eq!(Vault::from_ron(&text).unwrap(), Vault::default());
        assert!(!text.contains("recipients"));
    }

    #[test]
    fn newer_versions_are_refused() {
        let e = Vault::from_ron("(version: 3, entries: [], wormholes: 3)").unwrap_err();
        assert_eq!(e, DocumentError::TooNew(3));
        let e = Vault::from_ron("(version: 7, entries: [])").unwrap_err();
        assert_eq!(e, DocumentError::TooNew(7));
    }

    #[test]
    fn version_one_documents_read_as_before() {
        let text = "(version: 1, entries: [(issuer: \"x\", account: \"y\", secret: \"JBSWY3DPEHPK3PXP\")])";
        let vault = Vault::from_ron(text).unwrap();
        assert_eq!(vault.version, CURRENT_VERSION);
        assert_eq!((vault.generation, vault.tombstones.len()), (0, 0));
        assert_eq!((vault.entries[0].id, vault.entries[0].changed), (None, 0));
    }

    #[test]
    fn ids_and_change_times_are_written_plainly_and_found() {
        let mut vault = sample();
        let id = EntryId::parse("5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94").unwrap();
        vault.entries[1].id = Some(id);
        vault.entries[1].changed = 1_700_000_000;
        vault.bury(
            EntryId::parse("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9").unwrap(),
            5,
        );
        let text = vault.to_ron();
        assert!(
            text.contains("      id: \"5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94\",\n"),
            "{}",
            *text
        );
        assert!(text.contains("      changed: 1700000000,\n"), "{}", *text);
        assert!(
            text.contains("  tombstones: [\n    (\n      id: \"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9\",\n      deleted: 5,\n    ),\n  ],\n"),
            "{}",
            *text
        );
        let back = Vault::from_ron(&text).unwrap();
        assert_eq!(back, vault);
        assert_eq!(back.find(id), Some(1));
        assert_eq!(
            back.entry(id).map(Entry::name).as_deref(),
            Some("Bank \"Ω\":bob")
        );
    }

    #[test]
    fn syntax_errors_name_the_place_not_the_content() {
        let text = "(\n  version: 1,\n  entries: [\n    (issuer: \"x\", account: \"y\", secret: \"JBSWY3DPEHPK3PXP\", digits: \"SECRETISH\"),\n  ],\n)";
        let e = Vault::from_ron(text).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("line 4"), "{shown}");
        assert!(!shown.contains("SECRETISH"), "{shown}");
        assert!(!shown.contains("JBSW"), "{shown}");
    }

    #[test]
    fn bad_entries_are_named() {
        let text = "(version: 1, entries: [(issuer: \"x\", account: \"y\", secret: \"JBSWY3DPEHPK3PXP\", period: 0)])";
        let e = Vault::from_ron(text).unwrap_err().to_string();
        assert!(e.contains("entry 1 ('x:y')"), "{e}");
        assert!(e.contains("period of 0 s"), "{e}");
        let text = "(version: 1, entries: [(issuer: \"x\", secret: \"JBSW0\")])";
        let e = Vault::from_ron(text).unwrap_err().to_string();
        assert!(!e.contains("JBSW"), "{e}");
    }

    #[test]
    fn bad_entry_names_are_shown_on_one_line() {
        // Found by the vault_ron fuzz target: a name with a newline split the error.
        let text = "(version: 1, entries: [(issuer: \"Git\nHub\x1b[2J\", secret: \"JBSWY3DPEHPK3PXP\", digits: 5)])";
        let e = Vault::from_ron(text).unwrap_err().to_string();
        assert!(!e.chars().any(char::is_control), "{e:?}");
        assert!(e.contains("entry 1 ('Git\u{FFFD}Hub\u{FFFD}[2J')"), "{e}");
    }

    #[test]
    fn duplicates_are_found() {
        let vault = sample();
        let mut copy = vault.entries[1].clone();
        assert_eq!(vault.position_of(&copy), Some(1));
        copy.kind = Kind::Totp;
        assert!(!vault.contains_account(&copy));
    }
}
