//! Reading seeds from other apps' exports: one format per file behind [`Format`].
//!
//! Promises:
//! - A format reads bytes (and a password, for encrypted exports) into [`Item`]s: entries, or
//!   a failure naming which entry and why. One bad entry never blocks the others.
//! - [`detect`] picks a format from content alone, or says which formats exist.
//! - [`plan`] sorts items against the vault into new, duplicate (same type, secret, issuer
//!   and account — of an entry in the vault, or of one earlier in the file, and says which)
//!   and failed, and passes on warnings; it writes nothing and copies no entry.

use age::secrecy::SecretString;

use super::entry::Entry;
use super::secret::{Secret, SecretError};

mod aegis;
mod andotp;
mod bitwarden;
mod cipher;
mod draft;
mod ente;
mod entra_csv;
mod freeotp;
mod freeotp_plus;
mod google;
mod json;
mod kdf;
mod lastpass;
mod lines;
mod otpauth;
mod plan;
mod proton;
mod qr;
mod steam;
mod stratum;
mod twofas;
mod unicode;

pub use kdf::{Amount, KdfRefusal};
pub use plan::{Duplicate, DuplicateOf, Plan, Planner, plan};
pub use unicode::{Prepared, prepare};

pub use qr::{QrText, qr_texts};

/// One thing read from an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Entry(Box<Entry>),
    /// `what` locates the entry ("line 3", "entry 'GitHub:me'"); `reason` says what is wrong.
    Failed {
        what: String,
        reason: String,
    },
    /// Something worth knowing that blocks nothing (two tokens with one serial number).
    Warning {
        what: String,
        text: String,
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

    pub fn warning(what: impl Into<String>, text: impl std::fmt::Display) -> Item {
        Item::Warning {
            what: what.into(),
            text: text.to_string(),
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
    /// The export asks for more key-derivation work or memory than keyfob gives any file
    /// (or for less than the app itself allows); nothing was derived.
    #[error("refused before any key derivation: {0}")]
    KdfRefused(KdfRefusal),
    /// An andOTP backup that opens neither way: with the old layout the password is wrong,
    /// with the current one its round count is refused (the layouts cannot be told apart).
    #[error(
        "the password is wrong (if this is an old-format andOTP backup), or the backup is refused before any key derivation: {0}"
    )]
    WrongPasswordOrKdfRefused(KdfRefusal),
    /// A secret encoding other than Base32 was asked of a format whose secrets are not text.
    #[error(
        "the '{format}' format's secrets are not text: a secret encoding applies to entra-csv only"
    )]
    EncodingNotApplicable { format: &'static str },
}

impl From<KdfRefusal> for ImportError {
    fn from(refusal: KdfRefusal) -> ImportError {
        ImportError::KdfRefused(refusal)
    }
}

/// How the secrets of a text format are written. Base32 unless the person says otherwise
/// (some hardware-token vendors ship hex seeds in Entra's CSV).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SecretEncoding {
    #[default]
    Base32,
    Hex,
}

impl SecretEncoding {
    /// Parses a secret in this encoding.
    pub fn parse(self, text: &str) -> Result<Secret, SecretError> {
        match self {
            SecretEncoding::Base32 => Secret::parse_base32(text),
            SecretEncoding::Hex => Secret::parse_hex(text),
        }
    }
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

    /// [`Format::read`] with the secrets in `encoding`. Only formats whose secrets are text
    /// in a column of their own take another encoding than Base32.
    fn read_encoded(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
        encoding: SecretEncoding,
    ) -> Result<Vec<Item>, ImportError> {
        match encoding {
            SecretEncoding::Base32 => self.read(bytes, password),
            SecretEncoding::Hex => Err(ImportError::EncodingNotApplicable {
                format: self.name(),
            }),
        }
    }

    /// [`Format::read_encoded`], handing each item to `each` as it is read. The text formats
    /// a big import comes in (otpauth lines, Entra CSV) never hold a list of items; the
    /// others read the whole list first (their files are small).
    fn read_each(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
        encoding: SecretEncoding,
        each: &mut dyn FnMut(Item),
    ) -> Result<(), ImportError> {
        for item in self.read_encoded(bytes, password, encoding)? {
            each(item);
        }
        Ok(())
    }
}

/// Every known format, most specific first (detection tries them in order): images by their
/// signature, JSON exports by their keys, FreeOTP's XML and Java-serialized backups, the
/// binary andOTP export (no signature: any other binary file), CSV by its header, and plain
/// URI lists last.
pub fn formats() -> &'static [&'static dyn Format] {
    &[
        &qr::Qr,
        &aegis::Aegis,
        &twofas::TwoFas,
        &bitwarden::Bitwarden,
        &freeotp_plus::FreeOtpPlus,
        &lastpass::LastPass,
        &proton::Proton,
        &stratum::Stratum,
        &steam::Steam,
        &freeotp::FreeOtp,
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
    // A UTF-16 text file is judged by its text (callers read it after [`prepare`] too).
    let prepared = prepare(bytes);
    let bytes = &*prepared;
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
            _ => unreachable!(),
        }];
        let plan = plan(&existing, items);
        assert_eq!(plan.added.len(), 1);
        let of: Vec<DuplicateOf> = plan.duplicates.iter().map(|d| d.of).collect();
        assert_eq!(of, [DuplicateOf::Earlier, DuplicateOf::Vault]);
        assert_eq!(plan.failed.len(), 1);
        assert_eq!(plan.failed[0].0, "line 4");
    }

    #[test]
    fn same_names_with_another_secret_are_not_duplicates() {
        let bytes = b"otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\n\
            otpauth://totp/A:a?secret=GEZDGNBVGY3TQOJQ\n\
            otpauth://totp/A:a?secret=GEZDGNBVGY3TQOJQ\n\
            otpauth://hotp/A:a?secret=GEZDGNBVGY3TQOJQ\n";
        let items = detect(bytes).unwrap().read(bytes, None).unwrap();
        let plan = plan(&[], items);
        assert_eq!(plan.added.len(), 3);
        assert_eq!(plan.duplicates.len(), 1);
        assert_eq!(plan.duplicates[0].of, DuplicateOf::Earlier);
    }

    #[test]
    fn a_serial_already_in_the_vault_is_warned_about() {
        let secret = |b32| crate::engine::secret::Secret::parse_base32(b32).unwrap();
        let mut old = Entry::new("Contoso", "ann", secret("JBSWY3DPEHPK3PXP"));
        old.serial = Some("KF0001".into());
        let mut new = Entry::new("Contoso", "bob", secret("GEZDGNBVGY3TQOJQ"));
        new.serial = Some("KF0001".into());
        let plan = plan(&[old], vec![Item::entry(new)]);
        assert_eq!(plan.added.len(), 1);
        assert_eq!(
            plan.warnings,
            [(
                "'Contoso:bob'".to_string(),
                "serial number 'KF0001' is already used by 'Contoso:ann' in the vault".to_string()
            )]
        );
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
