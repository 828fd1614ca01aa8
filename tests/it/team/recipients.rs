//! `keyfob recipients list | add | remove`: the vault and its backup follow; a removed key
//! opens neither; this machine's trust follows, a teammate's asks for `keyfob trust` once.

use std::fs;
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

/// A new identity written to `dir/name` (0600); returns the file and its public key.
pub fn new_identity(dir: &Path, name: &str) -> (PathBuf, String) {
    let identity = age::x25519::Identity::generate();
    let path = dir.join(name);
    fs::write(&path, identity.to_string().expose_secret()).unwrap();
    private(&path);
    (path, identity.to_public().to_string())
}

/// Whether the age file at `path` opens with the identity file `identity`.
fn opens_with(path: &Path, identity: &Path) -> bool {
    let text = fs::read(identity).unwrap();
    let ids = keyfob::engine::crypto::read_identities(&text, "test", &mut |_| None).unwrap();
    let key = keyfob::engine::crypto::Key::Identities(ids);
    keyfob::engine::crypto::decrypt(&fs::read(path).unwrap(), &key).is_ok()
}

fn backup(tv: &TestVault) -> PathBuf {
    tv.vault.with_file_name("vault.age.bak")
}

#[test]
fn add_and_remove_reseal_the_vault_and_its_backup() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", &nth_secret(1));
    tv.add("Mail", "me", &nth_secret(2));
    let (bob_file, bob) = new_identity(tv.dir.path(), "bob.txt");
    tv.cmd()
        .args(["recipients", "add", &bob])
        .assert()
        .success()
        .stdout(contains("shared with 2 keys").and(contains("backup")));
    assert!(opens_with(&tv.vault, &bob_file) && opens_with(&backup(&tv), &bob_file));
    tv.cmd()
        .args(["recipients", "list"])
        .assert()
        .success()
        .stdout(
            contains(format!("{}  (your identity)", identity_recipient()))
                .and(contains(&bob))
                .and(contains("trusted on this machine")),
        );
    // Adding again changes nothing.
    let before = tv.bytes();
    tv.cmd()
        .args(["recipients", "add", &bob])
        .assert()
        .success()
        .stdout(contains("already a recipient"));
    assert_eq!(tv.bytes(), before);
    // An entry Bob saw, then deleted: it is in the backup, and Bob could read it.
    tv.add("Old", "me", &nth_secret(3));
    tv.cmd().args(["remove", "Old", "--yes"]).assert().success();
    tv.cmd()
        .args(["recipients", "remove", &bob])
        .assert()
        .success()
        .stdout(
            contains("removed")
                .and(contains("rotate their seeds"))
                .and(contains("  GitHub:me\n  Mail:me\n  Old:me\n")),
        );
    assert!(!opens_with(&tv.vault, &bob_file), "the vault");
    assert!(!opens_with(&backup(&tv), &bob_file), "the backup");
    assert!(opens_with(&backup(&tv), &identity_file()));
    // With stock age, too.
    if which_age() {
        let out = std::process::Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&bob_file)
            .arg(backup(&tv))
            .output()
            .unwrap();
        assert!(!out.status.success());
    }
    tv.cmd().arg("list").assert().success().stderr("");
}

fn which_age() -> bool {
    let found = std::process::Command::new("age")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("note: stock age is not installed; checking with the library only");
    }
    found
}

#[test]
fn the_last_recipient_and_your_own_key_are_not_removed_by_accident() {
    let tv = TestVault::new();
    let me = identity_recipient();
    let before = tv.bytes();
    tv.cmd()
        .args(["recipients", "remove", &me])
        .assert()
        .code(1)
        .stderr(contains("last recipient"));
    let (_, bob) = new_identity(tv.dir.path(), "bob.txt");
    tv.cmd()
        .args(["recipients", "add", &bob])
        .assert()
        .success();
    let before_own = tv.bytes();
    tv.cmd()
        .args(["recipients", "remove", &me])
        .assert()
        .code(1)
        .stderr(contains("the identity you opened the vault with").and(contains("--force")));
    assert_eq!(tv.bytes(), before_own);
    tv.cmd()
        .args(["recipients", "remove", "age1notakey"])
        .assert()
        .code(1);
    let (_, carol) = new_identity(tv.dir.path(), "carol.txt");
    tv.cmd()
        .args(["recipients", "remove", &carol])
        .assert()
        .code(1)
        .stderr(contains("is not a recipient"));
    tv.cmd()
        .args(["recipients", "remove", &me, "--force"])
        .assert()
        .success()
        .stderr(contains("you removed your own identity"));
    assert!(!opens_with(&tv.vault, &identity_file()));
    assert_ne!(before, tv.bytes());
}

#[test]
fn a_teammates_machine_asks_for_trust_once() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", &nth_secret(1));
    let teammate = tv.dir.path().join("teammate-state");
    let as_teammate = || {
        let mut cmd = tv.cmd();
        cmd.env("XDG_STATE_HOME", &teammate);
        cmd
    };
    // The teammate's machine trusts the vault as it is (only the user's own key).
    as_teammate().arg("list").assert().success().stderr("");
    let (_, bob) = new_identity(tv.dir.path(), "bob.txt");
    tv.cmd()
        .args(["recipients", "add", &bob])
        .assert()
        .success();
    // Here: the change was made on this machine, so it is trusted.
    tv.cmd().arg("list").assert().success().stderr("");
    // There: a warning on every open, and saves wait for `keyfob trust`.
    as_teammate()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("recipients of vault").and(contains("keyfob trust")));
    as_teammate()
        .args([
            "add",
            "--issuer",
            "X",
            "--account",
            "y",
            "--secret",
            &nth_secret(2),
        ])
        .assert()
        .code(1)
        .stderr(contains("nothing was saved"));
    as_teammate()
        .args(["recipients", "add", &new_identity(tv.dir.path(), "c.txt").1])
        .assert()
        .code(1)
        .stderr(contains("keyfob trust"));
    as_teammate()
        .arg("trust")
        .assert()
        .success()
        .stdout(contains(&bob));
    as_teammate().arg("list").assert().success().stderr("");
    as_teammate()
        .args([
            "add",
            "--issuer",
            "X",
            "--account",
            "y",
            "--secret",
            &nth_secret(2),
        ])
        .assert()
        .success();
}

#[test]
fn a_passphrase_vault_points_to_passwd() {
    let tv = TestVault::with_passphrase("correct horse battery staple");
    tv.cmd()
        .args(["recipients", "add", &identity_recipient()])
        .assert()
        .code(1)
        .stderr(contains("protected by a passphrase").and(contains("keyfob passwd --recipient")));
}

/// The vault's header tells a passphrase vault apart: `recipients list` says so without asking
/// for the passphrase first (it used to ask, then refuse).
#[test]
fn a_passphrase_vault_is_told_apart_before_asking() {
    let tv = TestVault::with_passphrase("correct horse battery staple");
    keyfob()
        .env("XDG_STATE_HOME", tv.state_dir())
        .arg("--vault")
        .arg(&tv.vault)
        .args(["recipients", "list"])
        .assert()
        .code(1)
        .stderr(contains("protected by a passphrase").and(contains("no terminal").not()));
}
