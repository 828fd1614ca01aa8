//! Bad input, table-driven: wrong flags, bad secrets and URIs, unreadable or damaged files.
//! Each case must print one `error: …` line naming the problem (plus at most one `hint: …`
//! line), exit 1 (or 2/3 for `code` lookups, as the contract says), and leave the vault and
//! its backup byte-identical.

use std::path::{Path, PathBuf};

use crate::common::*;

/// Where a case runs: the shared good vault, or a damaged copy of it.
#[derive(Clone, Copy, Debug)]
enum On {
    Good,
    NotAge,
    Truncated,
    Tampered,
    Passphrase,
    Missing,
}

struct Case {
    name: &'static str,
    on: On,
    /// Arguments after the global `--vault V` (and `--identity` for identity vaults).
    args: Vec<String>,
    stdin: &'static str,
    exit: i32,
    /// Text the error line must contain.
    says: &'static str,
    /// Leave out `--identity` (the case is about unlocking).
    no_identity: bool,
    env: Vec<(&'static str, &'static str)>,
}

fn case(name: &'static str, args: &[&str], says: &'static str) -> Case {
    Case {
        name,
        on: On::Good,
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin: "",
        exit: 1,
        says,
        no_identity: false,
        env: Vec::new(),
    }
}

impl Case {
    fn on(mut self, on: On) -> Case {
        self.on = on;
        self
    }
    fn exit(mut self, exit: i32) -> Case {
        self.exit = exit;
        self
    }
    fn stdin(mut self, stdin: &'static str) -> Case {
        self.stdin = stdin;
        self
    }
    fn no_identity(mut self) -> Case {
        self.no_identity = true;
        self
    }
    fn env(mut self, key: &'static str, value: &'static str) -> Case {
        self.env.push((key, value));
        self
    }
}

const S: &str = RFC_SECRET_B32;

