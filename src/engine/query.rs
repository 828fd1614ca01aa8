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

/// Applies the matching rule to `entries`.
pub fn find(entries: &[Entry], query: &str) -> Found {
    let needle = query.trim().to_lowercase();
    let mut exact = Vec::new();
    let mut partial = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let name = entry.name();
        let fields = [
            Some(entry.issuer.as_str()),
            Some(entry.account.as_str()),
            Some(name.as_str()),
            entry.serial.as_deref(),
        ];
        let mut is_partial = false;
        let mut is_exact = false;
        for field in fields.into_iter().flatten().filter(|f| !f.is_empty()) {
            let field = field.to_lowercase();
            is_exact |= field == needle;
            is_partial |= field.contains(&needle);
        }
        if is_exact {
            exact.push(index);
        } else if is_partial {
            partial.push(index);
        }
    }
    let chosen = if exact.is_empty() { partial } else { exact };
    match chosen.as_slice() {
        [] => Found::None,
        [one] => Found::One(*one),
        _ => Found::Many(chosen),
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
    fn serial_and_account_match() {
        let e = entries();
        assert_eq!(find(&e, "1234567"), Found::One(3));
        assert_eq!(find(&e, "4567"), Found::One(3));
        assert_eq!(find(&e, "helga@contoso.com"), Found::One(3));
    }
}
