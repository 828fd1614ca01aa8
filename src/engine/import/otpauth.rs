//! Plain text with one URI per line: `otpauth://` (Google's Key Uri Format) or Google
//! Authenticator's `otpauth-migration://` transfer batches. Blank lines and `#` comments are
//! skipped.
//!
//! [`UriReader`] is shared with the formats that carry the same URIs (Ente, QR codes): it
//! turns each URI into items and reports migration batches that are incomplete.

use std::collections::{BTreeMap, BTreeSet};

use age::secrecy::SecretString;

use super::{Format, ImportError, Item, SecretEncoding};
use crate::engine::{migration, uri};

pub struct Otpauth;

/// Whether the first meaningful line starts with `scheme://`.
pub(crate) fn first_line_is(bytes: &[u8], scheme: &str) -> bool {
    super::text(bytes).is_ok_and(|text| {
        meaningful_lines(text)
            .next()
            .is_some_and(|(_, l)| uri::strip_scheme(l, scheme).is_some())
    })
}

/// Numbered (1-based), trimmed lines that are neither blank nor comments.
pub(crate) fn meaningful_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

impl Format for Otpauth {
    fn name(&self) -> &'static str {
        "otpauth"
    }

    fn summary(&self) -> &'static str {
        "otpauth:// and otpauth-migration:// URIs, one a line"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        first_line_is(bytes, "otpauth") || first_line_is(bytes, "otpauth-migration")
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        read_lines(bytes)
    }

    fn read_each(
        &self,
        bytes: &[u8],
        _: Option<&SecretString>,
        encoding: SecretEncoding,
        each: &mut dyn FnMut(Item),
    ) -> Result<(), ImportError> {
        if encoding != SecretEncoding::Base32 {
            return Err(ImportError::EncodingNotApplicable {
                format: self.name(),
            });
        }
        read_lines_each(bytes, each)
    }
}

/// Reads every line as an `otpauth://` or `otpauth-migration://` URI.
pub(crate) fn read_lines(bytes: &[u8]) -> Result<Vec<Item>, ImportError> {
    let mut items = Vec::new();
    read_lines_each(bytes, &mut |item| items.push(item))?;
    Ok(items)
}

/// [`read_lines`], handing each item to `each` as it is read (a big file is never held as a
/// list of items).
pub(crate) fn read_lines_each(bytes: &[u8], each: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    let text = super::text(bytes)?;
    let mut batches = Batches::default();
    let mut any = false;
    for (number, line) in meaningful_lines(text) {
        any = true;
        read_uri(&mut batches, &format!("line {number}"), line, each);
    }
    if !any {
        return Err(ImportError::Malformed(
            "the file holds no otpauth:// or otpauth-migration:// lines".into(),
        ));
    }
    batches.report_missing(each);
    Ok(())
}

/// Migration batches seen: batch id → (batch size, indexes seen).
#[derive(Default)]
struct Batches(BTreeMap<i32, (i32, BTreeSet<i32>)>);

impl Batches {
    /// One failure per migration batch with QR codes missing.
    fn report_missing(&self, each: &mut dyn FnMut(Item)) {
        for (size, seen) in self.0.values() {
            let missing: Vec<String> = (0..*size)
                .filter(|i| !seen.contains(i))
                .map(|i| (i + 1).to_string())
                .collect();
            if !missing.is_empty() {
                each(Item::failed(
                    "Google Authenticator transfer",
                    format!(
                        "QR code {} of {size} is missing: the accounts in it were not imported",
                        missing.join(", ")
                    ),
                ));
            }
        }
    }
}

/// The items of one URI found at `what` ("line 3", "QR code 2").
fn read_uri(batches: &mut Batches, what: &str, text: &str, each: &mut dyn FnMut(Item)) {
    if uri::strip_scheme(text, "otpauth-migration").is_none() {
        each(match uri::parse(text) {
            Ok(entry) => Item::entry(entry),
            Err(e) => Item::failed(what, e),
        });
        return;
    }
    match migration::decode(text) {
        Err(e) => each(Item::failed(what, e)),
        Ok(decoded) => {
            let batch = decoded.batch;
            let (_, seen) = batches
                .0
                .entry(batch.id)
                .or_insert_with(|| (batch.size, BTreeSet::new()));
            seen.insert(batch.index);
            for (n, (name, result)) in decoded.accounts.into_iter().enumerate() {
                each(match result {
                    Ok(entry) => Item::entry(entry),
                    Err(reason) => {
                        Item::failed(format!("{what}, account {} ('{name}')", n + 1), reason)
                    }
                });
            }
        }
    }
}

/// Items from URIs, with a check that migration batches are complete.
#[derive(Default)]
pub(crate) struct UriReader {
    items: Vec<Item>,
    batches: Batches,
}

impl UriReader {
    pub fn push_item(&mut self, item: Item) {
        self.items.push(item);
    }

    /// Reads one URI found at `what` ("line 3", "QR code 2").
    pub fn push(&mut self, what: &str, text: &str) {
        let items = &mut self.items;
        read_uri(&mut self.batches, what, text, &mut |item| items.push(item));
    }

    /// The items, plus one failure per migration batch with QR codes missing.
    pub fn finish(mut self) -> Vec<Item> {
        let items = &mut self.items;
        self.batches.report_missing(&mut |item| items.push(item));
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_plain_and_migration_lines() {
        let bytes = b"# exported\n\
            otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\n\
            \n\
            otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZSABKAEwAhABGAEgACjr4JKK%2Bv%2F%2F%2F%2F8B\n";
        assert!(Otpauth.sniff(bytes));
        let items = Otpauth.read(bytes, None).unwrap();
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|i| matches!(i, Item::Entry(_))));
    }

    #[test]
    fn incomplete_batches_are_reported() {
        let entries: Vec<_> = (0..15)
            .map(|i| {
                crate::engine::entry::Entry::new(
                    "X",
                    format!("u{i}"),
                    crate::engine::secret::Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
                )
            })
            .collect();
        let (uris, _) = migration::encode(&entries, 7);
        let items = Otpauth.read(uris[1].as_bytes(), None).unwrap();
        assert_eq!(items.len(), 6);
        let Item::Failed { what, reason } = &items[5] else {
            panic!("{items:?}")
        };
        assert_eq!(what, "Google Authenticator transfer");
        assert_eq!(
            reason,
            "QR code 1 of 2 is missing: the accounts in it were not imported"
        );
    }

    #[test]
    fn bad_lines_fail_alone() {
        let items = Otpauth
            .read(
                b"otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\nhello\notpauth-migration://offline?x=1\n",
                None,
            )
            .unwrap();
        assert!(matches!(&items[1], Item::Failed { what, .. } if what == "line 2"));
        assert!(
            matches!(&items[2], Item::Failed { what, reason } if what == "line 3" && reason.contains("no 'data='"))
        );
    }
}
