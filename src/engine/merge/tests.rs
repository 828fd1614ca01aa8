//! Merges of hand-made vaults: one rule per test. The properties over generated histories are
//! in `props`.

use super::*;
use crate::engine::secret::Secret;

mod props;

const T0: u64 = 1_700_000_000;

fn id(n: u128) -> EntryId {
    EntryId::from(uuid::Uuid::from_u128(n))
}

fn secret(n: u8) -> Secret {
    Secret::from_bytes(vec![n; 20]).unwrap()
}

/// Entry `n` (id n, issuer "I{n}", account "me"), last changed at T0.
fn entry(n: u128) -> Entry {
    let mut e = Entry::new(format!("I{n}"), "me", secret(u8::try_from(n).unwrap()));
    e.id = Some(id(n));
    e.changed = T0;
    e
}

fn vault(entries: Vec<Entry>) -> Vault {
    Vault {
        generation: 3,
        recipients: vec!["age1one".into()],
        entries,
        ..Vault::default()
    }
}

/// `vault` with its entry `n` changed by `change` at `at`.
fn edited(vault: &Vault, n: u128, at: u64, change: impl FnOnce(&mut Entry)) -> Vault {
    let mut v = vault.clone();
    let e = v.entries.iter_mut().find(|e| e.id == Some(id(n))).unwrap();
    change(e);
    e.changed = at;
    v
}

fn deleted(vault: &Vault, n: u128, at: u64) -> Vault {
    let mut v = vault.clone();
    v.entries.retain(|e| e.id != Some(id(n)));
    v.bury(id(n), at);
    v
}

fn find(vault: &Vault, n: u128) -> &Entry {
    vault.entry(id(n)).unwrap()
}

#[test]
fn changes_to_different_fields_of_one_entry_both_win() {
    let base = vault(vec![entry(1), entry(2)]);
    let ours = edited(&base, 1, T0 + 10, |e| e.note = Some("desk".into()));
    let theirs = edited(&base, 1, T0 + 20, |e| e.account = "work".into());
    let merged = merge(Some(&base), &ours, &theirs).unwrap();
    let e = find(&merged.vault, 1);
    assert_eq!(
        (e.note.as_deref(), e.account.as_str()),
        (Some("desk"), "work")
    );
    assert_eq!(e.changed, T0 + 20);
    assert_eq!(merged.vault.entries.len(), 2);
    assert!(merged.report.conflicts.is_empty());
    assert_eq!((merged.report.changed, merged.report.added), (1, 0));
    assert_eq!(merged.vault.generation, 3, "saving it writes one more");
}

#[test]
fn the_same_field_changed_differently_keeps_both_versions_flagged() {
    let base = vault(vec![entry(1)]);
    let ours = edited(&base, 1, T0 + 10, |e| e.secret = secret(100));
    let theirs = edited(&base, 1, T0 + 20, |e| {
        e.secret = secret(200);
        e.tags = vec!["work".into()];
    });
    let merged = merge(Some(&base), &ours, &theirs).unwrap();
    let [first, second] = &merged.vault.entries[..] else {
        panic!("{:?}", merged.vault.entries)
    };
    // The later change stays in place; the other is the flagged second version; both carry
    // the change nobody disputes.
    assert_eq!((first.id, first.secret.clone()), (Some(id(1)), secret(200)));
    assert_eq!(
        (second.secret.clone(), second.conflict),
        (secret(100), Some(id(1)))
    );
    assert_eq!(second.changed, T0 + 10);
    assert!(first.tags == ["work"] && second.tags == ["work"]);
    assert_eq!(
        merged.report.conflicts,
        [Conflict {
            name: "I1:me".into(),
            fields: vec!["secret"],
            id: id(1),
            copy: second.id.unwrap(),
        }]
    );
    // The same whichever side is ours, and the same second entry on every machine.
    let swapped = merge(Some(&base), &theirs, &ours).unwrap();
    assert_eq!(swapped.vault.entries, merged.vault.entries);
    // Merged again with either side: nothing changes.
    let again = merge(Some(&base), &merged.vault, &theirs).unwrap();
    assert_eq!(again.vault.entries, merged.vault.entries);
    assert!(again.report.conflicts.is_empty(), "not news");
}

