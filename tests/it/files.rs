//! Issue 9, items 3, 5 and 6: a symlinked vault, a planted lock link, a folder as vault,
//! loosened modes, identity files others can read, and special files (devices, FIFOs,
//! folders, endless stdin) wherever keyfob reads a file.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

// ---------- item 3 and 5: symbolic links, folders, modes ----------

#[test]
fn a_symlinked_vault_stays_a_symlink() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    let synced = tv.dir.path().join("synced");
    fs::create_dir(&synced).unwrap();
    let target = synced.join("vault.age");
    fs::rename(&tv.vault, &target).unwrap();
    for leftover in ["vault.age.bak", "vault.age.lock"] {
        let _ = fs::remove_file(tv.dir.path().join("data").join(leftover));
    }
    symlink(&target, &tv.vault).unwrap();
    tv.add("Bank", "me", MS_SECRET);
    assert!(
        fs::symlink_metadata(&tv.vault)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(open_entries(&target).unwrap().len(), 2);
    assert!(synced.join("vault.age.bak").exists());
    assert!(synced.join("vault.age.lock").exists());
    let beside_link: Vec<_> = fs::read_dir(tv.dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside_link, ["vault.age"], "nothing beside the link");
    // A relative link through a dangling chain: `init` creates the file it ends at.
    let dir = tempfile::tempdir().unwrap();
    symlink("real.age", dir.path().join("link.age")).unwrap();
    keyfob()
        .arg("--vault")
        .arg(dir.path().join("link.age"))
        .arg("--identity")
        .arg(identity_file())
        .arg("init")
        .assert()
        .success();
    assert!(dir.path().join("real.age").is_file());
    assert!(
        fs::symlink_metadata(dir.path().join("link.age"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_planted_lock_symlink_is_not_followed() {
    let tv = TestVault::new();
    let before = tv.bytes();
    let lock = tv.dir.path().join("data/vault.age.lock");
    let _ = fs::remove_file(&lock);
    let elsewhere = tv.dir.path().join("elsewhere");
    symlink(&elsewhere, &lock).unwrap();
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "A",
            "--account",
            "b",
            "--secret",
            RFC_SECRET_B32,
        ])
        .assert()
        .code(1)
        .stderr(contains("symbolic link, which keyfob never follows"));
    assert!(!elsewhere.exists());
    assert_eq!(tv.bytes(), before);
}

#[test]
fn a_folder_as_vault_is_refused_without_a_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("folder");
    fs::create_dir(&folder).unwrap();
    for args in [
        &["init"][..],
        &[
            "add",
            "--issuer",
            "A",
            "--account",
            "b",
            "--secret",
            RFC_SECRET_B32,
        ],
    ] {
        keyfob()
            .arg("--vault")
            .arg(&folder)
            .arg("--identity")
            .arg(identity_file())
            .args(args)
            .assert()
            .code(1)
            .stderr(contains("is a folder").and(contains("\n").count(2)));
    }
    assert!(!dir.path().join("folder.lock").exists());
}

#[test]
fn the_backup_is_private_even_when_the_vault_was_loosened() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    fs::set_permissions(&tv.vault, fs::Permissions::from_mode(0o644)).unwrap();
    tv.add("Bank", "me", MS_SECRET);
    assert_eq!(mode(&tv.dir.path().join("data/vault.age.bak")), 0o600);
    assert_eq!(mode(&tv.vault), 0o600);
    // A vault other users can write draws a warning on open.
    fs::set_permissions(&tv.vault, fs::Permissions::from_mode(0o666)).unwrap();
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("can be changed by other users"));
}

#[test]
fn an_identity_file_others_can_read_draws_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let id = dir.path().join("id.txt");
    fs::copy(identity_file(), &id).unwrap();
    fs::set_permissions(&id, fs::Permissions::from_mode(0o644)).unwrap();
    let tv = TestVault::new();
    keyfob()
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--identity")
        .arg(&id)
        .env("XDG_STATE_HOME", tv.state_dir())
        .arg("list")
        .assert()
        .success()
        .stderr(contains("can be read by other users"));
}

