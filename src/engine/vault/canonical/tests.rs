//! The fast reader against `ron`: written vaults, hand-written forms, mangled documents, and
//! the look-up index against the full open.

use super::*;
use proptest::prelude::*;

fn id(n: u128) -> EntryId {
    EntryId::from(uuid::Uuid::from_u128(n))
}

proptest! {
    /// The word-at-a-time search finds what a byte loop finds, wherever it lies.
    #[test]
    fn quote_search_agrees_with_a_byte_loop(
        bytes in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(b'!'), Just(b'#'), Just(0x5d), Just(0xa2), any::<u8>()],
            0..40,
        ),
        filler in 0usize..20,
    ) {
        let mut bytes = bytes;
        // Mostly-plain runs, so that matches also land deep inside 8-byte words.
        bytes.splice(0..0, std::iter::repeat_n(b'a', filler));
        let naive = bytes.iter().position(|b| *b == b'"' || *b == b'\\');
        prop_assert_eq!(quote_or_backslash(&bytes), naive);
    }
}

fn by_ron(text: &str) -> Option<Vault> {
    ron::from_str(text).ok()
}

fn secret() -> Secret {
    Secret::parse_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap()
}

fn sample() -> Vault {
    let mut full = Entry::new("Bank \"Ω\" #\"#", "bob\\", secret()).with_hotp(7);
    full.algorithm = Algorithm::Sha512;
    full.digits = 8;
    full.note = Some("line one\nline two".into());
    full.tags = vec!["work".into(), "r#\"x\"#".into()];
    full.serial = Some("1234567".into());
    full.manufacturer = Some("Token Co".into());
    full.model = Some("C200".into());
    full.upn = Some("me@example.com".into());
    full.id = Some(id(0x5f0c_6b1e_0d3a_4c8e_9b7a_2f6d_1c0e_8a94));
    full.changed = 1_700_000_000;
    let mut steam = Entry::new("Steam", "", secret()).with_steam();
    steam.period = 60;
    steam.id = Some(id(7));
    Vault {
        version: 2,
        generation: 41,
        recipients: vec!["age1example".into(), "ssh-ed25519 AAAA".into()],
        entries: vec![
            // As a keyfob before ids wrote it.
            Entry::new("GitHub", "me@example.com", secret()),
            full,
            steam,
        ],
        tombstones: vec![Tombstone {
            id: id(3),
            deleted: 1_600_000_000,
        }],
    }
}

/// A vault whose one entry and one tombstone have every field set, built without `..`: a
/// field added to `Entry`, `Vault` or `Tombstone` must be added here, and then this checks
/// that the fast reader reads it (rather than leaving keyfob's own output to `ron`).
#[test]
fn every_field_takes_the_fast_path() {
    let entry = Entry {
        id: Some(id(0x0b1c_2d3e_4f50_4617_8293_a4b5_c6d7_e8f9)),
        issuer: "Token2".into(),
        account: "carol@contoso.com".into(),
        secret: secret(),
        kind: Kind::Hotp,
        algorithm: Algorithm::Sha256,
        digits: 8,
        period: 45,
        counter: 12,
        note: Some("desk drawer".into()),
        tags: vec!["work".into(), "hardware".into()],
        serial: Some("1000".into()),
        manufacturer: Some("Token2".into()),
        model: Some("C202".into()),
        upn: Some("carol@contoso.com".into()),
        changed: 1_764_000_000,
        conflict: Some(id(7)),
    };
    let vault = Vault {
        version: 2,
        generation: 9,
        recipients: vec!["age1example".into()],
        entries: vec![entry],
        tombstones: vec![Tombstone {
            id: id(42),
            deleted: 1_763_000_000,
        }],
    };
    let text = vault.to_ron();
    for field in [
        "id:",
        "issuer:",
        "account:",
        "secret:",
        "type:",
        "algorithm:",
        "digits:",
        "period:",
        "counter:",
        "note:",
        "tags:",
        "serial:",
        "manufacturer:",
        "model:",
        "upn:",
        "changed:",
        "conflict:",
        "generation:",
        "recipients:",
        "tombstones:",
        "deleted:",
    ] {
        assert!(text.contains(field), "{field} is written:\n{}", *text);
    }
    assert_eq!(parse(&text), Some(vault.clone()), "{}", *text);
    assert_eq!(by_ron(&text), Some(vault));
    assert_eq!(scan(&text).map(|l| l.len()), Some(1));
}

