//! Three people share one vault through git, with `keyfob merge` as the merge driver: each
//! makes adds, edits, deletes and HOTP advances, they pull and push in several orders, and in
//! the end every clone holds the same vault with every change kept. Then one member is
//! removed: their key opens neither the new vault nor its backup.
//!
//! Skips with a note when git is not installed. Identities, not passphrases, so it stays fast.

use std::fs;
use std::path::Path;

use keyfob::engine::entry::Entry;

use crate::common::*;

mod member;

use member::{Member, git_missing};

fn find<'a>(entries: &'a [Entry], name: &str) -> Vec<&'a Entry> {
    entries.iter().filter(|e| e.name() == name).collect()
}

#[test]
fn three_clones_merge_every_change_through_the_driver() {
    if git_missing() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let [alice, bob, carol] = ["alice", "bob", "carol"].map(|n| Member::new(root, n));
    // Alice makes the vault, sealed to all three, with the repository's merge settings.
    let origin = alice.found_repository(root);
    alice
        .keyfob(&["init", "--recipient", &bob.key, "--recipient", &carol.key])
        .success();
    for (issuer, n) in [("GitHub", 1), ("Mail", 2), ("Shop", 3), ("Old", 4)] {
        alice
            .keyfob(&[
                "add",
                "--issuer",
                issuer,
                "--account",
                "team",
                "--secret",
                &nth_secret(n),
            ])
            .success();
    }
    alice
        .keyfob(&[
            "add",
            "--hotp",
            "--issuer",
            "Bank",
            "--account",
            "team",
            "--secret",
            RFC_SECRET_B32,
        ])
        .success();
    fs::write(
        alice.clone.join(".gitattributes"),
        "vault.age merge=keyfob -diff\n",
    )
    .unwrap();
    fs::write(
        alice.clone.join(".gitignore"),
        "vault.age.bak\nvault.age.lock\n",
    )
    .unwrap();
    alice.git_ok(&["add", "."]);
    alice.commit("the team vault");
    alice.git_ok(&["remote", "add", "origin", origin.to_str().unwrap()]);
    alice.push();

    // Bob and Carol clone it and review its recipients once.
    for member in [&bob, &carol] {
        member.git_in(
            root,
            &[
                "clone",
                "-q",
                origin.to_str().unwrap(),
                member.clone.to_str().unwrap(),
            ],
        );
        member.configure();
        member.keyfob(&["trust"]).success();
    }

    // Everyone changes their copy before seeing the others'.
    alice
        .keyfob(&["edit", "GitHub", "--note", "alice's note"])
        .success();
    alice
        .keyfob(&["edit", "Shop", "--note", "still in use"])
        .success();
    alice.keyfob(&["code", "Bank"]).success();
    alice.commit("alice: notes, a HOTP code");
    bob.keyfob(&[
        "add",
        "--issuer",
        "Bob",
        "--account",
        "team",
        "--secret",
        &nth_secret(10),
    ])
    .success();
    bob.keyfob(&["remove", "Shop", "--yes"]).success();
    bob.keyfob(&["code", "Bank"]).success();
    bob.keyfob(&["code", "Bank"]).success();
    bob.commit("bob: add, delete, two HOTP codes");
    carol
        .keyfob(&["edit", "Mail", "--account", "ops"])
        .success();
    carol.keyfob(&["edit", "GitHub", "--digits", "8"]).success();
    carol
        .keyfob(&["edit", "Bank", "--note", "carol's"])
        .success();
    carol.keyfob(&["remove", "Old", "--yes"]).success();
    carol
        .keyfob(&[
            "add",
            "--issuer",
            "Carol",
            "--account",
            "team",
            "--secret",
            &nth_secret(11),
        ])
        .success();
    carol.commit("carol: edits, an add, a delete");

    // Alice pushes first; Bob and Carol merge through the driver on pull.
    alice.push();
    let (conflict, said) = bob.pull_saying();
    assert!(!conflict, "{said}");
    // Bob deleted Shop, which Alice had changed meanwhile: kept, and said so.
    assert!(
        said.contains("kept 'Shop:team': deleted in OURS, but changed in THEIRS"),
        "{said}"
    );
    bob.push();
    // Alice changes the note Carol changed too.
    assert!(!alice.pull());
    alice
        .keyfob(&["edit", "Bank", "--note", "alice's"])
        .success();
    alice.commit("alice: bank note");
    alice.push();
    assert!(
        carol.pull(),
        "the Bank note was changed differently: both versions kept"
    );
    carol.push();
    assert!(!alice.pull());
    alice.push();
    assert!(!bob.pull());
    assert!(!carol.pull());

    // Every clone holds the same vault, and it opens with each person's own key.
    let mine = alice.entries();
    assert_eq!(bob.entries(), mine);
    assert_eq!(carol.entries(), mine);
    let names: Vec<String> = mine.iter().map(Entry::name).collect();
    assert_eq!(
        find(&mine, "Shop:team")[0].note.as_deref(),
        Some("still in use")
    );
    assert!(
        find(&mine, "Old:team").is_empty(),
        "Carol's delete: {names:?}"
    );
    for kept in ["Bob:team", "Carol:team", "Mail:ops"] {
        assert_eq!(find(&mine, kept).len(), 1, "{kept}: {names:?}");
    }
    let github = find(&mine, "GitHub:team")[0];
    assert_eq!(
        (github.note.as_deref(), github.digits),
        (Some("alice's note"), 8)
    );
    let banks = find(&mine, "Bank:team");
    assert_eq!(banks.len(), 2, "two versions of the Bank note: {names:?}");
    let notes: Vec<_> = banks.iter().map(|e| e.note.clone().unwrap()).collect();
    assert!(notes.contains(&"alice's".to_string()) && notes.contains(&"carol's".to_string()));
    assert!(
        banks.iter().all(|e| e.counter == 2),
        "the highest counter (Bob's two codes)"
    );
    assert_eq!(banks.iter().filter(|e| e.conflict.is_some()).count(), 1);

    // Bob resolves the conflict: keeps the flagged version by deleting the other.
    let first = banks
        .iter()
        .find(|e| e.conflict.is_none())
        .unwrap()
        .id
        .unwrap()
        .to_string();
    bob.keyfob(&["remove", &first, "--yes"]).success();
    bob.commit("bob: one Bank entry");
    bob.push();
    assert!(!alice.pull());
    let mine = alice.entries();
    assert_eq!(find(&mine, "Bank:team").len(), 1);
    assert!(mine.iter().all(|e| e.conflict.is_none()));

    // Carol leaves: Alice removes her key; neither the vault nor its backup opens with it.
    alice
        .keyfob(&["recipients", "remove", &carol.key])
        .success();
    let carol_opens = |path: &Path| {
        let text = fs::read(&carol.identity).unwrap();
        let ids = keyfob::engine::crypto::read_identities(&text, "t", &mut |_| None).unwrap();
        keyfob::engine::crypto::decrypt(
            &fs::read(path).unwrap(),
            &keyfob::engine::crypto::Key::Identities(ids),
        )
        .is_ok()
    };
    assert!(!carol_opens(&alice.vault()));
    assert!(!carol_opens(&alice.vault().with_file_name("vault.age.bak")));
    alice.commit("carol left");
    alice.push();
    // Bob's machine asks for his review of the new set once, then works as before.
    assert!(!bob.pull());
    bob.keyfob(&["list"])
        .success()
        .stderr(predicates::str::contains("keyfob trust"));
    bob.keyfob(&["trust"]).success();
    bob.keyfob(&["code", "GitHub"]).success().stderr("");
    assert!(!carol_opens(&bob.vault()));
}

