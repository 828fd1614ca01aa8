//! Issue 12: every new format and encryption, through the real binary, from the fixtures
//! `fixture_maker` makes (see tests/fixtures/import/README.md): detected from the content,
//! decrypted with the password file, the entries exactly as exported, and a wrong or
//! missing password refused with the vault untouched.

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;
use crate::fixture_maker::{ANN, BOB, CAROL};
use crate::import::fixture;

/// (fixture, format detected, encrypted, accounts it holds among ANN, BOB and CAROL; the
/// 2FAS fixture holds one more, in no group)
const CASES: [(&str, &str, bool, &[&str]); 10] = [
    ("ente_encrypted.json", "ente", true, &[ANN, BOB, CAROL]),
    ("stratum_encrypted.bin", "stratum", true, &[ANN, BOB, CAROL]),
    (
        "stratum_encrypted_legacy.bin",
        "stratum",
        true,
        &[ANN, BOB, CAROL],
    ),
    (
        "bitwarden_protected_pbkdf2.json",
        "bitwarden",
        true,
        &[ANN, BOB, CAROL],
    ),
    (
        "bitwarden_protected_argon2id.json",
        "bitwarden",
        true,
        &[ANN, BOB, CAROL],
    ),
    (
        "andotp_encrypted_old.bin",
        "andotp",
        true,
        &[ANN, BOB, CAROL],
    ),
    ("freeotp_backup.xml", "freeotp", true, &[ANN, CAROL]),
    ("lastpass.json", "lastpass", false, &[ANN, BOB]),
    ("freeotp_tokens.xml", "freeotp", false, &[ANN, CAROL]),
    ("2fas_groups.2fas", "2fas", false, &[ANN]),
];

fn exported(tv: &TestVault) -> Vec<String> {
    let out = tv
        .cmd()
        .args(["export", "--format", "otpauth", "--plaintext"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_fixture_imports_exactly_its_accounts() {
    for (file, format, encrypted, accounts) in CASES {
        let bytes = std::fs::read(fixture(file)).unwrap();
        assert_eq!(
            keyfob::engine::import::detect(&bytes).unwrap().name(),
            format,
            "{file}"
        );
        let tv = TestVault::new();
        let mut cmd = tv.cmd();
        cmd.arg("import").arg(fixture(file));
        if encrypted {
            cmd.arg("--password-file").arg(fixture("password.txt"));
        }
        let count = accounts.len() + usize::from(format == "2fas");
        cmd.assert()
            .code(0)
            .stdout(contains(format!("added {count},")));
        let got = exported(&tv);
        for account in accounts {
            assert!(
                got.iter().any(|line| line == account),
                "{file}: {account} not in {got:?}"
            );
        }
        assert_eq!(got.len(), count, "{file}: {got:?}");
    }
}

#[test]
fn a_wrong_or_missing_password_changes_nothing() {
    for (file, _, encrypted, _) in CASES {
        if !encrypted {
            continue;
        }
        let tv = TestVault::new();
        let before = tv.bytes();
        tv.cmd()
            .arg("import")
            .arg(fixture(file))
            .arg("--password-file")
            .arg(fixture("wrong_password.txt"))
            .assert()
            .code(1)
            .stderr(contains("password is wrong"));
        // No terminal to ask on: a one-line error naming --password-file.
        tv.cmd()
            .arg("import")
            .arg(fixture(file))
            .assert()
            .code(1)
            .stderr(
                contains("is encrypted and there is no terminal").and(contains("--password-file")),
            );
        assert_eq!(tv.bytes(), before, "{file}");
    }
}

#[test]
fn folders_and_groups_become_tags() {
    for (file, tagged) in [
        ("lastpass.json", "bob@example.com"),
        ("2fas_groups.2fas", "ann@example.com"),
    ] {
        let tv = TestVault::new();
        tv.cmd().arg("import").arg(fixture(file)).assert().code(0);
        let plain = tv.plaintext();
        let at = plain.find(tagged).unwrap();
        let end = plain[at..].find("\n    ),").unwrap();
        assert!(plain[at..at + end].contains("tags: ["), "{file}: {plain}");
        assert!(plain[at..at + end].contains("\"Work\""), "{file}: {plain}");
        // LastPass's favourites folder is no tag.
        assert_eq!(plain.matches("tags:").count(), 1, "{file}: {plain}");
    }
}
