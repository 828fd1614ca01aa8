//! Ops on a vault in memory: ids, duplicates, patches, tombstones, counters.

use super::*;
use crate::engine::import::DuplicateOf;
use crate::engine::secret::Secret;
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000;

fn entry(issuer: &str) -> Entry {
    Entry::new(
        issuer,
        "me",
        Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
    )
}

fn id(n: u128) -> EntryId {
    EntryId::from(uuid::Uuid::from_u128(n))
}

/// A vault of stored entries (ids 1, 2, …).
fn stored(entries: Vec<Entry>) -> Vault {
    let mut vault = Vault {
        entries,
        ..Vault::default()
    };
    for (n, e) in (1..).zip(&mut vault.entries) {
        e.id = Some(id(n));
    }
    vault
}

fn names(vault: &Vault) -> Vec<String> {
    vault.entries.iter().map(Entry::name).collect()
}

#[test]
fn add_gives_ids_and_times_and_skips_accounts_already_there() {
    let mut vault = stored(vec![entry("A")]);
    let op = Op::Add(vec![entry("A"), entry("B"), entry("B")]);
    let Outcome::Added { ids, skipped, .. } = op.apply(&mut vault, NOW).unwrap() else {
        panic!()
    };
    assert_eq!(ids.len(), 3);
    assert_eq!(
        (ids[0], ids[2]),
        (None, None),
        "in the vault / earlier in the list"
    );
    let said: Vec<_> = skipped
        .iter()
        .map(|s| (s.index, s.name.as_str(), s.of))
        .collect();
    assert_eq!(
        said,
        [
            (0, "A:me", DuplicateOf::Vault),
            (2, "B:me", DuplicateOf::Earlier)
        ]
    );
    let b = vault.entry(ids[1].unwrap()).unwrap();
    assert_eq!((b.name().as_str(), b.changed), ("B:me", NOW));
    assert_eq!(names(&vault), ["A:me", "B:me"]);
}

#[test]
fn nothing_new_is_an_error_and_says_so_once() {
    let mut vault = stored(vec![entry("A"), entry("B")]);
    let one = Op::Add(vec![entry("A")])
        .apply(&mut vault, NOW)
        .unwrap_err();
    assert_eq!(
        one.to_string(),
        "'A:me' is already in the vault with the same secret; nothing was saved"
    );
    let many = Op::Add(vec![entry("A"), entry("B")])
        .apply(&mut vault, NOW)
        .unwrap_err();
    let OpError::NothingNew { skipped } = &many else {
        panic!("{many:?}")
    };
    assert_eq!(skipped.len(), 2);
    assert!(skipped.iter().all(|s| s.of == DuplicateOf::Vault));
    assert_eq!(
        many.to_string(),
        "all 2 entries were already in the vault; nothing was saved"
    );
}

/// An owned add moves its entries into the vault and does what the borrowed one does.
#[test]
fn an_owned_add_is_the_same_add() {
    let list = vec![entry("A"), entry("B"), entry("A")];
    let mut borrowed = stored(vec![entry("A")]);
    let mut owned = borrowed.clone();
    let one = Op::Add(list.clone()).apply(&mut borrowed, NOW).unwrap();
    let two = Op::Add(list).apply_owned(&mut owned, NOW).unwrap();
    let strip = |o: Outcome| match o {
        Outcome::Added {
            ids,
            skipped,
            warnings,
        } => (
            ids.iter().map(Option::is_some).collect::<Vec<_>>(),
            skipped,
            warnings,
        ),
        other => panic!("{other:?}"),
    };
    assert_eq!(strip(one), strip(two));
    assert_eq!(names(&borrowed), names(&owned));
}

/// A new entry with a serial number an entry of the vault has is added, with a warning.
#[test]
fn add_warns_of_a_serial_number_already_taken() {
    let mut old = entry("A");
    old.serial = Some("KF1".into());
    let mut vault = stored(vec![old]);
    let mut new = entry("B");
    new.serial = Some("KF1".into());
    let Outcome::Added { ids, warnings, .. } = Op::Add(vec![new]).apply(&mut vault, NOW).unwrap()
    else {
        panic!()
    };
    assert!(ids[0].is_some());
    assert_eq!(
        warnings,
        [(
            "'B:me'".to_string(),
            "serial number 'KF1' is already used by 'A:me' in the vault".to_string()
        )]
    );
}

#[test]
fn an_added_entry_keeps_its_own_id_unless_taken_or_deleted() {
    let mut vault = stored(vec![entry("A")]);
    vault.bury(id(9), NOW - 5);
    let with = |issuer: &str, n: u128| {
        let mut e = entry(issuer);
        e.id = Some(id(n));
        e
    };
    let op = Op::Add(vec![with("B", 7), with("C", 1), with("D", 9)]);
    let Outcome::Added { ids, .. } = op.apply(&mut vault, NOW).unwrap() else {
        panic!()
    };
    assert_eq!(ids[0], Some(id(7)), "a free id (an Aegis uuid) is kept");
    for taken in [ids[1], ids[2]] {
        let taken = taken.unwrap();
        assert!(taken != id(1) && taken != id(9), "{taken}");
    }
}