fn add(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["add", "--issuer", "New", "--account", "one", "--secret", S]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn uri(u: &str) -> Vec<String> {
    vec!["add".into(), "--uri".into(), u.into()]
}

fn cases(files: &Path) -> Vec<Case> {
    let f = |name: &str| files.join(name).display().to_string();
    let with = |mut c: Case, args: Vec<String>| {
        c.args = args;
        c
    };
    vec![
        // --- add: flags
        with(
            case("digits too many", &[], "digits"),
            add(&["--digits", "11"]),
        ),
        with(
            case("digits too few", &[], "digits"),
            add(&["--digits", "5"]),
        ),
        with(
            case("digits not a number", &[], "--digits"),
            add(&["--digits", "six"]),
        ),
        with(
            case("period zero", &[], "period of 0 s"),
            add(&["--period", "0"]),
        ),
        with(
            case("period negative", &[], "--period"),
            add(&["--period", "-30"]),
        ),
        with(
            case("algorithm unknown", &[], "md5"),
            add(&["--algorithm", "md5"]),
        ),
        with(
            case("counter without hotp", &[], "--hotp"),
            add(&["--counter", "3"]),
        ),
        with(
            case("hotp and steam", &[], "--steam"),
            add(&["--hotp", "--steam"]),
        ),
        with(case("uri and issuer", &[], "--issuer"), {
            let mut v = uri("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
            v.extend(["--issuer".into(), "x".into()]);
            v
        }),
        case("no name", &["add", "--secret", S], "needs a name"),
        case(
            "no secret",
            &["add", "--issuer", "a", "--account", "b"],
            "no secret given",
        ),
        case("unknown flag", &["add", "--sekret", S], "--sekret"),
        // --- add: secrets
        case(
            "secret with a zero",
            &[
                "add",
                "--issuer",
                "a",
                "--account",
                "b",
                "--secret",
                "JBSW0Y3DP",
            ],
            "'0' at position 5",
        ),
        case(
            "secret with a one",
            &[
                "add",
                "--issuer",
                "a",
                "--account",
                "b",
                "--secret",
                "JBSWY1DP",
            ],
            "'1' at position 6",
        ),
        case(
            "secret with punctuation",
            &[
                "add",
                "--issuer",
                "a",
                "--account",
                "b",
                "--secret",
                "JBSW!Y3DP",
            ],
            "'!' at position 5",
        ),
        case(
            "secret empty",
            &["add", "--issuer", "a", "--account", "b", "--secret", ""],
            "empty",
        ),
        case(
            "secret only padding",
            &[
                "add",
                "--issuer",
                "a",
                "--account",
                "b",
                "--secret",
                "== --",
            ],
            "empty",
        ),
        case(
            "secret impossible length",
            &["add", "--issuer", "a", "--account", "b", "--secret", "A"],
            "Base32 characters",
        ),
        case(
            "secret from empty stdin",
            &["add", "--issuer", "a", "--account", "b", "--secret-stdin"],
            "empty",
        ),
        case(
            "secret stdin not base32",
            &["add", "--issuer", "a", "--account", "b", "--secret-stdin"],
            "'8' at position 1",
        )
        .stdin("8BSWY3DP\n"),
        case(
            "secret non-ascii",
            &[
                "add",
                "--issuer",
                "a",
                "--account",
                "b",
                "--secret",
                "ÄBSWY3DP",
            ],
            "'Ä' at position 1",
        ),
        case(
            "duplicate account",
            &[
                "add",
                "--issuer",
                "GitHub",
                "--account",
                "me",
                "--secret",
                S,
            ],
            "already in the vault",
        ),
        // --- add: URIs
        with(
            case("uri not otpauth", &[], "not an otpauth:// URI"),
            uri("https://example.com/totp"),
        ),
        with(
            case("uri unknown type", &[], "unknown OTP type 'motp'"),
            uri("otpauth://motp/a?secret=JBSWY3DPEHPK3PXP"),
        ),
        with(
            case("uri no secret", &[], "no 'secret='"),
            uri("otpauth://totp/a?issuer=b"),
        ),
        with(
            case("uri empty secret", &[], "empty"),
            uri("otpauth://totp/a?secret="),
        ),
        with(
            case("uri bad secret", &[], "'1' at position 1"),
            uri("otpauth://totp/a?secret=1BSWY3DP"),
        ),
        with(
            case("uri digits word", &[], "digits='ten'"),
            uri("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=ten"),
        ),
        with(
            case("uri digits 12", &[], "digits"),
            uri("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12"),
        ),
        with(
            case("uri period zero", &[], "period of 0 s"),
            uri("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0"),
        ),
        with(
            case("uri period negative", &[], "period='-1'"),
            uri("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=-1"),
        ),
        with(
            case("uri counter huge", &[], "counter="),
            uri("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=99999999999999999999999"),
        ),
        with(
            case("uri algorithm", &[], "unknown algorithm 'MD5'"),
            uri("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5"),
        ),
        with(
            case("uri no label", &[], "neither an issuer nor an account"),
            uri("otpauth://totp/?secret=JBSWY3DPEHPK3PXP"),
        ),
        with(
            case("uri bad encoding", &[], "not valid UTF-8"),
            uri("otpauth://totp/%FF%FE?secret=JBSWY3DPEHPK3PXP"),
        ),
        with(
            case("uri migration", &[], "not an otpauth:// URI"),
            uri("otpauth-migration://offline?data=CjEKCkhlbGxvId"),
        ),
        // --- code, remove, edit, list
        case(
            "code no match",
            &["code", "nothing-like-this"],
            "no entry matches",
        )
        .exit(2),
        case("code several", &["code", "me"], "matches 2 entries").exit(3),
        case(
            "code bad time",
            &["code", "GitHub", "--at", "yesterday"],
            "--at",
        ),
        case(
            "code time overflow",
            &["code", "GitHub", "--at", "99999999999999999999"],
            "--at",
        ),
        case("list negative time", &["list", "--at", "-5"], "--at"),
        case(
            "remove unconfirmed",
            &["remove", "GitHub"],
            "without confirmation",
        ),
        case(
            "remove no match",
            &["remove", "nope", "--yes"],
            "no entry matches",
        )
        .exit(2),
        case("edit nothing", &["edit", "GitHub"], "nothing to change"),
        case(
            "edit digits",
            &["edit", "GitHub", "--digits", "12"],
            "digits",
        ),
        case(
            "edit period",
            &["edit", "GitHub", "--period", "0"],
            "period of 0 s",
        ),
        case(
            "edit counter on totp",
            &["edit", "GitHub", "--counter", "4"],
            "HOTP",
        ),
        case(
            "edit no match",
            &["edit", "nope", "--note", "x"],
            "no entry matches",
        )
        .exit(2),
        case(
            "edit several",
            &["edit", "me", "--note", "x"],
            "matches 2 entries",
        )
        .exit(3),
        case(
            "edit into a duplicate",
            &["edit", "GitHub", "--issuer", "GitLab"],
            "already",
        ),
        // --- import / export
        case(
            "import missing file",
            &["import", &f("nope.txt")],
            "cannot read",
        ),
        case(
            "import a folder",
            &["import", &f("")],
            "is a folder, not a regular file",
        ),
        case(
            "import unknown content",
            &["import", &f("garbage.json")],
            "matches no known export format",
        ),
        case(
            "import empty file",
            &["import", &f("empty.txt")],
            "matches no known export format",
        ),
        case(
            "import unknown format",
            &["import", "--format", "keepass", &f("good.txt")],
            "invalid value 'keepass' for '--format <FORMAT>'",
        ),
        case(
            "import not utf-8",
            &["import", "--format", "otpauth", &f("binary.bin")],
            "not UTF-8",
        ),
        case(
            "import stdin garbage",
            &["import", "-"],
            "matches no known export format",
        )
        .stdin("hello\n"),
        case(
            "export without plaintext",
            &["export", "--format", "otpauth"],
            "in the clear",
        ),
        case(
            "export qr without plaintext",
            &["export", "--format", "qr"],
            "QR",
        ),
        case(
            "export unknown format",
            &["export", "--format", "csv", "--plaintext"],
            "csv",
        ),
        case(
            "export into missing folder",
            &[
                "export",
                "--format",
                "otpauth",
                "--plaintext",
                "--output",
                &f("no/such/dir/out.txt"),
            ],
            "cannot write",
        ),
        // --- generate, completions, unknown commands
        case(
            "generate bad period",
            &["generate", "--period", "45"],
            "'45' is not 30 or 60",
        ),
        case("generate bad bits", &["generate", "--bits", "7"], "bits"),
        case(
            "generate count vs upn",
            &["generate", "--count", "2", "--upn", "a@b.c"],
            "--count 2 but 1 --upn",
        ),
        case("completions unknown shell", &["completions", "cmd"], "cmd"),
        case("unknown command", &["frobnicate"], "frobnicate"),
        // --- init, passwd
        case("init over a vault", &["init"], "already exists"),
        case(
            "init bad recipient",
            &[
                "init",
                "--vault",
                &f("new2/vault.age"),
                "--recipient",
                "age1bogus",
            ],
            "not a recipient",
        ),
        case(
            "passwd bad recipient",
            &["passwd", "--recipient", "ssh-ed25519 nonsense"],
            "not a recipient",
        ),
        case(
            "passwd missing passphrase file",
            &["passwd", "--new-passphrase-file", &f("nope.txt")],
            "cannot read passphrase file",
        ),
        case(
            "passwd empty passphrase",
            &["passwd", "--new-passphrase-file", &f("empty.txt")],
            "empty",
        ),
        // --- unlocking and damaged vaults
        case(
            "identity missing",
            &["list", "--identity", &f("nope.key")],
            "cannot read identity file",
        )
        .no_identity(),
        case(
            "identity garbage",
            &["list", "--identity", &f("garbage.json")],
            "not a valid age identity",
        )
        .no_identity(),
        case(
            "identity wrong",
            &[
                "list",
                "--identity",
                &key_file("ssh_ed25519").display().to_string(),
            ],
            "none of the given identities",
        )
        .no_identity(),
        case("identity needed", &["list"], "needs an identity").no_identity(),
        case(
            "config missing (the screen uses it)",
            &["ui", "--config", &f("nope.ron")],
            "cannot read config file",
        ),
        case(
            "config bad value for the screen",
            &["ui", "--config", &f("bad-config.ron")],
            "'colors' takes true or false",
        ),
        case("vault not age", &["list"], "not an age-encrypted file").on(On::NotAge),
        case("vault truncated", &["list"], "truncated").on(On::Truncated),
        case("vault tampered", &["list"], "modified or damaged").on(On::Tampered),
        case("vault missing", &["list"], "no vault at").on(On::Missing),
        case(
            "add to missing vault",
            &add(&[]).iter().map(String::as_str).collect::<Vec<_>>(),
            "no vault at",
        )
        .on(On::Missing),
        case(
            "passphrase wrong",
            &["list", "--passphrase-file", &f("wrong-pass.txt")],
            "wrong passphrase",
        )
        .on(On::Passphrase)
        .no_identity(),
        case(
            "passphrase file missing",
            &["list", "--passphrase-file", &f("nope.txt")],
            "cannot read passphrase file",
        )
        .on(On::Passphrase)
        .no_identity(),
        case("passphrase no terminal", &["list"], "no terminal")
            .on(On::Passphrase)
            .no_identity(),
        case(
            "scrypt factor bad",
            &[
                "init",
                "--vault",
                &f("new/vault.age"),
                "--passphrase-file",
                &f("wrong-pass.txt"),
            ],
            "KEYFOB_SCRYPT_LOG_N",
        )
        .no_identity()
        .env("KEYFOB_SCRYPT_LOG_N", "99")
        .stdin(""),
    ]
}

/// Files the cases point at.
fn inputs(dir: &Path) {
    // 0600, as a person's identity and passphrase files are (wider ones get a warning).
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes).unwrap();
        crate::common::private(&dir.join(name));
    };
    write("garbage.json", b"{\"hello\": [1, 2, 3]}\n");
    write("empty.txt", b"");
    write("good.txt", b"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP\n");
    write("binary.bin", &[0xff, 0xfe, 0x00, 0x80, 0x81]);
    write("wrong-pass.txt", b"not the passphrase\n");
    write("bad-config.ron", b"(colors: 5)\n");
}

