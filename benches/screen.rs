//! The screen's first full frame, whole process, on 1,000 entries: the `keyfob` binary started
//! in a pseudo-terminal (100×30) and timed from `spawn` until its output, fed to a `vt100`
//! terminal emulator, shows the whole first frame (the title with the entry count, a code
//! row, the key hints). Side by side in one run: through an agent (identity and passphrase
//! vaults — the screen decrypts nothing) and opening the identity vault itself (no agent).
//!
//! ```sh
//! cargo build --release && cargo bench --bench screen
//! RUNS=40 KEYFOB=path/to/keyfob cargo bench --bench screen
//! ```
//!
//! A program, not a timed test: it prints the numbers (min, median, max in ms) for README's
//! Performance section. Everything lives in a temporary folder (the test identity from
//! tests/fixtures/keys); agents it starts are locked at the end.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ENTRIES: usize = 1_000;
const SIZE: (u16, u16) = (100, 30);
const TIMEOUT: Duration = Duration::from_secs(30);

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let keyfob = std::env::var_os("KEYFOB")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release/keyfob"));
    if !keyfob.is_file() {
        eprintln!(
            "screen bench: '{}' is missing; run `cargo build --release` first (or set KEYFOB)",
            keyfob.display()
        );
        std::process::exit(1);
    }
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let work = tempfile::tempdir().expect("temporary folder");
    let dir = work.path();
    let run = dir.join("run");
    std::fs::create_dir(&run).expect("runtime folder");
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("0700");
    let identity = root.join("tests/fixtures/keys/age_identity.txt");
    let pass = dir.join("pass.txt");
    std::fs::write(&pass, "benchmark passphrase\n").expect("passphrase file");
    let lines = dir.join("lines.txt");
    std::fs::write(&lines, otpauth_lines(ENTRIES)).expect("otpauth lines");
    let plain = dir.join("plain.age");
    let sealed = dir.join("passphrase.age");
    let env = Env {
        keyfob: keyfob.clone(),
        dir: dir.to_path_buf(),
        run: run.clone(),
    };
    let id = ["--identity", identity.to_str().expect("utf-8 path")];
    let pw = ["--passphrase-file", pass.to_str().expect("utf-8 path")];
    env.ok(&plain, &id, &["init"]);
    env.ok(&plain, &id, &["import", lines.to_str().expect("utf-8")]);
    env.ok(&sealed, &pw, &["init"]);
    env.ok(&sealed, &pw, &["import", lines.to_str().expect("utf-8")]);

    let mut rows = Vec::new();
    rows.push((
        "identity vault, no agent (opened by the screen)",
        env.frames(&plain, &id, runs),
    ));
    env.ok(&plain, &id, &["unlock"]);
    env.ok(&sealed, &pw, &["unlock"]);
    rows.push((
        "identity vault, through an agent",
        env.frames(&plain, &[], runs),
    ));
    rows.push((
        "passphrase vault (scrypt 2^18), through an agent",
        env.frames(&sealed, &[], runs),
    ));
    for vault in [&plain, &sealed] {
        let _ = env.command(vault, &[]).arg("lock").output();
    }
    println!(
        "first full frame, {ENTRIES} entries, {}x{} pty, {runs} runs: min / median / max",
        SIZE.0, SIZE.1
    );
    for (what, mut times) in rows {
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "  {what:<52} {:6.1} / {:6.1} / {:6.1} ms",
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
}

/// Where the bench's keyfob runs.
struct Env {
    keyfob: PathBuf,
    dir: PathBuf,
    run: PathBuf,
}

impl Env {
    fn command(&self, vault: &Path, key: &[&str]) -> Command {
        let mut cmd = Command::new(&self.keyfob);
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
            "KEYFOB_TEST_NO_AGENT",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("TERM", "xterm-256color")
            .env("XDG_RUNTIME_DIR", &self.run)
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("XDG_STATE_HOME", self.dir.join("state"))
            .arg("--vault")
            .arg(vault)
            .args(key);
        cmd
    }

    fn ok(&self, vault: &Path, key: &[&str], args: &[&str]) {
        let out = self
            .command(vault, key)
            .args(args)
            .output()
            .expect("run keyfob");
        assert!(
            out.status.success(),
            "keyfob {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `runs` launches of the screen, each timed to its first full frame.
    fn frames(&self, vault: &Path, key: &[&str], runs: usize) -> Vec<Duration> {
        // One unmeasured launch warms the page cache.
        let _ = self.frame(vault, key);
        (0..runs).map(|_| self.frame(vault, key)).collect()
    }

    fn frame(&self, vault: &Path, key: &[&str]) -> Duration {
        let cmd = self.command(vault, key);
        let start = Instant::now();
        let mut session = expectrl::Session::spawn(cmd).expect("spawn in a pty");
        session
            .get_process_mut()
            .set_window_size(SIZE.0, SIZE.1)
            .expect("window size");
        let nz = |n| std::num::NonZeroU16::new(n).expect("size");
        let mut parser = vt100::Parser::new(nz(SIZE.1), nz(SIZE.0), 0);
        let mut buf = [0u8; 65536];
        let took = loop {
            if let Ok(n) = session.try_read(&mut buf)
                && n > 0
            {
                parser.process(&buf[..n]);
                let text = parser.screen().contents();
                if text.contains(&format!("{ENTRIES} entries"))
                    && text.contains("Issuer0")
                    && text.contains("q quit")
                {
                    break start.elapsed();
                }
                continue;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "no full frame; screen:\n{}",
                parser.screen().contents()
            );
            std::thread::sleep(Duration::from_micros(200));
        };
        let _ = session.write_all(b"q");
        let _ = session.flush();
        let quit = Instant::now();
        while format!("{:?}", session.get_process().status()).contains("StillAlive") {
            let _ = session.try_read(&mut buf);
            assert!(quit.elapsed() < TIMEOUT, "keyfob did not quit");
            std::thread::sleep(Duration::from_millis(2));
        }
        took
    }
}

/// `n` otpauth URIs with pseudo-random secrets (as benches/unlock.sh makes them).
fn otpauth_lines(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x: u64 = 12_345;
    let mut out = String::with_capacity(n * 120);
    for i in 0..n {
        let secret: String = (0..32)
            .map(|_| {
                x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
                char::from(ALPHABET[usize::try_from(x / 65_536 % 32).unwrap_or(0)])
            })
            .collect();
        out.push_str(&format!(
            "otpauth://totp/Issuer{i}:user{i}%40example.com?secret={secret}&issuer=Issuer{i}\n"
        ));
    }
    out
}
