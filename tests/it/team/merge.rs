//! `keyfob merge`: as git's merge driver on three files, and on Syncthing's conflict copies.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

/// A vault with a few entries; returns it and a copy of its file (the common version).
fn start() -> (TestVault, PathBuf) {
    let tv = TestVault::new();
    tv.add("GitHub", "me", &nth_secret(1));
    tv.add("Mail", "me", &nth_secret(2));
    tv.add("Shop", "me", &nth_secret(3));
    tv.add_hotp("Bank", "me", RFC_SECRET_B32);
    let base = tv.dir.path().join("base.age");
    fs::copy(&tv.vault, &base).unwrap();
    (tv, base)
}

/// A copy of `base` named `name`, changed by the keyfob commands `changes` (each an argument
/// list) run on it as a vault of its own.
fn version(tv: &TestVault, base: &Path, name: &str, changes: &[&[&str]]) -> PathBuf {
    let path = tv.dir.path().join(name);
    fs::copy(base, &path).unwrap();
    for args in changes {
        on(tv, &path).args(*args).assert().success();
    }
    path
}

/// `keyfob` on the vault file at `path` (the test identity, the vault's state folder).
fn on(tv: &TestVault, path: &Path) -> assert_cmd::Command {
    let mut cmd = keyfob();
    cmd.env("XDG_STATE_HOME", tv.state_dir())
        .arg("--vault")
        .arg(path)
        .arg("--identity")
        .arg(identity_file());
    cmd
}

/// Dates every entry of the vault a day back, as if it had been made long before the
/// changes a test makes (changes in the same second tie, and a tie is settled by a hash).
fn made_yesterday(tv: &TestVault) {
    use keyfob::engine::store::{Store, VaultError};
    let mut session = Store::new(&tv.vault).open(identity_key()).unwrap();
    session
        .update(|vault| {
            for entry in &mut vault.entries {
                entry.changed -= 86_400;
            }
            Ok::<_, VaultError>(())
        })
        .unwrap();
}

fn merge(tv: &TestVault, files: [&Path; 3]) -> assert_cmd::Command {
    let mut cmd = keyfob();
    cmd.env("XDG_STATE_HOME", tv.state_dir())
        .env("KEYFOB_IDENTITY", identity_file())
        .arg("merge")
        .args(files);
    cmd
}

fn entry<'a>(
    entries: &'a [keyfob::engine::entry::Entry],
    issuer: &str,
) -> &'a keyfob::engine::entry::Entry {
    entries.iter().find(|e| e.issuer == issuer).unwrap()
}

#[test]
fn the_merge_driver_keeps_both_sides_changes() {
    let (tv, base) = start();
    let ours = version(
        &tv,
        &base,
        "ours.age",
        &[
            &["edit", "GitHub", "--note", "work laptop"],
            &["remove", "Shop", "--yes"],
            &["code", "Bank"],
            &["code", "Bank"],
            &[
                "add",
                "--issuer",
                "New",
                "--account",
                "ours",
                "--secret",
                &nth_secret(7),
            ],
        ],
    );
    let theirs = version(
        &tv,
        &base,
        "theirs.age",
        &[
            &["edit", "GitHub", "--account", "me@work"],
            &["edit", "Mail", "--digits", "8"],
            &["code", "Bank"],
            &[
                "add",
                "--issuer",
                "New",
                "--account",
                "theirs",
                "--secret",
                &nth_secret(8),
            ],
        ],
    );
    merge(&tv, [&base, &ours, &theirs])
        .assert()
        .code(0)
        .stdout(contains("merged into").and(contains("2 changed")));
    let merged = open_entries(&ours).unwrap();
    let names: Vec<String> = merged.iter().map(|e| e.name()).collect();
    assert_eq!(
        names,
        [
            "GitHub:me@work",
            "Mail:me",
            "Bank:me",
            "New:ours",
            "New:theirs"
        ]
    );
    let github = entry(&merged, "GitHub");
    assert_eq!(github.note.as_deref(), Some("work laptop"));
    assert_eq!(entry(&merged, "Mail").digits, 8);
    assert_eq!(entry(&merged, "Bank").counter, 2, "the higher counter");
    assert!(merged.iter().all(|e| e.conflict.is_none()));
    // The result is an ordinary vault: it opens, and OURS' permissions are private.
    on(&tv, &ours).arg("list").assert().success();
    assert_eq!(mode(&ours), 0o600);
}

