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

#[test]
fn a_bad_clipboard_setting_is_named() {
    let tv = TestVault::new();
    let cfg = config(&tv, "clipboard: tmux");
    let out = tv
        .cmd()
        .arg("--config")
        .arg(&cfg)
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("config.ron', line 1"), "{stderr}");
    assert!(stderr.contains("tmux"), "{stderr}");
}