#[test]
fn hotp_counters_take_the_maximum_unless_the_secret_was_changed() {
    let base = vault(vec![entry(1).with_hotp(5)]);
    let ours = edited(&base, 1, T0 + 10, |e| e.counter = 9);
    let theirs = edited(&base, 1, T0 + 20, |e| e.counter = 7);
    let merged = merge(Some(&base), &ours, &theirs).unwrap();
    assert_eq!(find(&merged.vault, 1).counter, 9);
    assert!(merged.report.conflicts.is_empty());
    // Theirs re-enrolled the token (new secret, counter 0): its counter goes with it.
    let theirs = edited(&base, 1, T0 + 20, |e| {
        e.secret = secret(50);
        e.counter = 0;
    });
    let merged = merge(Some(&base), &ours, &theirs).unwrap();
    let e = find(&merged.vault, 1);
    assert_eq!((e.secret.clone(), e.counter), (secret(50), 0));
}

#[test]
fn a_tombstone_beats_an_unchanged_entry_but_not_an_edited_one() {
    let base = vault(vec![entry(1), entry(2)]);
    let ours = deleted(&deleted(&base, 1, T0 + 10), 2, T0 + 10);
    let theirs = edited(&base, 2, T0 + 20, |e| e.note = Some("still used".into()));
    let merged = merge(Some(&base), &ours, &theirs).unwrap();
    assert!(
        merged.vault.entry(id(1)).is_none(),
        "deleted, unchanged elsewhere"
    );
    let kept = find(&merged.vault, 2);
    assert_eq!(kept.note.as_deref(), Some("still used"));
    assert_eq!(
        merged.report.kept,
        [Kept {
            name: "I2:me".into(),
            deleted_by: Side::Ours
        }]
    );
    let stones: Vec<EntryId> = merged.vault.tombstones.iter().map(|t| t.id).collect();
    assert_eq!(stones, [id(1)], "a kept entry has no tombstone");
    // A side that deleted without a tombstone (an old keyfob) deletes all the same.
    let mut old = base.clone();
    old.entries.retain(|e| e.id != Some(id(1)));
    let merged = merge(Some(&base), &base, &old).unwrap();
    assert!(merged.vault.entry(id(1)).is_none());
}

#[test]
fn the_same_account_added_on_both_sides_is_one_entry() {
    let base = vault(vec![entry(1)]);
    let mut ours = base.clone();
    let mut theirs = base.clone();
    let mut mine = entry(7);
    let mut yours = entry(7);
    mine.id = Some(id(70));
    yours.id = Some(id(71));
    yours.changed = T0 + 5;
    ours.entries.push(mine);
    theirs.entries.push(yours);
    let merged = merge(Some(&base), &ours, &theirs).unwrap();
    assert_eq!(merged.vault.entries.len(), 2);
    assert_eq!(merged.vault.entries[1].id, Some(id(70)), "the smaller id");
    assert_eq!(merged.vault.entries[1].changed, T0 + 5);
}

#[test]
fn a_base_written_before_ids_is_matched_by_account() {
    let mut base = vault(vec![entry(1), entry(2)]);
    for e in &mut base.entries {
        e.id = None;
    }
    // Each machine gave the entries ids of its own on its first save.
    let mut ours = base.clone();
    let mut theirs = base.clone();
    for (n, e) in (10..).zip(&mut ours.entries) {
        e.id = Some(id(n));
    }
    for (n, e) in (20..).zip(&mut theirs.entries) {
        e.id = Some(id(n));
    }
    ours.entries[0].note = Some("ours".into());
    theirs.entries.remove(1);
    let merged = merge(Some(&base), &ours, &theirs).unwrap();
    assert_eq!(merged.vault.entries.len(), 1, "{:?}", merged.vault.entries);
    let e = &merged.vault.entries[0];
    assert_eq!((e.id, e.note.as_deref()), (Some(id(10)), Some("ours")));
    // Sides without ids at all (an old keyfob wrote them) match by account too.
    let mut bare = base.clone();
    bare.entries[1].note = Some("theirs".into());
    let merged = merge(Some(&base), &base, &bare).unwrap();
    assert_eq!(merged.vault.entries.len(), 2);
    assert_eq!(merged.vault.entries[1].note.as_deref(), Some("theirs"));
    assert!(merged.vault.entries.iter().all(|e| e.id.is_some()));
}

