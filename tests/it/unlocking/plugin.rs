//! Hardware keys through age plugins, for real: the test plugin on PATH, its identity file as
//! `--identity`, its recipient as `--recipient`, its PIN typed in a pseudo-terminal.

use predicates::prelude::*;
use predicates::str::contains;

use super::*;

/// Regression (issue 10): an identity file with `AGE-PLUGIN-…` lines was refused ("uses an age
/// plugin"). Now init, add, code and list run end to end with it, the plugin runs once per
/// command that reads the vault, and stock age opens what keyfob sealed.
#[test]
fn a_plugin_identity_works_end_to_end() {
    let Some(plugin) = PluginPath::new() else {
        return;
    };
    let (identity, recipient) = plugin.identity("key.txt", None);
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.age");
    let run = |args: &[&str]| {
        let mut cmd = plugin.keyfob(&vault);
        cmd.arg("--identity").arg(&identity).args(args);
        cmd
    };
    run(&["init"])
        .assert()
        .success()
        .stdout(contains("protected by 1 recipient(s)"));
    assert_eq!(plugin.runs(), ["wrap"], "init seals once, opens nothing");
    run(&[
        "add",
        "--issuer",
        "GitHub",
        "--account",
        "me",
        "--secret",
        RFC_SECRET_B32,
    ])
    .assert()
    .success();
    run(&["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
    let out = run(&["list", "--json", "--at", "59"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["code"], "287082");
    assert_eq!(
        plugin.runs(),
        ["wrap", "unwrap", "wrap", "unwrap", "unwrap"],
        "add opens and seals once; code and list open once each"
    );
    // The vault names the plugin recipient, and stock age (with the plugin on PATH) opens it.
    let text = std::fs::read(&vault).unwrap();
    assert!(String::from_utf8_lossy(&text).contains("-> keyfobtest "));
    if stock_age() {
        let out = Command::new("age")
            .env("PATH", plugin.path_var())
            .arg("-d")
            .arg("-i")
            .arg(&identity)
            .arg(&vault)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ron = String::from_utf8(out.stdout).unwrap();
        assert!(
            ron.contains(&recipient) && ron.contains("issuer: \"GitHub\""),
            "{ron}"
        );
    }
}

#[test]
fn plugin_recipients_for_init_and_passwd() {
    let Some(plugin) = PluginPath::new() else {
        return;
    };
    let (identity, recipient) = plugin.identity("key.txt", None);
    let dir = tempfile::tempdir().unwrap();
    // init --recipient age1keyfobtest1… (no identity at hand).
    let vault = dir.path().join("a.age");
    plugin
        .keyfob(&vault)
        .args(["init", "--recipient", &recipient])
        .assert()
        .success();
    plugin
        .keyfob(&vault)
        .arg("--identity")
        .arg(&identity)
        .args(["list", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
    // passwd moves a passphrase vault to the hardware key.
    let vault = dir.path().join("b.age");
    let pass = dir.path().join("pass.txt");
    std::fs::write(&pass, "correct horse\n").unwrap();
    let with_pass = || {
        let mut cmd = plugin.keyfob(&vault);
        cmd.arg("--passphrase-file").arg(&pass);
        cmd
    };
    with_pass().arg("init").assert().success();
    with_pass()
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
        .success();
    with_pass()
        .args(["passwd", "--recipient", &recipient])
        .assert()
        .success()
        .stdout(contains("now protected by 1 recipient(s)"));
    plugin
        .keyfob(&vault)
        .arg("--identity")
        .arg(&identity)
        .args(["code", "A", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
}

/// The plugin binary missing from PATH is named; nothing is written.
#[test]
fn a_missing_plugin_is_named() {
    let Some(plugin) = PluginPath::new() else {
        return;
    };
    let (identity, recipient) = plugin.identity("key.txt", None);
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.age");
    plugin.init(&vault, &identity);
    let before = std::fs::read(&vault).unwrap();
    let without = |vault: &Path| {
        let mut cmd = keyfob();
        cmd.env("PATH", "/usr/bin:/bin").arg("--vault").arg(vault);
        cmd
    };
    without(&vault)
        .arg("--identity")
        .arg(&identity)
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
        .stderr(contains(
            "could not be opened: the age plugin 'age-plugin-keyfobtest' is not on PATH",
        ));
    assert_eq!(std::fs::read(&vault).unwrap(), before);
    let other = dir.path().join("other.age");
    without(&other)
        .args(["init", "--recipient", &recipient])
        .assert()
        .code(1)
        .stderr(contains(
            "the age plugin 'age-plugin-keyfobtest' is not on PATH",
        ));
    assert!(!other.exists());
}

/// A hardware key's identity file without the `# recipient:` line its plugin writes: keyfob
/// cannot check that a save keeps the key among the recipients (the trust rules), so `add`
/// refuses, and says in one line what is missing and in a hint what to add — not the hint for
/// an SSH key without its `.pub` it gave before. With the line put back, the add goes ahead.
#[test]
fn a_hardware_key_file_without_its_recipient_line_says_what_to_add() {
    let Some(plugin) = PluginPath::new() else {
        return;
    };
    let (identity, recipient) = plugin.identity("key.txt", None);
    let text = std::fs::read_to_string(&identity).unwrap();
    let bare = identity.with_file_name("bare.txt");
    let key_line: String = text.lines().filter(|l| !l.starts_with('#')).collect();
    std::fs::write(&bare, format!("{key_line}\n")).unwrap();
    private(&bare);
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.age");
    let run = |file: &Path, args: &[&str]| {
        let mut cmd = plugin.keyfob(&vault);
        cmd.arg("--identity").arg(file).args(args);
        cmd
    };
    run(&identity, &["init"]).assert().success();
    let before = std::fs::read(&vault).unwrap();
    let add = [
        "add",
        "--issuer",
        "A",
        "--account",
        "a",
        "--secret",
        RFC_SECRET_B32,
    ];
    let out = run(&bare, &add).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("warning: the secret is only"))
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("error: ")
            && lines[0].contains("does not say which recipient its hardware key answers to")
            && lines[0].ends_with("nothing was saved"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("hint: ")
            && lines[1].contains("`# recipient: age1…` line")
            && !lines[1].contains("ssh-keygen"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&vault).unwrap(), before);
    // The line back in the file (anywhere): the add goes ahead.
    std::fs::write(&bare, format!("{key_line}\n# recipient: {recipient}\n")).unwrap();
    run(&bare, &add).assert().success();
}

/// The plugin asks for a PIN (`request-secret`) and shows a message; both reach the person on
/// the terminal, and a wrong PIN is the plugin's own one-line error.
#[test]
fn the_pin_is_asked_on_the_terminal() {
    let Some(plugin) = PluginPath::new() else {
        return;
    };
    let (identity, _) = plugin.identity("key.txt", Some("4321"));
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.age");
    plugin.init(&vault, &identity);
    let code = |pin: &str| {
        let mut cmd = keyfob_command();
        cmd.env("PATH", plugin.path_var())
            .arg("--vault")
            .arg(&vault)
            .arg("--identity")
            .arg(&identity)
            .args(["list", "--json"]);
        let mut pty = Pty::spawn(cmd);
        pty.wait_for("touch your keyfobtest key", 0);
        pty.wait_for("PIN for the keyfobtest key:", 0);
        pty.send(&format!("{pin}\r"));
        let exit = pty.exit_code();
        (exit, pty.output())
    };
    let (exit, output) = code("4321");
    assert_eq!(exit, 0, "{output}");
    assert!(output.contains("[]"), "{output}");
    assert!(!output.contains("4321"), "the PIN is not echoed: {output}");
    let (exit, output) = code("1111");
    assert_eq!(exit, 1, "{output}");
    assert!(
        output.contains(
            "could not be opened: 'age-plugin-keyfobtest' couldn't use an identity: wrong PIN"
        ),
        "{output}"
    );
    // Without a terminal nobody can answer: the plugin's error, not a hang.
    plugin
        .keyfob(&vault)
        .arg("--identity")
        .arg(&identity)
        .arg("list")
        .timeout(TIMEOUT)
        .assert()
        .code(1)
        .stderr(contains("wrong PIN").and(contains("touch your keyfobtest key")));
}

/// On the screen the PIN is asked in a dialog (the alternate screen stays whole): the first
/// unlock happens on the terminal before the screen opens; after `L` the lock screen's Enter
/// runs the plugin again, which asks through the screen.
#[test]
fn the_screen_asks_for_the_pin_in_a_dialog() {
    let Some(plugin) = PluginPath::new() else {
        return;
    };
    let (identity, _) = plugin.identity("key.txt", Some("4321"));
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.age");
    plugin.init(&vault, &identity);
    let mut cmd = keyfob_command();
    cmd.env("PATH", plugin.path_var())
        .env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
        .arg("--vault")
        .arg(&vault)
        .arg("--identity")
        .arg(&identity);
    let mut pty = Pty::spawn(cmd);
    pty.wait_for("PIN for the keyfobtest key:", 0);
    pty.send("4321\r");
    pty.wait_for("No entries yet", 0);
    pty.send("L");
    pty.wait_for("Enter unlocks with your hardware key", 0);
    let mark = pty.raw.len();
    pty.send("\r");
    pty.wait_for("your hardware key asks", mark);
    assert!(
        pty.screen().contains("PIN for the keyfobtest key:"),
        "{}",
        pty.screen()
    );
    pty.send("4321");
    pty.wait_for("••••", mark);
    pty.send("\r");
    pty.wait_for("No entries yet", mark);
    let after = String::from_utf8_lossy(&pty.raw[mark..]).into_owned();
    assert!(!after.contains("4321"), "the PIN is never drawn");
    // The terminal under the screen got no plain prompt line.
    assert!(!after.contains("\nPIN for"), "{after}");
    pty.send("q");
    assert_eq!(pty.exit_code(), 0);
}
