//! A fast reader for the vault layout keyfob itself writes, with `ron` as the authority.
//!
//! Why this exists: every command opens the whole vault, and the `ron` crate spends about
//! 2 µs per entry on it (serde's field-by-field visitor machinery), which made `keyfob code`
//! on a 1,000-entry vault cost ~2 ms of its ~4.6 ms and a 10,000-entry vault ~20 ms. This
//! reader handles only the narrow subset of RON that [`Vault::to_ron`] produces — plain and raw
//! strings, decimal integers, bare enum names, `Some(..)`/`None`, lists, records without a
//! struct name — in about a tenth of the time.
//!
//! Promise: [`parse`] returns `Some` only for a document that `ron::from_str::<Vault>` reads
//! to the very same value. Anything else — comments, escapes, extensions, struct names, odd
//! numbers or whitespace, unknown or repeated fields, a missing secret, a secret that does not
//! decode, a trailing character — gives `None`, and the caller reads the text with `ron`
//! (which also produces every error message). Hand-edited vaults therefore behave exactly as
//! before. The unit tests check this against `ron` on generated and on mangled documents.
//!
//! Secrets are decoded straight from the (zeroized) plaintext buffer into [`Secret`]; no
//! copy of their text is made.
//!
//! Every field is named in one place the compiler checks: [`Fields::into_entry`] destructures
//! the fields read and builds the [`Entry`] without `..`, and [`parse`] does the same for the
//! [`Vault`], so a field added to either does not build until this reader handles it (and
//! `tests::every_field_takes_the_fast_path` then checks it is read, not left to `ron`).
//!
//! This file is the vault's grammar (document, entries, tombstones); `canonical/reader.rs`
//! is the lexical half (whitespace, names, numbers, strings, lists, records).

use super::{DocumentHead, Tombstone, Vault};
use crate::engine::entry::{Entry, EntryId, has_control};
use crate::engine::otp::{self, Algorithm, Kind};
use crate::engine::query::Named;
use crate::engine::secret::Secret;

mod reader;

#[cfg(test)]
use reader::quote_or_backslash;
use reader::{Reader, once};

/// Reads a canonical document, or `None` to say "ask `ron`".
pub(super) fn parse(text: &str) -> Option<Vault> {
    let Document {
        version,
        generation,
        recipients,
        entries,
        tombstones,
    } = document(text, |r| r.fields()?.into_entry())?;
    Some(Vault {
        version,
        generation,
        recipients: recipients.into_iter().map(str::to_string).collect(),
        entries,
        tombstones,
    })
}

/// A document's top-level fields as read, with `item` for each entry.
struct Document<'a, T> {
    version: u32,
    generation: u64,
    recipients: Vec<&'a str>,
    entries: Vec<T>,
    tombstones: Vec<Tombstone>,
}

/// What [`scan`] tells about one entry, borrowed from the document: enough to look it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Listed<'a> {
    pub issuer: &'a str,
    pub account: &'a str,
    pub serial: Option<&'a str>,
    /// The id as written (checked to be in keyfob's form).
    pub id: Option<&'a str>,
    /// Where the entry's record starts in the document, for [`build`].
    start: usize,
}

impl Named for Listed<'_> {
    fn issuer(&self) -> &str {
        self.issuer
    }
    fn account(&self) -> &str {
        self.account
    }
    fn serial(&self) -> Option<&str> {
        self.serial
    }
    fn has_id(&self, id: EntryId) -> bool {
        self.id.and_then(EntryId::parse_canonical) == Some(id)
    }
}

/// Checks a document as [`parse`] does, without building its entries.
///
/// Promise: `Some` only if [`parse`] reads the document and [`Vault::from_ron`] then accepts
/// it (version, every entry valid) with each entry's issuer, account and serial exactly as
/// listed here. Anything else — including names that validation would still tidy up — is
/// `None`, and the caller opens the vault the ordinary way. Secrets are checked, not decoded.
#[cfg(test)]
pub(super) fn scan(text: &str) -> Option<Vec<Listed<'_>>> {
    let mut listed = Vec::new();
    scan_each(text, |entry| listed.push(entry))?;
    Some(listed)
}

