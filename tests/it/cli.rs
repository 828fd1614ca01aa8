//! The command line through the real binary: every command and its error paths.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

// ---------- codes ----------

#[test]
fn microsoft_sample_gives_oathtool_codes() {
    let tv = TestVault::new();
    tv.add("Contoso", "helga@contoso.com", MS_SECRET);
    // `oathtool --totp -b 2234567ABCDEF2234567ABCDEF -N @1700000000` prints 372551.
    tv.cmd()
        .args(["code", "helga", "--at", "1700000000"])
        .assert()
        .success()
        .stdout("372551\n");
}

#[test]
fn codes_agree_with_installed_oathtool() {
    let Ok(out) = std::process::Command::new("oathtool")
        .args([
            "--totp",
            "-b",
            "2234567ABCDEF2234567ABCDEF",
            "-N",
            "@1763890000",
        ])
        .output()
    else {
        eprintln!("note: oathtool is not installed; skipping the live comparison");
        return;
    };
    let tv = TestVault::new();
    tv.add("Contoso", "helga", MS_SECRET);
    tv.cmd()
        .args(["code", "helga", "--at", "1763890000"])
        .assert()
        .success()
        .stdout(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn code_exit_statuses_and_matching() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.add("GitLab", "me", RFC_SECRET_B32);
    tv.add("Git", "other", RFC_SECRET_B32);
    tv.cmd()
        .args(["code", "nothing"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("no entry matches 'nothing'"));
    tv.cmd()
        .args(["code", "me"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(contains("GitHub:me").and(contains("GitLab:me")));
    // An exact match wins over substrings ("git" is inside GitHub and GitLab too).
    tv.cmd()
        .args(["code", "GIT", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
    tv.cmd().args(["code", "gitlab:ME"]).assert().success();
}

#[test]
fn code_json_has_the_contract_keys() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    let out = tv
        .cmd()
        .args(["code", "github", "--json", "--at", "59"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "287082");
    assert_eq!(v["remaining"], 1);
    assert_eq!(v["type"], "totp");
    assert_eq!(v["counter"], serde_json::Value::Null);
}

#[test]
fn hotp_code_advances_and_saves_the_counter() {
    let tv = TestVault::new();
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Bank",
            "--account",
            "bob",
            "--hotp",
            "--secret",
            RFC_SECRET_B32,
        ])
        .assert()
        .success()
        .stdout(contains("code 755224 at counter 0"));
    for want in ["755224", "287082", "359152"] {
        tv.cmd()
            .args(["code", "bank"])
            .assert()
            .success()
            .stdout(format!("{want}\n"));
    }
    let out = tv.cmd().args(["list", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["counter"], 3);
    assert_eq!(
        v[0]["code"], "969429",
        "list shows the next code without using it"
    );
    assert_eq!(v[0]["period"], serde_json::Value::Null);
    assert_eq!(v[0]["remaining"], serde_json::Value::Null);
}

#[test]
fn list_text_and_json() {
    let tv = TestVault::new();
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stdout("")
        .stderr(contains("the vault is empty"));
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Steam",
            "--account",
            "gabe",
            "--steam",
            "--secret",
            RFC_SECRET_B32,
        ])
        .assert()
        .success();
    tv.cmd()
        .args(["list", "--at", "59"])
        .assert()
        .success()
        .stdout(contains("GitHub  me@example.com  287 082").and(contains("  1 s")));
    let out = tv
        .cmd()
        .args(["list", "--json", "--at", "59"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<_> = v[0].as_object().unwrap().keys().cloned().collect();
    for key in [
        "issuer",
        "account",
        "type",
        "algorithm",
        "digits",
        "period",
        "counter",
        "code",
        "remaining",
        "serial",
    ] {
        assert!(keys.contains(&key.to_string()), "missing {key}: {keys:?}");
    }
    assert_eq!(v[1]["type"], "steam");
    assert_eq!(v[1]["digits"], 5);
    assert_eq!(v[1]["code"].as_str().unwrap().len(), 5);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(RFC_SECRET_B32), "no secrets in list --json");
}

/// `code` and `list` warn on stderr when the kernel says the clock is not synchronised (the
/// state is passed in through the test build's `KEYFOB_TEST_CLOCK_SYNC`); not with `--at`.
#[test]
fn an_unsynchronised_clock_is_warned_about_by_code_and_list() {
    let tv = TestVault::new();
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    for args in [&["code", "github"][..], &["list"][..]] {
        let out = tv
            .cmd()
            .args(args)
            .env("KEYFOB_TEST_CLOCK_SYNC", "unsynced")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("warning: the system clock is not synchronised"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!out.stdout.is_empty(), "the codes are still printed");
        // With --at the clock does not matter.
        let out = tv
            .cmd()
            .args(args)
            .args(["--at", "59"])
            .env("KEYFOB_TEST_CLOCK_SYNC", "unsynced")
            .output()
            .unwrap();
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
        // A synchronised clock: nothing said.
        let out = tv.cmd().args(args).output().unwrap();
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
    }
}

/// `list` lines up its columns by display width: CJK names and emoji take two columns each.
#[test]
fn list_aligns_cjk_and_emoji_names() {
    let tv = TestVault::new();
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    tv.add("楽天銀行", "山田太郎", MS_SECRET);
    tv.add(
        "🔑 Keys",
        "emoji@example.com",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    );
    let out = tv.cmd().args(["list", "--at", "59"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let columns: Vec<usize> = text
        .lines()
        .map(|line| {
            let at = line
                .find(|c: char| c.is_ascii_digit() && line.contains(" s"))
                .unwrap();
            let before = &line[..at];
            keyfob::engine::width::width(before)
        })
        .collect();
    assert_eq!(columns.len(), 3, "{text}");
    assert!(
        columns.iter().all(|c| *c == columns[0]),
        "{columns:?}\n{text}"
    );
}

// ---------- add ----------

#[test]
fn add_from_uri_stdin_and_flags() {
    let tv = TestVault::new();
    tv.cmd()
        .args(["add", "--uri", "otpauth://totp/ACME%20Co:john?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ACME%20Co&digits=8&period=60&algorithm=SHA256"])
        .assert()
        .success()
        .stdout(contains("added 'ACME Co:john'"));
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Piped",
            "--account",
            "x",
            "--secret-stdin",
        ])
        .write_stdin(format!("{RFC_SECRET_B32}\n"))
        .assert()
        .success();
    let plain = tv.plaintext();
    assert!(plain.contains("algorithm: SHA256"), "{plain}");
    assert!(plain.contains("digits: 8"));
    assert!(plain.contains("period: 60"));
    assert!(plain.contains("issuer: \"Piped\""));
}

#[test]
fn add_refuses_bad_input_and_leaves_the_vault_alone() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    let before = tv.bytes();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "add",
                "--issuer",
                "X",
                "--account",
                "y",
                "--secret",
                "JBSW0Y3DP",
            ],
            "'0' at position 5",
        ),
        (
            &["add", "--issuer", "X", "--account", "y", "--secret", ""],
            "the secret is empty",
        ),
        (
            &[
                "add",
                "--issuer",
                "X",
                "--account",
                "y",
                "--secret",
                "JBSWY3DP",
                "--digits",
                "11",
            ],
            "11 digits is out of range",
        ),
        (
            &[
                "add",
                "--issuer",
                "X",
                "--account",
                "y",
                "--secret",
                "JBSWY3DP",
                "--period",
                "0",
            ],
            "period of 0 s",
        ),
        (
            &["add", "--account", "", "--secret", "JBSWY3DP"],
            "needs a name",
        ),
        (
            &[
                "add",
                "--uri",
                "otpauth://totp/x?secret=JBSWY3DP&algorithm=MD5",
            ],
            "unknown algorithm 'MD5'",
        ),
        (
            &["add", "--uri", "https://example.com"],
            "not an otpauth:// URI",
        ),
        (
            &[
                "add",
                "--issuer",
                "GitHub",
                "--account",
                "me",
                "--secret",
                RFC_SECRET_B32,
            ],
            "already in the vault",
        ),
        (
            &["add", "--issuer", "X", "--account", "y"],
            "no secret given",
        ),
    ];
    for (args, needle) in cases {
        tv.cmd()
            .args(*args)
            .assert()
            .code(1)
            .stderr(contains(*needle).and(contains("error: ")))
            .stdout("");
        assert_eq!(tv.bytes(), before, "{args:?} changed the vault");
    }
}

