//! `import` through the real binary, on the project's own small fixtures
//! (tests/fixtures/import): encrypted exports, malformed files and their messages, dry runs,
//! duplicates and QR screenshots.

use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Every secret in the fixtures: none may ever show up in output.
const FIXTURE_SECRETS: [&str; 4] = [
    "KRSXG5CTMVRXEZLUGEZDGNBV",
    "MFRGGZDFMZTWQ2LKNNWG23TP",
    "KRSXG5C1MVRXEZLU",
    "2234567ABCDEF2234567ABCDEF",
];

fn no_secrets(output: &std::process::Output) {
    for text in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(text).to_uppercase();
        for secret in FIXTURE_SECRETS {
            assert!(!text.contains(secret), "a secret leaked: {text}");
        }
    }
}

pub fn list_json(tv: &TestVault) -> Vec<serde_json::Value> {
    let out = tv
        .cmd()
        .args(["list", "--json", "--at", "1700000000"])
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn encrypted_exports_import_with_the_password_file() {
    for (file, count) in [
        ("aegis_encrypted.json", 2),
        ("twofas_encrypted.2fas", 2),
        ("andotp_encrypted.bin", 1),
    ] {
        let tv = TestVault::new();
        let out = tv
            .cmd()
            .arg("import")
            .arg(fixture(file))
            .arg("--password-file")
            .arg(fixture("password.txt"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains(&format!("added {count}, skipped 0 duplicates, failed 0"))
        );
        no_secrets(&out);
        assert_eq!(list_json(&tv).len(), count, "{file}");
    }
}

#[test]
fn a_wrong_or_missing_password_is_named_and_changes_nothing() {
    for file in [
        "aegis_encrypted.json",
        "twofas_encrypted.2fas",
        "andotp_encrypted.bin",
    ] {
        let tv = TestVault::new();
        let before = tv.bytes();
        tv.cmd()
            .arg("import")
            .arg(fixture(file))
            .arg("--password-file")
            .arg(fixture("wrong_password.txt"))
            .assert()
            .code(1)
            .stdout("")
            .stderr(contains("the export's password is wrong"));
        // No terminal to ask on (the test's stdin is not one).
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
fn malformed_files_say_what_is_wrong_without_secrets() {
    // (file, exit status, message on stderr): 4 when some entries were added and some failed.
    let cases = [
        (
            "truncated.json",
            1,
            "the file looks like JSON, but it ends too early (truncated?) at line",
        ),
        (
            "bad_base32.txt",
            4,
            "failed  line 2: secret parameter: '1' at position 8 is not a Base32 character",
        ),
        (
            "unknown_algorithm.json",
            4,
            "failed  entry 2 ('Bank:bob'): unknown algorithm 'MD5' (use SHA1, SHA256 or SHA512)",
        ),
        (
            "zero_period.txt",
            4,
            "failed  line 1: a period of 0 s is not allowed",
        ),
        (
            "entra_missing_column.csv",
            1,
            "'entra_missing_column.csv' (entra-csv): the CSV header has no 'time interval' column",
        ),
        (
            "entra_tokens.csv",
            4,
            "failed  line 4, column 'time interval': 45 is not 30 or 60",
        ),
    ];
    for (file, status, message) in cases {
        let tv = TestVault::new();
        let out = tv
            .cmd()
            .current_dir(fixture(""))
            .args(["import", file])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{file}: {stderr}");
        assert!(stderr.contains(message), "{file}: {stderr}");
        no_secrets(&out);
    }
    // Truncated with the format named: the same message from the Aegis reader.
    let tv = TestVault::new();
    tv.cmd()
        .arg("import")
        .arg(fixture("truncated.json"))
        .args(["--format", "aegis"])
        .assert()
        .code(1)
        .stderr(contains("(aegis): it ends too early (truncated?) at line"));
}

#[test]
fn unknown_content_lists_the_formats() {
    let tv = TestVault::new();
    let text = tv.dir.path().join("notes.txt");
    std::fs::write(&text, "just some notes\n").unwrap();
    tv.cmd()
        .arg("import")
        .arg(&text)
        .assert()
        .code(1)
        .stderr(contains("matches no known export format").and(contains(
            "known: auto, qr, aegis, 2fas, bitwarden, freeotp-plus, lastpass, proton, stratum, steam, freeotp, andotp, entra-csv, ente, google-migration, otpauth",
        )));
}

#[test]
fn dry_run_writes_nothing_for_any_format() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !name.contains("password") && !name.starts_with('.')
        })
        .collect();
    let peers = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/peer-exports");
    if peers.is_dir() {
        files.extend(
            std::fs::read_dir(peers)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| !p.ends_with("README.md")),
        );
    } else {
        eprintln!(
            "note: ../shared/fixtures/peer-exports is absent; dry runs cover the project's fixtures only"
        );
    }
    let tv = TestVault::new();
    tv.add("Existing", "entry", MS_SECRET);
    let before = tv.bytes();
    let backup = std::fs::read(tv.vault.with_extension("age.bak")).ok();
    // The peer exports' password is "test"; the project's fixtures use "keyfob".
    let peer_password = tv.dir.path().join("peer-password.txt");
    std::fs::write(&peer_password, "test\n").unwrap();
    let mut planned = 0;
    for file in files {
        let password = if file.to_string_lossy().contains("peer-exports") {
            peer_password.clone()
        } else {
            fixture("password.txt")
        };
        let out = tv
            .cmd()
            .arg("import")
            .arg("--dry-run")
            .arg(&file)
            .arg("--password-file")
            .arg(password)
            .output()
            .unwrap();
        planned += usize::from(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.success() {
            assert!(
                stdout.contains("(dry run: the vault was not changed)"),
                "{file:?}: {stdout}"
            );
        }
        assert_eq!(
            tv.bytes(),
            before,
            "{file:?} changed the vault in a dry run"
        );
        assert_eq!(
            std::fs::read(tv.vault.with_extension("age.bak")).ok(),
            backup
        );
    }
    assert!(planned >= 10, "only {planned} files could be planned");
}

#[test]
fn duplicates_are_skipped_and_counted() {
    let tv = TestVault::new();
    tv.cmd()
        .arg("import")
        .arg(fixture("aegis_plain.json"))
        .assert()
        .success()
        .stdout(contains("added 2, skipped 0 duplicates, failed 0"));
    tv.cmd()
        .arg("import")
        .arg(fixture("aegis_plain.json"))
        .assert()
        .success()
        .stdout(
            contains("duplicate  Example:alice@example.com (already in the vault)")
                .and(contains("added 0, skipped 2 duplicates, failed 0")),
        );
    // The same account from another app is a duplicate too; the Steam one is new.
    tv.cmd()
        .arg("import")
        .arg(fixture("twofas_encrypted.2fas"))
        .arg("--password-file")
        .arg(fixture("password.txt"))
        .assert()
        .success()
        .stdout(contains("added 1, skipped 1 duplicate, failed 0"));
    assert_eq!(list_json(&tv).len(), 3);
}

#[test]
fn qr_screenshots_import() {
    let tv = TestVault::new();
    tv.cmd()
        .arg("import")
        .arg(fixture("entra_page.png"))
        .assert()
        .code(4)
        .stdout(contains("added  Microsoft:helga@contoso.com").and(contains("added 1, skipped 0 duplicates, failed 1")))
        .stderr(contains(
            "failed  QR code 2: it holds something other than an otpauth:// or otpauth-migration:// URI",
        ));
    tv.cmd()
        .arg("import")
        .arg(fixture("phone_transfer.jpg"))
        .assert()
        .success()
        .stdout(contains("added 2, skipped 0 duplicates, failed 0"));
    let list = list_json(&tv);
    let bank = list.iter().find(|e| e["issuer"] == "Bank").unwrap();
    assert_eq!(bank["type"], "hotp");
    assert_eq!(bank["counter"], 5);
}

#[test]
fn short_secrets_import_with_a_warning() {
    let tv = TestVault::new();
    tv.cmd()
        .arg("import")
        .arg(fixture("aegis_plain.json"))
        .assert()
        .success()
        .stderr(contains(
            "warning: 2 of the new secrets are shorter than 128 bits",
        ));
}
