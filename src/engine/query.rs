//! Finding entries by what a person types: `keyfob code github`, `keyfob remove 1234567`.
//!
//! Promise (the contract's rule): the query is compared case-insensitively with each entry's
//! issuer, account, `issuer:account` and serial. If any entry matches one of them exactly, only
//! exact matches count; otherwise every entry containing the query in one of them counts.

use super::entry::Entry;

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
}

/// Applies the matching rule to `entries`.
///
/// Runs on every `keyfob code` over the whole vault, so it allocates nothing per entry:
/// fields are case-folded into one reused buffer, and `issuer:account` is only built when
/// the query holds a colon (without one, a match inside `issuer:account` is a match inside
/// the issuer or the account, which are checked anyway).
pub fn find<T: Named>(entries: &[T], query: &str) -> Found {
    let needle = query.trim().to_lowercase();
    let needle_has_colon = needle.contains(':');
    // Built once: `str::contains` would set up a new searcher for every field.
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut folded = String::new();
    let mut name = String::new();
    let mut exact = Vec::new();
    let mut partial = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let mut is_partial = false;
        let mut is_exact = false;
        let mut check = |field: &str| {
            if field.is_empty() {
                return;
            }
            fold(field, &mut folded);
            is_exact |= folded == needle;
            is_partial |= finder.find(folded.as_bytes()).is_some();
        };
        let (issuer, account) = (entry.issuer(), entry.account());
        check(issuer);
        check(account);
        if needle_has_colon && !issuer.is_empty() && !account.is_empty() {
            name.clear();
            name.push_str(issuer);
            name.push(':');
            name.push_str(account);
            check(&name);
        }
        if let Some(serial) = entry.serial() {
            check(serial);
        }
        if is_exact {
            exact.push(index);
        } else if is_partial {
            partial.push(index);
        }
    }
    choose(exact, partial)
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
        let mut queries = vec![String::new(), ":".to_string(), " GitHub ".to_string()];
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
    fn serial_and_account_match() {
        let e = entries();
        assert_eq!(find(&e, "1234567"), Found::One(3));
        assert_eq!(find(&e, "4567"), Found::One(3));
        assert_eq!(find(&e, "helga@contoso.com"), Found::One(3));
    }
}