#[test]
fn short_secrets_are_accepted_with_a_warning() {
    let tv = TestVault::new();
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Token",
            "--account",
            "t",
            "--secret",
            "JBSWY3DPEHPK3PXP",
        ])
        .assert()
        .success()
        .stderr(contains("warning: the secret is only 80 bits"));
}

// ---------- remove / edit ----------

#[test]
fn remove_needs_confirmation_or_yes() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.add("GitLab", "me", RFC_SECRET_B32);
    let before = tv.bytes();
    tv.cmd()
        .args(["remove", "github"])
        .assert()
        .code(1)
        .stderr(contains("without confirmation").and(contains("--yes")));
    assert_eq!(tv.bytes(), before);
    tv.cmd().args(["remove", "me", "--yes"]).assert().code(3);
    tv.cmd().args(["remove", "nope", "--yes"]).assert().code(2);
    assert_eq!(tv.bytes(), before);
    tv.cmd()
        .args(["remove", "github", "--yes"])
        .assert()
        .success()
        .stdout("removed 'GitHub:me'\n");
    tv.cmd().args(["code", "github"]).assert().code(2);
    tv.cmd().args(["code", "gitlab"]).assert().success();
}

#[test]
fn edit_changes_fields_and_checks_them() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.cmd()
        .args([
            "edit",
            "github",
            "--issuer",
            "GitHub Enterprise",
            "--digits",
            "8",
            "--note",
            "work laptop",
            "--serial",
            "SN-1",
        ])
        .assert()
        .success()
        .stdout(contains("updated 'GitHub Enterprise:me'"));
    tv.cmd()
        .args(["code", "SN-1", "--at", "59"])
        .assert()
        .success()
        .stdout("94287082\n");
    let before = tv.bytes();
    tv.cmd()
        .args(["edit", "sn-1"])
        .assert()
        .code(1)
        .stderr(contains("nothing to change"));
    tv.cmd()
        .args(["edit", "sn-1", "--counter", "3"])
        .assert()
        .code(1)
        .stderr(contains("only to HOTP"));
    tv.cmd()
        .args(["edit", "sn-1", "--period", "0"])
        .assert()
        .code(1)
        .stderr(contains("period of 0 s"));
    tv.cmd()
        .args(["edit", "zzz", "--digits", "6"])
        .assert()
        .code(2);
    assert_eq!(tv.bytes(), before);
    let plain = tv.plaintext();
    assert!(plain.contains("note: Some(\"work laptop\")"), "{plain}");
}

