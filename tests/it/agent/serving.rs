//! What the agent serves: codes without asking, every command through it, following the
//! vault file, many clients, a hardware key asked once — and no seed on the socket.

use predicates::prelude::*;
use predicates::str::contains;

use super::*;
use crate::unlocking::{PluginPath, Pty};

/// Issue 10's "done when": a passphrase vault, `keyfob unlock` typed once in a terminal, then
/// twenty `keyfob code` with no terminal and no key, each answered by the agent (no scrypt
/// in any of them).
#[test]
fn unlock_once_then_twenty_codes_ask_nothing() {
    let av = AgentVault::passphrase();
    let mut cmd = av.pty_command();
    cmd.arg("unlock");
    let mut pty = Pty::spawn(cmd);
    pty.wait_for("Passphrase for", 0);
    pty.send("agent test passphrase\r");
    assert_eq!(pty.exit_code(), 0, "{}", pty.output());
    assert!(pty.output().contains("unlocked vault"), "{}", pty.output());
    for _ in 0..20 {
        av.bare()
            .args(["code", "github", "--at", "59"])
            .env("KEYFOB_TEST_SCRYPT_REPORT", "1")
            .assert()
            .success()
            .stdout(format!("{RFC_CODE_AT_59}\n"))
            .stderr(contains("scrypt runs: 0"));
    }
}

/// The first command that asks a person leaves the vault unlocked: `keyfob code github`
/// typed in a terminal, then nineteen more with no terminal. Scripts that unlock with an
/// identity file (nobody asked) start no agent.
#[test]
fn the_first_command_that_asks_leaves_an_agent() {
    let av = AgentVault::passphrase();
    let mut cmd = av.pty_command();
    cmd.args(["code", "github", "--at", "59"]);
    let mut pty = Pty::spawn(cmd);
    pty.wait_for("Passphrase for", 0);
    pty.send("agent test passphrase\r");
    assert_eq!(pty.exit_code(), 0, "{}", pty.output());
    assert!(pty.output().contains(RFC_CODE_AT_59), "{}", pty.output());
    // The agent was started without waiting for it: give it a moment.
    let start = Instant::now();
    while av.pid().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no agent started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for _ in 0..19 {
        av.bare()
            .args(["code", "github", "--at", "59"])
            .assert()
            .success()
            .stdout(format!("{RFC_CODE_AT_59}\n"));
    }
    // A script with a passphrase file asked nobody: no agent of its own.
    let script = AgentVault::passphrase();
    script.cmd().args(["code", "github"]).assert().success();
    let identity = AgentVault::identity();
    identity.cmd().args(["code", "github"]).assert().success();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(script.pid(), None);
    assert_eq!(identity.pid(), None);
}

/// Every command that reads codes or changes entries goes through the agent (the bare
/// command has no key), gives the same output as without one — and none of it puts a seed
/// on the socket: every byte both ways is captured and searched for the secrets' Base32
/// (either case) and raw bytes.
#[test]
fn every_command_goes_through_the_agent_and_no_seed_crosses_the_socket() {
    let av = AgentVault::identity();
    av.unlock();
    let tap = av.tv.dir.path().join("tap.bin");
    let bare = || {
        let mut cmd = av.bare();
        cmd.env(keyfob::agent::client::TEST_TAP_VAR, &tap);
        cmd
    };
    const ADDED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const IMPORTED: &str = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";
    bare()
        .args(["add", "--issuer", "Bank", "--account", "bob", "--hotp"])
        .args(["--secret", ADDED])
        .assert()
        .success()
        .stdout(contains("added 'Bank:bob': code"));
    // HOTP: the agent issues the code at the stored counter and saves the next.
    bare()
        .args(["code", "bank", "--json"])
        .assert()
        .success()
        .stdout(contains("\"counter\": 0"));
    bare()
        .args(["code", "bank", "--json"])
        .assert()
        .success()
        .stdout(contains("\"counter\": 1"));
    let uris = av.tv.dir.path().join("uris.txt");
    std::fs::write(
        &uris,
        format!("otpauth://totp/Shop:carol?secret={IMPORTED}&issuer=Shop\n"),
    )
    .unwrap();
    bare()
        .arg("import")
        .arg(&uris)
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains("would add 1, skipped 0 duplicates"));
    bare()
        .arg("import")
        .arg(&uris)
        .assert()
        .success()
        .stdout(contains("added 1, skipped 0 duplicates"));
    bare()
        .arg("import")
        .arg(&uris)
        .assert()
        .success()
        .stdout(contains("added 0, skipped 1 duplicate"));
    bare()
        .args(["edit", "shop", "--note", "work", "--account", "carol2"])
        .assert()
        .success()
        .stdout(contains("updated 'Shop:carol2': code"));
    let generated = bare()
        .args(["generate", "--add", "--upn", "dan@contoso.com"])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let generated = String::from_utf8(generated.stdout)
        .unwrap()
        .trim()
        .to_string();
    bare()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout(format!("{RFC_CODE_AT_59}\n"));
    bare().args(["code", "nothing-like-it"]).assert().code(2);
    bare()
        .args(["code", "o"])
        .assert()
        .code(3)
        .stderr(contains("matches"));
    let list = bare()
        .args(["list", "--json", "--at", "59"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4, "{rows}");
    bare().args(["remove", "dan", "--yes"]).assert().success();
    // Seeds in the clear are not the agent's to give: export unlocks here, and without a key
    // it fails asking (no terminal), saying why.
    bare()
        .args(["export", "--format", "otpauth", "--plaintext"])
        .assert()
        .code(1)
        .stderr(contains("note: the agent never hands out seeds"));
    // The vault holds what the commands did.
    let entries = open_entries(&av.tv.vault).unwrap();
    let names: Vec<String> = entries.iter().map(|e| e.name()).collect();
    assert_eq!(names, ["GitHub:me", "Bank:bob", "Shop:carol2"], "{names:?}");
    assert_eq!(entries[1].counter, 2);
    assert_eq!(entries[2].note.as_deref(), Some("work"));
    // The socket's traffic, both ways.
    let traffic = std::fs::read(&tap).unwrap();
    assert!(traffic.len() > 1000, "the tap saw the traffic");
    for secret in [ADDED, IMPORTED, RFC_SECRET_B32, generated.as_str()] {
        for text in [secret.to_string(), secret.to_lowercase()] {
            assert!(
                !traffic.windows(text.len()).any(|w| w == text.as_bytes()),
                "{secret} crossed the socket"
            );
        }
        let raw = data_encoding::BASE32_NOPAD
            .decode(secret.as_bytes())
            .unwrap();
        assert!(
            !traffic.windows(raw.len()).any(|w| w == raw),
            "the raw bytes of {secret} crossed the socket"
        );
    }
}

