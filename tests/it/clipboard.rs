//! Copying from the command line (`code --copy`) and the `clipboard` setting.

use crate::common::*;

/// A config file in the test vault's folder holding `body` (RON fields).
fn config(tv: &TestVault, body: &str) -> std::path::PathBuf {
    let path = tv.dir.path().join("config.ron");
    std::fs::write(&path, format!("({body})")).unwrap();
    path
}

#[test]
fn clipboard_off_prints_the_code_and_says_it_did_not_copy() {
    let tv = TestVault::new();
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    let cfg = config(&tv, "clipboard: off");
    let out = tv
        .cmd()
        .arg("--config")
        .arg(&cfg)
        .args(["code", "github", "--copy", "--at", "1700000000"])
        .env("DISPLAY", ":0")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.trim().len(), 6, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not copied: copying is off"), "{stderr}");
}

/// A bad `clipboard` value stops what copies (it will not guess) and only warns elsewhere.
#[test]
fn a_bad_clipboard_setting_is_named() {
    let tv = TestVault::new();
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    let cfg = config(&tv, "clipboard: tmux");
    let out = tv
        .cmd()
        .arg("--config")
        .arg(&cfg)
        .args(["code", "github", "--copy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "no code printed: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'clipboard' takes auto, osc52, system or off"),
        "{stderr}"
    );
    let out = tv
        .cmd()
        .arg("--config")
        .arg(&cfg)
        .arg("list")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'clipboard'"), "{stderr}");
}

/// A private X server (Xvfb) for the system-clipboard tests; killed when dropped.
pub struct Xvfb {
    child: std::process::Child,
    pub display: String,
}

impl Xvfb {
    /// Starts one on a free display, or says why not (the caller skips with a note).
    pub fn start() -> Result<Xvfb, String> {
        for tool in ["Xvfb", "xclip"] {
            let found = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .output()
                .is_ok_and(|o| o.status.success());
            if !found {
                return Err(format!(
                    "{tool} is not installed (apt-get install xvfb xclip)"
                ));
            }
        }
        // -displayfd 1: Xvfb picks a free display and prints its number once it is ready.
        let mut child = std::process::Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "320x240x24",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start Xvfb: {e}"))?;
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .map_err(|e| format!("Xvfb said nothing: {e}"))?;
        let number = line.trim();
        if number.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            return Err("Xvfb did not start".into());
        }
        Ok(Xvfb {
            display: format!(":{number}"),
            child,
        })
    }

    /// The clipboard as xclip reads it (`None`: nothing owns it / it is empty).
    pub fn read(&self) -> Option<String> {
        let out = std::process::Command::new("xclip")
            .args(["-selection", "clipboard", "-o"])
            .env("DISPLAY", &self.display)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.success() && !text.is_empty()).then_some(text)
    }

    /// Puts `text` on the clipboard the way a person's program would (xclip stays in the
    /// foreground serving it until killed).
    pub fn write(&self, text: &str) -> std::process::Child {
        let mut child = std::process::Command::new("xclip")
            .args(["-quiet", "-selection", "clipboard", "-i"])
            .env("DISPLAY", &self.display)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
        child
    }

    /// Waits (up to `limit`) until the clipboard reads `want`.
    pub fn wait_for(&self, want: Option<&str>, limit: std::time::Duration) -> Option<String> {
        let start = std::time::Instant::now();
        loop {
            let got = self.read();
            if got.as_deref() == want || start.elapsed() > limit {
                return got;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `code --copy` on a desktop: the code reaches the X clipboard through arboard (and the
/// helper that holds it after keyfob exits), and is gone after the clear delay; a clipboard
/// the person changed meanwhile is left alone.
#[test]
fn code_copy_reaches_the_x_clipboard_and_is_cleared_after_the_delay() {
    let x = match Xvfb::start() {
        Ok(x) => x,
        Err(why) => {
            eprintln!("note: skipped the X clipboard test: {why}");
            return;
        }
    };
    let tv = TestVault::new();
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    let cfg = config(&tv, "clipboard_clear_seconds: 2");
    let copy = || {
        let out = tv
            .cmd()
            .arg("--config")
            .arg(&cfg)
            .args(["code", "github", "--copy"])
            .env("DISPLAY", &x.display)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            stderr.contains("copied to the system clipboard"),
            "{stderr}"
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    // 1. The code arrives, and after the delay it is gone.
    let code = copy();
    assert_eq!(code.len(), 6);
    // The helper takes the clipboard over a moment after it answered.
    let limit = std::time::Duration::from_secs(5);
    assert_eq!(
        x.wait_for(Some(&code), limit).as_deref(),
        Some(code.as_str()),
        "the code is on the clipboard"
    );
    let gone = x.wait_for(None, std::time::Duration::from_secs(10));
    assert_eq!(gone, None, "cleared after 2 s");
    // 2. The person copies something else meanwhile: keyfob leaves it alone.
    let code = copy();
    assert_eq!(
        x.wait_for(Some(&code), limit).as_deref(),
        Some(code.as_str())
    );
    let mut theirs = x.write("the person's own text");
    assert_eq!(
        x.wait_for(
            Some("the person's own text"),
            std::time::Duration::from_secs(5)
        )
        .as_deref(),
        Some("the person's own text")
    );
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(
        x.read().as_deref(),
        Some("the person's own text"),
        "left alone"
    );
    let _ = theirs.kill();
    let _ = theirs.wait();
    // 3. The same code copied again a second later: the first helper, no longer the owner,
    // does not clear it at its time; the second one clears it at its own.
    let _ = x.wait_for(None, std::time::Duration::from_secs(10));
    // Both copies within one 30 s period.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into_period = now.as_secs_f64() % 30.0;
    if into_period > 26.0 {
        std::thread::sleep(std::time::Duration::from_secs_f64(30.2 - into_period));
    }
    let code = copy();
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(copy(), code, "the same code (same 30 s window)");
    assert_eq!(
        x.wait_for(Some(&code), limit).as_deref(),
        Some(code.as_str())
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(
        x.read().as_deref(),
        Some(code.as_str()),
        "still held 2.5 s after the first copy: the second copy's 2 s are not cut short"
    );
    assert_eq!(x.wait_for(None, std::time::Duration::from_secs(10)), None);
}
