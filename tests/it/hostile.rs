//! Issue 9: a leaked passphrase, a busy machine, a hostile header, a closed pipe, stdin,
//! names, passphrases, copying. Each defect the review found, through the real binary
//! (folders, links and special files are in `files.rs`).

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

fn stock_age() -> bool {
    let found = std::process::Command::new("age")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        eprintln!("note: stock `age` is not installed (Debian package `age`); skipping that part");
    }
    found
}

/// Runs stock `age -d` on `file` in a pseudo-terminal (age reads passphrases only from a
/// terminal) and types `passphrase`; the decrypted text, or `None` when age refused.
fn age_decrypt_with_passphrase(file: &Path, passphrase: &str) -> Option<String> {
    let out = file.with_extension("decrypted");
    let _ = fs::remove_file(&out);
    let mut cmd = std::process::Command::new("age");
    cmd.arg("-d").arg("-o").arg(&out).arg(file);
    use expectrl::Expect;
    let mut session = expectrl::Session::spawn(cmd).expect("spawn age in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session
        .expect("passphrase")
        .expect("age asks for the passphrase");
    session.send_line(passphrase).unwrap();
    let _ = session.expect(expectrl::Eof);
    let status = session.get_process().wait().unwrap();
    let ok = matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 0));
    let text = fs::read_to_string(&out).ok();
    let _ = fs::remove_file(&out);
    ok.then_some(text).flatten()
}

// ---------- item 2: passwd and the backup ----------

#[test]
fn passwd_reseals_the_backup_so_the_old_passphrase_opens_nothing() {
    let tv = TestVault::with_passphrase("old passphrase 1");
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.add("Bank", "me", MS_SECRET);
    let backup = tv.dir.path().join("data/vault.age.bak");
    assert!(backup.exists());
    let new_pass = tv.dir.path().join("new.txt");
    fs::write(&new_pass, "new passphrase 2\n").unwrap();
    tv.cmd()
        .args(["passwd", "--new-passphrase-file"])
        .arg(&new_pass)
        .assert()
        .success()
        .stdout(contains("vault.age.bak' was re-sealed the same way"));
    assert_eq!(mode(&backup), 0o600);
    // The backup opens with the new passphrase (through keyfob) and not the old one.
    let open_backup = |pass: &Path| {
        keyfob()
            .env("XDG_STATE_HOME", tv.state_dir())
            .arg("--vault")
            .arg(&backup)
            .arg("--passphrase-file")
            .arg(pass)
            .arg("list")
            .assert()
    };
    open_backup(&new_pass).success().stdout(contains("GitHub"));
    open_backup(tv.passphrase_file.as_ref().unwrap())
        .code(1)
        .stderr(contains("wrong passphrase"));
    if stock_age() {
        assert_eq!(
            age_decrypt_with_passphrase(&backup, "old passphrase 1"),
            None
        );
        let text = age_decrypt_with_passphrase(&backup, "new passphrase 2").unwrap();
        assert!(text.contains("GitHub"), "{text}");
    }
}

#[test]
fn passwd_to_new_recipients_leaves_no_backup_the_old_identity_opens() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.add("Bank", "me", MS_SECRET);
    let other = age::x25519::Identity::generate();
    tv.cmd()
        .args(["passwd", "--recipient", &other.to_public().to_string()])
        .assert()
        .success()
        .stderr(contains("not among the new recipients"))
        .stdout(contains("re-sealed the same way"));
    let backup = tv.dir.path().join("data/vault.age.bak");
    let e = open_entries(&backup).unwrap_err();
    assert!(e.contains("none of the given identities"), "{e}");
}

// ---------- item 4: scrypt's work factor does not depend on the load ----------

/// Keeps both cores busy while it lives.
struct Load(Vec<std::process::Child>);