// ---------- init / passwd / unlocking ----------

#[test]
fn init_refuses_an_existing_vault() {
    let tv = TestVault::new();
    let before = tv.bytes();
    tv.cmd()
        .arg("init")
        .assert()
        .code(1)
        .stderr(contains("a vault already exists"));
    assert_eq!(tv.bytes(), before);
}

#[cfg(unix)]
#[test]
fn init_creates_private_files_and_folders() {
    use std::os::unix::fs::PermissionsExt;
    let tv = TestVault::new();
    tv.add("A", "a", RFC_SECRET_B32);
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&tv.vault), 0o600);
    assert_eq!(mode(tv.vault.parent().unwrap()), 0o700);
    assert_eq!(mode(&tv.vault.with_file_name("vault.age.bak")), 0o600);
    assert_eq!(mode(&tv.vault.with_file_name("vault.age.lock")), 0o600);
}

#[test]
fn passphrase_vault_round_trip_and_errors() {
    let tv = TestVault::with_passphrase("correct horse battery");
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.cmd()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
    let before = tv.bytes();
    // Wrong passphrase, through stdin.
    let mut cmd = keyfob();
    cmd.args(["--vault"])
        .arg(&tv.vault)
        .args(["--passphrase-file", "-", "list"]);
    cmd.write_stdin("wrong\n")
        .assert()
        .code(1)
        .stderr(contains("wrong passphrase"));
    // No terminal and no passphrase file.
    keyfob()
        .arg("--vault")
        .arg(&tv.vault)
        .arg("list")
        .assert()
        .code(1)
        .stderr(
            contains("no terminal to ask for the passphrase").and(contains("--passphrase-file")),
        );
    // An identity does not open a passphrase vault: it says so.
    keyfob()
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--identity")
        .arg(identity_file())
        .args(["--passphrase-file", "-", "list"])
        .write_stdin("correct horse battery\n")
        .assert()
        .success();
    assert_eq!(tv.bytes(), before);
}