// ---------- item 6: special files ----------

fn fifo(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap()
            .success()
    );
    path
}

#[test]
fn special_files_are_one_line_errors_at_once() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    let pipe = fifo(tv.dir.path());
    let folder = tv.dir.path().to_path_buf();
    let specials: [(&str, &Path); 4] = [
        ("a device", Path::new("/dev/zero")),
        ("a device", Path::new("/dev/urandom")),
        ("a named pipe (FIFO)", &pipe),
        ("a folder", &folder),
    ];
    let before = tv.bytes();
    for (kind, path) in specials {
        let p = path.to_str().unwrap();
        let vault = tv.vault.to_str().unwrap();
        let id = identity_file();
        let id = id.to_str().unwrap();
        let cases: [(&str, Vec<&str>); 3] = [
            ("vault", vec!["--vault", p, "--identity", id, "list"]),
            (
                "identity file",
                vec!["--vault", vault, "--identity", p, "list"],
            ),
            (
                "import file",
                vec!["--vault", vault, "--identity", id, "import", p],
            ),
        ];
        for (what, args) in cases {
            let start = Instant::now();
            let out = keyfob()
                .env("XDG_STATE_HOME", tv.state_dir())
                .args(&args)
                .timeout(Duration::from_secs(10))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{what} {p}: {stderr}");
            let expected = format!("{what} '{p}' is {kind}, not a regular file");
            assert!(stderr.contains(&expected), "{what} {p}: {stderr}");
            assert_eq!(
                stderr.lines().count().min(2),
                stderr.lines().count(),
                "{stderr}"
            );
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{what} {p} took {:?}",
                start.elapsed()
            );
        }
    }
    assert_eq!(tv.bytes(), before);
    // A passphrase vault reads the passphrase file: the same refusals.
    let pv = TestVault::with_passphrase("pw");
    let pipe = fifo(pv.dir.path());
    let folder = pv.dir.path().to_path_buf();
    let specials: [(&str, &Path); 4] = [
        ("a device", Path::new("/dev/zero")),
        ("a device", Path::new("/dev/urandom")),
        ("a named pipe (FIFO)", &pipe),
        ("a folder", &folder),
    ];
    for (kind, path) in specials {
        let mut cmd = keyfob();
        cmd.env("XDG_STATE_HOME", pv.state_dir())
            .arg("--vault")
            .arg(&pv.vault)
            .arg("--passphrase-file")
            .arg(path)
            .arg("list")
            .timeout(Duration::from_secs(10))
            .assert()
            .code(1)
            .stderr(contains(format!(
                "passphrase file '{}' is {kind}, not a regular file",
                path.display()
            )));
    }
    // Standard input is capped: endless bytes on `-` stop at the cap with one line.
    for endless in ["/dev/zero", "/dev/urandom"] {
        let out = keyfob_std()
            .env("XDG_STATE_HOME", pv.state_dir())
            .arg("--vault")
            .arg(&pv.vault)
            .args(["--passphrase-file", "-", "list"])
            .stdin(fs::File::open(endless).unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        // Zeros make one endless line; random bytes soon end a line, which is not text
        // (or, rarely, is: then it is a wrong passphrase). Either way one line, at once.
        if endless != "/dev/zero" {
            continue;
        }
        assert!(stderr.contains("larger than 64 KiB"), "{stderr}");
        let out = keyfob_std()
            .env("XDG_STATE_HOME", tv.state_dir())
            .arg("--vault")
            .arg(&tv.vault)
            .arg("--identity")
            .arg(identity_file())
            .args(["import", "-"])
            .stdin(fs::File::open(endless).unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("larger than 64 MiB"), "{stderr}");
    }
}