#[test]
fn a_field_changed_differently_on_both_sides_keeps_both_until_one_is_deleted() {
    let (tv, base) = start();
    let ours = version(
        &tv,
        &base,
        "ours.age",
        &[&["edit", "Mail", "--note", "ours"]],
    );
    let theirs = version(
        &tv,
        &base,
        "theirs.age",
        &[&["edit", "Mail", "--note", "theirs"]],
    );
    let before = fs::read(&theirs).unwrap();
    merge(&tv, [&base, &ours, &theirs])
        .assert()
        .code(1)
        .stdout(contains("conflict: 'Mail:me'").and(contains("(note)")));
    assert_eq!(fs::read(&theirs).unwrap(), before, "only OURS is written");
    let merged = open_entries(&ours).unwrap();
    let pair: Vec<_> = merged.iter().filter(|e| e.issuer == "Mail").collect();
    assert_eq!(pair.len(), 2);
    assert_eq!(pair[1].conflict, pair[0].id);
    // list shows it; code cannot choose and names both by id; remove by id resolves it.
    on(&tv, &ours)
        .args(["list", "--at", "0"])
        .assert()
        .success()
        .stdout(contains("[conflict]"))
        .stderr(contains("keyfob remove ID"));
    let copy = pair[1].id.unwrap().to_string();
    on(&tv, &ours)
        .args(["code", "Mail"])
        .assert()
        .code(3)
        .stderr(contains(format!("Mail:me (conflict, id {copy})")));
    on(&tv, &ours)
        .args(["remove", &copy, "--yes"])
        .assert()
        .success();
    let out = on(&tv, &ours).args(["list", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|e| e["conflict"].is_null())
    );
    on(&tv, &ours).args(["code", "Mail"]).assert().success();
}

#[test]
fn an_empty_base_merges_two_ways() {
    let (tv, base) = start();
    let ours = version(&tv, &base, "ours.age", &[&["remove", "Shop", "--yes"]]);
    let theirs = version(
        &tv,
        &base,
        "theirs.age",
        &[&["edit", "GitHub", "--note", "x"]],
    );
    let empty = tv.dir.path().join("empty");
    fs::write(&empty, b"").unwrap();
    merge(&tv, [&empty, &ours, &theirs]).assert().code(0);
    let merged = open_entries(&ours).unwrap();
    assert_eq!(
        merged.len(),
        3,
        "the deletion's tombstone wins over an unchanged entry"
    );
    assert_eq!(entry(&merged, "GitHub").note.as_deref(), Some("x"));
}

#[test]
fn refused_merges_leave_ours_as_it_was() {
    let (tv, base) = start();
    let other = age::x25519::Identity::generate().to_public().to_string();
    let third = age::x25519::Identity::generate().to_public().to_string();
    let me = identity_recipient();
    let ours = version(
        &tv,
        &base,
        "ours.age",
        &[&["passwd", "--recipient", &me, "--recipient", &other]],
    );
    let theirs = version(
        &tv,
        &base,
        "theirs.age",
        &[&["passwd", "--recipient", &me, "--recipient", &third]],
    );
    let before = fs::read(&ours).unwrap();
    merge(&tv, [&base, &ours, &theirs])
        .assert()
        .code(1)
        .stderr(contains("both sides changed the recipients").and(contains("nothing was merged")));
    assert_eq!(fs::read(&ours).unwrap(), before);
    // Theirs alone added a key: without a terminal, only --accept-recipients seals to it.
    merge(&tv, [&base, &base, &theirs])
        .assert()
        .code(1)
        .stderr(contains("has not trusted").and(contains("--accept-recipients")));
    let copy = tv.dir.path().join("copy.age");
    fs::copy(&base, &copy).unwrap();
    merge(&tv, [&base, &copy, &theirs])
        .arg("--accept-recipients")
        .assert()
        .code(0)
        .stdout(contains("recipients: added"));
    // Files that are not vaults, or missing, are named.
    merge(&tv, [&base, &ours, &tv.dir.path().join("missing.age")])
        .assert()
        .code(1)
        .stderr(contains("THEIRS").and(contains("does not exist")));
    assert_eq!(fs::read(&ours).unwrap(), before);
}