#[test]
fn passwd_switches_between_passphrase_and_identity() {
    let tv = TestVault::with_passphrase("old");
    tv.add("GitHub", "me", RFC_SECRET_B32);
    let new_pass = tv.dir.path().join("new.txt");
    fs::write(&new_pass, "new passphrase\n").unwrap();
    tv.cmd()
        .arg("passwd")
        .arg("--new-passphrase-file")
        .arg(&new_pass)
        .assert()
        .success()
        .stdout(contains("a new passphrase"));
    tv.cmd()
        .arg("list")
        .assert()
        .code(1)
        .stderr(contains("wrong passphrase"));
    let with_new = || {
        let mut cmd = keyfob();
        cmd.arg("--vault")
            .arg(&tv.vault)
            .arg("--passphrase-file")
            .arg(&new_pass);
        cmd
    };
    with_new().args(["code", "github"]).assert().success();
    // Now to the test identity's public key.
    let public = "age1nfx486zw0u0c5ml0ckyhnvf8d9ugeg0kpd2en6xq5uwvl2zkzgfqnnhkn8";
    with_new()
        .args(["passwd", "--recipient", public])
        .assert()
        .success();
    with_new()
        .arg("list")
        .assert()
        .code(1)
        .stderr(contains("needs an identity"));
    keyfob()
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--identity")
        .arg(identity_file())
        .args(["code", "github"])
        .assert()
        .success();
}

#[test]
fn ssh_keys_open_vaults() {
    for key in ["ssh_ed25519", "ssh_rsa"] {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.age");
        let run = || {
            let mut cmd = keyfob();
            cmd.arg("--vault")
                .arg(&vault)
                .arg("--identity")
                .arg(key_file(key));
            cmd
        };
        run()
            .arg("init")
            .assert()
            .success()
            .stdout(contains("1 recipient"));
        run()
            .args([
                "add",
                "--issuer",
                "S",
                "--account",
                key,
                "--secret",
                RFC_SECRET_B32,
            ])
            .assert()
            .success();
        run()
            .args(["code", key, "--at", "59"])
            .assert()
            .success()
            .stdout("287082\n");
    }
}

#[test]
fn init_with_extra_recipients_and_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.age");
    let ssh_pub = fs::read_to_string(key_file("ssh_ed25519.pub")).unwrap();
    keyfob()
        .arg("--vault")
        .arg(&vault)
        .arg("--identity")
        .arg(identity_file())
        .args(["init", "--recipient", ssh_pub.trim()])
        .assert()
        .success()
        .stdout(contains("2 recipient"));
    // Either key opens it.
    keyfob()
        .arg("--vault")
        .arg(&vault)
        .arg("--identity")
        .arg(key_file("ssh_ed25519"))
        .arg("list")
        .assert()
        .success();
    keyfob()
        .arg("--vault")
        .arg(dir.path().join("other.age"))
        .args(["init", "--recipient", "bob@example.com"])
        .assert()
        .code(1)
        .stderr(contains("'bob@example.com' is not a recipient"));
    assert!(!dir.path().join("other.age").exists());
}

