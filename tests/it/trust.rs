//! Issue 9, item 1: a vault forged from the user's public key must not receive seeds. The
//! opening identity must stay a recipient; the recipient set is pinned per machine; `keyfob
//! trust` reviews and records it; changes this machine makes (`init`, `passwd`) record
//! themselves.

use std::fs;
use std::path::Path;

use keyfob::engine::crypto::{Seal, pad};
use keyfob::engine::vault::Vault;
use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

/// The test user's public key, as anyone could know it: read from the comment `age-keygen`
/// writes, not derived from the secret key.
fn public_key() -> String {
    let text = fs::read_to_string(identity_file()).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap();
    assert_eq!(line, identity_recipient());
    line.to_string()
}

fn attacker() -> String {
    age::x25519::Identity::generate().to_public().to_string()
}

/// Writes over `path` a vault made with public keys only: its header opens with the user's
/// identity (and the attacker's), its document lists `listed`, and it holds one entry.
fn forge(path: &Path, sealed_to: &[String], listed: Vec<String>) {
    let vault = Vault {
        recipients: listed,
        entries: numbered_entries(1),
        ..Vault::default()
    };
    let bytes = Seal::Recipients(sealed_to.to_vec())
        .encrypt(&pad(&vault.to_ron()))
        .unwrap();
    fs::write(path, bytes).unwrap();
}

/// `add` of a new seed: must be refused with `needle`, leaving the file byte-identical.
fn add_is_refused(tv: &TestVault, needle: &str) {
    let before = tv.bytes();
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Bank",
            "--account",
            "me",
            "--secret-stdin",
        ])
        .write_stdin(format!("{RFC_SECRET_B32}\n"))
        .assert()
        .code(1)
        .stderr(contains(needle).and(contains("nothing was saved")));
    assert_eq!(
        tv.bytes(),
        before,
        "a refused save leaves the vault as it was"
    );
}

fn add_works(tv: &TestVault, account: &str) {
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Bank",
            "--account",
            account,
            "--secret-stdin",
        ])
        .write_stdin(format!("{RFC_SECRET_B32}\n"))
        .assert()
        .success();
}

#[test]
fn a_forged_vault_that_drops_the_owner_gets_no_seed() {
    let tv = TestVault::new();
    let evil = attacker();
    forge(&tv.vault, &[public_key(), evil.clone()], vec![evil]);
    // Reading still works, with a warning on every open.
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("warning:").and(contains("may be forged")));
    add_is_refused(&tv, "it may be forged");
    // Trusting it does not help: the owner is not among the recipients.
    tv.cmd()
        .arg("trust")
        .assert()
        .code(1)
        .stderr(contains("may be forged"));
    add_is_refused(&tv, "it may be forged");
}

#[test]
fn a_vault_that_adds_a_recipient_waits_for_keyfob_trust() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    let evil = attacker();
    forge(
        &tv.vault,
        &[public_key(), evil.clone()],
        vec![public_key(), evil.clone()],
    );
    let short: String = evil.chars().take(24).collect();
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("changed since this machine trusted them").and(contains(&short)));
    add_is_refused(&tv, "changed since this machine trusted them");
    // The person reviews the keys and accepts them (say it was their own backup key).
    tv.cmd().arg("trust").assert().success().stdout(
        contains(&evil)
            .and(contains(format!("{}  (your identity)", public_key())))
            .and(contains("recorded as trusted")),
    );
    tv.cmd().arg("list").assert().success().stderr("");
    add_works(&tv, "me");
}

#[test]
fn first_use_trusts_a_vault_only_its_owner_can_read() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    // A new machine (no state) meets the vault: sealed to the user alone, it is trusted.
    fs::remove_dir_all(tv.state_dir()).unwrap();
    tv.cmd().arg("list").assert().success().stderr("");
    add_works(&tv, "second");
    // A new machine meets a vault also sealed to another key: codes, a warning, no saves.
    let evil = attacker();
    forge(
        &tv.vault,
        &[public_key(), evil.clone()],
        vec![public_key(), evil],
    );
    fs::remove_dir_all(tv.state_dir()).unwrap();
    tv.cmd()
        .args(["code", "Issuer0"])
        .assert()
        .success()
        .stderr(contains("not trusted yet").and(contains("keyfob trust")));
    add_is_refused(&tv, "not trusted yet");
    tv.cmd().arg("trust").assert().success();
    add_works(&tv, "third");
}

#[test]
fn changes_this_machine_makes_are_trusted_and_the_state_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let backup = attacker();
    let tv = TestVault {
        vault: dir.path().join("data/vault.age"),
        identity: Some(identity_file()),
        passphrase_file: None,
        dir,
    };
    tv.cmd()
        .args(["init", "--recipient", &backup])
        .assert()
        .success()
        .stderr("");
    add_works(&tv, "a");
    let other = attacker();
    tv.cmd()
        .args([
            "passwd",
            "--recipient",
            &public_key(),
            "--recipient",
            &other,
        ])
        .assert()
        .success();
    tv.cmd().arg("list").assert().success().stderr("");
    add_works(&tv, "b");
    let state_dir = tv.state_dir().join("keyfob/vaults");
    let files: Vec<_> = fs::read_dir(&state_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&state_dir), 0o700);
    let text = fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains(&other) && !text.contains(&backup), "{text}");
    let real = fs::canonicalize(&tv.vault).unwrap();
    assert!(text.contains(&*real.to_string_lossy()), "{text}");
}

#[test]
fn a_damaged_state_file_refuses_saves_until_trust_rewrites_it() {
    let tv = TestVault::new();
    let state_dir = tv.state_dir().join("keyfob/vaults");
    let file = fs::read_dir(&state_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::write(&file, b"(not a state").unwrap();
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("cannot tell which recipients"));
    add_is_refused(&tv, "cannot tell which recipients");
    tv.cmd().arg("trust").assert().success();
    add_works(&tv, "after");
}

#[test]
fn a_passphrase_vault_is_trusted_and_needs_no_review() {
    let tv = TestVault::with_passphrase("correct horse battery staple");
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.cmd()
        .arg("trust")
        .assert()
        .success()
        .stdout(contains("protected by a passphrase"));
}
