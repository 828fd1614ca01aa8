//! The screen through a real pseudo-terminal: the `keyfob` binary driven like a person would,
//! its output fed to a `vt100` terminal emulator. No display and no network are needed
//! (copying goes through OSC 52 because `SSH_CONNECTION` is set); every wait is a wait for
//! text on the screen with a generous timeout, never a sleep.

use std::io::Write;
use std::time::{Duration, Instant};

use expectrl::Session;

use crate::common::*;

mod copying;
mod reading;

const WIDTH: u16 = 100;
const HEIGHT: u16 = 30;
/// Generous: a slow, busy 2-core CI machine.
const TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Screen {
    session: expectrl::session::OsSession,
    parser: vt100::Parser,
    /// Everything the program wrote.
    raw: Vec<u8>,
}

impl Screen {
    /// A vault holding one GitHub entry, and the screen open on it.
    fn one_entry(ssh: bool) -> (TestVault, Screen) {
        let tv = TestVault::new();
        tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
        let screen = Screen::open(&tv, ssh);
        (tv, screen)
    }

    /// Starts `keyfob` on the test vault in a 100×30 pseudo-terminal.
    fn open(tv: &TestVault, ssh: bool) -> Screen {
        Screen::open_sized(tv, ssh, (WIDTH, HEIGHT), &[])
    }

    /// Starts `keyfob` in a `size` (columns, rows) pseudo-terminal with extra `env`.
    fn open_sized(tv: &TestVault, ssh: bool, size: (u16, u16), env: &[(&str, &str)]) -> Screen {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("keyfob"));
        for var in [
            "KEYFOB_VAULT",
            "KEYFOB_CONFIG",
            "KEYFOB_IDENTITY",
            "SSH_CONNECTION",
            "SSH_TTY",
            "TMUX",
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "NO_COLOR",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("TERM", "xterm-256color")
            .env("XDG_DATA_HOME", "/nonexistent/keyfob-test-data")
            .env("XDG_CONFIG_HOME", "/nonexistent/keyfob-test-config")
            .env("XDG_STATE_HOME", tv.state_dir())
            .env("KEYFOB_SCRYPT_LOG_N", "10")
            .env("KEYFOB_TEST_CLOCK_SYNC", "synced")
            .arg("--vault")
            .arg(&tv.vault)
            .arg("--identity")
            .arg(tv.identity.as_ref().unwrap());
        if ssh {
            cmd.env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22");
        }
        for (name, value) in env {
            cmd.env(name, value);
        }
        Screen::spawn(cmd, size)
    }

    /// Starts `cmd` (a `keyfob` command line) in a `size` (columns, rows) pseudo-terminal.
    pub(crate) fn spawn(cmd: std::process::Command, size: (u16, u16)) -> Screen {
        let (width, height) = size;
        let mut session = Session::spawn(cmd).expect("spawn keyfob in a pty");
        session
            .get_process_mut()
            .set_window_size(width, height)
            .unwrap();
        let size = |n| std::num::NonZeroU16::new(n).unwrap();
        Screen {
            session,
            parser: vt100::Parser::new(size(height), size(width), 0),
            raw: Vec::new(),
        }
    }

