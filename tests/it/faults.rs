//! Saving when the disk says no: a full filesystem and a read-only folder. Each must give a
//! clear error and leave the old vault (and its backup) intact byte-for-byte.
//!
//! The real-filesystem cases run `keyfob` inside `unshare --user --map-root-user --mount` on
//! a small tmpfs (no root needed, nothing left mounted afterwards). Where user namespaces are
//! not allowed they say so and skip; the fault-injecting `WriteHook` case always runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use keyfob::engine::storage::WriteHook;
use keyfob::engine::store::{Store, VaultError};

use crate::common::*;

const SCRIPT: &str = r#"
set -u
D=$1; SRC=$2; BIN=$3; ID=$4; MODE=$5; OUT=$6
mount -t tmpfs -o size=1m tmpfs "$D" || exit 90
cp "$SRC/vault.age" "$SRC/vault.age.bak" "$D/"
: > "$D/vault.age.lock"
case "$MODE" in
  full|partial)
    [ "$MODE" = partial ] && dd if=/dev/zero of="$D/spare" bs=4k count=4 2>/dev/null
    dd if=/dev/zero of="$D/filler" bs=4k 2>/dev/null
    rm -f "$D/spare" ;;
  ro) mount -o remount,ro "$D" || exit 91 ;;
esac
"$BIN" --vault "$D/vault.age" --identity "$ID" add --issuer Fault --account x \
  --secret JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP >"$OUT/stdout" 2>"$OUT/stderr"
echo $? >"$OUT/rc"
cmp -s "$D/vault.age" "$SRC/vault.age" && cmp -s "$D/vault.age.bak" "$SRC/vault.age.bak" \
  && echo same >"$OUT/same"
ls -A "$D" >"$OUT/listing"
"$BIN" --vault "$D/vault.age" --identity "$ID" code Issuer7 >"$OUT/code" 2>&1
echo $? >"$OUT/code_rc"
"#;

struct Outcome {
    rc: i32,
    stderr: String,
    same: bool,
    listing: String,
    code_rc: i32,
}

/// Runs the script in a private mount namespace; None when this machine does not allow it.
fn in_namespace(mode: &str) -> Option<Outcome> {
    let src = tempfile::tempdir().unwrap();
    let vault = src.path().join("vault.age");
    library_vault(&vault, numbered_entries(400));
    // A second save so a backup exists.
    Store::new(&vault)
        .open(identity_key())
        .unwrap()
        .update(|v| {
            v.entries.pop();
            Ok::<_, VaultError>(())
        })
        .unwrap();
    let mount_point = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("unshare");
    clean_env(&mut cmd);
    let status = cmd
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "bash",
            "-c",
            SCRIPT,
            "fault",
        ])
        .arg(mount_point.path())
        .arg(src.path())
        .arg(assert_cmd::cargo::cargo_bin("keyfob"))
        .arg(identity_file())
        .arg(mode)
        .arg(out.path())
        .output();
    let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap_or_default();
    match status {
        Ok(o) if o.status.success() && out.path().join("rc").exists() => Some(Outcome {
            rc: read("rc").trim().parse().unwrap(),
            stderr: read("stderr"),
            same: read("same").trim() == "same",
            listing: read("listing"),
            code_rc: read("code_rc").trim().parse().unwrap(),
        }),
        Ok(o) => {
            eprintln!(
                "note: no private tmpfs here (unshare: {}); skipping the real '{mode}' case",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("note: unshare unavailable ({e}); skipping the real '{mode}' case");
            None
        }
    }
}

fn check_clear_failure(mode: &str, o: &Outcome, says: &str) {
    assert_eq!(o.rc, 1, "{mode}: exit {} ({})", o.rc, o.stderr);
    let lines: Vec<&str> = o.stderr.lines().collect();
    assert!(
        matches!(lines.as_slice(), [e] | [e, _] if e.starts_with("error: ") && e.contains(says)),
        "{mode}: {:?}",
        o.stderr
    );
    if let [_, hint] = lines.as_slice() {
        assert!(hint.starts_with("hint: "), "{mode}: {hint}");
    }
    assert!(o.same, "{mode}: the vault or its backup changed");
    assert!(
        !o.listing.contains(".tmp"),
        "{mode}: a temp file was left: {}",
        o.listing
    );
    assert_eq!(o.code_rc, 0, "{mode}: the vault no longer opens");
}

#[test]
fn a_full_disk_leaves_the_vault_intact() {
    for mode in ["full", "partial"] {
        if let Some(o) = in_namespace(mode) {
            check_clear_failure(mode, &o, "No space left on device");
            assert!(o.stderr.contains("free some space"), "{}", o.stderr);
        }
    }
}

#[test]
fn a_read_only_folder_leaves_the_vault_intact() {
    if let Some(o) = in_namespace("ro") {
        check_clear_failure("ro", &o, "Read-only file system");
        assert!(o.stderr.contains("the folder is read-only"), "{}", o.stderr);
    }
}

/// Fails after writing `allow` bytes, as a full disk does.
struct DiskFull {
    allow: usize,
}

impl WriteHook for DiskFull {
    fn write_all(&mut self, file: &mut std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
        let n = self.allow.min(bytes.len());
        std::io::Write::write_all(file, &bytes[..n])?;
        if n < bytes.len() {
            return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
        }
        Ok(())
    }
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("vault.age.lock"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    all.sort();
    all
}

#[test]
fn an_injected_write_failure_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    library_vault(&path, numbered_entries(50));
    for allow in [0, 1, 100, 5000, usize::MAX] {
        let before = files(dir.path());
        let mut session = Store::new(&path)
            .with_write_hook(Box::new(DiskFull { allow }))
            .open(identity_key())
            .unwrap();
        let entries_before = session.vault().entries.clone();
        let result = session.update(|v| {
            v.entries.push(keyfob::engine::entry::Entry::new(
                "Full",
                format!("x{allow}"),
                keyfob::engine::secret::Secret::parse_base32(&nth_secret(7_000)).unwrap(),
            ));
            Ok::<_, VaultError>(())
        });
        if allow == usize::MAX {
            result.unwrap();
            assert_eq!(open_entries(&path).unwrap().len(), 51);
            continue;
        }
        let e = result.unwrap_err();
        let message = e.to_string();
        assert!(message.contains("free some space"), "{message}");
        assert_eq!(
            keyfob::failure::hint_for(&e).as_deref(),
            Some("the vault was not changed")
        );
        assert_eq!(files(dir.path()), before, "allow {allow}: files changed");
        assert_eq!(
            session.vault().entries,
            entries_before,
            "the session kept its state"
        );
    }
}
