//! Issue 9 (denial of service): an encrypted export names its own key-derivation cost, so a
//! hostile one could ask for hours of CPU or gigabytes of memory. Through the real binary,
//! each format that reads its cost from the file, with the keyfob fixture's cost raised far
//! beyond what the app writes: refused in well under a second with one line naming the file,
//! the parameter, its value and what keyfob accepts, and the vault byte-identical.

use std::path::Path;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;
use crate::import::fixture;

/// A fixture with its JSON key-derivation fields changed by `edit`.
fn json_fixture(name: &str, edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture(name)).unwrap()).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

/// (file name, format, its bytes, what the error must say).
fn hostile_files() -> Vec<(&'static str, &'static str, Vec<u8>, &'static str)> {
    let mut andotp = std::fs::read(fixture("andotp_encrypted.bin")).unwrap();
    andotp[..4].copy_from_slice(&10_000_000u32.to_be_bytes());
    let freeotp = std::fs::read(fixture("freeotp_backup.xml")).unwrap();
    let at = memchr::memmem::find(&freeotp, b"\"mIterations\":100000").unwrap();
    let mut freeotp_hostile = freeotp.clone();
    // Same length: the Java serialization's string lengths stay right.
    freeotp_hostile[at..at + 20].copy_from_slice(b"\"mIterations\":999999");
    vec![
        (
            "aegis.json",
            "aegis",
            json_fixture("aegis_encrypted.json", |v| {
                v["header"]["slots"][0]["n"] = (1u64 << 30).into();
            }),
            "scrypt memory (128·N·r) is 1,024 GiB; keyfob accepts at most 256 MiB",
        ),
        (
            "andotp.bin",
            "andotp",
            andotp,
            "the PBKDF2 round count is 10,000,000; keyfob accepts 1 to 500,000 (andOTP writes 140,000 to 160,000)",
        ),
        (
            "bitwarden_pbkdf2.json",
            "bitwarden",
            json_fixture("bitwarden_protected_pbkdf2.json", |v| {
                v["kdfIterations"] = 1_000_000_000u64.into();
            }),
            "the PBKDF2 round count is 1,000,000,000; keyfob accepts 5,000 to 2,000,000 (Bitwarden's own range)",
        ),
        (
            "bitwarden_argon2id.json",
            "bitwarden",
            json_fixture("bitwarden_protected_argon2id.json", |v| {
                v["kdfMemory"] = 1_048_576u64.into();
            }),
            "kdfMemory (Argon2 memory) is 1,024 GiB; keyfob accepts 16 MiB to 1 GiB",
        ),
        (
            "ente.json",
            "ente",
            json_fixture("ente_encrypted.json", |v| {
                v["kdfParams"]["opsLimit"] = 100_000u64.into();
            }),
            "memLimit × opsLimit (Argon2 work) is 800,000 MiB; keyfob accepts at most 4 GiB",
        ),
        (
            "freeotp.xml",
            "freeotp",
            freeotp_hostile,
            "the PBKDF2 round count is 999,999; keyfob accepts 1 to 500,000 (FreeOTP writes 100,000)",
        ),
    ]
}

fn refused_quickly(tv: &TestVault, file: &Path, format: &str, says: &str, password: bool) {
    let mut cmd = tv.cmd();
    cmd.arg("import").arg(file);
    if password {
        cmd.arg("--password-file").arg(fixture("password.txt"));
    }
    let start = Instant::now();
    let shown = format!("'{}' ({format}): ", file.display());
    cmd.assert()
        .code(1)
        .stderr(contains(shown).and(contains(says)));
    let took = start.elapsed();
    assert!(took < Duration::from_millis(900), "{format}: took {took:?}");
}

#[test]
fn hostile_key_derivation_costs_are_refused_at_once() {
    let tv = TestVault::new();
    let before = tv.bytes();
    for (name, format, bytes, says) in hostile_files() {
        let file = tv.dir.path().join(name);
        std::fs::write(&file, &bytes).unwrap();
        refused_quickly(&tv, &file, format, says, true);
        // Refused before any password is asked for (andOTP's two layouts need the
        // password to be told apart: see the next test).
        if format != "andotp" {
            refused_quickly(&tv, &file, format, says, false);
        }
        assert_eq!(tv.bytes(), before, "{name}");
    }
}

#[test]
fn an_andotp_head_beyond_the_limit_also_says_the_password_may_be_wrong() {
    let tv = TestVault::new();
    let mut bytes = std::fs::read(fixture("andotp_encrypted.bin")).unwrap();
    bytes[..4].copy_from_slice(&u32::MAX.to_be_bytes());
    let file = tv.dir.path().join("backup.bin");
    std::fs::write(&file, &bytes).unwrap();
    tv.cmd()
        .arg("import")
        .arg(&file)
        .arg("--password-file")
        .arg(fixture("password.txt"))
        .assert()
        .code(1)
        .stderr(
            contains("the password is wrong (if this is an old-format andOTP backup)")
                .and(contains("round count is 4,294,967,295")),
        );
    // The old layout with its right password still opens, whatever its nonce reads as.
    tv.cmd()
        .arg("import")
        .arg(fixture("andotp_encrypted_old.bin"))
        .arg("--password-file")
        .arg(fixture("password.txt"))
        .assert()
        .code(0);
}