/// [`scan`], handing each entry to `each` as it is read instead of keeping the list (a look-up
/// keeps only the matches), and returning the document's recipients and generation. When the
/// result is `None`, `each` may have seen some entries.
pub(super) fn scan_each<'a>(
    text: &'a str,
    mut each: impl FnMut(Listed<'a>),
) -> Option<DocumentHead> {
    let read = document(text, |r| {
        let start = r.pos;
        each(r.fields()?.listing(start)?);
        Some(())
    })?;
    (read.version <= super::CURRENT_VERSION).then(|| DocumentHead {
        recipients: read.recipients.into_iter().map(str::to_string).collect(),
        generation: read.generation,
    })
}

/// The entry `listed` (from [`scan_each`] of the same `text`), read in full and validated.
pub(super) fn build(text: &str, listed: &Listed) -> Option<Entry> {
    let mut r = Reader {
        text,
        pos: listed.start,
    };
    let mut entry = r.fields()?.into_entry()?;
    entry.validate().ok()?;
    Some(entry)
}

/// The whole document with `item` reading each entry; `None` unless all of it is canonical.
fn document<'a, T>(
    text: &'a str,
    item: impl FnMut(&mut Reader<'a>) -> Option<T>,
) -> Option<Document<'a, T>> {
    let mut r = Reader { text, pos: 0 };
    let vault = r.vault(item)?;
    r.ws();
    (r.pos == text.len()).then_some(vault)
}

/// Bytes of a short written entry (issuer, account, 160-bit secret; one with an id and a
/// change time takes ~170), for sizing the list: reserving too much costs only address space
/// never touched, too little a regrowth.
const ENTRY_BYTES_ESTIMATE: usize = 96;

/// One entry's fields as written, borrowed from the document (the secret still as text).
struct Fields<'a> {
    /// Checked to be in keyfob's written form (see [`EntryId::is_canonical`]) when read.
    id: Option<&'a str>,
    issuer: Option<&'a str>,
    account: Option<&'a str>,
    secret: &'a str,
    kind: Option<Kind>,
    algorithm: Option<Algorithm>,
    digits: Option<u8>,
    period: Option<u32>,
    counter: Option<u64>,
    note: Option<Option<&'a str>>,
    tags: Option<Vec<&'a str>>,
    serial: Option<Option<&'a str>>,
    manufacturer: Option<Option<&'a str>>,
    model: Option<Option<&'a str>>,
    upn: Option<Option<&'a str>>,
    changed: Option<u64>,
    /// Checked to be in keyfob's written form, like `id`.
    conflict: Option<&'a str>,
}

impl<'a> Fields<'a> {
    /// The entry, with its secret decoded straight from the document. Every field is named
    /// (no `..`): a field added to `Entry` must be read here.
    fn into_entry(self) -> Option<Entry> {
        let Fields {
            id,
            issuer,
            account,
            secret,
            kind,
            algorithm,
            digits,
            period,
            counter,
            note,
            tags,
            serial,
            manufacturer,
            model,
            upn,
            changed,
            conflict,
        } = self;
        let owned = |s: Option<Option<&str>>| s.flatten().map(str::to_string);
        Some(Entry {
            id: match id {
                Some(text) => Some(EntryId::parse_canonical(text)?),
                None => None,
            },
            issuer: issuer.unwrap_or_default().to_string(),
            account: account.unwrap_or_default().to_string(),
            secret: Secret::parse_base32(secret).ok()?,
            kind: kind.unwrap_or_default(),
            algorithm: algorithm.unwrap_or_default(),
            digits: digits.unwrap_or(otp::DEFAULT_DIGITS),
            period: period.unwrap_or(otp::DEFAULT_PERIOD),
            counter: counter.unwrap_or_default(),
            note: owned(note),
            tags: tags
                .unwrap_or_default()
                .into_iter()
                .map(str::to_string)
                .collect(),
            serial: owned(serial),
            manufacturer: owned(manufacturer),
            model: owned(model),
            upn: owned(upn),
            changed: changed.unwrap_or_default(),
            conflict: match conflict {
                Some(text) => Some(EntryId::parse_canonical(text)?),
                None => None,
            },
        })
    }