    fn pump(&mut self) -> bool {
        let mut buf = [0u8; 8192];
        match self.session.try_read(&mut buf) {
            Ok(0) => false,
            Ok(n) => {
                self.parser.process(&buf[..n]);
                self.raw.extend_from_slice(&buf[..n]);
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until `done` holds for the screen.
    pub(crate) fn wait(&mut self, what: &str, done: impl Fn(&Screen) -> bool) {
        let start = Instant::now();
        loop {
            while self.pump() {}
            if done(self) {
                return;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {what}; screen:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn wait_text(&mut self, needle: &str) {
        let owned = needle.to_string();
        self.wait(needle, move |s| s.text().contains(&owned));
    }

    pub(crate) fn send(&mut self, keys: &str) {
        self.session.write_all(keys.as_bytes()).unwrap();
        self.session.flush().unwrap();
    }

    /// Sends `q` and waits for the program to end; returns its exit status.
    pub(crate) fn quit(mut self) -> (String, Vec<u8>, vt100::Parser) {
        self.send("q");
        let status = self.wait_exit("q");
        (status, self.raw, self.parser)
    }

    /// Sends the program a signal (`TERM`, `HUP`, …).
    fn signal(&self, name: &str) {
        let pid = self.session.get_process().pid().to_string();
        let sent = std::process::Command::new("kill")
            .args([format!("-{name}"), pid])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{name}");
    }

    /// Waits for the program to end after `what`; returns its exit status.
    pub(crate) fn wait_exit(&mut self, what: &str) -> String {
        let start = Instant::now();
        let status = loop {
            self.pump();
            let status = format!("{:?}", self.session.get_process().status());
            if !status.contains("StillAlive") {
                break status;
            }
            assert!(start.elapsed() < TIMEOUT, "keyfob did not end after {what}");
            std::thread::sleep(Duration::from_millis(20));
        };
        while self.pump() {}
        status
    }
}

/// The code shown on the `row` containing `name` (digits only).
pub(crate) fn code_on_row(screen: &Screen, name: &str) -> String {
    let text = screen.text();
    let line = text.lines().find(|l| l.contains(name)).unwrap().to_string();
    let after = line.split(name).nth(1).unwrap();
    // Issuer, account, then the code in two groups of digits.
    let digits: Vec<&str> = after
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()) && w.len() == 3)
        .take(2)
        .collect();
    digits.concat()
}

fn base64(text: &str) -> String {
    data_encoding::BASE64.encode(text.as_bytes())
}

/// The codes `secret` gave in the last minute (a slow machine may copy a period late).
fn recent_codes(secret: &str) -> Vec<String> {
    let now = keyfob::cli::Context::now(None);
    let secret = keyfob::engine::secret::Secret::parse_base32(secret).unwrap();
    [now - 60, now - 30, now]
        .iter()
        .map(|t| {
            keyfob::engine::otp::totp(&secret, keyfob::engine::otp::Algorithm::Sha1, 6, 30, *t)
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn add_through_the_form_saves_to_the_vault() {
    let (tv, mut screen) = Screen::one_entry(true);
    screen.wait_text("1 entry");
    screen.send("a");
    screen.wait_text("Add an entry");
    screen.send("\tPtyCorp\tpat\tJBSW0");
    screen.wait_text("'0' at position 5");
    screen.send("\x7fY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    screen.wait_text("'PtyCorp:pat' gives");
    screen.send("\r");
    screen.wait_text("added 'PtyCorp:pat'");
    screen.wait_text("2 entries");
    let plain = tv.plaintext();
    assert!(plain.contains("issuer: \"PtyCorp\""), "{plain}");
    assert!(
        plain.contains("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        "{plain}"
    );
    screen.quit();
}

#[test]
fn quitting_restores_the_terminal() {
    let (_vault, mut screen) = Screen::one_entry(false);
    // The cursor is hidden after the first frame's cells, which may arrive in several reads.
    screen.wait("the alternate screen, cursor hidden", |s| {
        s.parser.screen().alternate_screen()
            && s.text().contains("GitHub")
            && s.parser.screen().hide_cursor()
    });
    screen.send("?");
    screen.wait_text("any other key closes");
    screen.send("x");
    screen.wait("help closed", |s| {
        !s.text().contains("any other key closes")
    });
    let (status, raw, parser) = screen.quit();
    assert!(status.ends_with(", 0))"), "{status}");
    assert!(!parser.screen().alternate_screen(), "alternate screen left");
    assert!(!parser.screen().hide_cursor(), "cursor shown");
    let text = String::from_utf8_lossy(&raw);
    let entered = text.rfind("\x1b[?1049h").unwrap();
    assert!(text[entered..].contains("\x1b[?1049l"));
    assert!(text[entered..].contains("\x1b[?25h"));
}

#[test]
fn sigterm_and_sigquit_restore_the_terminal() {
    for signal in ["TERM", "QUIT"] {
        let (_vault, mut screen) = Screen::one_entry(false);
        screen.wait("the list", |s| {
            s.parser.screen().alternate_screen() && s.text().contains("GitHub")
        });
        screen.signal(signal);
        let status = screen.wait_exit(&format!("SIG{signal}"));
        assert!(status.ends_with(", 0))"), "SIG{signal}: {status}");
        assert!(!screen.parser.screen().alternate_screen(), "SIG{signal}");
        assert!(!screen.parser.screen().hide_cursor(), "SIG{signal}");
    }
}

/// A hang-up means the terminal is gone: keyfob must end (not spin on the closed terminal).
#[test]
fn sighup_ends_the_screen() {
    let (_vault, mut screen) = Screen::one_entry(false);
    screen.wait_text("GitHub");
    screen.signal("HUP");
    let status = screen.wait_exit("SIGHUP");
    assert!(status.contains("SIGHUP"), "{status}");
}

#[test]
fn first_run_offers_to_create_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let tv = TestVault {
        vault: dir.path().join("new/vault.age"),
        identity: Some(identity_file()),
        passphrase_file: None,
        dir,
    };
    let mut screen = Screen::open(&tv, false);
    screen.wait_text("There is no vault at");
    screen.wait_text("[Y/n]");
    screen.send("\r");
    screen.wait_text("No entries yet");
    assert!(tv.vault.is_file());
    screen.quit();
}

/// Measures what an idle screen costs over SSH: bytes written per second and CPU share, in a
/// 100×30 pseudo-terminal with 20 accounts (18 at 30 s, 2 at 60 s). Run by hand:
/// `KEYFOB_MEASURE_SECONDS=120 cargo test --release --test it measure_idle -- --ignored --nocapture`
#[test]
#[ignore = "a measurement run by hand, not a timed test"]
fn measure_idle() {
    let seconds: u64 = std::env::var("KEYFOB_MEASURE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let tv = TestVault::new();
    for i in 0..20 {
        tv.add(
            &format!("Service {i}"),
            &format!("user{i}@example.com"),
            RFC_SECRET_B32,
        );
        if i % 10 == 9 {
            tv.cmd()
                .args(["edit", &format!("Service {i}"), "--period", "60"])
                .assert()
                .success();
        }
    }
    let mut screen = Screen::open(&tv, true);
    screen.wait_text("20 entries");
    // Settle: let the first full frame and a resize pass.
    let settle = Instant::now() + Duration::from_secs(3);
    while Instant::now() < settle {
        screen.pump();
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = screen.session.get_process().pid().as_raw();
    let cpu = || -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let ticks: f64 = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    let bytes_before = screen.raw.len();
    let cpu_before = cpu();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        screen.pump();
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let bytes = screen.raw.len() - bytes_before;
    let cpu_seconds = (cpu() - cpu_before) as f64 / ticks;
    eprintln!(
        "idle over {elapsed:.0} s, 100x30, 20 accounts: {:.1} bytes/s written, {:.3} % of a core",
        bytes as f64 / elapsed,
        100.0 * cpu_seconds / elapsed
    );
    screen.quit();
}
