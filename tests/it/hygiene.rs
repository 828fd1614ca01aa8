//! Secret hygiene: a known secret goes through every command, and its Base32 and hex forms
//! (upper and lower case) must never show on stderr, on stdout (except explicit
//! `--plaintext` exports), in any file but the export, or in a panic message. File modes, and
//! the process hardening seen from outside through `/proc`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::*;

/// 20 bytes whose hex and Base32 forms are easy to spot and cannot occur by chance.
const RAW: &[u8; 20] = b"keyfob-hygiene-seed!";

fn forms() -> Vec<String> {
    let b32 = data_encoding::BASE32_NOPAD.encode(RAW);
    let hex = data_encoding::HEXLOWER.encode(RAW);
    vec![
        b32.clone(),
        b32.to_lowercase(),
        hex.clone(),
        hex.to_uppercase(),
        // The secret in groups, as people paste it, must not leak either.
        b32[..16].to_string(),
    ]
}

fn b32() -> String {
    data_encoding::BASE32_NOPAD.encode(RAW)
}

struct Lab {
    dir: tempfile::TempDir,
    vault: PathBuf,
    tmp: PathBuf,
    export: PathBuf,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        Lab {
            vault: dir.path().join("data/vault.age"),
            export: dir.path().join("export.txt"),
            tmp,
            dir,
        }
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = keyfob();
        cmd.env("TMPDIR", &self.tmp)
            .env("KEYFOB_SCRYPT_LOG_N", "10")
            .arg("--vault")
            .arg(&self.vault)
            .arg("--identity")
            .arg(identity_file());
        cmd
    }
}

fn leaks(text: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(text);
    forms().into_iter().filter(|f| text.contains(f)).collect()
}

