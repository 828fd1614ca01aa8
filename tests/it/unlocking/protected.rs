//! Passphrase-protected identity files: `age -p` output as `--identity`, `init --new-identity`,
//! the first run's new key, and what a script can do (`--passphrase-file`).

use predicates::prelude::*;
use predicates::str::contains;

use super::*;

/// A folder standing in for the data dir, with keyfob pointed at it.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn identity(&self) -> PathBuf {
        self.data().join("keyfob/identity.age")
    }

    fn vault(&self) -> PathBuf {
        self.data().join("keyfob/vault.age")
    }

    fn pass(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, format!("{text}\n")).unwrap();
        path
    }

    /// `keyfob` with this data dir (default vault and identity live there).
    fn keyfob(&self) -> assert_cmd::Command {
        let mut cmd = keyfob();
        cmd.env("XDG_DATA_HOME", self.data())
            .env("KEYFOB_SCRYPT_LOG_N", "10");
        cmd
    }
}

/// `init --new-identity` makes a protected key (0600, armored, no key in the clear) and a
/// vault sealed to it; every later command finds it by itself and needs only its passphrase
/// (from `--passphrase-file` in a script).
#[test]
fn init_new_identity_and_scripts() {
    let home = Home::new();
    let pass = home.pass("id-pass.txt", "key passphrase");
    home.keyfob()
        .arg("--passphrase-file")
        .arg(&pass)
        .args(["init", "--new-identity"])
        .assert()
        .success()
        .stdout(contains("a new passphrase-protected identity"))
        .stderr(contains("back it up with the vault"));
    let identity = home.identity();
    assert_eq!(mode(&identity), 0o600);
    let text = std::fs::read_to_string(&identity).unwrap();
    assert!(
        text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "{text}"
    );
    assert!(!text.contains("AGE-SECRET-KEY"));
    let with_pass = || {
        let mut cmd = home.keyfob();
        cmd.arg("--passphrase-file").arg(&pass);
        cmd
    };
    with_pass()
        .args([
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
    with_pass()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
    with_pass()
        .args(["list", "--at", "59"])
        .assert()
        .success()
        .stdout(contains("287 082"));
    // The vault is sealed to the key (X25519), not to a passphrase.
    let vault = std::fs::read(home.vault()).unwrap();
    assert!(String::from_utf8_lossy(&vault).contains("-> X25519 "));
    // A second --new-identity never overwrites the key.
    home.keyfob()
        .arg("--passphrase-file")
        .arg(&pass)
        .arg("--vault")
        .arg(home.dir.path().join("other.age"))
        .args(["init", "--new-identity"])
        .assert()
        .code(1)
        .stderr(contains("exists; keyfob will not overwrite it"));
    // Wrong passphrase: one line, exit 1, nothing changed.
    let wrong = home.pass("wrong.txt", "nope");
    home.keyfob()
        .arg("--passphrase-file")
        .arg(&wrong)
        .args([
            "add",
            "--issuer",
            "X",
            "--account",
            "y",
            "--secret",
            RFC_SECRET_B32,
        ])
        .assert()
        .code(1)
        .stderr(contains(format!(
            "identity file '{}' could not be opened: wrong passphrase",
            identity.display()
        )));
    assert_eq!(std::fs::read(home.vault()).unwrap(), vault);
    // No terminal and no passphrase file: says how a script gives it.
    home.keyfob()
        .args(["code", "github"])
        .assert()
        .code(1)
        .stderr(
            contains("no terminal to ask for the passphrase of identity")
                .and(contains("--passphrase-file")),
        );
}

/// A passphrase vault is never asked for the default identity's passphrase (the header
/// decides), even when a protected identity exists in the data dir.
#[test]
fn a_passphrase_vault_ignores_the_default_identity() {
    let home = Home::new();
    let id_pass = home.pass("id-pass.txt", "key passphrase");
    home.keyfob()
        .arg("--passphrase-file")
        .arg(&id_pass)
        .args(["init", "--new-identity"])
        .assert()
        .success();
    let vault_pass = home.pass("vault-pass.txt", "vault passphrase");
    let other = home.dir.path().join("pass-vault.age");
    let run = |args: &[&str]| {
        let mut cmd = home.keyfob();
        cmd.arg("--vault")
            .arg(&other)
            .arg("--passphrase-file")
            .arg(&vault_pass)
            .args(args);
        cmd
    };
    run(&["init"]).assert().success();
    run(&[
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
    run(&["code", "A", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
}

/// Runs `age -p [-a] -o OUT IN` in a pseudo-terminal (stock age reads passphrases only
/// from a terminal).
fn age_protect(input: &Path, output: &Path, passphrase: &str, armor: bool) {
    let mut cmd = Command::new("age");
    cmd.arg("-p");
    if armor {
        cmd.arg("-a");
    }
    cmd.arg("-o").arg(output).arg(input);
    let mut pty = Pty::spawn(cmd);
    pty.wait_for("Enter passphrase", 0);
    pty.send(&format!("{passphrase}\r"));
    pty.wait_for("Confirm passphrase", 0);
    pty.send(&format!("{passphrase}\r"));
    assert_eq!(pty.exit_code(), 0, "{}", pty.output());
}

/// `age-keygen | age -p` (binary and armored) works as --identity; the passphrase is asked once
/// on the terminal, and keyfob's own protected key opens with stock `age -d -i`.
#[test]
fn stock_age_protected_identities_interoperate() {
    if !stock_age() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("key.txt");
    let made = Command::new("age-keygen")
        .arg("-o")
        .arg(&plain)
        .output()
        .unwrap();
    assert!(made.status.success());
    for armor in [false, true] {
        let protected = dir.path().join(format!("key-{armor}.age"));
        age_protect(&plain, &protected, "pw for age", armor);
        let vault = dir.path().join(format!("vault-{armor}.age"));
        let pass = dir.path().join("pass.txt");
        std::fs::write(&pass, "pw for age\n").unwrap();
        let run = |args: &[&str]| {
            let mut cmd = keyfob();
            cmd.arg("--vault")
                .arg(&vault)
                .arg("--identity")
                .arg(&protected)
                .arg("--passphrase-file")
                .arg(&pass)
                .args(args);
            cmd
        };
        run(&["init"]).assert().success();
        run(&[
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
        // On a terminal: one question, then the code.
        let mut cmd = keyfob_command();
        cmd.arg("--vault")
            .arg(&vault)
            .arg("--identity")
            .arg(&protected)
            .args(["code", "A", "--at", "59"]);
        let mut pty = Pty::spawn(cmd);
        pty.wait_for("Passphrase for identity", 0);
        pty.send("pw for age\r");
        assert_eq!(pty.exit_code(), 0, "{}", pty.output());
        let output = pty.output();
        assert!(output.contains("287082"), "{output}");
        assert_eq!(output.matches("Passphrase for").count(), 1, "{output}");
    }
    // keyfob's protected key opens keyfob's vault with stock age.
    let home = Home::new();
    let pass = home.pass("pass.txt", "mine");
    home.keyfob()
        .arg("--passphrase-file")
        .arg(&pass)
        .args(["init", "--new-identity"])
        .assert()
        .success();
    let mut cmd = Command::new("age");
    cmd.arg("-d")
        .arg("-i")
        .arg(home.identity())
        .arg(home.vault());
    let mut pty = Pty::spawn(cmd);
    pty.wait_for("Enter passphrase", 0);
    pty.send("mine\r");
    assert_eq!(pty.exit_code(), 0, "{}", pty.output());
    assert!(pty.output().contains("version: 1"), "{}", pty.output());
}

/// The first run offers a new protected key first (one line per choice), makes it, and the
/// next start asks only for its passphrase; the lock screen asks for it again.
#[test]
fn first_run_makes_a_protected_key() {
    let home = Home::new();
    let start = || {
        let mut cmd = keyfob_command();
        cmd.env("XDG_DATA_HOME", home.data())
            .env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22");
        Pty::spawn(cmd)
    };
    let mut pty = start();
    pty.wait_for("There is no vault at", 0);
    pty.wait_for("k  a new key kept in", 0);
    pty.wait_for("p  a passphrase on the vault itself", 0);
    pty.wait_for("i  an identity file you already have", 0);
    pty.wait_for("[K/p/i, q quits]", 0);
    pty.send("\r");
    pty.wait_for("New passphrase", 0);
    pty.send("first run passphrase\r");
    pty.wait_for("Repeat the passphrase:", 0);
    pty.send("first run passphrase\r");
    pty.wait_for("No entries yet", 0);
    pty.send("q");
    assert_eq!(pty.exit_code(), 0);
    assert_eq!(mode(&home.identity()), 0o600);
    assert!(home.vault().is_file());
    let mut pty = start();
    pty.wait_for("Passphrase for identity", 0);
    pty.send("first run passphrase\r");
    pty.wait_for("No entries yet", 0);
    pty.send("L");
    pty.wait_for("Enter unlocks your identity file", 0);
    let mark = pty.raw.len();
    pty.send("first run passphrase\r");
    pty.wait_for("No entries yet", mark);
    pty.send("q");
    assert_eq!(pty.exit_code(), 0);
}