#[test]
fn the_written_layout_puts_the_id_and_change_time_first() {
    let text = sample().to_ron();
    assert!(
        text.contains("(\n      id: \"5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94\",\n      changed: 1700000000,\n      issuer: "),
        "{}",
        *text
    );
    // The usual start is read by byte comparison, with and without an id and a time.
    let usual = |at: &str| {
        let mut r = Reader {
            text: &text,
            pos: text.find(at).unwrap(),
        };
        r.usual_start().map(|u| (u.id, u.changed, u.issuer))
    };
    assert_eq!(
        usual("(\n      issuer: \"GitHub\""),
        Some((None, None, "GitHub"))
    );
    assert_eq!(
        usual("(\n      id: \"00000000-0000-0000-0000-000000000007\""),
        Some((Some("00000000-0000-0000-0000-000000000007"), None, "Steam"))
    );
    let mut timed = sample();
    timed.entries[2].changed = 1_764_000_000;
    let timed = timed.to_ron();
    let mut r = Reader {
        text: &timed,
        pos: timed
            .find("(\n      id: \"00000000-0000-0000-0000-000000000007\"")
            .unwrap(),
    };
    let u = r.usual_start().unwrap();
    assert_eq!((u.changed, u.issuer), (Some(1_764_000_000), "Steam"));
}

#[test]
fn keyfobs_own_output_takes_the_fast_path() {
    let vault = sample();
    let text = vault.to_ron();
    assert_eq!(parse(&text), Some(vault.clone()));
    assert_eq!(by_ron(&text), Some(vault));
    assert_eq!(parse(&Vault::default().to_ron()), Some(Vault::default()));
}

#[test]
fn padded_output_takes_the_fast_path() {
    let text = sample().to_ron();
    let padded = crate::engine::crypto::pad(&text);
    let padded = std::str::from_utf8(&padded).unwrap();
    assert_eq!(parse(padded), Some(sample()));
}

#[test]
fn hand_written_forms_it_accepts_read_as_ron_reads_them() {
    for text in [
        "(version:1,entries:[(issuer:\"a\",secret:\"JBSWY3DPEHPK3PXP\")])",
        "( version : 1 , entries : [ ( account : \"b\" , secret : r\"JBSWY3DPEHPK3PXP\" , ) , ] , )",
        "(entries: [(issuer: \"a\", secret: \"jbswy3dpehpk3pxp\", note: Some ( \"n\" ), serial: None)], version: 0)",
        "(version: 1, recipients: [], entries: [])",
        "\r\n\t(version: 4294967295)\n\n",
        "(version: 1, entries: [(issuer: r##\"a\"#b\"##, secret: \"JBSWY3DPEHPK3PXP\", counter: 18446744073709551615, digits: 255)])",
        "(version: 2, generation: 18446744073709551615, entries: [(secret: \"JBSWY3DPEHPK3PXP\", id: \"00000000-0000-0000-0000-000000000000\", changed: 0)], tombstones: [(deleted: 5, id: \"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9\",)])",
        "(tombstones: [], version: 2, generation: 0)",
    ] {
        let fast = parse(text);
        assert!(fast.is_some(), "{text}");
        assert_eq!(fast, by_ron(text), "{text}");
    }
}

