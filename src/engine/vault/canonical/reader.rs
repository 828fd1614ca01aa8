//! The lexical half of the fast vault reader: a cursor over the document and the subset of
//! RON keyfob writes (ASCII whitespace, identifiers, decimal numbers, plain and raw strings,
//! `Some(..)`/`None`, lists, records). Every reader returns `None` for anything outside that
//! subset, which sends the whole document to `ron`.

/// Where the first `"` or `\` in `bytes` is, looking at eight bytes at a time. (Names and
/// secrets are a few dozen bytes: too short for `memchr2`'s vector set-up to pay off, and a
/// byte loop took a fifth of a 1,000-entry look-up.)
pub(super) fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
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

pub(super) struct Reader<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    /// Skips ASCII whitespace only (a subset of what `ron` skips; no comments).
    pub(super) fn ws(&mut self) {
        self.skip_while(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'));
    }

    /// Moves past the bytes that satisfy `keep`.
    pub(super) fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        let rest = &self.bytes()[self.pos..];
        self.pos += rest.iter().position(|b| !keep(*b)).unwrap_or(rest.len());
    }

    pub(super) fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// An ASCII identifier: field names and enum values.
    pub(super) fn ident(&mut self) -> Option<&'a str> {
        let start = self.pos;
        self.skip_while(|b| b.is_ascii_alphanumeric() || b == b'_');
        // A non-ASCII byte right after would still be part of a `ron` identifier.
        if self.pos == start || self.peek().is_some_and(|b| !b.is_ascii()) {
            return None;
        }
        Some(&self.text[start..self.pos])
    }

    /// A decimal number without sign, separators or leading zeros.
    pub(super) fn number(&mut self) -> Option<u64> {
        let start = self.pos;
        self.skip_while(|b| b.is_ascii_digit());
        let digits = &self.bytes()[start..self.pos];
        if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
            return None;
        }
        let digit = |d: &u8| u64::from(d - b'0');
        if digits.len() <= 19 {
            // Below 10^19 < 2^64: no overflow to check (the check's branch in the loop was a
            // tenth of the entry reader's time, every entry having a change time).
            Some(
                digits
                    .iter()
                    .fold(0, |v, d| v.wrapping_mul(10).wrapping_add(digit(d))),
            )
        } else {
            digits
                .iter()
                .try_fold(0u64, |v, d| v.checked_mul(10)?.checked_add(digit(d)))
        }
    }

    /// `"text"` without escapes, or a raw string `r#"text"#`: both are the literal text.
    pub(super) fn string(&mut self) -> Option<&'a str> {
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
    pub(super) fn quoted_rest(&mut self) -> Option<&'a str> {
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
    pub(super) fn literal(&mut self, expected: &[u8]) -> Option<()> {
        self.bytes()[self.pos..]
            .starts_with(expected)
            .then(|| self.pos += expected.len())
    }

    /// `[a, b, c]` with an optional trailing comma.
    pub(super) fn list<T>(
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
    pub(super) fn record(
        &mut self,
        field: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'(')?;
        self.record_rest(field)
    }

    /// A record's fields after its `(` (or after a comma between two fields), through `)`.
    pub(super) fn record_rest(
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

    pub(super) fn optional_string(&mut self) -> Option<Option<&'a str>> {
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
}

/// Sets a field once: a repeated field is `ron`'s to report.
pub(super) fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}
