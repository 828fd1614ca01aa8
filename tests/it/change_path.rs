//! The one change path through the real binary: what a save costs on a passphrase vault, ids
//! that survive edits, and HOTP counters that refuse to wrap.

use crate::common::{RFC_SECRET_B32, TestVault};

/// The scrypt runs a command made (test builds report them on stderr when asked).
fn scrypt_runs(output: &std::process::Output) -> u64 {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("keyfob-test: scrypt runs: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no scrypt report in {stderr}"))
}

#[test]
fn add_on_a_passphrase_vault_runs_scrypt_twice_open_and_seal() {
    let tv = TestVault::with_passphrase("correct horse");
    tv.add("GitHub", "me", RFC_SECRET_B32);
    let out = tv
        .cmd()
        .env("KEYFOB_TEST_SCRYPT_REPORT", "1")
        .args(["add", "--issuer", "GitLab", "--account", "me", "--secret"])
        .arg(RFC_SECRET_B32)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(scrypt_runs(&out), 2, "one to open, one to seal");
    let out = tv
        .cmd()
        .env("KEYFOB_TEST_SCRYPT_REPORT", "1")
        .args(["code", "GitLab"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(scrypt_runs(&out), 1, "reading a code only opens");
}

/// The `id: "…"` values of the vault's entries, in order.
fn ids(plaintext: &str) -> Vec<String> {
    plaintext
        .lines()
        .filter_map(|l| l.trim().strip_prefix("id: \""))
        .map(|rest| rest.trim_end_matches("\",").to_string())
        .collect()
}

#[test]
fn hotp_at_the_last_counter_fails_instead_of_repeating_its_code() {
    let tv = TestVault::new();
    let last = u64::MAX.to_string();
    tv.cmd()
        .args(["add", "--issuer", "Bank", "--account", "bob", "--hotp"])
        .args(["--counter", &last, "--secret", RFC_SECRET_B32])
        .assert()
        .success();
    let before = tv.bytes();
    for _ in 0..2 {
        let out = tv.cmd().args(["code", "Bank"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(out.stdout.is_empty(), "no code is printed");
        assert!(
            stderr.starts_with(&format!(
                "error: 'Bank:bob' is at the last HOTP counter ({last}) and cannot issue another code; nothing was saved\nhint: "
            )),
            "{stderr}"
        );
        assert_eq!(tv.bytes(), before, "the vault is untouched");
    }
    // One below the last: the code is issued once, then the counter is exhausted.
    tv.cmd()
        .args(["edit", "Bank", "--counter", &(u64::MAX - 1).to_string()])
        .assert()
        .success();
    tv.cmd().args(["code", "Bank"]).assert().success();
    tv.cmd().args(["code", "Bank"]).assert().code(1);
}

#[test]
fn an_entry_keeps_its_id_through_edits_and_leaves_a_tombstone() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.add("GitLab", "me", RFC_SECRET_B32);
    let first = ids(&tv.plaintext());
    assert_eq!(first.len(), 2, "{}", tv.plaintext());
    assert!(
        tv.plaintext().contains("\n  generation: 3,\n"),
        "init and two adds"
    );
    tv.cmd()
        .args([
            "edit",
            "GitHub",
            "--issuer",
            "GitHub Enterprise",
            "--note",
            "n",
        ])
        .assert()
        .success();
    let text = tv.plaintext();
    assert_eq!(ids(&text), first, "{text}");
    assert!(text.contains("      changed: "), "{text}");
    tv.cmd()
        .args(["remove", "GitLab", "--yes"])
        .assert()
        .success();
    let text = tv.plaintext();
    // The entry left, then the tombstone of the one removed.
    assert_eq!(ids(&text), [first[0].clone(), first[1].clone()], "{text}");
    let tombstones = &text[text.find("  tombstones: [").expect(&text)..];
    assert!(tombstones.contains(&first[1]), "{text}");
}

#[test]
fn a_vault_from_before_ids_opens_and_gets_ids_on_its_next_save() {
    use keyfob::engine::crypto::{Seal, pad};
    let tv = TestVault::new();
    let old = format!(
        "(\n  version: 1,\n  recipients: [\n    \"{}\",\n  ],\n  entries: [\n    (\n      issuer: \"Old\",\n      account: \"one\",\n      secret: \"{RFC_SECRET_B32}\",\n    ),\n    (\n      issuer: \"Old\",\n      account: \"two\",\n      secret: \"{RFC_SECRET_B32}\",\n      type: hotp,\n    ),\n  ],\n)\n",
        crate::common::identity_recipient()
    );
    let sealed = Seal::Recipients(vec![crate::common::identity_recipient()])
        .encrypt(&pad(&old))
        .unwrap();
    std::fs::write(&tv.vault, sealed).unwrap();
    tv.cmd()
        .args(["code", "Old:one", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
    // HOTP names its entry by an id handed out in memory, and the save writes them all.
    tv.cmd()
        .args(["code", "Old:two"])
        .assert()
        .success()
        .stdout("755224\n");
    let text = tv.plaintext();
    assert!(
        text.starts_with("(\n  version: 2,\n  generation: 1,\n"),
        "{text}"
    );
    assert_eq!(ids(&text).len(), 2, "{text}");
    assert!(text.contains("counter: 1,"), "{text}");
}

#[test]
fn the_aegis_export_carries_the_ids_and_a_second_import_adds_nothing() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.add("GitLab", "me", RFC_SECRET_B32);
    let stored = ids(&tv.plaintext());
    let export = tv.dir.path().join("aegis.json");
    tv.cmd()
        .args(["export", "--format", "aegis", "--plaintext", "--output"])
        .arg(&export)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    let uuids: Vec<_> = json["db"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(uuids, stored);

    let other = TestVault::new();
    other.cmd().arg("import").arg(&export).assert().success();
    assert_eq!(ids(&other.plaintext()), stored, "the ids travel");
    let before = other.bytes();
    other
        .cmd()
        .arg("import")
        .arg(&export)
        .assert()
        .success()
        .stdout(predicates::str::contains("added 0, skipped 2 duplicates"));
    assert_eq!(other.bytes(), before, "nothing new: nothing written");
}
