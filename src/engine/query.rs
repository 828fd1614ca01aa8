//! Finding entries by what a person types: `keyfob code github`, `keyfob remove 1234567`.
//!
//! Promise (the contract's rule): the query is compared case-insensitively with each entry's
//! issuer, account, `issuer:account` and serial. If any entry matches one of them exactly, only
//! exact matches count; otherwise every entry containing the query in one of them counts.
//! A query that is a whole entry id (a UUID, as `list --json` shows it) matches that entry
//! exactly: the one way to name one of two versions a merge kept under the same name.

use super::entry::{Entry, EntryId};

mod index;
pub use index::Index;

/// The outcome of a lookup, as positions in the entry list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    One(usize),
    None,
    Many(Vec<usize>),
}

/// What the rule looks at in an entry: a full [`Entry`], or a vault index's light view of one.
pub trait Named {
    fn issuer(&self) -> &str;
    fn account(&self) -> &str;
    fn serial(&self) -> Option<&str>;
    /// Whether the entry's id is `id`.
    fn has_id(&self, id: EntryId) -> bool;
}

impl Named for Entry {
    fn issuer(&self) -> &str {
        &self.issuer
    }
    fn account(&self) -> &str {
        &self.account
    }
    fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }
    fn has_id(&self, id: EntryId) -> bool {
        self.id == Some(id)
    }
}

/// How a match is listed when a query is ambiguous: `Issuer:account`, with the serial number
/// when there is one (`Contoso:ann (serial KF0001)`), so that the person can tell tokens that
/// share names apart and knows what to type instead.
pub fn describe(entry: &impl Named) -> String {
    let name = super::entry::display_name(entry.issuer(), entry.account());
    match entry.serial() {
        Some(serial) if !serial.is_empty() => format!("{name} (serial {serial})"),
        _ => name,
    }
}

/// Applies the matching rule to `entries`.
pub fn find<T: Named>(entries: &[T], query: &str) -> Found {
    let mut matcher = Matcher::new(query);
    for (index, entry) in entries.iter().enumerate() {
        matcher.offer(index, entry);
    }
    matcher.finish()
}

/// The matching rule applied one entry at a time, so that a caller can look up entries as it
/// reads them without keeping them all.
///
/// Runs on every `keyfob code` over the whole vault, so it allocates nothing per entry:
/// fields are case-folded into one reused buffer, and `issuer:account` is only built when
/// the query holds a colon (without one, a match inside `issuer:account` is a match inside
/// the issuer or the account, which are checked anyway).
pub struct Matcher {
    needle: String,
    needle_has_colon: bool,
    /// The query read as an entry id, if it is one.
    id: Option<EntryId>,
    // Built once: `str::contains` would set up a new searcher for every field.
    finder: memchr::memmem::Finder<'static>,
    folded: String,
    name: String,
    exact: Vec<usize>,
    partial: Vec<usize>,
}

/// The query as the rule compares it: trimmed and lower-cased.
fn needle(query: &str) -> String {
    query.trim().to_lowercase()
}

/// The entry id a needle names, if it is one.
fn id_of(needle: &str) -> Option<EntryId> {
    // A UUID is 32 hex digits at least; shorter queries skip the parse.
    (needle.len() >= 32)
        .then(|| EntryId::parse(needle))
        .flatten()
}

impl Matcher {
    pub fn new(query: &str) -> Matcher {
        let needle = needle(query);
        Matcher {
            needle_has_colon: needle.contains(':'),
            id: id_of(&needle),
            finder: memchr::memmem::Finder::new(needle.as_bytes()).into_owned(),
            needle,
            folded: String::new(),
            name: String::new(),
            exact: Vec::new(),
            partial: Vec::new(),
        }
    }

    /// Tries the entry at `index` (offered in increasing order); true if it matches at all.
    pub fn offer(&mut self, index: usize, entry: &impl Named) -> bool {
        let (mut is_exact, mut is_partial) = (false, false);
        let (needle, finder, folded) = (&self.needle, &self.finder, &mut self.folded);
        let mut check = |field: &str| {
            if field.is_empty() {
                return;
            }
            if field.is_ascii() {
                // Folding ASCII is ASCII lower-casing, which the comparison does in place.
                let (exact, partial) = ascii_match(field.as_bytes(), needle.as_bytes());
                is_exact |= exact;
                is_partial |= partial;
            } else {
                fold(field, folded);
                is_exact |= folded == needle;
                is_partial |= finder.find(folded.as_bytes()).is_some();
            }
        };
        let (issuer, account) = (entry.issuer(), entry.account());
        check(issuer);
        check(account);
        if self.needle_has_colon && !issuer.is_empty() && !account.is_empty() {
            let name = &mut self.name;
            name.clear();
            name.push_str(issuer);
            name.push(':');
            name.push_str(account);
            check(name);
        }
        if let Some(serial) = entry.serial() {
            check(serial);
        }
        if let Some(id) = self.id {
            is_exact |= entry.has_id(id);
        }
        if is_exact {
            self.exact.push(index);
        } else if is_partial {
            self.partial.push(index);
        }
        is_exact || is_partial
    }

    pub fn finish(self) -> Found {
        choose(self.exact, self.partial)
    }
}

/// Exact matches win; otherwise the partial ones count.
fn choose(exact: Vec<usize>, partial: Vec<usize>) -> Found {
    let chosen = if exact.is_empty() { partial } else { exact };
    match chosen.as_slice() {
        [] => Found::None,
        [one] => Found::One(*one),
        _ => Found::Many(chosen),
    }
}