#[test]
fn recipients_follow_a_one_sided_change_and_refuse_two() {
    let base = vault(vec![entry(1)]);
    let mut ours = base.clone();
    ours.recipients.push("age1two".into());
    let merged = merge(Some(&base), &ours, &base).unwrap();
    assert_eq!(merged.vault.recipients, ["age1one", "age1two"]);
    assert_eq!(merged.report.recipients, SetChange::default());
    let merged = merge(Some(&base), &base, &ours).unwrap();
    assert_eq!(merged.report.recipients.added, ["age1two"]);
    let mut theirs = base.clone();
    theirs.recipients = vec!["age1three".into()];
    let e = merge(Some(&base), &ours, &theirs).unwrap_err();
    assert!(matches!(e, MergeError::RecipientsDiverged { .. }), "{e}");
    assert!(e.to_string().contains("age1three"), "{e}");
}

#[test]
fn without_a_base_the_later_change_wins_names_and_codes_keep_both() {
    let ours = vault(vec![entry(1), entry(2)]);
    let theirs = edited(&ours, 1, T0 + 50, |e| e.issuer = "Renamed".into());
    let theirs = edited(&theirs, 2, T0 + 50, |e| e.digits = 8);
    let ours = edited(&ours, 1, T0 + 10, |e| e.note = Some("older".into()));
    let merged = merge(None, &ours, &theirs).unwrap();
    let e = find(&merged.vault, 1);
    assert_eq!((e.issuer.as_str(), e.note.as_deref()), ("Renamed", None));
    assert_eq!(merged.report.replaced.len(), 1);
    assert_eq!(merged.report.replaced[0].from, Side::Theirs);
    // digits make the codes: both versions stay.
    assert_eq!(merged.report.conflicts.len(), 1);
    assert_eq!(merged.vault.entries.len(), 3);
}

#[test]
fn without_a_base_a_tombstone_decides_by_time() {
    let both = vault(vec![entry(1), entry(2)]);
    let ours = deleted(&deleted(&both, 1, T0 + 10), 2, T0 + 10);
    let theirs = edited(&both, 2, T0 + 20, |e| e.note = Some("after".into()));
    let merged = merge(None, &ours, &theirs).unwrap();
    assert!(merged.vault.entry(id(1)).is_none());
    assert!(merged.vault.entry(id(2)).is_some());
    assert_eq!(merged.report.kept.len(), 1);
}

#[test]
fn deleting_one_version_of_a_conflict_resolves_it_everywhere() {
    let base = vault(vec![entry(1)]);
    let ours = edited(&base, 1, T0 + 10, |e| e.note = Some("a".into()));
    let theirs = edited(&base, 1, T0 + 20, |e| e.note = Some("b".into()));
    let merged = merge(Some(&base), &ours, &theirs).unwrap().vault;
    let copy = merged.entries[1].id.unwrap();
    // One machine keeps the flagged version (deletes the first); the other merges it in.
    let mut kept = merged.clone();
    crate::engine::ops::Op::Remove { id: id(1) }
        .apply(&mut kept, T0 + 30)
        .unwrap();
    let again = merge(Some(&merged), &merged, &kept).unwrap().vault;
    assert_eq!(again.entries.len(), 1);
    assert_eq!(
        (again.entries[0].id, again.entries[0].conflict),
        (Some(copy), None)
    );
    assert_eq!(again.entries[0].note.as_deref(), Some("a"));
}

/// Matching by account is indexed: the same import of thousands of entries on both sides
/// (different ids) merges in well under a second, not in minutes (it was quadratic).
#[test]
fn big_imports_on_both_sides_merge_in_linear_time() {
    let make = |k: u32, n: u128| {
        let mut e = Entry::new(
            format!("I{k}"),
            "me",
            Secret::from_bytes(k.to_le_bytes().repeat(5)).unwrap(),
        );
        e.id = Some(id(n));
        e
    };
    let base = vault(Vec::new());
    let ours = vault(
        (0..5_000)
            .map(|k| make(k, 100_000 + u128::from(k)))
            .collect(),
    );
    let theirs = vault(
        (0..5_000)
            .map(|k| make(k, 200_000 + u128::from(k)))
            .collect(),
    );
    let started = std::time::Instant::now();
    let merged = merge(Some(&base), &ours, &theirs).unwrap();
    assert_eq!(merged.vault.entries.len(), 5_000);
    // About 0.1 s in a debug build; the quadratic version took over 10 s.
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}