#[test]
fn add_validates_what_it_stores() {
    let mut vault = stored(vec![]);
    let mut bad = entry("A");
    bad.digits = 12;
    let e = Op::Add(vec![bad]).apply(&mut vault, NOW).unwrap_err();
    assert!(matches!(e, OpError::Invalid { .. }), "{e}");
    assert!(e.to_string().starts_with("'A:me': 12 digits"), "{e}");
}

#[test]
fn edit_changes_only_the_patched_fields_of_the_entry_by_id() {
    let mut vault = stored(vec![entry("A"), entry("B")]);
    let seen = vault.entries[1].clone();
    // Meanwhile another keyfob tagged it and moved it to the front.
    vault.entries[1].tags = vec!["work".into()];
    vault.entries.swap(0, 1);
    let mut mine = seen.clone();
    mine.account = "renamed".into();
    let op = Op::Edit {
        id: id(2),
        patch: Box::new(Patch::between(&seen, &mine)),
    };
    assert_eq!(
        op.apply(&mut vault, NOW).unwrap(),
        Outcome::Edited { id: id(2) }
    );
    let edited = vault.entry(id(2)).unwrap();
    assert_eq!(edited.name(), "B:renamed");
    assert_eq!(edited.tags, ["work"]);
    assert_eq!(edited.changed, NOW);
    assert_eq!(vault.entry(id(1)).unwrap().changed, 0, "others untouched");
}

#[test]
fn edit_refuses_a_clash_and_an_invalid_result() {
    let mut vault = stored(vec![entry("A"), entry("B")]);
    let rename = |issuer: &str| {
        Box::new(Patch {
            issuer: Some(issuer.into()),
            ..Patch::default()
        })
    };
    let clash = Op::Edit {
        id: id(2),
        patch: rename("A"),
    };
    assert_eq!(
        clash.apply(&mut vault.clone(), NOW).unwrap_err(),
        OpError::Duplicate {
            name: "A:me".into()
        }
    );
    let bad = Op::Edit {
        id: id(2),
        patch: Box::new(Patch {
            period: Some(0),
            ..Patch::default()
        }),
    };
    let e = bad.apply(&mut vault, NOW).unwrap_err();
    assert!(e.to_string().contains("a period of 0 s"), "{e}");
}

#[test]
fn an_edit_that_changes_nothing_keeps_the_change_time() {
    let mut vault = stored(vec![entry("A")]);
    let op = Op::Edit {
        id: id(1),
        patch: Box::new(Patch {
            issuer: Some("A".into()),
            ..Patch::default()
        }),
    };
    op.apply(&mut vault, NOW).unwrap();
    assert_eq!(vault.entries[0].changed, 0);
}

#[test]
fn remove_leaves_a_tombstone_and_a_second_remove_finds_it_gone() {
    let mut vault = stored(vec![entry("A"), entry("B")]);
    let op = Op::Remove { id: id(1) };
    assert_eq!(
        op.apply(&mut vault, NOW).unwrap(),
        Outcome::Removed {
            id: id(1),
            name: "A:me".into()
        }
    );
    assert_eq!(names(&vault), ["B:me"]);
    assert!(vault.is_buried(id(1)));
    let gone = op.apply(&mut vault, NOW).unwrap_err();
    assert!(matches!(gone, OpError::Gone { .. }));
    let shown = gone.seen_as(Some("A:me".into())).to_string();
    assert_eq!(
        shown,
        "'A:me' changed or disappeared meanwhile (deleted by another keyfob?); nothing was saved"
    );
}

#[test]
fn advance_issues_the_stored_counter_and_moves_on_from_what_is_stored() {
    let key = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
    let mut vault = stored(vec![Entry::new("RFC", "4226", key).with_hotp(0)]);
    vault.entries[0].counter = 1; // advanced by another keyfob meanwhile
    let op = Op::Advance { id: id(1) };
    let Outcome::Advanced { issued, code, .. } = op.apply(&mut vault, NOW).unwrap() else {
        panic!()
    };
    // RFC 4226 appendix D: counter 1 gives 287082.
    assert_eq!((issued, code.as_str()), (1, "287082"));
    assert_eq!(
        (vault.entries[0].counter, vault.entries[0].changed),
        (2, NOW)
    );
}