#[test]
fn anything_unusual_is_left_to_ron() {
    let entry = |fields: &str| format!("(version: 1, entries: [({fields})])");
    let s = "secret: \"JBSWY3DPEHPK3PXP\"";
    for text in [
        // Accepted by ron, but not canonical.
        "// a comment\n(version: 1)".to_string(),
        "(version: 1, /* here */ entries: [])".to_string(),
        "#![enable(implicit_some)]\n(version: 1)".to_string(),
        "Vault(version: 1)".to_string(),
        "(version: 0x1)".to_string(),
        "(version: 01)".to_string(),
        "(version: 1_0)".to_string(),
        "(version: +1)".to_string(),
        "(version: 1)\u{85}".to_string(),
        entry(&format!("issuer: \"a\\\"b\", {s}")),
        entry(&format!("issuer: \"a\\u{{3a9}}\", {s}")),
        entry(&format!("r#type: hotp, issuer: \"a\", {s}")),
        entry(&format!("issuer: \"a\", {s}, note: Some(\"n\",)")),
        entry(&format!("Entry(issuer: \"a\", {s})")).replace("[(Entry(", "[Entry("),
        // Refused by ron: its error message is wanted.
        "(version: 1, version: 1)".to_string(),
        "(version: 1, wormholes: 3)".to_string(),
        "(entries: [])".to_string(),
        "(version: 1) x".to_string(),
        "(version: 4294967296)".to_string(),
        entry("issuer: \"a\""),
        entry(&format!("issuer: \"a\", issuer: \"b\", {s}")),
        entry(&format!("issuer: \"a\", {s}, digits: 256")),
        entry(&format!("issuer: \"a\", {s}, type: Hotp")),
        entry(&format!("issuer: \"a\", {s}, note: \"n\"")),
        entry(&format!("issuer: \"a\", {s}, colour: red")),
        entry("issuer: \"a\", secret: \"JBSW0Y3DP\""),
        entry("issuer: \"a\", secret: \"\""),
        entry(&format!("issuer: r#\"a\", {s}")),
        entry(&format!("issuer: \"a\" {s}")),
        // Ids in a form `ron` reads but keyfob does not write, or not ids at all.
        entry(&format!("id: \"0B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9\", {s}")),
        entry(&format!("id: \"0b1c2d3e4f5046178293a4b5c6d7e8f9\", {s}")),
        entry(&format!("id: \"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8fz\", {s}")),
        entry(&format!("id: Some(\"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9\"), {s}")),
        entry(&format!("{s}, changed: -1")),
        "(version: 2, tombstones: [(id: \"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9\")])".to_string(),
        "(version: 2, tombstones: [(id: \"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9\", deleted: 1, why: 2)])".to_string(),
        "(version: 2, generation: 1, generation: 2)".to_string(),
    ] {
        assert_eq!(parse(&text), None, "{text}");
    }
}

fn text_strategy() -> impl Strategy<Value = String> {
    let tricky = prop_oneof![
        4 => prop::char::range('a', 'z'),
        1 => any::<char>(),
        1 => prop::sample::select(vec![
            '"', '\\', '#', 'r', ' ', '\n', '\t', '\r', ':', ',', '(', ')', '[', ']', 'Ω',
            '\u{85}', '\u{1b}', '/', '*',
        ]),
    ];
    prop::collection::vec(tricky, 0..12).prop_map(|chars| chars.into_iter().collect())
}

fn entry_strategy() -> impl Strategy<Value = Entry> {
    (
        (text_strategy(), text_strategy()),
        prop::collection::vec(any::<u8>(), 1..40),
        prop::sample::select(vec![Kind::Totp, Kind::Hotp, Kind::Steam]),
        prop::sample::select(Algorithm::ALL.to_vec()),
        (
            any::<u8>(),
            prop_oneof![Just(30u32), any::<u32>()],
            prop_oneof![Just(0u64), any::<u64>()],
        ),
        prop::option::of(text_strategy()),
        prop::collection::vec(text_strategy(), 0..3),
        prop::collection::vec(prop::option::of(text_strategy()), 4),
        (
            prop::option::of(any::<u128>()),
            prop_oneof![Just(0u64), any::<u64>()],
        ),
    )
        .prop_map(
            |(
                (issuer, account),
                secret,
                kind,
                algorithm,
                (digits, period, counter),
                note,
                tags,
                meta,
                (entry_id, changed),
            )| {
                let mut e = Entry::new(issuer, account, Secret::from_bytes(secret).unwrap());
                e.id = entry_id.map(id);
                e.changed = changed;
                e.kind = kind;
                e.algorithm = algorithm;
                e.digits = digits;
                e.period = period;
                e.counter = counter;
                e.note = note;
                e.tags = tags;
                let [serial, manufacturer, model, upn]: [Option<String>; 4] =
                    meta.try_into().unwrap();
                (e.serial, e.manufacturer, e.model, e.upn) = (serial, manufacturer, model, upn);
                e
            },
        )
}