impl Load {
    fn start() -> Load {
        Load(
            (0..2)
                .map(|_| {
                    std::process::Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .spawn()
                        .unwrap()
                })
                .collect(),
        )
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn header_log_n(path: &Path) -> u8 {
    let bytes = fs::read(path).unwrap();
    let line = bytes.split(|b| *b == b'\n').nth(1).unwrap();
    let line = String::from_utf8(line.to_vec()).unwrap();
    line.strip_prefix("-> scrypt ")
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_seal_made_on_a_loaded_machine_uses_2_18() {
    // The one real 2^18 seal of the suite (about a second and 256 MiB).
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.age");
    let pass = dir.path().join("pass.txt");
    fs::write(&pass, "a long enough passphrase\n").unwrap();
    let load = Load::start();
    keyfob()
        .arg("--vault")
        .arg(&vault)
        .arg("--passphrase-file")
        .arg(&pass)
        .arg("init")
        .assert()
        .success();
    drop(load);
    assert_eq!(header_log_n(&vault), 18);
    if std::env::var_os("KEYFOB_SLOW_TESTS").is_none() {
        eprintln!("note: opening it under load is in the slow tests (KEYFOB_SLOW_TESTS=1)");
        return;
    }
    let _load = Load::start();
    let children: Vec<_> = (0..4)
        .map(|_| {
            keyfob_std()
                .arg("--vault")
                .arg(&vault)
                .arg("--passphrase-file")
                .arg(&pass)
                .arg("list")
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn work_factors_above_2_22_are_refused_before_asking() {
    let tv = TestVault::with_passphrase("pw for the test");
    let mut bytes = tv.bytes();
    let text = String::from_utf8_lossy(&bytes[..200]).into_owned();
    let at = text.find(" 10\n").unwrap();
    bytes.splice(at..at + 4, b" 23\n".iter().copied());
    fs::write(&tv.vault, &bytes).unwrap();
    let start = Instant::now();
    keyfob()
        .arg("--vault")
        .arg(&tv.vault)
        .arg("list")
        .assert()
        .code(1)
        .stderr(contains("work factor of 2^23, too high").and(contains("2^22")));
    assert!(start.elapsed() < Duration::from_secs(2));
}

// ---------- item 7: many-stanza headers ----------

#[test]
fn a_header_of_thousands_of_stanzas_is_rejected_quickly() {
    let tv = TestVault::new();
    let bytes = tv.bytes();
    let first = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut forged = bytes[..first].to_vec();
    for i in 0..8000 {
        forged.extend_from_slice(format!("-> unknown{i} aGVsbG8\nZm9vYmFy\n").as_bytes());
    }
    forged.extend_from_slice(&bytes[first..]);
    assert!(forged.len() > 250_000);
    fs::write(&tv.vault, &forged).unwrap();
    let start = Instant::now();
    tv.cmd()
        .arg("list")
        .assert()
        .code(1)
        .stderr(contains("modified or damaged"));
    let took = start.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

// ---------- item 8: closed pipes and full disks ----------

#[test]
fn a_closed_pipe_or_a_full_disk_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.age");
    library_vault(&vault, numbered_entries(1000));
    let run = |stdout: Stdio| {
        keyfob_std()
            .arg("--vault")
            .arg(&vault)
            .arg("--identity")
            .arg(identity_file())
            .args(["list", "--json"])
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // `list --json | head -c 10`: read ten bytes, then close the pipe.
    let mut child = run(Stdio::piped());
    let mut ten = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut ten).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "error: cannot write to standard output: Broken pipe",
        "{stderr}"
    );
    // `> /dev/full`.
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = run(Stdio::from(full)).wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write to standard output: No space left"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

/// `keyfob watch QUERY <&- >&- 2>&-` (the caller closed the standard descriptors): the first
/// files keyfob opened would take descriptors 0–2, and its output would go into them. They are
/// opened on /dev/null first (Rust's start-up routine did it; keyfob starts without that
/// routine, so `keyfob::start` does). `watch` runs until stopped, so its descriptors can be
/// looked at.
#[test]
fn closed_standard_descriptors_are_opened_on_dev_null() {
    let tv = TestVault::new();
    tv.add("Closed", "fd", "JBSWY3DPEHPK3PXP");
    let keyfob = keyfob_std();
    let mut child = std::process::Command::new("sh")
        .envs(keyfob.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("XDG_STATE_HOME", tv.state_dir())
        .arg("-c")
        .arg(r#"exec "$0" "$@" <&- >&- 2>&-"#)
        .arg(keyfob.get_program())
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--identity")
        .arg(identity_file())
        .args(["watch", "closed"])
        .spawn()
        .unwrap();
    let fd = |n: u32| fs::read_link(format!("/proc/{}/fd/{n}", child.id())).ok();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        seen = (0..3).map(fd).collect();
        if seen
            .iter()
            .all(|p| p.as_deref() == Some(Path::new("/dev/null")))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.iter()
            .all(|p| p.as_deref() == Some(Path::new("/dev/null"))),
        "descriptors 0-2: {seen:?}"
    );
}

/// Where the build could link one (build.rs tells through `KEYFOB_STATIC_PIE`), the binary is
/// a static PIE: no dynamic loader and no shared library to load at each start, yet
/// position-independent (ELF type "shared object"), so the kernel still places it at a random
/// address. If a toolchain change made the linker quietly take a shared C library again, the
/// program would have no loader to find it: this says so before anyone runs it.
#[test]
fn the_binary_is_a_static_pie_where_the_build_can_link_one() {
    if option_env!("KEYFOB_STATIC_PIE") != Some("1") {
        eprintln!("note: this build links keyfob dynamically (build.rs warned why); skipped");
        return;
    }
    let elf = fs::read(env!("CARGO_BIN_EXE_keyfob")).unwrap();
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap());
    let u32_at = |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap());
    let u64_at =
        |at: usize| usize::try_from(u64::from_le_bytes(elf[at..at + 8].try_into().unwrap()));
    assert_eq!(
        &elf[..6],
        b"\x7fELF\x02\x01",
        "a 64-bit little-endian ELF file"
    );
    assert_eq!(u16_at(16), 3, "position-independent (ET_DYN)");
    let (table, size, count) = (u64_at(32).unwrap(), usize::from(u16_at(54)), u16_at(56));
    let headers: Vec<usize> = (0..usize::from(count)).map(|i| table + i * size).collect();
    const INTERP: u32 = 3;
    const DYNAMIC: u32 = 2;
    assert!(
        headers.iter().all(|&h| u32_at(h) != INTERP),
        "the binary names a dynamic loader (PT_INTERP)"
    );
    for &h in headers.iter().filter(|&&h| u32_at(h) == DYNAMIC) {
        let (start, len) = (u64_at(h + 8).unwrap(), u64_at(h + 32).unwrap());
        let needed = (start..start + len)
            .step_by(16)
            .filter(|&e| u64_at(e) == Ok(1))
            .count();
        assert_eq!(needed, 0, "the binary needs {needed} shared libraries");
    }
    keyfob().arg("--version").assert().success();
}

// ---------- item 10: one reader for standard input ----------

#[test]
fn two_readers_of_standard_input_are_refused_before_reading() {
    let tv = TestVault::with_passphrase("pw");
    let before = tv.bytes();
    keyfob()
        .env("KEYFOB_SCRYPT_LOG_N", "10")
        .arg("--vault")
        .arg(&tv.vault)
        .args([
            "--passphrase-file",
            "-",
            "add",
            "--issuer",
            "A",
            "--account",
            "b",
            "--secret-stdin",
        ])
        .write_stdin("pw\nJBSWY3DPEHPK3PXP\n")
        .assert()
        .code(1)
        .stderr(
            contains("--passphrase-file - and --secret-stdin would both read standard input")
                .and(contains("pw").not().or(contains("passphrase-file"))),
        );
    assert_eq!(tv.bytes(), before);
}

// ---------- item 12 ----------

#[test]
fn a_uri_comes_from_standard_input_and_one_in_the_arguments_warns() {
    let tv = TestVault::new();
    tv.cmd()
        .args(["add", "--uri", "-"])
        .write_stdin(format!(
            "otpauth://totp/GitHub:me?secret={RFC_SECRET_B32}\n"
        ))
        .assert()
        .success()
        .stderr("");
    tv.cmd()
        .args([
            "add",
            "--uri",
            "otpauth://totp/Bank:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        ])
        .assert()
        .success()
        .stderr(contains("other users of this machine can see (ps)").and(contains("--uri -")));
}

/// `--secret` in the arguments: a person at a terminal is told (scripts are not, on every run).
#[test]
fn a_secret_in_the_arguments_warns_a_person_at_a_terminal() {
    let tv = TestVault::new();
    let mut cmd = crate::unlocking::keyfob_command();
    cmd.env("XDG_STATE_HOME", tv.state_dir())
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--identity")
        .arg(identity_file())
        .args(["add", "--issuer", "Typed", "--account", "me", "--secret"])
        .arg(RFC_SECRET_B32);
    let mut pty = crate::unlocking::Pty::spawn(cmd);
    pty.wait_for("added 'Typed:me'", 0);
    assert_eq!(pty.exit_code(), 0);
    let output = pty.output();
    assert!(
        output.contains("--secret BASE32 puts the secret in keyfob's arguments")
            && output.contains("--secret-stdin"),
        "{output}"
    );
    // Without a terminal: no warning.
    tv.cmd()
        .args(["add", "--issuer", "Script", "--account", "me", "--secret"])
        .arg(RFC_SECRET_B32)
        .assert()
        .success()
        .stderr("");
}

#[test]
fn bidi_controls_are_not_kept_in_names() {
    let tv = TestVault::new();
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Pay\u{202E}laP",
            "--account",
            "me\u{2066}x",
            "--secret-stdin",
        ])
        .write_stdin(format!("{RFC_SECRET_B32}\n"))
        .assert()
        .success();
    let out = tv.cmd().arg("list").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Pay\u{FFFD}laP") && text.contains("me\u{FFFD}x"),
        "{text}"
    );
    assert!(!text.contains('\u{202E}') && !text.contains('\u{2066}'));
}

#[test]
fn code_copy_without_a_terminal_fails_before_printing_or_using_a_hotp_code() {
    if std::process::Command::new("setsid")
        .arg("true")
        .status()
        .is_err()
    {
        eprintln!("note: setsid (util-linux) is missing; skipping");
        return;
    }
    let tv = TestVault::new();
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Bank",
            "--account",
            "me",
            "--hotp",
            "--secret-stdin",
        ])
        .write_stdin(format!("{RFC_SECRET_B32}\n"))
        .assert()
        .success();
    let before = tv.bytes();
    // `setsid` leaves keyfob without a controlling terminal; SSH_CONNECTION picks OSC 52.
    let out = std::process::Command::new("setsid")
        .arg("-w")
        .arg(assert_cmd::cargo::cargo_bin!("keyfob"))
        .env("XDG_STATE_HOME", tv.state_dir())
        .env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
        .env_remove("TMUX")
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--identity")
        .arg(identity_file())
        .args(["code", "Bank", "--copy"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(out.stdout, b"", "no code printed");
    assert!(
        stderr.contains("no terminal to send the OSC 52"),
        "{stderr}"
    );
    assert_eq!(tv.bytes(), before, "the HOTP counter was not used up");
}

#[test]
fn init_warns_about_a_weak_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let pass = dir.path().join("pass.txt");
    fs::write(&pass, "x\n").unwrap();
    keyfob()
        .env("KEYFOB_SCRYPT_LOG_N", "10")
        .arg("--vault")
        .arg(dir.path().join("vault.age"))
        .arg("--passphrase-file")
        .arg(&pass)
        .arg("init")
        .assert()
        .success()
        .stderr(
            contains("warning: the new passphrase is weak (about 4 bits")
                .and(contains("x\n").not()),
        );
}

#[test]
fn an_empty_answer_at_init_generates_a_strong_passphrase() {
    use expectrl::Expect;
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.age");
    let mut cmd = keyfob_std();
    cmd.env("KEYFOB_SCRYPT_LOG_N", "10")
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .arg("--vault")
        .arg(&vault)
        .arg("init");
    let mut session = expectrl::Session::spawn(cmd).expect("spawn keyfob in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session
        .expect("leave empty to have a strong one generated")
        .unwrap();
    session.send_line("").unwrap();
    let found = session
        .expect(expectrl::Regex(
            "generated passphrase ([a-z2-9]{4}(-[a-z2-9]{4}){5})",
        ))
        .unwrap();
    let generated = String::from_utf8(found.get(1).unwrap().to_vec()).unwrap();
    let _ = session.expect(expectrl::Eof);
    let pass = dir.path().join("pass.txt");
    fs::write(&pass, format!("{generated}\n")).unwrap();
    keyfob()
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .arg("--vault")
        .arg(&vault)
        .arg("--passphrase-file")
        .arg(&pass)
        .arg("list")
        .assert()
        .success();
}
