//! Issue 12 (and issue 9 item 5): files keyfob writes for the person (`export --output`,
//! `generate --output`) are created new, 0600, never through a symlink and never into an
//! existing file; `--force` replaces what is there atomically. And `export --select`.

use std::os::unix::fs::MetadataExt;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

fn vault_with_tokens() -> TestVault {
    let tv = TestVault::new();
    tv.cmd()
        .args([
            "generate",
            "--count",
            "3",
            "--serial-start",
            "KF0001",
            "--upn",
            "a@x.com",
            "--upn",
            "b@x.com",
            "--upn",
            "c@x.com",
            "--manufacturer",
            "Contoso",
            "--add",
        ])
        .assert()
        .success();
    tv
}

/// The commands that write a file for the person, before their `--output`.
const WRITERS: [&[&str]; 2] = [
    &["export", "--format", "otpauth", "--plaintext"],
    &["generate"],
];

/// `keyfob <writer> --output <path> [--force]` for each writer.
fn writers(tv: &TestVault, path: &std::path::Path, force: bool) -> Vec<assert_cmd::Command> {
    WRITERS
        .iter()
        .map(|args| {
            let mut cmd = tv.cmd();
            cmd.args(*args).arg("--output").arg(path);
            if force {
                cmd.arg("--force");
            }
            cmd
        })
        .collect()
}

#[test]
fn new_files_are_0600() {
    let tv = vault_with_tokens();
    for (i, args) in WRITERS.iter().enumerate() {
        let path = tv.dir.path().join(format!("new-{i}.txt"));
        tv.cmd()
            .args(*args)
            .arg("--output")
            .arg(&path)
            .assert()
            .success()
            .stdout("")
            .stderr(contains("(mode 0600)"));
        assert_eq!(mode(&path), 0o600);
        assert!(!std::fs::read(&path).unwrap().is_empty());
    }
}

#[test]
fn an_existing_file_is_kept_unless_force_replaces_it() {
    let tv = vault_with_tokens();
    let path = tv.dir.path().join("someone-elses.txt");
    for force in [false, true] {
        std::fs::write(&path, "keep me\n").unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .unwrap();
        for mut cmd in writers(&tv, &path, force) {
            let inode = std::fs::metadata(&path).unwrap().ino();
            if force {
                cmd.assert().success();
                assert_eq!(mode(&path), 0o600);
                assert_ne!(std::fs::read_to_string(&path).unwrap(), "keep me\n");
                assert_ne!(
                    std::fs::metadata(&path).unwrap().ino(),
                    inode,
                    "replaced by a new file, not written into"
                );
                std::fs::write(&path, "keep me\n").unwrap();
            } else {
                cmd.assert()
                    .code(1)
                    .stdout("")
                    .stderr(contains("already exists").and(contains("--force")));
                assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me\n");
                assert_eq!(mode(&path), 0o644);
            }
        }
    }
    // No temp file is left behind.
    let names: Vec<String> = std::fs::read_dir(tv.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".keyfob-")),
        "{names:?}"
    );
}

#[test]
fn a_planted_symlink_is_never_followed() {
    let tv = vault_with_tokens();
    let target = tv.dir.path().join("victim.txt");
    let link = tv.dir.path().join("export.txt");
    let dangling = tv.dir.path().join("dangling.txt");
    std::os::unix::fs::symlink(tv.dir.path().join("nowhere"), &dangling).unwrap();
    for force in [false, true] {
        std::fs::write(&target, "precious\n").unwrap();
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for mut cmd in writers(&tv, &link, force) {
            if force {
                cmd.assert().success();
                let meta = std::fs::symlink_metadata(&link).unwrap();
                assert!(meta.file_type().is_file(), "the link itself was replaced");
                assert_eq!(mode(&link), 0o600);
                std::fs::remove_file(&link).unwrap();
                std::os::unix::fs::symlink(&target, &link).unwrap();
            } else {
                cmd.assert().code(1).stderr(contains("already exists"));
            }
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
        }
    }
    for mut cmd in writers(&tv, &dangling, false) {
        cmd.assert().code(1).stderr(contains("already exists"));
        assert!(!tv.dir.path().join("nowhere").exists());
    }
}

#[test]
fn generate_entra_csv_to_a_new_private_file() {
    let tv = TestVault::new();
    let path = tv.dir.path().join("upload.csv");
    tv.cmd()
        .args([
            "generate",
            "--entra-csv",
            "--upn",
            "ann@contoso.com",
            "--serial-start",
            "KF0001",
            "--output",
        ])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    assert_eq!(mode(&path), 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(
        "upn,serial number,secret key,time interval,manufacturer,model\r\nann@contoso.com,KF0001,"
    ));
    // --add with an existing file: refused before anything is stored.
    let before = tv.bytes();
    tv.cmd()
        .args(["generate", "--add", "--upn", "bob@contoso.com", "--output"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    assert_eq!(tv.bytes(), before);
}

#[test]
fn export_select_picks_tokens_by_serial_or_name() {
    let tv = vault_with_tokens();
    let export = |selects: &[&str]| {
        let mut cmd = tv.cmd();
        cmd.args(["export", "--format", "entra-csv", "--plaintext"]);
        for s in selects {
            cmd.args(["--select", s]);
        }
        cmd.output().unwrap()
    };
    let out = export(&["KF0002"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("b@x.com,KF0002,"));
    let text = String::from_utf8(export(&["KF0003", "a@x.com"]).stdout).unwrap();
    let serials: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(serials, ["KF0001", "KF0003"], "vault order");
    // A query matching several takes them all; one matching nothing is exit 2.
    let text = String::from_utf8(export(&["x.com"]).stdout).unwrap();
    assert_eq!(text.lines().count(), 4);
    let out = export(&["KF0001", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no entry matches 'nobody'"));
    assert!(out.stdout.is_empty());
}
