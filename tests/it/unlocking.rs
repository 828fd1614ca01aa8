//! Keys that ask a person: passphrase-protected identity files and hardware keys through age
//! plugins, driven through the real binary (and, where a person types, a pseudo-terminal).
//!
//! The hardware key is `age-plugin-keyfobtest` (examples/age-plugin-keyfobtest.rs), which
//! `cargo test` builds; a test that finds it missing builds it, and skips with a note if even
//! that fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::*;

mod plugin;
mod protected;

/// Generous: a slow, busy 2-core CI machine (scrypt and plugin processes included).
const TIMEOUT: Duration = Duration::from_secs(60);

/// The test plugin binary, built if `cargo test` did not build it yet. None (with a note) if
/// it cannot be had.
pub(crate) fn plugin_binary() -> Option<&'static Path> {
    static BINARY: OnceLock<Option<PathBuf>> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let keyfob = assert_cmd::cargo::cargo_bin("keyfob");
            let path = keyfob
                .parent()?
                .join("examples")
                .join("age-plugin-keyfobtest");
            if !path.is_file() {
                let built = Command::new(env!("CARGO"))
                    .args(["build", "--quiet", "--example", "age-plugin-keyfobtest"])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .status();
                if !matches!(built, Ok(s) if s.success()) || !path.is_file() {
                    eprintln!(
                        "note: could not build the test plugin (cargo build --example age-plugin-keyfobtest); skipping"
                    );
                    return None;
                }
            }
            Some(path)
        })
        .as_deref()
}

/// A folder with the test plugin in it, to put first on PATH.
pub(crate) struct PluginPath {
    dir: tempfile::TempDir,
    /// Where the plugin notes each run (`wrap` / `unwrap`).
    log: PathBuf,
}

impl PluginPath {
    pub(crate) fn new() -> Option<PluginPath> {
        let binary = plugin_binary()?;
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(binary, bin.join("age-plugin-keyfobtest")).unwrap();
        let log = dir.path().join("plugin.log");
        Some(PluginPath { dir, log })
    }

    /// PATH with the plugin first.
    pub(crate) fn path_var(&self) -> String {
        format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    /// A new plugin identity file (with a PIN if given); returns it and its recipient.
    pub(crate) fn identity(&self, name: &str, pin: Option<&str>) -> (PathBuf, String) {
        let mut cmd = Command::new(self.dir.path().join("bin/age-plugin-keyfobtest"));
        cmd.arg("--generate");
        if let Some(pin) = pin {
            cmd.args(["--pin", pin]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let recipient = text
            .lines()
            .find_map(|l| l.strip_prefix("# recipient: "))
            .unwrap()
            .to_string();
        let path = self.dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        (path, recipient)
    }

    /// The plugin's runs so far.
    pub(crate) fn runs(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// A new vault at `vault` sealed to the plugin identity file `identity` (`keyfob init`).
    pub(crate) fn init(&self, vault: &Path, identity: &Path) {
        self.keyfob(vault)
            .arg("--identity")
            .arg(identity)
            .arg("init")
            .assert()
            .success();
    }

    /// `keyfob --vault VAULT` with the plugin on PATH and its log on.
    pub(crate) fn keyfob(&self, vault: &Path) -> assert_cmd::Command {
        let mut cmd = keyfob();
        cmd.env("PATH", self.path_var())
            .env("KEYFOBTEST_LOG", &self.log)
            .env("KEYFOB_SCRYPT_LOG_N", "10")
            .arg("--vault")
            .arg(vault);
        cmd
    }
}

/// Whether stock `age` is installed (else a note and false).
pub(crate) fn stock_age() -> bool {
    let found = Command::new("age").arg("--version").output().is_ok();
    if !found {
        eprintln!("note: stock `age` is not installed (Debian package `age`); skipping that part");
    }
    found
}

/// A program in a pseudo-terminal, its output fed to a terminal emulator (for the screen)
/// and kept raw (for line prompts).
pub(crate) struct Pty {
    session: expectrl::session::OsSession,
    parser: vt100::Parser,
    raw: Vec<u8>,
}

impl Pty {
    pub(crate) fn spawn(cmd: Command) -> Pty {
        let mut session = expectrl::Session::spawn(cmd).expect("spawn in a pty");
        session.get_process_mut().set_window_size(100, 30).unwrap();
        let size = |n| std::num::NonZeroU16::new(n).unwrap();
        Pty {
            session,
            parser: vt100::Parser::new(size(30), size(100), 0),
            raw: Vec::new(),
        }
    }

    fn pump(&mut self) -> bool {
        let mut buf = [0u8; 8192];
        match self.session.try_read(&mut buf) {
            Ok(n) if n > 0 => {
                self.parser.process(&buf[..n]);
                self.raw.extend_from_slice(&buf[..n]);
                true
            }
            _ => false,
        }
    }

    /// Everything written so far, as text.
    pub(crate) fn output(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// What the terminal shows now.
    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until `needle` was written (from `since` on) or is on the screen.
    pub(crate) fn wait_for(&mut self, needle: &str, since: usize) {
        let start = Instant::now();
        loop {
            while self.pump() {}
            let written =
                String::from_utf8_lossy(&self.raw[since.min(self.raw.len())..]).contains(needle);
            if written || self.screen().contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {needle:?}; output:\n{}\nscreen:\n{}",
                self.output(),
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn send(&mut self, text: &str) {
        self.session.write_all(text.as_bytes()).unwrap();
        self.session.flush().unwrap();
    }

    /// Waits for the program to end; returns its exit code.
    pub(crate) fn exit_code(&mut self) -> i32 {
        let start = Instant::now();
        loop {
            self.pump();
            let status = format!("{:?}", self.session.get_process().status());
            if let Some(rest) = status.strip_prefix("Ok(Exited(") {
                while self.pump() {}
                let code = rest.rsplit(", ").next().unwrap().trim_end_matches("))");
                return code.parse().unwrap();
            }
            assert!(
                !status.contains("Signaled"),
                "ended by a signal: {status}\n{}",
                self.output()
            );
            assert!(
                start.elapsed() < TIMEOUT,
                "did not end; output:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The `keyfob` binary as a std command with a clean environment.
pub(crate) fn keyfob_command() -> Command {
    let mut cmd = keyfob_std();
    cmd.env("TERM", "xterm-256color")
        .env("KEYFOB_SCRYPT_LOG_N", "10")
        .env_remove("NO_COLOR");
    cmd
}
