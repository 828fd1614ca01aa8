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

use super::Vault;
use crate::engine::entry::{Entry, has_control};
use crate::engine::otp::{self, Algorithm, Kind};
use crate::engine::query::Named;
use crate::engine::secret::Secret;

/// Reads a canonical document, or `None` to say "ask `ron`".
pub(super) fn parse(text: &str) -> Option<Vault> {
    let (version, recipients, entries) = document(text, |r| r.fields()?.into_entry())?;
    Some(Vault {
        version,
        recipients: recipients.into_iter().map(str::to_string).collect(),
        entries,
    })
}

/// What [`scan`] tells about one entry, borrowed from the document: enough to look it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Listed<'a> {
    pub issuer: &'a str,
    pub account: &'a str,
    pub serial: Option<&'a str>,
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
/// keeps only the matches). When the result is `None`, `each` may have seen some entries.
pub(super) fn scan_each<'a>(text: &'a str, mut each: impl FnMut(Listed<'a>)) -> Option<()> {
    let (version, _, _) = document(text, |r| {
        let start = r.pos;
        each(r.fields()?.listing(start)?);
        Some(())
    })?;
    (version <= super::CURRENT_VERSION).then_some(())
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
) -> Option<(u32, Vec<&'a str>, Vec<T>)> {
    let mut r = Reader { text, pos: 0 };
    let vault = r.vault(item)?;
    r.ws();
    (r.pos == text.len()).then_some(vault)
}

/// Where the first `"` or `\` in `bytes` is, looking at eight bytes at a time. (Names and
/// secrets are a few dozen bytes: too short for `memchr2`'s vector set-up to pay off, and a
/// byte loop took a fifth of a 1,000-entry look-up.)
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const LOW: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte of `word` that equals `byte`, and perhaps of bytes after it
    // (a borrow can run upwards), but never of a byte before the first match.
    let matches = |word: u64, byte: u8| {
        let x = word ^ (LOW * u64::from(byte));
        x.wrapping_sub(LOW) & !x & HIGH
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // Little-endian: the first byte of the chunk is the lowest of the word.
        let word = u64::from_le_bytes(word);
        let hits = matches(word, b'"') | matches(word, b'\\');
        if hits != 0 {
            return Some(offset + hits.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let tail = chunks.remainder();
    let at = tail.iter().position(|b| *b == b'"' || *b == b'\\')?;
    Some(offset + at)
}

/// Bytes of a typical written entry (issuer, account, 160-bit secret), for sizing the list.
const ENTRY_BYTES_ESTIMATE: usize = 96;

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

/// One entry's fields as written, borrowed from the document (the secret still as text).
struct Fields<'a> {
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
}

impl<'a> Fields<'a> {
    /// The entry, with its secret decoded straight from the document.
    fn into_entry(self) -> Option<Entry> {
        let owned = |s: Option<Option<&str>>| s.flatten().map(str::to_string);
        let mut entry = Entry::new(
            self.issuer.unwrap_or_default(),
            self.account.unwrap_or_default(),
            Secret::parse_base32(self.secret).ok()?,
        );
        entry.kind = self.kind.unwrap_or_default();
        entry.algorithm = self.algorithm.unwrap_or_default();
        entry.digits = self.digits.unwrap_or(entry.digits);
        entry.period = self.period.unwrap_or(entry.period);
        entry.counter = self.counter.unwrap_or_default();
        entry.note = owned(self.note);
        entry.tags = self
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect();
        entry.serial = owned(self.serial);
        entry.manufacturer = owned(self.manufacturer);
        entry.model = owned(self.model);
        entry.upn = owned(self.upn);
        Some(entry)
    }

    /// The entry's names, if [`Entry::validate`] would accept the entry and leave them as
    /// they are (see [`scan`]).
    fn listing(self, start: usize) -> Option<Listed<'a>> {
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
            start,
        })
    }
}