#[test]
fn each_way_a_vault_fails_to_open_has_its_own_message() {
    let tv = TestVault::new();
    for i in 0..30 {
        tv.add("Filler", &format!("user{i}"), RFC_SECRET_B32);
    }
    let good = tv.bytes();
    let other_identity = tv.dir.path().join("other.txt");
    {
        use age::secrecy::ExposeSecret;
        let key = age::x25519::Identity::generate().to_string();
        fs::write(&other_identity, key.expose_secret()).unwrap();
        crate::common::private(&other_identity);
    }
    let mut tampered = good.clone();
    let at = tampered.len() - 40;
    tampered[at] ^= 0x20;
    let cases: Vec<(&str, Option<Vec<u8>>, bool, &str)> = vec![
        ("missing", None, false, "no vault at"),
        (
            "not age",
            Some(b"(version: 1, entries: [])".to_vec()),
            false,
            "is not an age-encrypted file",
        ),
        // One byte short: a cut whose remaining body happens to fit the padding (one length
        // in 256, and the header's length varies with age's random grease stanza) cannot be
        // told from a modification, so a cut at a fixed fraction failed now and then.
        (
            "truncated",
            Some(good[..good.len() - 1].to_vec()),
            false,
            "is truncated",
        ),
        ("tampered", Some(tampered), false, "failed authentication"),
        (
            "other identity",
            Some(good.clone()),
            true,
            "none of the given identities matches",
        ),
    ];
    // `code` reads an identity vault its own way (straight from the file); the errors must
    // be the same.
    for command in [&["list"][..], &["code", "user1"][..]] {
        check_vault_errors(&tv, &other_identity, &cases, command);
    }
    // Missing says how to create a vault.
    keyfob()
        .arg("--vault")
        .arg(tv.dir.path().join("missing.age"))
        .arg("list")
        .assert()
        .stderr(contains("keyfob init"));
}

fn check_vault_errors(
    tv: &TestVault,
    other_identity: &Path,
    cases: &[(&str, Option<Vec<u8>>, bool, &str)],
    command: &[&str],
) {
    let mut seen = Vec::new();
    for (name, content, use_other, needle) in cases.iter().cloned() {
        let path = tv
            .dir
            .path()
            .join(format!("{}.age", name.replace(' ', "-")));
        if let Some(bytes) = &content {
            fs::write(&path, bytes).unwrap();
        }
        let identity = if use_other {
            other_identity.to_path_buf()
        } else {
            identity_file()
        };
        let out = keyfob()
            .arg("--vault")
            .arg(&path)
            .arg("--identity")
            .arg(&identity)
            .args(command)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name} ({command:?})");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let first = stderr.lines().next().unwrap().to_string();
        assert!(first.contains(needle), "{name}: {stderr}");
        assert!(
            stderr.lines().count() <= 2,
            "{name}: one line plus a hint: {stderr}"
        );
        assert!(!seen.contains(&first), "{name} is not distinct: {first}");
        seen.push(first);
        if let Some(bytes) = content {
            assert_eq!(fs::read(&path).unwrap(), bytes, "{name}: file changed");
        }
    }
}

#[test]
fn a_damaged_vault_points_at_the_backup() {
    let tv = TestVault::new();
    tv.add("A", "a", RFC_SECRET_B32);
    tv.add("B", "b", RFC_SECRET_B32);
    let mut bytes = tv.bytes();
    bytes.truncate(bytes.len() - 10);
    fs::write(&tv.vault, &bytes).unwrap();
    tv.cmd()
        .arg("list")
        .assert()
        .code(1)
        .stderr(contains("hint: the previous version is kept in").and(contains("vault.age.bak")));
    // The backup holds the vault before the last change and opens.
    keyfob()
        .arg("--vault")
        .arg(tv.vault.with_file_name("vault.age.bak"))
        .arg("--identity")
        .arg(identity_file())
        .arg("list")
        .assert()
        .success()
        .stdout(contains("A  ").and(contains("B  ").not()));
}

#[test]
fn stock_age_decrypts_the_vault() {
    if std::process::Command::new("age")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("note: stock `age` is not installed (Debian package `age`); skipping");
        return;
    }
    let tv = TestVault::new();
    tv.add("Contoso", "helga@contoso.com", MS_SECRET);
    let out = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity_file())
        .arg(&tv.vault)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ron = String::from_utf8(out.stdout).unwrap();
    assert!(
        ron.starts_with("(\n  version: 2,\n  generation: 2,"),
        "{ron}"
    );
    assert!(
        ron.contains("\n    (\n      id: \""),
        "entries carry ids: {ron}"
    );
    assert!(
        ron.contains("secret: \"2234567ABCDEF2234567ABCDEF\""),
        "{ron}"
    );
    assert!(ron.contains("account: \"helga@contoso.com\""));
    // The passphrase flavour: stock age asks on a terminal, so only the library checks it.
}