#[test]
fn syncthing_conflict_copies_are_merged_into_the_vault_and_removed() {
    let (tv, _) = start();
    made_yesterday(&tv);
    // Syncthing kept the other device's version beside the vault.
    let copy = tv
        .vault
        .with_file_name("vault.sync-conflict-20250102-030405-ABCDEFG.age");
    fs::copy(&tv.vault, &copy).unwrap();
    on(&tv, &copy)
        .args(["edit", "Shop", "--note", "from the laptop"])
        .assert()
        .success();
    tv.cmd()
        .args(["remove", "Mail", "--yes"])
        .assert()
        .success();
    tv.cmd().arg("merge").assert().code(0).stdout(contains(
        "merged 'vault.sync-conflict-20250102-030405-ABCDEFG.age'",
    ));
    assert!(!copy.exists(), "removed after the save");
    let merged = open_entries(&tv.vault).unwrap();
    assert!(merged.iter().all(|e| e.issuer != "Mail"));
    assert_eq!(
        entry(&merged, "Shop").note.as_deref(),
        Some("from the laptop")
    );
    tv.cmd()
        .arg("merge")
        .assert()
        .success()
        .stdout(contains("no Syncthing conflict copies"));
}

#[test]
fn syncthing_copies_are_found_beside_a_symlinked_vaults_target() {
    let (tv, _) = start();
    made_yesterday(&tv);
    let link = tv.dir.path().join("link.age");
    std::os::unix::fs::symlink(&tv.vault, &link).unwrap();
    let copy = tv
        .vault
        .with_file_name("vault.sync-conflict-20250102-030405-ABCDEFG.age");
    fs::copy(&tv.vault, &copy).unwrap();
    on(&tv, &copy)
        .args(["edit", "Shop", "--note", "n"])
        .assert()
        .success();
    on(&tv, &link).arg("merge").assert().success();
    assert!(!copy.exists());
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let merged = open_entries(&tv.vault).unwrap();
    assert_eq!(entry(&merged, "Shop").note.as_deref(), Some("n"));
}

#[test]
fn passphrase_vaults_merge_with_the_passphrase() {
    let tv = TestVault::with_passphrase("correct horse battery staple");
    tv.add("GitHub", "me", &nth_secret(1));
    let base = tv.dir.path().join("base.age");
    fs::copy(&tv.vault, &base).unwrap();
    let pass = tv.passphrase_file.clone().unwrap();
    let on = |path: &Path| {
        let mut cmd = keyfob();
        cmd.env("XDG_STATE_HOME", tv.state_dir())
            .env("KEYFOB_SCRYPT_LOG_N", "10")
            .arg("--vault")
            .arg(path)
            .arg("--passphrase-file")
            .arg(&pass);
        cmd
    };
    let (ours, theirs) = (
        tv.dir.path().join("ours.age"),
        tv.dir.path().join("theirs.age"),
    );
    fs::copy(&base, &ours).unwrap();
    fs::copy(&base, &theirs).unwrap();
    on(&ours)
        .args(["edit", "GitHub", "--note", "n"])
        .assert()
        .success();
    on(&theirs)
        .args([
            "add",
            "--issuer",
            "Mail",
            "--account",
            "me",
            "--secret",
            &nth_secret(2),
        ])
        .assert()
        .success();
    on(&ours)
        .arg("merge")
        .args([&base, &ours, &theirs])
        .assert()
        .code(0);
    let out = on(&ours).args(["list", "--json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    // Still a passphrase vault: stock age's scrypt stanza, no recipients.
    assert!(matches!(
        keyfob::engine::crypto::protection(&fs::read(&ours).unwrap()),
        Ok(keyfob::engine::crypto::Protection::Passphrase { .. })
    ));
}