/// The agent follows its vault file: a change written without it (a command that does not
/// see it, as from another machine through a synced folder) shows up in its next answer; a
/// vault deleted ends it.
#[test]
fn the_agent_follows_its_vault_file() {
    let av = AgentVault::identity();
    av.unlock();
    av.bare().args(["code", "github"]).assert().success();
    // A command whose runtime folder holds no agent writes the vault directly.
    let elsewhere = tempfile::tempdir().unwrap();
    av.cmd()
        .env("XDG_RUNTIME_DIR", elsewhere.path())
        .args(["add", "--issuer", "Behind", "--account", "me"])
        .args(["--secret", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"])
        .assert()
        .success();
    av.bare().args(["code", "behind"]).assert().success();
    // The vault replaced by another file (a sync client's rename).
    let other = av.tv.dir.path().join("other.age");
    library_vault(&other, numbered_entries(3));
    std::fs::rename(&other, &av.tv.vault).unwrap();
    av.bare().args(["code", "Issuer2"]).assert().success();
    av.bare().args(["code", "behind"]).assert().code(2);
    // Deleted: the agent ends, and its socket is gone.
    let pid = av.pid().unwrap();
    std::fs::remove_file(&av.tv.vault).unwrap();
    wait_dead(pid, Duration::from_secs(10));
    assert!(av.sockets().is_empty(), "{:?}", av.sockets());
}

/// Fifty clients at once, each its own `keyfob code` process: every one gets its code.
#[test]
fn fifty_clients_at_once() {
    let tv = TestVault::new();
    std::fs::remove_file(&tv.vault).unwrap();
    library_vault(&tv.vault, numbered_entries(100));
    let av = AgentVault::wrap(tv);
    av.unlock();
    let expected: Vec<String> = numbered_entries(100)
        .iter()
        .map(|e| e.code(1_700_000_000).unwrap().to_string())
        .collect();
    let children: Vec<_> = (0..50)
        .map(|i| {
            av.bare_std()
                .args([
                    "code",
                    &format!("user{i}@example.com"),
                    "--at",
                    "1700000000",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "client {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), expected[i]);
    }
    assert!(av.pid().is_some(), "the agent still serves");
}

/// A hardware key through its plugin: `keyfob unlock` asks for the PIN once (in a terminal),
/// then codes come with no terminal and no identity, and the plugin unwrapped the vault once.
#[test]
fn a_hardware_key_is_asked_once() {
    let Some(plugin) = PluginPath::new() else {
        return;
    };
    let (identity, _) = plugin.identity("key.txt", Some("4321"));
    let av = AgentVault::identity();
    // A new vault at the same path: this machine forgets what it trusted for the old one.
    std::fs::remove_file(&av.tv.vault).unwrap();
    std::fs::remove_dir_all(av.tv.state_dir()).unwrap();
    plugin.init(&av.tv.vault, &identity);
    let mut cmd = av.pty_command();
    cmd.env("PATH", plugin.path_var())
        .env("KEYFOBTEST_LOG", av.tv.dir.path().join("plugin.log"))
        .arg("--identity")
        .arg(&identity)
        .arg("unlock");
    let mut pty = Pty::spawn(cmd);
    pty.wait_for("PIN for the keyfobtest key:", 0);
    pty.send("4321\r");
    assert_eq!(pty.exit_code(), 0, "{}", pty.output());
    let runs = || {
        std::fs::read_to_string(av.tv.dir.path().join("plugin.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(runs(), ["unwrap"], "the unlock opened the vault once");
    let bare = || {
        let mut cmd = av.bare();
        cmd.env("PATH", plugin.path_var())
            .env("KEYFOBTEST_LOG", av.tv.dir.path().join("plugin.log"));
        cmd
    };
    bare()
        .args(["add", "--issuer", "GitHub", "--account", "me"])
        .args(["--secret", RFC_SECRET_B32])
        .assert()
        .success();
    for _ in 0..5 {
        bare()
            .args(["code", "github", "--at", "59"])
            .assert()
            .success()
            .stdout(format!("{RFC_CODE_AT_59}\n"));
    }
    // The agent's save sealed to the key (no PIN for that); nothing was unwrapped again.
    assert_eq!(runs(), ["unwrap", "wrap"]);
}

/// `keyfob code QUERY` with an agent takes a tuned path that skips the argument parser; it
/// says exactly what the ordinary path says (output, messages, exit statuses), and anything
/// it does not take (another option, a settings file) goes the ordinary way.
#[test]
fn the_tuned_code_path_says_what_the_ordinary_path_says() {
    let av = AgentVault::identity();
    av.cmd()
        .args(["add", "--issuer", "GitLab", "--account", "me"])
        .args(["--secret", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"])
        .assert()
        .success();
    av.unlock();
    let run = |ordinary: bool, args: &[&str]| {
        let mut cmd = av.bare_std();
        if ordinary {
            cmd.env(keyfob::cli::FAST_PATH_OFF_VAR, "1");
        }
        let out = cmd.args(args).output().unwrap();
        (out.status.code(), out.stdout, out.stderr)
    };
    for args in [
        &["code", "github", "--at", "59"][..],
        &["code", "--at=59", "gitlab"],
        &["code", "git", "--at", "59"],
        &["code", "nothing", "--at", "59"],
        &[
            "--identity",
            "/nonexistent/key.txt",
            "code",
            "github",
            "--at",
            "59",
        ],
        &["code", "github", "--json", "--at", "59"],
    ] {
        assert_eq!(run(false, args), run(true, args), "{args:?}");
    }
    let (code, _, stderr) = run(false, &["code", "git"]);
    assert_eq!(code, Some(3), "{}", String::from_utf8_lossy(&stderr));
    let (code, _, _) = run(false, &["code", "nothing"]);
    assert_eq!(code, Some(2));
}

/// The trust rules hold through the agent: a vault also sealed to a key this machine has not
/// trusted warns on every answer and refuses saves, as without an agent (and `keyfob trust`
/// unlocks directly, saying so).
#[test]
fn the_trust_rules_hold_through_the_agent() {
    let av = AgentVault::identity();
    let other = age::x25519::Identity::generate().to_public().to_string();
    av.cmd()
        .args([
            "passwd",
            "--recipient",
            &identity_recipient(),
            "--recipient",
            &other,
        ])
        .assert()
        .success();
    // A machine that has not seen the vault yet.
    std::fs::remove_dir_all(av.tv.state_dir()).unwrap();
    av.unlock();
    av.bare()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout(format!("{RFC_CODE_AT_59}\n"))
        .stderr(contains("has not trusted yet"));
    let before = av.tv.bytes();
    av.bare()
        .args(["add", "--issuer", "New", "--account", "x"])
        .args(["--secret", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"])
        .assert()
        .code(1)
        .stderr(contains("nothing was saved").and(contains("keyfob trust")));
    assert_eq!(
        av.tv.bytes(),
        before,
        "a refused change leaves the vault as it was"
    );
    av.cmd().arg("trust").assert().success().stderr(contains(
        "note: the recipients are reviewed on the vault opened here",
    ));
    av.bare()
        .args(["add", "--issuer", "New", "--account", "x"])
        .args(["--secret", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"])
        .assert()
        .success();
}

/// `watch` asks the agent for each code: with no key at all (and no terminal) it prints the
/// codes of successive periods, the same as `code --at` gives for each.
#[test]
fn watch_asks_the_agent_for_each_code() {
    use std::io::BufRead;
    let av = AgentVault::passphrase();
    av.unlock();
    let mut child = av
        .bare_std()
        .env("KEYFOB_TEST_CLOCK", "59")
        .args(["watch", "github"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_string());
    }
    drop(reader);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    let expected: Vec<String> = ["59", "60", "90"]
        .iter()
        .map(|at| {
            let out = av
                .bare()
                .args(["code", "github", "--at", at])
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        })
        .collect();
    assert_eq!(lines, expected, "{stderr}");
    assert_eq!(lines[0], RFC_CODE_AT_59);
}