// ---------- generate ----------

#[test]
fn generate_prints_fresh_base32_secrets() {
    let out = keyfob()
        .args(["generate", "--count", "3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert_eq!(line.len(), 32, "160 bits = 32 Base32 characters");
        assert!(
            line.chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        );
    }
    assert_ne!(lines[0], lines[1]);
    keyfob()
        .args(["generate", "--bits", "100"])
        .assert()
        .code(1)
        .stderr(contains("multiple of 8"));
    keyfob()
        .args(["generate", "--period", "45"])
        .assert()
        .code(1)
        .stderr(contains("not 30 or 60"));
}

#[test]
fn generate_entra_csv_and_add_for_activation() {
    let tv = TestVault::new();
    let out = tv
        .cmd()
        .args([
            "generate",
            "--entra-csv",
            "--upn",
            "helga@contoso.com",
            "--upn",
            "ivan@contoso.com",
            "--serial-start",
            "KF0009",
            "--manufacturer",
            "Contoso",
            "--model",
            "HardwareKey",
            "--period",
            "60",
            "--add",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "upn,serial number,secret key,time interval,manufacturer,model"
    );
    assert!(lines[1].starts_with("helga@contoso.com,KF0009,"), "{csv}");
    assert!(lines[2].starts_with("ivan@contoso.com,KF0010,"), "{csv}");
    assert!(lines[2].ends_with(",60,Contoso,HardwareKey"), "{csv}");
    // The admin reads token KF0010's code at the portal's Activate step.
    let secret = lines[2].split(',').nth(2).unwrap();
    let expected = keyfob::engine::otp::totp(
        &keyfob::engine::secret::Secret::parse_base32(secret).unwrap(),
        keyfob::engine::otp::Algorithm::Sha1,
        6,
        60,
        1_700_000_000,
    )
    .unwrap();
    tv.cmd()
        .args(["code", "KF0010", "--at", "1700000000"])
        .assert()
        .success()
        .stdout(format!("{expected}\n"));
    tv.cmd()
        .args(["generate", "--count", "3", "--upn", "a@b"])
        .assert()
        .code(1)
        .stderr(contains("one UPN per token"));
    tv.cmd()
        .args(["generate", "--entra-csv"])
        .assert()
        .code(1)
        .stderr(contains("--serial-start"));
}

// ---------- import / export ----------

#[test]
fn import_otpauth_with_duplicates_failures_and_dry_run() {
    let tv = TestVault::new();
    tv.add("Existing", "me", RFC_SECRET_B32);
    let file = tv.dir.path().join("codes.txt");
    fs::write(
        &file,
        "# my codes\n\
         otpauth://totp/Existing:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\
         \n\
         otpauth://totp/New:one?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n\
         otpauth://hotp/New:two?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&counter=5\n\
         otpauth://totp/Bad:three?secret=JBSW1Y3DP\n",
    )
    .unwrap();
    let before = tv.bytes();
    tv.cmd()
        .arg("import")
        .arg(&file)
        .arg("--dry-run")
        .assert()
        .code(4)
        .stdout(contains("would add 2, skipped 1 duplicate, failed 1").and(contains("dry run")))
        .stderr(contains("line 6: secret parameter: '1' at position 5"));
    assert_eq!(tv.bytes(), before);
    tv.cmd()
        .args(["import", "--format", "otpauth", "-"])
        .write_stdin(fs::read(&file).unwrap())
        .assert()
        .code(4)
        .stdout(contains("added 2, skipped 1 duplicate, failed 1"));
    tv.cmd().args(["code", "new:two"]).assert().success();
    // Again: everything is a duplicate now.
    tv.cmd()
        .arg("import")
        .arg(&file)
        .assert()
        .code(4)
        .stdout(contains("added 0, skipped 3 duplicates"));
}

#[test]
fn import_refuses_unknown_content_and_missing_files() {
    let tv = TestVault::new();
    let before = tv.bytes();
    let file = tv.dir.path().join("notes.txt");
    fs::write(&file, "just some notes\n").unwrap();
    tv.cmd()
        .arg("import")
        .arg(&file)
        .assert()
        .code(1)
        .stderr(contains("matches no known export format").and(contains("otpauth")));
    tv.cmd()
        .arg("import")
        .arg(tv.dir.path().join("nope.json"))
        .assert()
        .code(1)
        .stderr(contains("cannot read").and(contains("nope.json")));
    tv.cmd()
        .args(["import", "--format", "keepass"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(contains("invalid value 'keepass' for '--format <FORMAT>'"));
    assert_eq!(tv.bytes(), before);
}

#[test]
fn export_otpauth_needs_plaintext_and_writes_0600() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.cmd()
        .args(["export", "--format", "otpauth"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("--plaintext"));
    tv.cmd()
        .args(["export", "--format", "otpauth", "--plaintext"])
        .assert()
        .success()
        .stdout(format!(
            "otpauth://totp/GitHub:me?secret={RFC_SECRET_B32}&issuer=GitHub&algorithm=SHA1&digits=6&period=30\n"
        ));
    let out = tv.dir.path().join("export.txt");
    tv.cmd()
        .args(["export", "--format", "otpauth", "--plaintext", "--output"])
        .arg(&out)
        .assert()
        .success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Round trip into a second vault.
    let other = TestVault::new();
    other
        .cmd()
        .arg("import")
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("added 1"));
    other
        .cmd()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
}

#[test]
fn export_entra_csv_lists_what_entra_would_refuse() {
    let tv = TestVault::new();
    tv.cmd()
        .args([
            "generate",
            "--serial-start",
            "T1",
            "--upn",
            "a@contoso.com",
            "--add",
        ])
        .assert()
        .success();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.cmd()
        .args(["export", "--format", "entra-csv", "--plaintext"])
        .assert()
        .success()
        .stdout(contains("a@contoso.com,T1,"))
        .stderr(contains("left out 'GitHub:me': it has no serial number"));
}

// ---------- misc ----------

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    keyfob()
        .arg("frobnicate")
        .assert()
        .code(1)
        .stderr(contains("unrecognized subcommand"));
    keyfob().args(["code"]).assert().code(1);
    keyfob()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Exit status"));
    keyfob()
        .arg("--version")
        .assert()
        .success()
        .stdout(contains("keyfob "));
}

#[test]
fn completions_are_printed() {
    keyfob()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(contains("_keyfob()"));
}

#[test]
fn kefob_vault_env_is_honoured_and_flag_wins() {
    let tv = TestVault::new();
    tv.add("Env", "me", RFC_SECRET_B32);
    keyfob()
        .env("KEYFOB_VAULT", &tv.vault)
        .env("KEYFOB_IDENTITY", identity_file())
        .args(["code", "env"])
        .assert()
        .success();
    keyfob()
        .env("KEYFOB_VAULT", tv.dir.path().join("elsewhere.age"))
        .env("KEYFOB_IDENTITY", identity_file())
        .arg("--vault")
        .arg(&tv.vault)
        .args(["code", "env"])
        .assert()
        .success();
}

#[test]
fn bad_config_is_named() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    let config = tv.dir.path().join("config.ron");
    fs::write(&config, "(\n  clipboard_clear_secs: 5,\n)\n").unwrap();
    // Issue 9 item 11: `list` and `code` use no setting, so a typo (or a setting from a
    // newer keyfob) is a warning and the code still comes out.
    for args in [&["list"][..], &["code", "GitHub"]] {
        tv.cmd()
            .arg("--config")
            .arg(&config)
            .args(args)
            .assert()
            .success()
            .stdout(contains("GitHub").or(predicates::str::is_match("^[0-9]{6}\n$").unwrap()))
            .stderr(
                contains("config.ron', line 2")
                    .and(contains("unknown setting 'clipboard_clear_secs'")),
            );
    }
    // A command that uses the setting refuses a bad value, and the hint names the setting.
    fs::write(&config, "(\n  clipboard_clear_seconds: \"5\",\n)\n").unwrap();
    tv.cmd()
        .arg("--config")
        .arg(&config)
        .args(["code", "GitHub", "--copy"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            contains("'clipboard_clear_seconds' takes seconds")
                .and(contains("hint: 'clipboard_clear_seconds' takes"))
                .and(contains("assets/").not()),
        );
}
