//! The live filter: fuzzy matching (nucleo-matcher) over issuer, account, serial and tags.
//!
//! Promises: an empty query keeps every entry in vault order; otherwise only matching entries,
//! best first, ties in vault order. Haystacks are prepared once per vault change, so a
//! keystroke costs one pass of the matcher and no allocation per entry.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

use crate::engine::view::EntryView;

/// Prepared search text for each entry and the matcher's scratch space.
pub struct Filter {
    haystacks: Vec<Utf32String>,
    matcher: Matcher,
    /// The last query and the entries it matched (in vault order): a query that only adds
    /// characters can match only among those, which keeps typing fast at 10,000 entries.
    last_query: String,
    last_matched: Option<Vec<usize>>,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Filter({} entries)", self.haystacks.len())
    }
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            haystacks: Vec::new(),
            matcher: Matcher::new(Config::DEFAULT),
            last_query: String::new(),
            last_matched: None,
        }
    }
}

/// What the filter searches in an entry (never the secret).
pub fn haystack(entry: &EntryView) -> String {
    let mut text = String::with_capacity(64);
    for part in [
        entry.issuer.as_str(),
        entry.account.as_str(),
        entry.serial.as_deref().unwrap_or(""),
    ]
    .into_iter()
    .chain(entry.tags.iter().map(String::as_str))
    {
        if !part.is_empty() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(part);
        }
    }
    text
}

impl Filter {
    /// Prepares the haystacks for `entries`.
    pub fn index(&mut self, entries: &[EntryView]) {
        self.haystacks = entries
            .iter()
            .map(|e| Utf32String::from(haystack(e)))
            .collect();
        self.last_matched = None;
    }

    /// Positions of the entries matching `query`, best first.
    pub fn matches(&mut self, query: &str, out: &mut Vec<usize>) {
        out.clear();
        if query.trim().is_empty() {
            out.extend(0..self.haystacks.len());
            return;
        }
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        // Adding characters narrows a plain fuzzy pattern (a longer atom, or one more atom
        // that must also match). Negation (`!`), anchors (`^`, `$`), exact (`'`) and escapes
        // (`\\`) can widen it, so queries using them are matched against everything.
        let plain = !query.contains(['!', '^', '$', '\'', '\\']);
        let narrows = plain
            && query.starts_with(self.last_query.as_str())
            && !self.last_query.trim().is_empty();
        let previous = self.last_matched.take().filter(|_| narrows);
        let mut scored: Vec<(u32, usize)> = Vec::with_capacity(self.haystacks.len() / 4);
        let mut score = |index: usize, matcher: &mut Matcher| {
            if let Some(hay) = self.haystacks.get(index)
                && let Some(score) = pattern.score(hay.slice(..), matcher)
            {
                scored.push((score, index));
            }
        };
        match &previous {
            Some(candidates) => candidates.iter().for_each(|i| score(*i, &mut self.matcher)),
            None => (0..self.haystacks.len()).for_each(|i| score(i, &mut self.matcher)),
        }
        let mut matched: Vec<usize> = scored.iter().map(|(_, index)| *index).collect();
        matched.sort_unstable();
        self.last_matched = Some(matched);
        self.last_query = query.to_string();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        out.extend(scored.into_iter().map(|(_, index)| index));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::entry::Entry;
    use crate::engine::secret::Secret;

    #[test]
    fn fuzzy_over_issuer_account_serial_tags() {
        let s = || Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap();
        let mut token = Entry::new("Contoso", "helga@contoso.com", s());
        token.serial = Some("1234567".into());
        let mut tagged = Entry::new("Bank", "me", s());
        tagged.tags = vec!["money".into()];
        let entries = [
            Entry::new("GitHub", "me", s()),
            Entry::new("GitLab", "me", s()),
            token,
            tagged,
        ];
        let entries: Vec<EntryView> = entries
            .iter()
            .map(|e| EntryView::of(e, 0).unwrap())
            .collect();
        let mut f = Filter::default();
        f.index(&entries);
        let mut out = Vec::new();
        f.matches("", &mut out);
        assert_eq!(out, vec![0, 1, 2, 3]);
        f.matches("ghub", &mut out);
        assert_eq!(out, vec![0]);
        f.matches("4567", &mut out);
        assert_eq!(out, vec![2]);
        f.matches("MONEY", &mut out);
        assert_eq!(out, vec![3]);
        f.matches("zzz", &mut out);
        assert!(out.is_empty());
        // Narrowing reuses the last matches; widening (deleting) searches everything again.
        f.matches("git", &mut out);
        assert_eq!(out, vec![0, 1]);
        f.matches("gith", &mut out);
        assert_eq!(out, vec![0]);
        f.matches("git", &mut out);
        assert_eq!(out, vec![0, 1]);
        f.matches("git me", &mut out);
        assert_eq!(out, vec![0, 1]);
    }
}
