//! Issue 12: scripts that must never send a dying code: `code --min-remaining`, `code --next`,
//! `watch [--json]`, and `code --help`'s exit codes. Time is simulated (`KEYFOB_TEST_CLOCK`,
//! honoured by test builds only): nothing here sleeps through a period.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use predicates::str::contains;

use crate::common::*;

/// 1700000000 is 20 s into its 30 s period: 10 s left.
const T: u64 = 1_700_000_000;

fn vault() -> TestVault {
    let tv = TestVault::new();
    tv.add("Contoso", "probe@contoso.com", MS_SECRET);
    tv.add_hotp("Bank", "hotp", RFC_SECRET_B32);
    tv
}

fn code_at(tv: &TestVault, at: u64) -> String {
    let out = tv
        .cmd()
        .args(["code", "Contoso", "--at", &at.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// `keyfob code` at simulated time `now` with `args`.
fn code_now(tv: &TestVault, now: u64, args: &[&str]) -> assert_cmd::assert::Assert {
    tv.cmd()
        .env("KEYFOB_TEST_CLOCK", now.to_string())
        .args(["code", "Contoso"])
        .args(args)
        .assert()
}

#[test]
fn min_remaining_waits_for_the_next_code_only_when_needed() {
    let tv = vault();
    // 10 s left: enough for 5, not for 15.
    code_now(&tv, T, &["--min-remaining", "5"])
        .success()
        .stdout(code_at(&tv, T));
    let started = Instant::now();
    code_now(&tv, T, &["--min-remaining", "15"])
        .success()
        .stdout(code_at(&tv, T + 10));
    assert!(started.elapsed() < Duration::from_secs(5), "simulated wait");
    // Exactly N left is enough; one less is not.
    code_now(&tv, T + 5, &["--min-remaining", "5"])
        .success()
        .stdout(code_at(&tv, T + 5));
    code_now(&tv, T + 6, &["--min-remaining", "5"])
        .success()
        .stdout(code_at(&tv, T + 10));
    // With --at nothing waits: the next period's code at once.
    tv.cmd()
        .args([
            "code",
            "Contoso",
            "--at",
            &(T + 8).to_string(),
            "--min-remaining",
            "3",
        ])
        .assert()
        .success()
        .stdout(code_at(&tv, T + 10));
    // --json reports the code it printed, with its full period left.
    let out = tv
        .cmd()
        .env("KEYFOB_TEST_CLOCK", (T + 9).to_string())
        .args(["code", "Contoso", "--json", "--min-remaining", "2"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["remaining"], 30);
    assert_eq!(json["code"].as_str().unwrap(), code_at(&tv, T + 10).trim());
}

#[test]
fn next_gives_the_next_periods_code_without_waiting() {
    let tv = vault();
    code_now(&tv, T, &["--next"])
        .success()
        .stdout(code_at(&tv, T + 10));
    tv.cmd()
        .args(["code", "Contoso", "--next", "--at", &(T + 10).to_string()])
        .assert()
        .success()
        .stdout(code_at(&tv, T + 40));
}

#[test]
fn impossible_or_counter_requests_are_refused_untouched() {
    let tv = vault();
    code_now(&tv, T, &["--min-remaining", "31"])
        .code(1)
        .stdout("")
        .stderr(contains(
            "longer than 'Contoso:probe@contoso.com''s period of 30 s",
        ));
    let before = tv.bytes();
    for flag in [&["--next"][..], &["--min-remaining", "5"]] {
        tv.cmd()
            .args(["code", "Bank"])
            .args(flag)
            .assert()
            .code(1)
            .stderr(contains("HOTP (counter) entry"));
    }
    assert_eq!(tv.bytes(), before, "the counter did not move");
}

#[test]
fn code_help_lists_the_exit_codes() {
    keyfob().args(["code", "--help"]).assert().success().stdout(
        contains("Exit status:\n  0  the code was printed")
            .and(contains("  2  no entry matches QUERY"))
            .and(contains(
                "  3  several entries match (listed on stderr with their serial numbers",
            )),
    );
    keyfob()
        .args(["watch", "--help"])
        .assert()
        .success()
        .stdout(contains("Exit status"));
}

use predicates::prelude::PredicateBooleanExt;

/// Runs `watch` at simulated time `start`, reads `lines` lines, closes the pipe and returns
/// the lines once keyfob has exited (it must, quietly, with status 0).
fn watch(tv: &TestVault, start: u64, args: &[&str], lines: usize) -> Vec<String> {
    let mut cmd = keyfob_std();
    cmd.env("KEYFOB_TEST_CLOCK", start.to_string())
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--identity")
        .arg(identity_file())
        .arg("watch")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut got = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        got.push(line.trim_end().to_string());
    }
    drop(reader); // the reader goes away
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "watch did not end on a closed pipe"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert_eq!(stderr, "", "a closed pipe ends watch quietly");
    got
}

#[test]
fn watch_prints_each_new_code_as_its_period_starts() {
    let tv = vault();
    let lines = watch(&tv, T, &["Contoso"], 4);
    let expected: Vec<String> = [T, T + 10, T + 40, T + 70]
        .iter()
        .map(|t| code_at(&tv, *t).trim().to_string())
        .collect();
    assert_eq!(lines, expected);
}

#[test]
fn watch_json_lines_carry_code_remaining_and_at() {
    let tv = vault();
    let lines = watch(&tv, T, &["probe@contoso.com", "--json"], 3);
    let objects: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at: Vec<u64> = objects.iter().map(|o| o["at"].as_u64().unwrap()).collect();
    assert_eq!(at, [T, T + 10, T + 40]);
    let remaining: Vec<u64> = objects
        .iter()
        .map(|o| o["remaining"].as_u64().unwrap())
        .collect();
    assert_eq!(remaining, [10, 30, 30]);
    for (object, t) in objects.iter().zip(&at) {
        assert_eq!(object["code"].as_str().unwrap(), code_at(&tv, *t).trim());
        let keys: Vec<&String> = object.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3);
    }
}

/// Only a reader going away ends `watch` quietly; a full disk is an error like any command's
/// (`watch > /dev/full` used to end with exit 0 and say nothing).
#[test]
fn watch_on_a_full_disk_fails_with_one_line() {
    let tv = vault();
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("note: no /dev/full here; skipped");
        return;
    };
    let out = keyfob_std()
        .env("KEYFOB_TEST_CLOCK", T.to_string())
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--identity")
        .arg(identity_file())
        .args(["watch", "Contoso"])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write to standard output: No space left"),
        "{stderr}"
    );
}

#[test]
fn watch_refuses_what_it_cannot_watch() {
    let tv = vault();
    tv.cmd()
        .args(["watch", "nobody"])
        .assert()
        .code(2)
        .stdout("");
    tv.add("Contoso", "other@contoso.com", RFC_SECRET_B32);
    tv.cmd()
        .args(["watch", "Contoso"])
        .assert()
        .code(3)
        .stdout("");
    tv.cmd()
        .args(["watch", "Bank"])
        .assert()
        .code(1)
        .stderr(contains("HOTP (counter) entry"));
}