    /// The entry's names, if [`Entry::validate`] would accept the entry and leave them as
    /// they are (see [`scan`]).
    fn listing(self, start: usize) -> Option<Listed<'a>> {
        // (The id, if any, was checked as it was read.)
        if !Secret::is_valid_base32(self.secret) {
            return None;
        }
        let kind = self.kind.unwrap_or_default();
        // As `Entry::normalize` leaves them before the check.
        let period = match kind {
            Kind::Steam | Kind::Hotp => otp::DEFAULT_PERIOD,
            Kind::Totp => self.period.unwrap_or(otp::DEFAULT_PERIOD),
        };
        let digits = self.digits.unwrap_or(otp::DEFAULT_DIGITS);
        otp::check_params(kind, digits, period).ok()?;
        let (issuer, account) = (self.issuer.unwrap_or(""), self.account.unwrap_or(""));
        let serial = self.serial.flatten();
        // `trim` would leave it unchanged: only its first and last characters need a look.
        let tidy = |s: &str| {
            !s.starts_with(char::is_whitespace)
                && !s.ends_with(char::is_whitespace)
                && !has_control(s)
        };
        let names_kept = tidy(issuer) && tidy(account) && !serial.is_some_and(has_control);
        (names_kept && !(issuer.is_empty() && account.is_empty())).then_some(Listed {
            issuer,
            account,
            serial,
            id: self.id,
            start,
        })
    }
}