/// Whether `field` (ASCII) equals, and whether it contains, `needle` (lower-case already),
/// ignoring ASCII case. Fields are short: trying each position, and giving up on a position
/// at its first differing byte, beats setting up a substring searcher. (When the lengths are
/// equal, containing is being equal.)
fn ascii_match(field: &[u8], needle: &[u8]) -> (bool, bool) {
    let same = |window: &[u8]| {
        window
            .iter()
            .zip(needle)
            .all(|(f, n)| f.to_ascii_lowercase() == *n)
    };
    match field.len().cmp(&needle.len()) {
        std::cmp::Ordering::Less => (false, false),
        std::cmp::Ordering::Equal => {
            let equal = same(field);
            (equal, equal)
        }
        std::cmp::Ordering::Greater => (
            false,
            needle.is_empty() || field.windows(needle.len()).any(same),
        ),
    }
}

/// `text.to_lowercase()` into `out`, without allocating for ASCII text.
fn fold(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&text.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::secret::Secret;

    fn entries() -> Vec<Entry> {
        let s = || Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap();
        let mut token = Entry::new("Contoso", "helga@contoso.com", s());
        token.serial = Some("1234567".into());
        vec![
            Entry::new("GitHub", "me", s()),
            Entry::new("GitLab", "me", s()),
            Entry::new("Git", "other", s()),
            token,
        ]
    }

    #[test]
    fn exact_beats_substring() {
        let e = entries();
        assert_eq!(find(&e, "git"), Found::One(2));
        assert_eq!(find(&e, "GITHUB"), Found::One(0));
        assert_eq!(find(&e, "gitlab:me"), Found::One(1));
    }

    #[test]
    fn substrings_can_be_ambiguous_or_absent() {
        let e = entries();
        assert_eq!(find(&e, "hub"), Found::One(0));
        assert_eq!(find(&e, "me"), Found::Many(vec![0, 1]));
        assert_eq!(find(&e, "nothing"), Found::None);
    }

    #[test]
    fn matches_across_the_colon_and_in_any_case() {
        let mut e = entries();
        e.push(Entry::new(
            "Ωmega:Bank",
            "Σmith",
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        ));
        assert_eq!(find(&e, "hub:m"), Found::One(0));
        assert_eq!(find(&e, "b:m"), Found::Many(vec![0, 1]));
        assert_eq!(find(&e, "ωmega:bank:σmith"), Found::One(4));
        assert_eq!(find(&e, "ΩMEGA"), Found::One(4));
        assert_eq!(find(&e, "a:b"), Found::One(4));
        assert_eq!(find(&e, "git:"), Found::One(2));
        assert_eq!(find(&e, ":"), Found::Many(vec![0, 1, 2, 3, 4]));
    }

    /// The rule written plainly (as it was before `find` stopped allocating).
    fn reference(entries: &[Entry], query: &str) -> Found {
        let needle = query.trim().to_lowercase();
        let (mut exact, mut partial) = (Vec::new(), Vec::new());
        for (index, entry) in entries.iter().enumerate() {
            let name = entry.name();
            let fields = [
                Some(entry.issuer.as_str()),
                Some(entry.account.as_str()),
                Some(name.as_str()),
                entry.serial.as_deref(),
            ];
            let fields: Vec<String> = fields
                .into_iter()
                .flatten()
                .filter(|f| !f.is_empty())
                .map(str::to_lowercase)
                .collect();
            if fields.contains(&needle) {
                exact.push(index);
            } else if fields.iter().any(|f| f.contains(&needle)) {
                partial.push(index);
            }
        }
        super::choose(exact, partial)
    }

    #[test]
    fn agrees_with_the_plain_rule_on_every_short_query() {
        let mut e = entries();
        e.push(Entry::new(
            "Ωmega:Bank",
            "Σmith",
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        ));
        e.push(Entry::new(
            "",
            "solo:x",
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        ));
        // U+212A KELVIN SIGN lower-cases to ASCII 'k'; 'İ' lower-cases to two characters.
        let mut queries = vec![
            String::new(),
            ":".to_string(),
            " GitHub ".to_string(),
            "\u{212A}".to_string(),
            "BAN\u{212A}".to_string(),
            "İ".to_string(),
        ];
        for entry in &e {
            let name: Vec<char> = entry.name().chars().collect();
            for start in 0..name.len() {
                for end in start + 1..=name.len().min(start + 6) {
                    let q: String = name[start..end].iter().collect();
                    queries.push(q.to_uppercase());
                    queries.push(q);
                }
            }
        }
        for q in &queries {
            assert_eq!(find(&e, q), reference(&e, q), "query {q:?}");
        }
    }

    #[test]
    fn a_whole_entry_id_names_one_of_two_versions() {
        let mut e = entries();
        let mut copy = e[0].clone();
        let id = EntryId::parse("5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94").unwrap();
        copy.id = Some(id);
        e.push(copy);
        assert_eq!(find(&e, "github"), Found::Many(vec![0, 4]));
        assert_eq!(
            find(&e, "5F0C6B1E-0D3A-4C8E-9B7A-2F6D1C0E8A94"),
            Found::One(4)
        );
        assert_eq!(
            find(&e, " 5f0c6b1e0d3a4c8e9b7a2f6d1c0e8a94 "),
            Found::One(4)
        );
        assert_eq!(find(&e, "5f0c6b1e-0d3a"), Found::None);
    }

    #[test]
    fn serial_and_account_match() {
        let e = entries();
        assert_eq!(find(&e, "1234567"), Found::One(3));
        assert_eq!(find(&e, "4567"), Found::One(3));
        assert_eq!(find(&e, "helga@contoso.com"), Found::One(3));
    }
}