impl<'a> Reader<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    /// Skips ASCII whitespace only (a subset of what `ron` skips; no comments).
    fn ws(&mut self) {
        self.skip_while(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'));
    }

    /// Moves past the bytes that satisfy `keep`.
    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        let rest = &self.bytes()[self.pos..];
        self.pos += rest.iter().position(|b| !keep(*b)).unwrap_or(rest.len());
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// An ASCII identifier: field names and enum values.
    fn ident(&mut self) -> Option<&'a str> {
        let start = self.pos;
        self.skip_while(|b| b.is_ascii_alphanumeric() || b == b'_');
        // A non-ASCII byte right after would still be part of a `ron` identifier.
        if self.pos == start || self.peek().is_some_and(|b| !b.is_ascii()) {
            return None;
        }
        Some(&self.text[start..self.pos])
    }

    /// A decimal number without sign, separators or leading zeros.
    fn number(&mut self) -> Option<u64> {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        let digits = &self.text[start..self.pos];
        if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
            return None;
        }
        digits.parse().ok()
    }

    /// `"text"` without escapes, or a raw string `r#"text"#`: both are the literal text.
    fn string(&mut self) -> Option<&'a str> {
        match self.peek()? {
            b'"' => {
                self.pos += 1;
                self.quoted_rest()
            }
            b'r' => {
                self.pos += 1;
                let hashes = self.bytes()[self.pos..]
                    .iter()
                    .take_while(|b| **b == b'#')
                    .count();
                self.pos += hashes;
                self.eat(b'"')?;
                let rest = &self.text[self.pos..];
                // Ends at the first quote followed by as many hashes (as `ron` reads it).
                let mut from = 0;
                let end = loop {
                    let quote = from + rest[from..].find('"')?;
                    let after = &rest.as_bytes()[quote + 1..];
                    if after.len() >= hashes && after[..hashes].iter().all(|b| *b == b'#') {
                        break quote;
                    }
                    from = quote + 1;
                };
                self.pos += end + 1 + hashes;
                Some(&rest[..end])
            }
            _ => None,
        }
    }

    /// A plain string's text after its opening quote, and the closing quote.
    fn quoted_rest(&mut self) -> Option<&'a str> {
        let rest = &self.text[self.pos..];
        // One pass for the closing quote; an escape sends the document to `ron`.
        let end = quote_or_backslash(rest.as_bytes())?;
        if rest.as_bytes()[end] == b'\\' {
            return None;
        }
        self.pos += end + 1;
        Some(&rest[..end])
    }

    /// Moves past `expected` if the text continues with exactly it.
    fn literal(&mut self, expected: &[u8]) -> Option<()> {
        self.bytes()[self.pos..]
            .starts_with(expected)
            .then(|| self.pos += expected.len())
    }

    /// An entry's `(` and first three fields exactly as [`Vault::to_ron`] lays them out,
    /// through the comma after the secret: `(⏎      issuer: "…",⏎      account: "…",⏎
    /// secret: "…",`. Byte comparisons instead of the general grammar (which reads the same
    /// text to the same values) make a 1,000-entry look-up about twice as fast. `None`, with
    /// nothing consumed, for any other layout.
    fn usual_start(&mut self) -> Option<(&'a str, &'a str, &'a str)> {
        let start = self.pos;
        let mut usual = || {
            self.literal(b"(\n      issuer: \"")?;
            let issuer = self.quoted_rest()?;
            self.literal(b",\n      account: \"")?;
            let account = self.quoted_rest()?;
            self.literal(b",\n      secret: \"")?;
            let secret = self.quoted_rest()?;
            self.eat(b',')?;
            Some((issuer, account, secret))
        };
        let found = usual();
        if found.is_none() {
            self.pos = start;
        }
        found
    }

    /// `[a, b, c]` with an optional trailing comma.
    fn list<T>(
        &mut self,
        capacity: usize,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        self.eat(b'[')?;
        let mut items = Vec::with_capacity(capacity);
        loop {
            self.ws();
            if self.eat(b']').is_some() {
                return Some(items);
            }
            items.push(item(self)?);
            self.ws();
            if self.eat(b',').is_none() {
                self.ws();
                self.eat(b']')?;
                return Some(items);
            }
        }
    }

    /// `(name: value, ...)` with an optional trailing comma; `field` reads one value and
    /// refuses unknown or repeated names.
    fn record(&mut self, field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'(')?;
        self.record_rest(field)
    }

    /// A record's fields after its `(` (or after a comma between two fields), through `)`.
    fn record_rest(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        loop {
            self.ws();
            if self.eat(b')').is_some() {
                return Some(());
            }
            let name = self.ident()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            field(self, name)?;
            self.ws();
            if self.eat(b',').is_none() {
                self.ws();
                return self.eat(b')');
            }
        }
    }

    fn optional_string(&mut self) -> Option<Option<&'a str>> {
        match self.ident() {
            Some("None") => Some(None),
            Some("Some") => {
                self.ws();
                self.eat(b'(')?;
                self.ws();
                let value = self.string()?;
                self.ws();
                self.eat(b')')?;
                Some(Some(value))
            }
            _ => None,
        }
    }

    fn vault<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<(u32, Vec<&'a str>, Vec<T>)> {
        let (mut version, mut recipients, mut entries) = (None, None, None);
        self.ws();
        self.record(|r, name| match name {
            "version" if version.is_none() => {
                version = Some(u32::try_from(r.number()?).ok()?);
                Some(())
            }
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
        Some((
            version?,
            recipients.unwrap_or_default(),
            entries.unwrap_or_default(),
        ))
    }

    /// One entry's record; its secret is not decoded here (the caller decodes or checks it).
    fn fields(&mut self) -> Option<Fields<'a>> {
        /// Sets a field once: a repeated field is `ron`'s to report.
        fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
            if slot.is_some() {
                return None;
            }
            *slot = Some(value?);
            Some(())
        }
        let (mut issuer, mut account, mut secret) = (None, None, None);
        let (mut kind, mut algorithm, mut digits, mut period, mut counter) =
            (None, None, None, None, None);
        let (mut note, mut tags, mut serial, mut manufacturer, mut model, mut upn) =
            (None, None, None, None, None, None);
        let usual = self.usual_start();
        if let Some((i, a, s)) = usual {
            (issuer, account, secret) = (Some(i), Some(a), Some(s));
        }
        let field = |r: &mut Self, name| match name {
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
            _ => None,
        };
        if usual.is_some() {
            self.record_rest(field)?;
        } else {
            self.record(field)?;
        }
        Some(Fields {
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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time search finds what a byte loop finds, wherever it lies.
        #[test]
        fn quote_search_agrees_with_a_byte_loop(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(b'!'), Just(b'#'), Just(0x5d), Just(0xa2), any::<u8>()],
                0..40,
            ),
            filler in 0usize..20,
        ) {
            let mut bytes = bytes;
            // Mostly-plain runs, so that matches also land deep inside 8-byte words.
            bytes.splice(0..0, std::iter::repeat_n(b'a', filler));
            let naive = bytes.iter().position(|b| *b == b'"' || *b == b'\\');
            prop_assert_eq!(quote_or_backslash(&bytes), naive);
        }
    }

    fn by_ron(text: &str) -> Option<Vault> {
        ron::from_str(text).ok()
    }

    fn secret() -> Secret {
        Secret::parse_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap()
    }

    fn sample() -> Vault {
        let mut full = Entry::new("Bank \"Ω\" #\"#", "bob\\", secret()).with_hotp(7);
        full.algorithm = Algorithm::Sha512;
        full.digits = 8;
        full.note = Some("line one\nline two".into());
        full.tags = vec!["work".into(), "r#\"x\"#".into()];
        full.serial = Some("1234567".into());
        full.manufacturer = Some("Token Co".into());
        full.model = Some("C200".into());
        full.upn = Some("me@example.com".into());
        let mut steam = Entry::new("Steam", "", secret()).with_steam();
        steam.period = 60;
        Vault {
            version: 1,
            recipients: vec!["age1example".into(), "ssh-ed25519 AAAA".into()],
            entries: vec![
                Entry::new("GitHub", "me@example.com", secret()),
                full,
                steam,
            ],
        }
    }

    #[test]
    fn keyfobs_own_output_takes_the_fast_path() {
        let vault = sample();
        let text = vault.to_ron();
        assert_eq!(parse(&text), Some(vault.clone()));
        assert_eq!(by_ron(&text), Some(vault));
        assert_eq!(parse(&Vault::default().to_ron()), Some(Vault::default()));
    }

    #[test]
    fn padded_output_takes_the_fast_path() {
        let text = sample().to_ron();
        let padded = crate::engine::crypto::pad(&text);
        let padded = std::str::from_utf8(&padded).unwrap();
        assert_eq!(parse(padded), Some(sample()));
    }

    #[test]
    fn hand_written_forms_it_accepts_read_as_ron_reads_them() {
        for text in [
            "(version:1,entries:[(issuer:\"a\",secret:\"JBSWY3DPEHPK3PXP\")])",
            "( version : 1 , entries : [ ( account : \"b\" , secret : r\"JBSWY3DPEHPK3PXP\" , ) , ] , )",
            "(entries: [(issuer: \"a\", secret: \"jbswy3dpehpk3pxp\", note: Some ( \"n\" ), serial: None)], version: 0)",
            "(version: 1, recipients: [], entries: [])",
            "\r\n\t(version: 4294967295)\n\n",
            "(version: 1, entries: [(issuer: r##\"a\"#b\"##, secret: \"JBSWY3DPEHPK3PXP\", counter: 18446744073709551615, digits: 255)])",
        ] {
            let fast = parse(text);
            assert!(fast.is_some(), "{text}");
            assert_eq!(fast, by_ron(text), "{text}");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_ron() {
        let entry = |fields: &str| format!("(version: 1, entries: [({fields})])");
        let s = "secret: \"JBSWY3DPEHPK3PXP\"";
        for text in [
            // Accepted by ron, but not canonical.
            "// a comment\n(version: 1)".to_string(),
            "(version: 1, /* here */ entries: [])".to_string(),
            "#![enable(implicit_some)]\n(version: 1)".to_string(),
            "Vault(version: 1)".to_string(),
            "(version: 0x1)".to_string(),
            "(version: 01)".to_string(),
            "(version: 1_0)".to_string(),
            "(version: +1)".to_string(),
            "(version: 1)\u{85}".to_string(),
            entry(&format!("issuer: \"a\\\"b\", {s}")),
            entry(&format!("issuer: \"a\\u{{3a9}}\", {s}")),
            entry(&format!("r#type: hotp, issuer: \"a\", {s}")),
            entry(&format!("issuer: \"a\", {s}, note: Some(\"n\",)")),
            entry(&format!("Entry(issuer: \"a\", {s})")).replace("[(Entry(", "[Entry("),
            // Refused by ron: its error message is wanted.
            "(version: 1, version: 1)".to_string(),
            "(version: 1, wormholes: 3)".to_string(),
            "(entries: [])".to_string(),
            "(version: 1) x".to_string(),
            "(version: 4294967296)".to_string(),
            entry("issuer: \"a\""),
            entry(&format!("issuer: \"a\", issuer: \"b\", {s}")),
            entry(&format!("issuer: \"a\", {s}, digits: 256")),
            entry(&format!("issuer: \"a\", {s}, type: Hotp")),
            entry(&format!("issuer: \"a\", {s}, note: \"n\"")),
            entry(&format!("issuer: \"a\", {s}, colour: red")),
            entry("issuer: \"a\", secret: \"JBSW0Y3DP\""),
            entry("issuer: \"a\", secret: \"\""),
            entry(&format!("issuer: r#\"a\", {s}")),
            entry(&format!("issuer: \"a\" {s}")),
        ] {
            assert_eq!(parse(&text), None, "{text}");
        }
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        let tricky = prop_oneof![
            4 => prop::char::range('a', 'z'),
            1 => any::<char>(),
            1 => prop::sample::select(vec![
                '"', '\\', '#', 'r', ' ', '\n', '\t', '\r', ':', ',', '(', ')', '[', ']', 'Ω',
                '\u{85}', '\u{1b}', '/', '*',
            ]),
        ];
        prop::collection::vec(tricky, 0..12).prop_map(|chars| chars.into_iter().collect())
    }

    fn entry_strategy() -> impl Strategy<Value = Entry> {
        (
            (text_strategy(), text_strategy()),
            prop::collection::vec(any::<u8>(), 1..40),
            prop::sample::select(vec![Kind::Totp, Kind::Hotp, Kind::Steam]),
            prop::sample::select(Algorithm::ALL.to_vec()),
            (
                any::<u8>(),
                prop_oneof![Just(30u32), any::<u32>()],
                prop_oneof![Just(0u64), any::<u64>()],
            ),
            prop::option::of(text_strategy()),
            prop::collection::vec(text_strategy(), 0..3),
            prop::collection::vec(prop::option::of(text_strategy()), 4),
        )
            .prop_map(
                |(
                    (issuer, account),
                    secret,
                    kind,
                    algorithm,
                    (digits, period, counter),
                    note,
                    tags,
                    meta,
                )| {
                    let mut e = Entry::new(issuer, account, Secret::from_bytes(secret).unwrap());
                    e.kind = kind;
                    e.algorithm = algorithm;
                    e.digits = digits;
                    e.period = period;
                    e.counter = counter;
                    e.note = note;
                    e.tags = tags;
                    let [serial, manufacturer, model, upn]: [Option<String>; 4] =
                        meta.try_into().unwrap();
                    (e.serial, e.manufacturer, e.model, e.upn) = (serial, manufacturer, model, upn);
                    e
                },
            )
    }

    fn vault_strategy() -> impl Strategy<Value = Vault> {
        (
            prop_oneof![Just(1u32), any::<u32>()],
            prop::collection::vec(text_strategy(), 0..3),
            prop::collection::vec(entry_strategy(), 0..6),
        )
            .prop_map(|(version, recipients, entries)| Vault {
                version,
                recipients,
                entries,
            })
    }

    /// Small edits a person (or a broken disk) might make to a document.
    fn mangle(text: &str, at: usize, edit: usize, insert: &str) -> String {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut out = text.to_string();
        match edit % 3 {
            0 => out.insert_str(at, insert),
            1 => {
                let end = (at + 1 + edit % 7).min(text.len());
                let mut end = end;
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                out.replace_range(at..end, insert);
            }
            _ => {
                let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                out.replace_range(at..end, "");
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Everything keyfob writes takes the fast path, and reads as `ron` reads it.
        #[test]
        fn equals_ron_on_written_vaults(vault in vault_strategy(), pad in 0usize..300) {
            let text = vault.to_ron();
            let padded = format!("{}{}\n", text.trim_end(), " ".repeat(pad));
            for text in [text.as_str(), padded.as_str()] {
                let fast = parse(text);
                prop_assert!(fast.is_some(), "fast path refused keyfob's own output:\n{}", text);
                prop_assert_eq!(&fast, &by_ron(text));
                prop_assert_eq!(fast, Some(vault.clone()));
            }
        }

        /// Whatever the fast path accepts after an edit, `ron` accepts as the same vault.
        #[test]
        fn accepts_only_what_ron_reads_identically(
            vault in vault_strategy(),
            edits in prop::collection::vec((any::<usize>(), any::<usize>(), prop::sample::select(vec![
                "", " ", "\n", "\t", "\u{85}", "\u{200E}", "//c\n", "/*c*/", ",", ",,", "(", ")",
                "[", "]", ":", "\"", "\\", "#", "r", "r#", "0", "1", "00", "_", "é", "x", "Some(",
                "None", "type: hotp,", "version: 2,", "Vault", "#![enable(implicit_some)]", "+",
                "-", "0x", ".5", "e3", "'a'", "b\"x\"", "issuer: \"a\",", "\"JBSWY3DPEHPK3PXP\"",
            ])), 1..4),
        ) {
            let mut text = vault.to_ron().to_string();
            for (at, edit, insert) in edits {
                text = mangle(&text, at, edit, insert);
            }
            if let Some(fast) = parse(&text) {
                prop_assert_eq!(Some(fast), by_ron(&text), "{}", text);
            }
        }

        /// The index accepts a document only where the full open gives the same entries.
        #[test]
        fn scan_agrees_with_the_full_open(
            vault in vault_strategy(),
            edits in prop::collection::vec((any::<usize>(), any::<usize>(), prop::sample::select(vec![
                "", " ", "\u{1b}", "\"JBSWY3DPEHPK3PXP\"", "\"A\"", "digits: 9,", "type: steam,",
                "period: 0,", "issuer: \"\",", "account: \" x\",", "serial: Some(\"\u{7}\"),",
                "version: 2,", ",", ")", "-",
            ])), 0..3),
        ) {
            let mut text = vault.to_ron().to_string();
            for (at, edit, insert) in edits {
                text = mangle(&text, at, edit, insert);
            }
            check_scan(&text)?;
        }
    }

    fn check_scan(text: &str) -> Result<(), TestCaseError> {
        let full = Vault::from_ron(text);
        match scan(text) {
            Some(listed) => {
                prop_assert!(parse(text).is_some(), "{}", text);
                let vault = full.expect("the index accepted what the full open refuses");
                prop_assert_eq!(listed.len(), vault.entries.len());
                for (l, e) in listed.iter().zip(&vault.entries) {
                    prop_assert_eq!(
                        (l.issuer, l.account, l.serial),
                        (e.issuer.as_str(), e.account.as_str(), e.serial.as_deref())
                    );
                    let built = build(text, l);
                    prop_assert_eq!(built.as_ref(), Some(e));
                }
                check_lookup(text, &vault)?;
            }
            None => {
                // Refused: unless `parse` refused it too, the full open must fail or tidy a name.
                if let (Some(parsed), Ok(vault)) = (parse(text), full) {
                    let names = |e: &Entry| (e.issuer.clone(), e.account.clone(), e.serial.clone());
                    let tidied = parsed
                        .entries
                        .iter()
                        .map(names)
                        .ne(vault.entries.iter().map(names));
                    prop_assert!(
                        parsed.version > 1 || tidied,
                        "the index refused a tidy, valid document:\n{}",
                        text
                    );
                }
            }
        }
        Ok(())
    }

    /// `Vault::lookup` (the index, keeping only matches) gives what the rule gives on the
    /// opened vault, for queries made from the entries' names.
    fn check_lookup(text: &str, vault: &Vault) -> Result<(), TestCaseError> {
        use crate::engine::query::{Found, find};
        use crate::engine::vault::Lookup;
        let mut queries = vec![String::new(), "zz-none".to_string(), ":".to_string()];
        for e in &vault.entries {
            for name in [&e.issuer, &e.account].into_iter().chain(e.serial.as_ref()) {
                queries.push(name.to_uppercase());
                queries.push(name.chars().take(2).collect());
            }
            queries.push(e.name());
        }
        for q in &queries {
            let looked_up = Vault::lookup(text.as_bytes(), q);
            match (find(&vault.entries, q), looked_up) {
                (Found::One(i), Some(Lookup::One(e))) => prop_assert_eq!(&*e, &vault.entries[i]),
                (Found::None, Some(Lookup::None)) => {}
                (Found::Many(is), Some(Lookup::Many(names))) => {
                    let expected: Vec<String> = is
                        .iter()
                        .map(|i| crate::engine::query::describe(&vault.entries[*i]))
                        .collect();
                    prop_assert_eq!(names, expected);
                }
                (expected, _) => prop_assert!(false, "query {:?}: expected {:?}", q, expected),
            }
        }
        Ok(())
    }

    #[test]
    fn scan_takes_keyfobs_own_output() {
        let text = sample().to_ron();
        assert_eq!(scan(&text).map(|l| l.len()), Some(3));
        check_scan(&text).unwrap();
    }
}
