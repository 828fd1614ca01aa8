//! Read-only look-ups straight from a decrypted document (`keyfob code`'s quick path), and
//! the part of a document the trust rules read ([`DocumentHead`]).
//!
//! Promise: a look-up gives what [`Vault::from_bytes`] and [`crate::engine::query::find`]
//! would, or `None` and the caller opens the vault the ordinary way.

use super::{Vault, canonical};
use crate::engine::entry::Entry;

/// What the trust rules need of a document: the recipients it lists and its generation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentHead {
    pub recipients: Vec<String>,
    pub generation: u64,
}

impl Vault {
    /// This document's [`DocumentHead`].
    pub fn head(&self) -> DocumentHead {
        DocumentHead {
            recipients: self.recipients.clone(),
            generation: self.generation,
        }
    }
}

/// What a read-only lookup found, straight from the decrypted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The one match, read in full and validated.
    One(Box<Entry>),
    None,
    /// The names (`issuer:account`) of every match, in vault order.
    Many(Vec<String>),
}

impl Vault {
    /// Finds the entry for `query` (the [`crate::engine::query`] rule) without building the
    /// others.
    ///
    /// `None` unless the document is canonical and [`Vault::from_bytes`] would accept it
    /// with the same names: then the caller opens the vault the ordinary way, which also gives
    /// every error. The outcome is the one `from_bytes` and [`crate::engine::query::find`] would give.
    pub fn lookup(bytes: &[u8], query: &str) -> Option<Lookup> {
        Vault::lookup_with_recipients(bytes, query).map(|(found, _)| found)
    }

    /// [`Vault::lookup`], with the recipients the document lists (for the trust rules).
    pub fn lookup_with_recipients(bytes: &[u8], query: &str) -> Option<(Lookup, Vec<String>)> {
        Vault::lookup_with_head(bytes, query).map(|(found, head)| (found, head.recipients))
    }

    /// [`Vault::lookup`], with the document's recipients and generation (for the trust rules,
    /// the roll-back rule among them).
    pub fn lookup_with_head(bytes: &[u8], query: &str) -> Option<(Lookup, DocumentHead)> {
        use crate::engine::query::{Found, Matcher};
        let text = std::str::from_utf8(bytes).ok()?;
        // Only the entries that match at all are kept, in document order.
        let (mut matcher, mut hits, mut index) = (Matcher::new(query), Vec::new(), 0);
        let head = canonical::scan_each(text, |listed| {
            if matcher.offer(index, &listed) {
                hits.push((index, listed));
            }
            index += 1;
        })?;
        let hit = |i: usize| {
            let at = hits.binary_search_by_key(&i, |(index, _)| *index).ok()?;
            Some(&hits[at].1)
        };
        let found = match matcher.finish() {
            Found::One(i) => Lookup::One(Box::new(canonical::build(text, hit(i)?)?)),
            Found::None => Lookup::None,
            Found::Many(indices) => Lookup::Many({
                let names: Vec<String> = indices
                    .iter()
                    .map(|i| hit(*i).map(crate::engine::query::describe))
                    .collect::<Option<_>>()?;
                // Two matches under one name (a conflict a merge kept) are told apart by their
                // ids, which the ordinary path shows.
                let mut sorted: Vec<&String> = names.iter().collect();
                sorted.sort_unstable();
                if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
                    return None;
                }
                names
            }),
        };
        Some((found, head))
    }
}
