//! Reading seeds from other apps' exports: one format per file behind [`Format`].
//!
//! Promises:
//! - A format reads bytes (and a password, for encrypted exports) into [`Item`]s: entries, or
//!   a failure naming which entry and why. One bad entry never blocks the others.
//! - [`detect`] picks a format from content alone, or says which formats exist.
//! - [`plan`] sorts items against the vault into new, duplicate (same type, secret, issuer
//!   and account — within the file too) and failed, without writing anything.

use std::collections::HashMap;

use age::secrecy::SecretString;

use super::entry::Entry;
use super::otp::Kind;

mod aegis;
mod andotp;
mod bitwarden;
mod cipher;
mod draft;
mod ente;
mod entra_csv;
mod freeotp_plus;
mod google;
mod json;
mod lines;
mod otpauth;
mod proton;
mod qr;
mod steam;
mod stratum;
mod twofas;

/// One thing read from an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Entry(Box<Entry>),
    /// `what` locates the entry ("line 3", "entry 'GitHub:me'"); `reason` says what is wrong.
    Failed {
        what: String,
        reason: String,
    },
}

impl Item {
    pub fn entry(entry: Entry) -> Item {
        Item::Entry(Box::new(entry))
    }

    pub fn failed(what: impl Into<String>, reason: impl std::fmt::Display) -> Item {
        Item::Failed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

/// Why a whole file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the content matches no known export format (known: {known})")]
    Unrecognised { known: String },
    #[error("unknown import format '{name}' (known: {known})")]
    UnknownFormat { name: String, known: String },
    #[error("{0}")]
    Malformed(String),
    #[error("the export is encrypted: it needs its password")]
    NeedsPassword,
    #[error("the export's password is wrong")]
    WrongPassword,
}

/// One export format.
pub trait Format: Sync {
    /// The name used with `--format`.
    fn name(&self) -> &'static str;
    /// What it reads, in a few words (for `--help` and shell completion).
    fn summary(&self) -> &'static str;
    /// Whether `bytes` look like this format (for `--format auto`).
    fn sniff(&self, bytes: &[u8]) -> bool;
    /// Reads every entry; `password` for encrypted exports.
    fn read(&self, bytes: &[u8], password: Option<&SecretString>)
    -> Result<Vec<Item>, ImportError>;
}

/// Every known format, most specific first (detection tries them in order): images by their
/// signature, JSON exports by their keys, the binary andOTP export, CSV by its header, and
/// plain URI lists last.
pub fn formats() -> &'static [&'static dyn Format] {
    &[
        &qr::Qr,
        &aegis::Aegis,
        &twofas::TwoFas,
        &bitwarden::Bitwarden,
        &freeotp_plus::FreeOtpPlus,
        &proton::Proton,
        &stratum::Stratum,
        &steam::Steam,
        &andotp::AndOtp,
        &entra_csv::EntraCsv,
        &ente::Ente,
        &google::GoogleMigration,
        &otpauth::Otpauth,
    ]
}

fn known() -> String {
    let mut names: Vec<&str> = vec!["auto"];
    names.extend(formats().iter().map(|f| f.name()));
    names.join(", ")
}

/// The format called `name` (`auto` is handled by the caller with [`detect`]).
pub fn by_name(name: &str) -> Result<&'static dyn Format, ImportError> {
    formats()
        .iter()
        .copied()
        .find(|f| f.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| ImportError::UnknownFormat {
            name: super::printable::printable(name, 30),
            known: known(),
        })
}

/// The format the content looks like. JSON that does not parse is reported as such (a
/// truncated export says where it stops) rather than as an unknown format.
pub fn detect(bytes: &[u8]) -> Result<&'static dyn Format, ImportError> {
    if let Some(format) = formats().iter().copied().find(|f| f.sniff(bytes)) {
        return Ok(format);
    }
    let first = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'['))
        && let Err(ImportError::Malformed(why)) = json::parse(bytes)
    {
        return Err(ImportError::Malformed(format!(
            "the file looks like JSON, but {why}"
        )));
    }
    Err(ImportError::Unrecognised { known: known() })
}

/// What an import would do.
#[derive(Debug, Default)]
pub struct Plan {
    pub added: Vec<Entry>,
    pub duplicates: Vec<Entry>,
    pub failed: Vec<(String, String)>,
}

/// Sorts `items` against `existing` entries. Linear in the number of entries (a 10,000-row
/// token file against a large vault stays fast).
pub fn plan(existing: &[Entry], items: Vec<Item>) -> Plan {
    // Entries by (type, issuer, account); the secrets are compared only within a bucket.
    let mut index: HashMap<(Kind, String, String), Vec<Entry>> = HashMap::new();
    let key = |e: &Entry| (e.kind, e.issuer.clone(), e.account.clone());
    for entry in existing {
        index.entry(key(entry)).or_default().push(entry.clone());
    }
    let mut plan = Plan::default();
    for item in items {
        match item {
            Item::Entry(entry) => {
                let bucket = index.entry(key(&entry)).or_default();
                let seen = bucket.iter().any(|e| e.same_account(&entry));
                if !seen {
                    bucket.push((*entry).clone());
                }
                if seen {
                    plan.duplicates.push(*entry);
                } else {
                    plan.added.push(*entry);
                }
            }
            Item::Failed { what, reason } => plan.failed.push((what, reason)),
        }
    }
    plan
}

/// Text of a file, without a UTF-8 byte-order mark.
pub(crate) fn text(bytes: &[u8]) -> Result<&str, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        ImportError::Malformed(format!(
            "the file is not UTF-8 text (bad byte at offset {})",
            e.valid_up_to()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_sorts_new_duplicate_and_failed() {
        let bytes = b"otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\n\
            otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\n\
            otpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP\n\
            otpauth://totp/C:c?secret=NOT-BASE32!\n";
        let format = detect(bytes).unwrap();
        assert_eq!(format.name(), "otpauth");
        let items = format.read(bytes, None).unwrap();
        let existing = vec![match &items[2] {
            Item::Entry(e) => (**e).clone(),
            Item::Failed { .. } => unreachable!(),
        }];
        let plan = plan(&existing, items);
        assert_eq!(plan.added.len(), 1);
        assert_eq!(plan.duplicates.len(), 2);
        assert_eq!(plan.failed.len(), 1);
        assert_eq!(plan.failed[0].0, "line 4");
    }

    #[test]
    fn unknown_content_lists_formats() {
        let e = detect(b"{\"hello\": 1}").err().unwrap().to_string();
        assert!(e.contains("known: auto, qr, aegis, 2fas"), "{e}");
        assert!(e.ends_with("google-migration, otpauth)"), "{e}");
        let e = by_name("keepass").err().unwrap().to_string();
        assert!(e.contains("unknown import format 'keepass'"), "{e}");
    }
}
