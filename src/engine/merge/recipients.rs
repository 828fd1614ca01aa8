//! Merging the recipient sets: who the merged vault is sealed to.
//!
//! Promises:
//! - Keys are compared in canonical form (an ssh key without its comment), as sets.
//! - Three-way: a change on one side wins; both sides changing the set, differently, is
//!   refused ([`super::MergeError::RecipientsDiverged`]) — who may read the seeds is decided
//!   once, by a person, not combined by a program.
//! - Two-way: different sets are refused ([`super::MergeError::RecipientsDiffer`]): without a
//!   base nobody can tell an added key from a removed one.

use serde::{Deserialize, Serialize};

use super::MergeError;
use crate::engine::crypto;

/// How a recipient set changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl SetChange {
    /// From `before` to `after` (canonical sets).
    pub fn between(before: &[String], after: &[String]) -> SetChange {
        SetChange {
            added: after
                .iter()
                .filter(|k| !before.contains(k))
                .cloned()
                .collect(),
            removed: before
                .iter()
                .filter(|k| !after.contains(k))
                .cloned()
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// A list of recipients as a canonical, sorted set.
pub fn canonical_set(list: &[String]) -> Vec<String> {
    let mut set: Vec<String> = list
        .iter()
        .map(|r| crypto::canonical_recipient(r).unwrap_or_else(|_| r.trim().to_string()))
        .collect();
    set.sort();
    set.dedup();
    set
}

/// The merged recipient list: one of the two sides' lists, as written.
pub(super) fn merge(
    base: Option<&[String]>,
    ours: &[String],
    theirs: &[String],
) -> Result<Vec<String>, MergeError> {
    let (o, t) = (canonical_set(ours), canonical_set(theirs));
    if o == t {
        return Ok(ours.to_vec());
    }
    let Some(base) = base else {
        return Err(MergeError::RecipientsDiffer {
            only_ours: o.iter().filter(|k| !t.contains(k)).cloned().collect(),
            only_theirs: t.iter().filter(|k| !o.contains(k)).cloned().collect(),
        });
    };
    let b = canonical_set(base);
    if o == b {
        Ok(theirs.to_vec())
    } else if t == b {
        Ok(ours.to_vec())
    } else {
        Err(MergeError::RecipientsDiverged {
            ours: SetChange::between(&b, &o),
            theirs: SetChange::between(&b, &t),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn one_sided_changes_win_and_two_differing_ones_are_refused() {
        let base = list(&["age1a", "age1b"]);
        let added = list(&["age1a", "age1b", "age1c"]);
        let removed = list(&["age1a"]);
        assert_eq!(merge(Some(&base), &base, &added).unwrap(), added);
        assert_eq!(merge(Some(&base), &removed, &base).unwrap(), removed);
        assert_eq!(merge(Some(&base), &added, &added).unwrap(), added);
        let e = merge(Some(&base), &added, &removed).unwrap_err();
        assert_eq!(
            e,
            MergeError::RecipientsDiverged {
                ours: SetChange {
                    added: list(&["age1c"]),
                    removed: vec![]
                },
                theirs: SetChange {
                    added: vec![],
                    removed: list(&["age1b"])
                },
            }
        );
        // Order and repeats do not make a change.
        let shuffled = list(&["age1b", "age1a", "age1a"]);
        assert_eq!(merge(Some(&base), &shuffled, &added).unwrap(), added);
    }

    #[test]
    fn without_a_base_only_equal_sets_merge() {
        let a = list(&["age1a"]);
        assert_eq!(merge(None, &a, &a).unwrap(), a);
        let e = merge(None, &a, &list(&["age1a", "age1b"])).unwrap_err();
        assert!(e.to_string().contains("age1b"), "{e}");
    }
}