impl<'a> Reader<'a> {
    /// An entry's `(` and first fields exactly as [`Vault::to_ron`] lays them out, through
    /// the comma after the secret: `(⏎      id: "…",⏎      changed: N,⏎      issuer: "…",⏎
    ///       account: "…",⏎      secret: "…",` (id and change time are left out when there
    /// are none, as before keyfob kept them). Byte comparisons instead of the general grammar
    /// (which reads the same text to the same values) make a 1,000-entry look-up about twice
    /// as fast. `None`, with nothing consumed, for any other layout.
    fn usual_start(&mut self) -> Option<UsualStart<'a>> {
        let start = self.pos;
        let mut usual = || {
            self.literal(b"(\n      ")?;
            let id = match self.literal(b"id: \"") {
                Some(()) => {
                    // Exactly 36 characters in keyfob's form, then the quote: checking the
                    // form also rules out a quote or backslash inside.
                    let id = self.text.get(self.pos..self.pos + 36)?;
                    if !EntryId::is_canonical(id) {
                        return None;
                    }
                    self.pos += 36;
                    self.literal(b"\",\n      ")?;
                    Some(id)
                }
                None => None,
            };
            let changed = match self.literal(b"changed: ") {
                Some(()) => {
                    let changed = self.number()?;
                    self.literal(b",\n      ")?;
                    Some(changed)
                }
                None => None,
            };
            self.literal(b"issuer: \"")?;
            let issuer = self.quoted_rest()?;
            self.literal(b",\n      account: \"")?;
            let account = self.quoted_rest()?;
            self.literal(b",\n      secret: \"")?;
            let secret = self.quoted_rest()?;
            self.eat(b',')?;
            Some(UsualStart {
                id,
                changed,
                issuer,
                account,
                secret,
            })
        };
        let found = usual();
        if found.is_none() {
            self.pos = start;
        }
        found
    }

    fn vault<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Document<'a, T>> {
        let (mut version, mut generation, mut recipients, mut entries, mut tombstones) =
            (None, None, None, None, None);
        self.ws();
        self.record(|r, name| match name {
            "version" if version.is_none() => {
                version = Some(u32::try_from(r.number()?).ok()?);
                Some(())
            }
            "generation" => once(&mut generation, r.number()),
            "tombstones" => once(&mut tombstones, r.list(0, Reader::tombstone)),
            "recipients" if recipients.is_none() => {
                recipients = Some(r.list(0, Reader::string)?);
                Some(())
            }
            "entries" if entries.is_none() => {
                // Sized from the document, so that a big vault's list is not regrown and
                // copied ~log2(n) times (each regrowth touches fresh pages: page faults were
                // a visible part of `keyfob code`). A written entry takes ~100 bytes or more.
                let estimate = (r.text.len() - r.pos) / ENTRY_BYTES_ESTIMATE;
                entries = Some(r.list(estimate, &mut item)?);
                Some(())
            }
            _ => None,
        })?;
        Some(Document {
            version: version?,
            generation: generation.unwrap_or_default(),
            recipients: recipients.unwrap_or_default(),
            entries: entries.unwrap_or_default(),
            tombstones: tombstones.unwrap_or_default(),
        })
    }

    /// A tombstone's record: `(id: "…", deleted: N)`, both required.
    fn tombstone(&mut self) -> Option<Tombstone> {
        let (mut id, mut deleted) = (None, None);
        self.record(|r, name| match name {
            "id" => once(&mut id, r.string().and_then(EntryId::parse_canonical)),
            "deleted" => once(&mut deleted, r.number()),
            _ => None,
        })?;
        Some(Tombstone {
            id: id?,
            deleted: deleted?,
        })
    }

    /// One entry's record; its secret is not decoded here (the caller decodes or checks it).
    fn fields(&mut self) -> Option<Fields<'a>> {
        let (mut id, mut issuer, mut account, mut secret) = (None, None, None, None);
        let (mut kind, mut algorithm, mut digits, mut period, mut counter) =
            (None, None, None, None, None);
        let (mut note, mut tags, mut serial, mut manufacturer, mut model, mut upn) =
            (None, None, None, None, None, None);
        let (mut changed, mut conflict) = (None, None);
        let usual = self.usual_start();
        if let Some(start) = &usual {
            (id, changed) = (start.id, start.changed);
            (issuer, account, secret) =
                (Some(start.issuer), Some(start.account), Some(start.secret));
        }
        let field = |r: &mut Self, name| match name {
            "id" => once(&mut id, r.string().filter(|t| EntryId::is_canonical(t))),
            "issuer" => once(&mut issuer, r.string()),
            "account" => once(&mut account, r.string()),
            "secret" => once(&mut secret, r.string()),
            "type" => once(
                &mut kind,
                match r.ident()? {
                    "totp" => Some(Kind::Totp),
                    "hotp" => Some(Kind::Hotp),
                    "steam" => Some(Kind::Steam),
                    _ => None,
                },
            ),
            "algorithm" => once(
                &mut algorithm,
                match r.ident()? {
                    "SHA1" => Some(Algorithm::Sha1),
                    "SHA256" => Some(Algorithm::Sha256),
                    "SHA512" => Some(Algorithm::Sha512),
                    _ => None,
                },
            ),
            "digits" => once(&mut digits, r.number().and_then(|n| u8::try_from(n).ok())),
            "period" => once(&mut period, r.number().and_then(|n| u32::try_from(n).ok())),
            "counter" => once(&mut counter, r.number()),
            "note" => once(&mut note, r.optional_string()),
            "tags" => once(&mut tags, r.list(0, Reader::string)),
            "serial" => once(&mut serial, r.optional_string()),
            "manufacturer" => once(&mut manufacturer, r.optional_string()),
            "model" => once(&mut model, r.optional_string()),
            "upn" => once(&mut upn, r.optional_string()),
            "changed" => once(&mut changed, r.number()),
            "conflict" => once(
                &mut conflict,
                r.string().filter(|t| EntryId::is_canonical(t)),
            ),
            _ => None,
        };
        if usual.is_some() {
            self.record_rest(field)?;
        } else {
            self.record(field)?;
        }
        Some(Fields {
            id,
            issuer,
            account,
            secret: secret?,
            kind,
            algorithm,
            digits,
            period,
            counter,
            note,
            tags,
            serial,
            manufacturer,
            model,
            upn,
            changed,
            conflict,
        })
    }
}

/// What [`Reader::usual_start`] reads.
struct UsualStart<'a> {
    id: Option<&'a str>,
    changed: Option<u64>,
    issuer: &'a str,
    account: &'a str,
    secret: &'a str,
}

#[cfg(test)]
mod tests;