/// Runs one step; checks stderr always and stdout unless it is a plaintext export.
fn step(lab: &Lab, name: &str, args: &[&str], stdin: &str, stdout_may_hold_secret: bool) -> Output {
    let out = lab.cmd().args(args).write_stdin(stdin).output().unwrap();
    let found = leaks(&out.stderr);
    assert!(
        found.is_empty(),
        "{name}: the secret is on stderr ({found:?})"
    );
    if !stdout_may_hold_secret {
        let found = leaks(&out.stdout);
        assert!(
            found.is_empty(),
            "{name}: the secret is on stdout ({found:?})"
        );
    }
    out
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_secret_never_leaks_from_any_command() {
    let lab = Lab::new();
    let secret = b32();
    let lower = secret.to_lowercase();
    let uri = format!("otpauth://totp/Uri:u?secret={secret}&issuer=Uri");
    let bad_uri = format!("otpauth://totp/Bad:u?secret={secret}&digits=ten");
    let bad_secret = format!("{secret}0");
    let grouped: String = secret
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let export = lab.export.display().to_string();
    let ok = |out: Output, name: &str| {
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let fails = |out: Output, name: &str| {
        assert!(!out.status.success(), "{name} should fail");
    };

    ok(step(&lab, "init", &["init"], "", false), "init");
    ok(
        step(
            &lab,
            "add --secret",
            &[
                "add",
                "--issuer",
                "Arg",
                "--account",
                "a",
                "--secret",
                &secret,
            ],
            "",
            false,
        ),
        "add",
    );
    ok(
        step(
            &lab,
            "add --secret-stdin",
            &[
                "add",
                "--issuer",
                "Stdin",
                "--account",
                "s",
                "--secret-stdin",
            ],
            &format!("{lower}\n"),
            false,
        ),
        "stdin",
    );
    ok(
        step(
            &lab,
            "add grouped",
            &[
                "add",
                "--issuer",
                "Grouped",
                "--account",
                "g",
                "--hotp",
                "--secret",
                &grouped,
            ],
            "",
            false,
        ),
        "grouped",
    );
    ok(
        step(&lab, "add --uri", &["add", "--uri", &uri], "", false),
        "uri",
    );
    fails(
        step(
            &lab,
            "add duplicate",
            &[
                "add",
                "--issuer",
                "Arg",
                "--account",
                "a",
                "--secret",
                &secret,
            ],
            "",
            false,
        ),
        "dup",
    );
    fails(
        step(
            &lab,
            "add bad secret",
            &[
                "add",
                "--issuer",
                "X",
                "--account",
                "x",
                "--secret",
                &bad_secret,
            ],
            "",
            false,
        ),
        "bad",
    );
    fails(
        step(&lab, "add bad uri", &["add", "--uri", &bad_uri], "", false),
        "bad uri",
    );
    ok(step(&lab, "list", &["list"], "", false), "list");
    ok(
        step(&lab, "list --json", &["list", "--json"], "", false),
        "list json",
    );
    ok(step(&lab, "code", &["code", "Arg"], "", false), "code");
    ok(
        step(
            &lab,
            "code --json",
            &["code", "Stdin", "--json", "--at", "59"],
            "",
            false,
        ),
        "code json",
    );
    ok(
        step(&lab, "code hotp", &["code", "Grouped"], "", false),
        "code hotp",
    );
    fails(
        step(&lab, "code several", &["code", "r"], "", false),
        "several",
    );
    ok(
        step(
            &lab,
            "edit",
            &["edit", "Arg", "--note", "hello", "--serial", "SN1"],
            "",
            false,
        ),
        "edit",
    );
    fails(
        step(
            &lab,
            "edit bad",
            &["edit", "Arg", "--digits", "12"],
            "",
            false,
        ),
        "edit bad",
    );
    fails(
        step(
            &lab,
            "export refused",
            &["export", "--format", "otpauth"],
            "",
            false,
        ),
        "export refused",
    );
    ok(
        step(
            &lab,
            "export file",
            &[
                "export",
                "--format",
                "otpauth",
                "--plaintext",
                "--output",
                &export,
            ],
            "",
            false,
        ),
        "export",
    );
    assert_eq!(mode(&lab.export), 0o600, "export files are 0600");
    ok(
        step(
            &lab,
            "export stdout",
            &["export", "--format", "otpauth", "--plaintext"],
            "",
            true,
        ),
        "export stdout",
    );
    ok(
        step(
            &lab,
            "export entra",
            &["export", "--format", "entra-csv", "--plaintext"],
            "",
            true,
        ),
        "entra",
    );
    ok(
        step(
            &lab,
            "import dry run",
            &["import", "--dry-run", &export],
            "",
            false,
        ),
        "dry",
    );
    ok(
        step(&lab, "import", &["import", &export], "", false),
        "import",
    );
    let recipient = identity_recipient();
    ok(
        step(
            &lab,
            "passwd",
            &["passwd", "--recipient", &recipient],
            "",
            false,
        ),
        "passwd",
    );
    ok(
        step(&lab, "generate", &["generate", "--count", "2"], "", true),
        "generate",
    );
    ok(
        step(&lab, "remove", &["remove", "Stdin", "--yes"], "", false),
        "remove",
    );
    ok(
        step(&lab, "completions", &["completions", "bash"], "", false),
        "completions",
    );
    // --copy with no terminal and no display: the OSC 52 route fails, and says so cleanly.
    fails(
        step(&lab, "code --copy", &["code", "Arg", "--copy"], "", false),
        "copy",
    );

    // Re-sealing to a passphrase and opening with it.
    let pass = lab.dir.path().join("pass.txt");
    std::fs::write(&pass, "correct horse\n").unwrap();
    let pass_arg = pass.display().to_string();
    ok(
        step(
            &lab,
            "passwd to passphrase",
            &["passwd", "--new-passphrase-file", &pass_arg],
            "",
            false,
        ),
        "passwd passphrase",
    );
    let out = keyfob()
        .env("TMPDIR", &lab.tmp)
        .env("KEYFOB_SCRYPT_LOG_N", "10")
        .arg("--vault")
        .arg(&lab.vault)
        .args([
            "--passphrase-file",
            &pass_arg,
            "passwd",
            "--recipient",
            &recipient,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(leaks(&out.stderr).is_empty() && leaks(&out.stdout).is_empty());

    // A panic while the secret is in memory (test builds only: see failure::test_panic_point).
    let before = std::fs::read(&lab.vault).unwrap();
    let out = lab
        .cmd()
        .env("KEYFOB_TEST_PANIC", "add")
        .env("RUST_BACKTRACE", "1")
        .args([
            "add",
            "--issuer",
            "Panic",
            "--account",
            "p",
            "--secret",
            &secret,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "{stderr}");
    assert!(stderr.contains("injected test panic at 'add'"), "{stderr}");
    assert!(stderr.contains("Secret(<redacted"), "{stderr}");
    assert!(
        leaks(&out.stderr).is_empty(),
        "the panic message holds the secret: {stderr}"
    );
    assert!(leaks(&out.stdout).is_empty());
    assert_eq!(
        std::fs::read(&lab.vault).unwrap(),
        before,
        "a panic mid-update changes nothing"
    );
    let out = lab
        .cmd()
        .env("KEYFOB_TEST_PANIC", "import")
        .args(["import", &export])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(101));
    assert!(
        leaks(&out.stderr).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Only the explicit export holds the secret in the clear; the vault and backup are age.
    let mut files = Vec::new();
    files_under(lab.dir.path(), &mut files);
    for file in &files {
        let found = leaks(&std::fs::read(file).unwrap());
        if file == &lab.export {
            assert!(
                !found.is_empty(),
                "the plaintext export should hold the secret"
            );
        } else {
            assert!(
                found.is_empty(),
                "'{}' holds the secret ({found:?})",
                file.display()
            );
        }
    }
    assert!(
        std::fs::read_dir(&lab.tmp).unwrap().next().is_none(),
        "keyfob left files in TMPDIR"
    );
}

#[test]
fn files_and_folders_keyfob_makes_are_private() {
    let lab = Lab::new();
    let deep = lab.dir.path().join("a/b/vault.age");
    keyfob()
        .arg("--vault")
        .arg(&deep)
        .arg("--identity")
        .arg(identity_file())
        .arg("init")
        .assert()
        .success();
    assert_eq!(mode(&lab.dir.path().join("a")), 0o700);
    assert_eq!(mode(&lab.dir.path().join("a/b")), 0o700);
    keyfob()
        .arg("--vault")
        .arg(&deep)
        .arg("--identity")
        .arg(identity_file())
        .args(["add", "--issuer", "M", "--account", "m", "--secret", &b32()])
        .assert()
        .success();
    for name in ["vault.age", "vault.age.bak", "vault.age.lock"] {
        assert_eq!(mode(&deep.with_file_name(name)), 0o600, "{name}");
    }
    // An export never writes into an existing, wider file; --force replaces it with a new,
    // private one.
    let out = lab.dir.path().join("wide.txt");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let export = |force: bool| {
        let mut cmd = keyfob();
        cmd.arg("--vault")
            .arg(&deep)
            .arg("--identity")
            .arg(identity_file())
            .args(["export", "--format", "otpauth", "--plaintext", "--output"])
            .arg(&out);
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    export(false).code(1);
    assert_eq!(mode(&out), 0o644);
    export(true).success();
    assert_eq!(mode(&out), 0o600);
}

/// The temp file a save writes is 0600 from the moment it exists (seen from inside the save).
#[test]
fn the_temp_file_is_private_while_it_is_written() {
    use keyfob::engine::storage::WriteHook;
    use std::sync::{Arc, Mutex};
    struct Spy(Arc<Mutex<Vec<(PathBuf, u32)>>>);
    impl WriteHook for Spy {
        fn write_all(&mut self, file: &mut std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
            let mode = file.metadata()?.permissions().mode() & 0o7777;
            let path = std::fs::read_link(format!("/proc/self/fd/{}", {
                use std::os::fd::AsRawFd;
                file.as_raw_fd()
            }))
            .unwrap_or_default();
            self.0.lock().unwrap().push((path, mode));
            std::io::Write::write_all(file, bytes)
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    library_vault(&path, numbered_entries(3));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store =
        keyfob::engine::store::Store::new(&path).with_write_hook(Box::new(Spy(seen.clone())));
    let mut session = store.open(identity_key()).unwrap();
    session
        .update(|v| {
            v.entries.pop();
            Ok::<_, keyfob::engine::store::VaultError>(())
        })
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (temp, mode) = &seen[0];
    assert_eq!(*mode, 0o600, "temp file {}", temp.display());
    let name = temp.file_name().unwrap().to_string_lossy();
    assert!(
        name.starts_with(".vault.age.") && name.ends_with(".tmp"),
        "{name}"
    );
    assert_eq!(
        temp.parent(),
        Some(dir.path()),
        "the temp file is beside the vault"
    );
}

/// RLIMIT_CORE is 0 and the process is not dumpable, read from `/proc` while a real `keyfob`
/// waits for its secret on stdin. A non-dumpable process's `/proc/PID` files belong to root,
/// so the child runs as another user when the test runs as root.
#[test]
fn a_running_keyfob_cannot_dump_core_and_is_not_dumpable() {
    let me = std::fs::metadata("/proc/self").unwrap().uid();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("keyfob"));
    cmd.args([
        "--vault",
        "/nonexistent/v.age",
        "add",
        "--issuer",
        "a",
        "--account",
        "b",
    ])
    .arg("--secret-stdin")
    .env("XDG_CONFIG_HOME", "/nonexistent")
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    let child_uid = if me == 0 {
        use std::os::unix::process::CommandExt;
        cmd.uid(65534).gid(65534);
        65534
    } else {
        me
    };
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!(
                "note: cannot start keyfob as uid {child_uid} ({e}); hardening checked in-process only"
            );
            return;
        }
    };
    let proc_dir = PathBuf::from(format!("/proc/{}", child.id()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (mut core_off, mut owner, mut uid_line) = (false, u32::MAX, String::new());
    while std::time::Instant::now() < deadline {
        let limits = std::fs::read_to_string(proc_dir.join("limits")).unwrap_or_default();
        core_off = limits
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .is_some_and(|l| l.split_whitespace().skip(4).take(2).all(|v| v == "0"));
        let status = std::fs::read_to_string(proc_dir.join("status")).unwrap_or_default();
        uid_line = status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .unwrap_or_default()
            .to_string();
        owner = std::fs::metadata(proc_dir.join("status")).map_or(u32::MAX, |m| m.uid());
        let running_as_child = uid_line.split_whitespace().nth(1) == Some(&child_uid.to_string());
        if core_off && owner == 0 && running_as_child {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(core_off, "RLIMIT_CORE is not 0 in the running process");
    assert_eq!(
        owner, 0,
        "/proc/PID/status of keyfob (running as {uid_line:?}) is not root-owned: the process is dumpable"
    );
}

/// A name from an imported file holding escape sequences (an OSC 52 would set the clipboard,
/// a CSI could rewrite the screen) never reaches the terminal through keyfob's output.
#[test]
fn imported_names_cannot_send_escape_sequences() {
    let lab = Lab::new();
    lab.cmd().arg("init").assert().success();
    let file = lab.dir.path().join("hostile.txt");
    std::fs::write(
        &file,
        "otpauth://totp/Evil%1B%5D52%3Bc%3BaGk%3D%07:me%1B%5B2J?secret=JBSWY3DPEHPK3PXP\n",
    )
    .unwrap();
    let outputs = [
        lab.cmd().arg("import").arg(&file).output().unwrap(),
        lab.cmd().arg("list").output().unwrap(),
        lab.cmd().args(["list", "--json"]).output().unwrap(),
        lab.cmd().args(["code", "evil"]).output().unwrap(),
        lab.cmd().args(["code", "e"]).output().unwrap(),
        lab.cmd().arg("import").arg(&file).output().unwrap(),
    ];
    for out in &outputs {
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !stream.iter().any(|b| *b == 0x1b || *b == 0x07),
                "{:?}",
                String::from_utf8_lossy(stream)
            );
        }
    }
    let listed = String::from_utf8_lossy(&outputs[1].stdout).into_owned();
    assert!(
        listed.contains("Evil\u{FFFD}]52;c;aGk=\u{FFFD}"),
        "{listed}"
    );
}
