//! The merge's promises over generated histories: a base vault, and two sides that each made
//! a few changes through the engine's own ops (edits, deletes, adds, HOTP advances) at
//! overlapping times.

use proptest::prelude::*;

use super::*;
use crate::engine::ops::{Op, Patch};

/// One change a side makes; indexes pick among the entries it holds at the time.
#[derive(Debug, Clone)]
enum Change {
    Rename(usize, u8),
    Note(usize, u8),
    Rekey(usize, u8),
    Digits(usize),
    Tag(usize, u8),
    Delete(usize),
    Add(u8, u8),
    Advance(usize),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<usize>(), 0..3u8).prop_map(|(i, n)| Change::Rename(i, n)),
        (any::<usize>(), 0..3u8).prop_map(|(i, n)| Change::Note(i, n)),
        (any::<usize>(), 0..3u8).prop_map(|(i, n)| Change::Rekey(i, n)),
        any::<usize>().prop_map(Change::Digits),
        (any::<usize>(), 0..2u8).prop_map(|(i, n)| Change::Tag(i, n)),
        any::<usize>().prop_map(Change::Delete),
        (0..6u8, 0..2u8).prop_map(|(a, k)| Change::Add(a, k)),
        any::<usize>().prop_map(Change::Advance),
    ]
}

/// A base of up to five entries (some HOTP), ids 1…, and its tombstones.
fn base() -> impl Strategy<Value = Vault> {
    proptest::collection::vec((0..4u8, any::<bool>()), 0..5).prop_map(|specs| {
        let entries = (1..)
            .zip(specs)
            .map(|(n, (secret_n, hotp))| {
                let mut e = entry(n);
                e.secret = secret(secret_n + 1);
                if hotp {
                    e = e.with_hotp(3);
                }
                e
            })
            .collect();
        let mut v = vault(entries);
        v.bury(id(999), T0 - 5);
        v
    })
}

/// `base` after `changes`, the k-th made at `start + k` (ops that fail change nothing).
fn side(base: &Vault, changes: &[Change], start: u64) -> Vault {
    let mut v = base.clone();
    for (k, change) in (0u64..).zip(changes) {
        let at = start + k;
        let pick = |i: &usize| v.entries.get(i % v.entries.len().max(1)).and_then(|e| e.id);
        let edit = |i: &usize, patch: Patch| {
            pick(i).map(|id| Op::Edit {
                id,
                patch: Box::new(patch),
            })
        };
        let op = match change {
            Change::Rename(i, n) => edit(
                i,
                Patch {
                    issuer: Some(format!("R{n}")),
                    ..Patch::default()
                },
            ),
            Change::Note(i, n) => edit(
                i,
                Patch {
                    note: Some(Some(format!("note {n}"))),
                    ..Patch::default()
                },
            ),
            Change::Rekey(i, n) => edit(
                i,
                Patch {
                    secret: Some(secret(100 + n)),
                    ..Patch::default()
                },
            ),
            Change::Digits(i) => edit(
                i,
                Patch {
                    digits: Some(8),
                    ..Patch::default()
                },
            ),
            Change::Tag(i, n) => edit(
                i,
                Patch {
                    tags: Some(vec![format!("t{n}")]),
                    ..Patch::default()
                },
            ),
            Change::Delete(i) => pick(i).map(|id| Op::Remove { id }),
            Change::Add(a, k) => {
                let mut e = Entry::new(format!("New{a}"), "me", secret(200 + a));
                if *k == 1 {
                    e = e.with_hotp(0);
                }
                Some(Op::Add(vec![e]))
            }
            Change::Advance(i) => pick(i).map(|id| Op::Advance { id }),
        };
        if let Some(op) = op {
            let mut next = v.clone();
            if op.apply(&mut next, at).is_ok() {
                v = next;
            }
        }
    }
    v
}