#[test]
fn a_conflict_pair_can_be_edited_and_deleting_one_resolves_it() {
    // A merge kept two versions of A:me (the second flagged): same account, other notes.
    let mut copy = entry("A");
    copy.note = Some("theirs".into());
    copy.conflict = Some(id(1));
    let mut vault = stored(vec![entry("A"), copy, entry("B")]);
    let patch = Box::new(Patch {
        tags: Some(vec!["work".into()]),
        ..Patch::default()
    });
    Op::Edit { id: id(2), patch }
        .apply(&mut vault, NOW)
        .unwrap();
    // Still no clash with an unrelated entry of the same account.
    let patch = Box::new(Patch {
        issuer: Some("A".into()),
        ..Patch::default()
    });
    let e = Op::Edit { id: id(3), patch }
        .apply(&mut vault, NOW)
        .unwrap_err();
    assert!(matches!(e, OpError::Duplicate { .. }), "{e}");
    // Keeping the copy: the original is deleted and the copy is no longer flagged.
    Op::Remove { id: id(1) }.apply(&mut vault, NOW + 5).unwrap();
    let kept = vault.entry(id(2)).unwrap();
    assert_eq!((kept.conflict, kept.changed), (None, NOW + 5));
    assert_eq!(kept.note.as_deref(), Some("theirs"));
}

#[test]
fn advance_never_issues_below_the_floor_this_machine_keeps() {
    let key = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
    let mut vault = stored(vec![Entry::new("RFC", "4226", key).with_hotp(0)]);
    let op = Op::Advance { id: id(1) };
    // Counters 0 and 1 were issued here before the vault was rolled back to 0.
    let Outcome::Advanced { issued, code, .. } = op.apply_with_floor(&mut vault, NOW, 2).unwrap()
    else {
        panic!()
    };
    assert_eq!((issued, code.as_str()), (2, "359152"));
    assert_eq!(vault.entries[0].counter, 3);
    // A floor below what is stored changes nothing.
    let Outcome::Advanced { issued, .. } = op.apply_with_floor(&mut vault, NOW, 1).unwrap() else {
        panic!()
    };
    assert_eq!(issued, 3);
}

#[test]
fn advance_at_the_last_counter_refuses_instead_of_repeating_a_code() {
    let mut vault = stored(vec![entry("H").with_hotp(u64::MAX)]);
    let before = vault.clone();
    let e = Op::Advance { id: id(1) }
        .apply(&mut vault, NOW)
        .unwrap_err();
    assert_eq!(
        e,
        OpError::Exhausted {
            name: "H:me".into()
        }
    );
    assert!(e.to_string().contains("18446744073709551615"), "{e}");
    assert_eq!(vault, before);
    let mut vault = stored(vec![entry("T")]);
    let e = Op::Advance { id: id(1) }
        .apply(&mut vault, NOW)
        .unwrap_err();
    assert!(matches!(e, OpError::NotCounter { .. }), "{e}");
}

#[test]
fn ops_outcomes_and_errors_travel_as_serde_values_without_showing_secrets() {
    let secret = "JBSWY3DPEHPK3PXP";
    let edit = Box::new(Patch {
        secret: Some(Secret::parse_base32(secret).unwrap()),
        ..Patch::default()
    });
    let ops = [
        Op::Add(vec![entry("A")]),
        Op::Edit {
            id: id(1),
            patch: edit,
        },
        Op::Remove { id: id(1) },
        Op::Advance { id: id(1) },
    ];
    for op in &ops {
        let json = serde_json::to_string(op).unwrap();
        let back: Op = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, op);
        assert!(!format!("{op:?}").contains(secret), "{op:?}");
    }
    let outcome = Outcome::Advanced {
        id: id(1),
        issued: 3,
        code: Code::from_text("123456").unwrap(),
    };
    let json = serde_json::to_string(&outcome).unwrap();
    assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), outcome);
    let error = OpError::Exhausted { name: "H".into() };
    let json = serde_json::to_string(&error).unwrap();
    assert_eq!(serde_json::from_str::<OpError>(&json).unwrap(), error);
}

fn entry_strategy() -> impl Strategy<Value = Entry> {
    let name = "[a-zA-Z ]{0,6}";
    (
        (name, name),
        prop::collection::vec(any::<u8>(), 1..24),
        prop::sample::select(vec![Kind::Totp, Kind::Hotp, Kind::Steam]),
        (6u8..=8, prop_oneof![Just(30u32), 1u32..100], any::<u64>()),
        prop::option::of(name),
        prop::collection::vec(name, 0..3),
        prop::collection::vec(prop::option::of(name), 4),
    )
        .prop_map(
            |((issuer, account), secret, kind, (digits, period, counter), note, tags, meta)| {
                let mut e = Entry::new(issuer, account, Secret::from_bytes(secret).unwrap());
                (e.kind, e.digits, e.period, e.counter) = (kind, digits, period, counter);
                (e.note, e.tags) = (note, tags);
                let [serial, manufacturer, model, upn]: [Option<String>; 4] =
                    meta.try_into().unwrap();
                (e.serial, e.manufacturer, e.model, e.upn) = (serial, manufacturer, model, upn);
                e
            },
        )
}

proptest! {
    /// A patch made from two versions of an entry turns the first into the second, and a
    /// patch of disjoint fields applied after it leaves its changes in place.
    #[test]
    fn patches_carry_exactly_the_difference(a in entry_strategy(), b in entry_strategy()) {
        let mut patched = a.clone();
        Patch::between(&a, &b).apply_to(&mut patched);
        prop_assert_eq!(&patched, &b);
        prop_assert!(Patch::between(&b, &patched).is_empty());
    }
}