/// A vault for each `On`, and the bytes of every file in its folder before the case.
fn vault_for(on: On, good: &TestVault, scratch: &Path) -> PathBuf {
    let dir = scratch.join(format!("{on:?}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vault.age");
    let bytes = good.bytes();
    match on {
        On::Good => return good.vault.clone(),
        On::Missing => {}
        On::NotAge => std::fs::write(&path, b"this is not an age file\n").unwrap(),
        On::Truncated => std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap(),
        On::Tampered => {
            let mut b = bytes.clone();
            let at = b.len() - 20;
            b[at] ^= 0x40;
            std::fs::write(&path, b).unwrap();
        }
        On::Passphrase => {
            std::fs::remove_dir_all(&dir).unwrap();
            return passphrase_vault(scratch);
        }
    }
    path
}

fn passphrase_vault(scratch: &Path) -> PathBuf {
    let path = scratch.join("pass/vault.age");
    if !path.exists() {
        let pass = scratch.join("pass.txt");
        std::fs::write(&pass, "right\n").unwrap();
        keyfob()
            .env("KEYFOB_SCRYPT_LOG_N", "10")
            .arg("--vault")
            .arg(&path)
            .arg("--passphrase-file")
            .arg(&pass)
            .arg("init")
            .assert()
            .success();
    }
    path
}

/// Every file in the vault's folder, with its bytes.
fn snapshot(vault: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(listing) = std::fs::read_dir(vault.parent().unwrap()) else {
        return Vec::new();
    };
    let mut files: Vec<_> = listing
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .filter(|(name, _)| name != "vault.age.lock")
        .collect();
    files.sort();
    files
}

#[test]
fn bad_inputs_fail_clearly_and_change_nothing() {
    let good = TestVault::new();
    good.add("GitHub", "me", RFC_SECRET_B32);
    good.add("GitLab", "me", RFC_SECRET_B32);
    let scratch = tempfile::tempdir().unwrap();
    inputs(scratch.path());
    let all = cases(scratch.path());
    assert!(all.len() >= 50, "only {} cases", all.len());
    let mut problems = Vec::new();
    for c in &all {
        let vault = vault_for(c.on, &good, scratch.path());
        let before = snapshot(&vault);
        let mut cmd = keyfob();
        cmd.env("KEYFOB_SCRYPT_LOG_N", "10");
        for (k, v) in &c.env {
            cmd.env(k, v);
        }
        if !c.args.iter().any(|a| a == "--vault") {
            cmd.arg("--vault").arg(&vault);
        }
        if !c.no_identity {
            cmd.arg("--identity").arg(identity_file());
        }
        let out = cmd.args(&c.args).write_stdin(c.stdin).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let lines: Vec<&str> = stderr.lines().collect();
        let shape_ok = match lines.as_slice() {
            [error] => error.starts_with("error: "),
            [error, hint] => error.starts_with("error: ") && hint.starts_with("hint: "),
            _ => false,
        };
        let mut wrong = Vec::new();
        if out.status.code() != Some(c.exit) {
            wrong.push(format!("exit {:?}, expected {}", out.status.code(), c.exit));
        }
        if !shape_ok {
            wrong.push("stderr is not one error line plus at most one hint line".into());
        }
        if !lines.first().is_some_and(|l| l.contains(c.says)) {
            wrong.push(format!("the error does not say {:?}", c.says));
        }
        if !out.stdout.is_empty() {
            wrong.push(format!(
                "stdout not empty: {:?}",
                String::from_utf8_lossy(&out.stdout)
            ));
        }
        if snapshot(&vault) != before {
            wrong.push("the vault folder changed".into());
        }
        if !wrong.is_empty() {
            problems.push(format!(
                "{} ({}): {}\n    stderr: {stderr:?}",
                c.name,
                c.args.join(" "),
                wrong.join("; ")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} bad-input cases misbehaved:\n{}",
        problems.len(),
        all.len(),
        problems.join("\n")
    );
    eprintln!("bad input: {} cases, each one clear error line", all.len());
}