fn vault_strategy() -> impl Strategy<Value = Vault> {
    (
        prop_oneof![Just(1u32), Just(2u32), any::<u32>()],
        prop_oneof![Just(0u64), any::<u64>()],
        prop::collection::vec(text_strategy(), 0..3),
        prop::collection::vec(entry_strategy(), 0..6),
        prop::collection::vec((any::<u128>(), any::<u64>()), 0..3),
    )
        .prop_map(
            |(version, generation, recipients, entries, tombstones)| Vault {
                version,
                generation,
                recipients,
                entries,
                tombstones: tombstones
                    .into_iter()
                    .map(|(n, deleted)| Tombstone { id: id(n), deleted })
                    .collect(),
            },
        )
}

/// Small edits a person (or a broken disk) might make to a document.
fn mangle(text: &str, at: usize, edit: usize, insert: &str) -> String {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut out = text.to_string();
    match edit % 3 {
        0 => out.insert_str(at, insert),
        1 => {
            let end = (at + 1 + edit % 7).min(text.len());
            let mut end = end;
            while !text.is_char_boundary(end) {
                end += 1;
            }
            out.replace_range(at..end, insert);
        }
        _ => {
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            out.replace_range(at..end, "");
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Everything keyfob writes takes the fast path, and reads as `ron` reads it.
    #[test]
    fn equals_ron_on_written_vaults(vault in vault_strategy(), pad in 0usize..300) {
        let text = vault.to_ron();
        let padded = format!("{}{}\n", text.trim_end(), " ".repeat(pad));
        for text in [text.as_str(), padded.as_str()] {
            let fast = parse(text);
            prop_assert!(fast.is_some(), "fast path refused keyfob's own output:\n{}", text);
            prop_assert_eq!(&fast, &by_ron(text));
            prop_assert_eq!(fast, Some(vault.clone()));
        }
    }

    /// Whatever the fast path accepts after an edit, `ron` accepts as the same vault.
    #[test]
    fn accepts_only_what_ron_reads_identically(
        vault in vault_strategy(),
        edits in prop::collection::vec((any::<usize>(), any::<usize>(), prop::sample::select(vec![
            "", " ", "\n", "\t", "\u{85}", "\u{200E}", "//c\n", "/*c*/", ",", ",,", "(", ")",
            "[", "]", ":", "\"", "\\", "#", "r", "r#", "0", "1", "00", "_", "é", "x", "Some(",
            "None", "type: hotp,", "version: 3,", "Vault", "#![enable(implicit_some)]", "+",
            "-", "0x", ".5", "e3", "'a'", "b\"x\"", "issuer: \"a\",", "\"JBSWY3DPEHPK3PXP\"",
            "id: \"0B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9\",", "generation: 1,", "deleted: 2",
            "tombstones: [],", "changed: 3,",
        ])), 1..4),
    ) {
        let mut text = vault.to_ron().to_string();
        for (at, edit, insert) in edits {
            text = mangle(&text, at, edit, insert);
        }
        if let Some(fast) = parse(&text) {
            prop_assert_eq!(Some(fast), by_ron(&text), "{}", text);
        }
    }

    /// The index accepts a document only where the full open gives the same entries.
    #[test]
    fn scan_agrees_with_the_full_open(
        vault in vault_strategy(),
        edits in prop::collection::vec((any::<usize>(), any::<usize>(), prop::sample::select(vec![
            "", " ", "\u{1b}", "\"JBSWY3DPEHPK3PXP\"", "\"A\"", "digits: 9,", "type: steam,",
            "period: 0,", "issuer: \"\",", "account: \" x\",", "serial: Some(\"\u{7}\"),",
            "version: 3,", "id: \"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9\",", "changed: 5,", ",", ")", "-",
        ])), 0..3),
    ) {
        let mut text = vault.to_ron().to_string();
        for (at, edit, insert) in edits {
            text = mangle(&text, at, edit, insert);
        }
        check_scan(&text)?;
    }
}

fn check_scan(text: &str) -> Result<(), TestCaseError> {
    let full = Vault::from_ron(text);
    match scan(text) {
        Some(listed) => {
            prop_assert!(parse(text).is_some(), "{}", text);
            let vault = full.expect("the index accepted what the full open refuses");
            prop_assert_eq!(listed.len(), vault.entries.len());
            for (l, e) in listed.iter().zip(&vault.entries) {
                prop_assert_eq!(
                    (l.issuer, l.account, l.serial),
                    (e.issuer.as_str(), e.account.as_str(), e.serial.as_deref())
                );
                let built = build(text, l);
                prop_assert_eq!(built.as_ref(), Some(e));
            }
            check_lookup(text, &vault)?;
        }
        None => {
            // Refused: unless `parse` refused it too, the full open must fail or tidy a name.
            if let (Some(parsed), Ok(vault)) = (parse(text), full) {
                let names = |e: &Entry| (e.issuer.clone(), e.account.clone(), e.serial.clone());
                let tidied = parsed
                    .entries
                    .iter()
                    .map(names)
                    .ne(vault.entries.iter().map(names));
                prop_assert!(
                    parsed.version > crate::engine::vault::CURRENT_VERSION || tidied,
                    "the index refused a tidy, valid document:\n{}",
                    text
                );
            }
        }
    }
    Ok(())
}

/// `Vault::lookup` (the index, keeping only matches) gives what the rule gives on the
/// opened vault, for queries made from the entries' names.
fn check_lookup(text: &str, vault: &Vault) -> Result<(), TestCaseError> {
    use crate::engine::query::{Found, find};
    use crate::engine::vault::Lookup;
    let mut queries = vec![String::new(), "zz-none".to_string(), ":".to_string()];
    for e in &vault.entries {
        for name in [&e.issuer, &e.account].into_iter().chain(e.serial.as_ref()) {
            queries.push(name.to_uppercase());
            queries.push(name.chars().take(2).collect());
        }
        queries.push(e.name());
    }
    for q in &queries {
        let looked_up = Vault::lookup(text.as_bytes(), q);
        match (find(&vault.entries, q), looked_up) {
            (Found::One(i), Some(Lookup::One(e))) => prop_assert_eq!(&*e, &vault.entries[i]),
            (Found::None, Some(Lookup::None)) => {}
            (Found::Many(is), Some(Lookup::Many(names))) => {
                let expected: Vec<String> = is
                    .iter()
                    .map(|i| crate::engine::query::describe(&vault.entries[*i]))
                    .collect();
                prop_assert_eq!(names, expected);
            }
            (expected, _) => prop_assert!(false, "query {:?}: expected {:?}", q, expected),
        }
    }
    Ok(())
}

#[test]
fn scan_takes_keyfobs_own_output() {
    let text = sample().to_ron();
    assert_eq!(scan(&text).map(|l| l.len()), Some(3));
    check_scan(&text).unwrap();
}

#[test]
fn the_readme_example_is_keyfobs_own_layout() {
    let readme = include_str!("../../../../README.md");
    let start = readme.find("```ron\n").unwrap() + "```ron\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let vault = parse(example).expect("the README's vault takes the fast path");
    assert_eq!(Some(&vault), by_ron(example).as_ref());
    assert_eq!(
        *vault.to_ron(),
        example,
        "and is exactly what keyfob writes"
    );
    assert!(Vault::from_ron(example).is_ok());
}