/// A vault's content in a form that ignores entry order.
fn sorted(vault: &Vault) -> (Vec<Entry>, Vec<Tombstone>, Vec<String>) {
    let mut entries = vault.entries.clone();
    entries.sort_by_key(|e| e.id);
    let mut stones = vault.tombstones.clone();
    stones.sort_by_key(|t| t.id);
    (
        entries,
        stones,
        recipients::canonical_set(&vault.recipients),
    )
}

fn history() -> impl Strategy<Value = (Vault, Vault, Vault)> {
    (
        base(),
        proptest::collection::vec(change(), 0..6),
        proptest::collection::vec(change(), 0..6),
    )
        .prop_map(|(base, mine, yours)| {
            // Both sides' changes start at the same time: ties happen.
            let ours = side(&base, &mine, T0 + 100);
            let theirs = side(&base, &yours, T0 + 100);
            (base, ours, theirs)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merging_with_an_unchanged_side_gives_the_other_side((base, _, theirs) in history()) {
        let merged = merge(Some(&base), &base, &theirs).unwrap();
        prop_assert_eq!(sorted(&merged.vault), sorted(&theirs));
        let merged = merge(Some(&base), &theirs, &base).unwrap();
        prop_assert_eq!(sorted(&merged.vault), sorted(&theirs));
        prop_assert!(merged.report.conflicts.is_empty());
    }

    #[test]
    fn the_result_does_not_depend_on_which_side_is_ours((base, ours, theirs) in history()) {
        let one = merge(Some(&base), &ours, &theirs).unwrap();
        let other = merge(Some(&base), &theirs, &ours).unwrap();
        prop_assert_eq!(sorted(&one.vault), sorted(&other.vault));
        prop_assert_eq!(one.report.conflicts.len(), other.report.conflicts.len());
        let two_way = merge(None, &ours, &theirs).unwrap();
        let swapped = merge(None, &theirs, &ours).unwrap();
        prop_assert_eq!(sorted(&two_way.vault), sorted(&swapped.vault));
    }

    #[test]
    fn no_entry_is_lost((base, ours, theirs) in history()) {
        let merged = merge(Some(&base), &ours, &theirs).unwrap().vault;
        for (side, other) in [(&ours, &theirs), (&theirs, &ours)] {
            for entry in &side.entries {
                let id = entry.id.unwrap();
                let was = base.entry(id);
                // Deleted on the other side and left as it was on this one: gone by rule.
                let deleted = other.entry(id).is_none()
                    && was.is_some_and(|was| field::same_content(was, entry));
                if deleted {
                    continue;
                }
                let present = merged.entry(id).is_some()
                    || (was.is_none() && merged.entries.iter().any(|e| e.same_account(entry)));
                prop_assert!(present, "{:?} is missing from {:?}", entry, merged.entries);
            }
        }
        // Every entry can make codes, and ids are unique.
        let mut ids: Vec<EntryId> = merged.entries.iter().map(|e| e.id.unwrap()).collect();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), merged.entries.len());
        for entry in &merged.entries {
            let mut check = entry.clone();
            prop_assert!(check.validate().is_ok());
            prop_assert_eq!(&check, entry, "already normalised");
        }
        // No counter goes back.
        for side in [&ours, &theirs] {
            for entry in &side.entries {
                if let Some(now) = merged.entry(entry.id.unwrap())
                    && now.secret == entry.secret
                {
                    prop_assert!(now.counter >= entry.counter);
                }
            }
        }
    }

    #[test]
    fn merging_is_idempotent((base, ours, theirs) in history()) {
        let merged = merge(Some(&base), &ours, &theirs).unwrap().vault;
        for again in [
            merge(Some(&base), &merged, &theirs).unwrap(),
            merge(Some(&base), &ours, &merged).unwrap(),
            merge(Some(&merged), &merged, &merged).unwrap(),
        ] {
            prop_assert_eq!(sorted(&again.vault), sorted(&merged));
            prop_assert!(again.report.conflicts.is_empty());
        }
        let two_way = merge(None, &ours, &theirs).unwrap().vault;
        let again = merge(None, &two_way, &theirs).unwrap().vault;
        prop_assert_eq!(sorted(&again), sorted(&two_way));
    }
}
