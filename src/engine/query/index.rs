//! The matching rule over a list of entries that stays put between queries (an agent's opened
//! vault): every entry's fields folded once into one text, so a query is one substring scan of
//! that text instead of a comparison per field per entry.
//!
//! Why: an agent answers `keyfob code QUERY` again and again over the same entries, and the
//! field-by-field rule was most of its work on each answer (about 40 µs on 1,000 entries;
//! a scan of the folded text is a few µs).
//!
//! Promise: [`Index::find`] gives what [`super::find`] gives over the same entries, for every
//! query (property-tested). Queries the text cannot answer alone — empty ones, entry ids, ones
//! holding the separator — are answered by [`super::find`] itself. The index is only right for
//! the entries it was built from: its owner rebuilds it when they change.

use super::{Found, Named, choose, fold, id_of, needle};

/// Ends each field in the text; a query holding it is not looked up in the text.
const SEPARATOR: char = '\0';

/// The folded fields of a list of entries, in order, each followed by [`SEPARATOR`].
pub struct Index {
    text: String,
    /// Where each field starts in `text` and whose it is, in text order.
    fields: Vec<Field>,
    entries: usize,
}

struct Field {
    start: usize,
    len: usize,
    entry: usize,
    /// `issuer:account`, which the rule looks at only for a query with a colon.
    name: bool,
}

impl Index {
    pub fn new<T: Named>(entries: &[T]) -> Index {
        let mut text = String::new();
        let mut fields = Vec::new();
        let mut folded = String::new();
        let mut name = String::new();
        for (entry, item) in entries.iter().enumerate() {
            let (issuer, account) = (item.issuer(), item.account());
            let mut add = |field: &str, name: bool| {
                if field.is_empty() {
                    return;
                }
                fold(field, &mut folded);
                fields.push(Field {
                    start: text.len(),
                    len: folded.len(),
                    entry,
                    name,
                });
                text.push_str(&folded);
                text.push(SEPARATOR);
            };
            add(issuer, false);
            add(account, false);
            // Folded whole, as the rule folds it: lower-casing is not always the same piece by
            // piece (a final sigma), so it may hold text the two parts do not.
            if !issuer.is_empty() && !account.is_empty() {
                name.clear();
                name.push_str(issuer);
                name.push(':');
                name.push_str(account);
                add(&name, true);
            }
            if let Some(serial) = item.serial() {
                add(serial, false);
            }
        }
        Index {
            text,
            fields,
            entries: entries.len(),
        }
    }

    /// The rule's outcome for `query` over `entries`, the list the index was built from.
    pub fn find<T: Named>(&self, entries: &[T], query: &str) -> Found {
        debug_assert_eq!(entries.len(), self.entries, "index of another list");
        if entries.len() != self.entries {
            return super::find(entries, query);
        }
        let needle = needle(query);
        if needle.is_empty() || id_of(&needle).is_some() || needle.contains(SEPARATOR) {
            return super::find(entries, query);
        }
        // A match never crosses a separator (the needle holds none), so each lies in one
        // field; the first match in a field is at its start when the field is the needle.
        let colon = needle.contains(':');
        let (mut exact, mut partial) = (vec![false; self.entries], vec![false; self.entries]);
        for at in memchr::memmem::find_iter(self.text.as_bytes(), needle.as_bytes()) {
            let field = &self.fields[self.fields.partition_point(|f| f.start <= at) - 1];
            if field.name && !colon {
                continue;
            }
            if at == field.start && field.len == needle.len() {
                exact[field.entry] = true;
            } else {
                partial[field.entry] = true;
            }
        }
        let partial = (0..self.entries)
            .filter(|&i| partial[i] && !exact[i])
            .collect();
        let exact = (0..self.entries).filter(|&i| exact[i]).collect();
        choose(exact, partial)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::engine::entry::Entry;
    use crate::engine::secret::Secret;

    fn entry(issuer: &str, account: &str, serial: Option<&str>) -> Entry {
        let mut entry = Entry::new(
            issuer,
            account,
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        );
        entry.serial = serial.map(str::to_string);
        entry
    }

    #[test]
    fn answers_as_the_rule_does() {
        let e = vec![
            entry("GitHub", "me", None),
            entry("GitLab", "me", None),
            entry("Git", "other", None),
            entry("Contoso", "helga@contoso.com", Some("1234567")),
            entry("ΟΔΟΣ", "Σmith", None),
            entry("", "solo:x", None),
            entry("aaa", "aa", Some("")),
        ];
        let index = Index::new(&e);
        for q in [
            "git",
            "GITHUB",
            "gitlab:me",
            "hub",
            "me",
            "nothing",
            "1234567",
            "4567",
            ":",
            "οδος",
            "οδοσ",
            "οδοσ:σmith",
            "ς",
            "σ",
            "aa",
            "a",
            "aaa:aa",
            "solo",
            " x ",
            "",
            "\0",
            "a\0",
        ] {
            assert_eq!(index.find(&e, q), super::super::find(&e, q), "query {q:?}");
        }
    }

    /// Words from a small alphabet (so that queries often hit), with cased, final-sigma and
    /// multi-byte letters.
    fn word() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop::sample::select(vec![
                'a', 'b', 'A', ':', 'Σ', 'σ', 'İ', 'K', '\u{212A}', ' ',
            ]),
            0..6,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn agrees_with_the_rule(
            list in proptest::collection::vec((word(), word(), proptest::option::of(word())), 0..12),
            queries in proptest::collection::vec(word(), 1..8),
        ) {
            let e: Vec<Entry> = list
                .iter()
                .map(|(i, a, s)| entry(i, a, s.as_deref()))
                .collect();
            let index = Index::new(&e);
            for q in &queries {
                prop_assert_eq!(index.find(&e, q), super::super::find(&e, q), "query {:?}", q);
            }
        }
    }
}