/// README's Entra example: one admin generates tokens into the shared vault and pushes; a
/// teammate pulls and reads a token's code by its serial for the Activate step.
#[test]
fn a_teammate_reads_a_token_the_admin_generated() {
    if git_missing() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let [admin, mate] = ["admin", "mate"].map(|n| Member::new(root, n));
    let origin = admin.found_repository(root);
    admin.keyfob(&["init", "--recipient", &mate.key]).success();
    let out = admin
        .keyfob(&[
            "generate",
            "--count",
            "2",
            "--entra-csv",
            "--upn",
            "ann@contoso.com",
            "--upn",
            "bob@contoso.com",
            "--serial-start",
            "KF0001",
            "--manufacturer",
            "Contoso",
            "--model",
            "KF-1",
            "--add",
        ])
        .success();
    let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let row = csv.lines().find(|l| l.contains("KF0002")).unwrap();
    let secret = row.split(',').nth(2).unwrap().to_string();
    fs::write(
        admin.clone.join(".gitattributes"),
        "vault.age merge=keyfob -diff\n",
    )
    .unwrap();
    fs::write(
        admin.clone.join(".gitignore"),
        "vault.age.bak\nvault.age.lock\n",
    )
    .unwrap();
    admin.git_ok(&["add", "."]);
    admin.commit("tokens KF0001-KF0002");
    admin.git_ok(&["remote", "add", "origin", origin.to_str().unwrap()]);
    admin.push();

    mate.git_in(
        root,
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            mate.clone.to_str().unwrap(),
        ],
    );
    mate.keyfob(&["trust"]).success();
    let at = "1700000000";
    let want = {
        let secret = keyfob::engine::secret::Secret::parse_base32(&secret).unwrap();
        keyfob::engine::entry::Entry::new("x", "y", secret)
            .code(1_700_000_000)
            .unwrap()
            .to_string()
    };
    mate.keyfob(&["code", "KF0002", "--at", at])
        .success()
        .stdout(format!("{want}\n"));
}
