//! Many writers at once: processes adding entries to one vault at the same time, and an open
//! library `Session` (standing in for the TUI) saving in between. Every `add` must land, none
//! twice, and no stale copy may overwrite a newer vault.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use keyfob::engine::entry::Entry;
use keyfob::engine::secret::Secret;
use keyfob::engine::store::{Store, VaultError};

use crate::common::*;

const PER_WRITER: u64 = 50;

/// Runs `keyfob add` `count` times, one after another, for writer `w`; returns the
/// (issuer, account) pairs whose `add` exited 0, the failures' stderr, and the slowest add.
fn writer(vault: &Path, w: u64, count: u64) -> (Vec<(String, String)>, Vec<String>, Duration) {
    let mut added = Vec::new();
    let mut failed = Vec::new();
    let mut slowest = Duration::ZERO;
    for j in 0..count {
        let start = Instant::now();
        let issuer = format!("W{w}");
        let account = format!("e{j}");
        let out = keyfob_std()
            .arg("--vault")
            .arg(vault)
            .arg("--identity")
            .arg(identity_file())
            .args(["add", "--issuer", &issuer, "--account", &account])
            .args(["--secret", &nth_secret(w * 1000 + j)])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        slowest = slowest.max(start.elapsed());
        if out.status.success() {
            added.push((issuer, account));
        } else {
            failed.push(String::from_utf8_lossy(&out.stderr).into_owned());
        }
    }
    (added, failed, slowest)
}

fn names(entries: &[Entry]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|e| (e.issuer.clone(), e.account.clone()))
        .collect()
}

fn many_writers(writers: u64) {
    let tv = TestVault::new();
    let started = std::time::Instant::now();
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let vault = &tv.vault;
                scope.spawn(move || writer(vault, w, PER_WRITER))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut expected = BTreeSet::new();
    let mut failures = Vec::new();
    let mut slowest = Duration::ZERO;
    for (added, failed, slow) in results {
        expected.extend(added);
        failures.extend(failed);
        slowest = slowest.max(slow);
    }
    let stored = names(&open_entries(&tv.vault).unwrap());
    let unique: BTreeSet<_> = stored.iter().cloned().collect();
    assert_eq!(unique.len(), stored.len(), "an entry was stored twice");
    // Whatever happened, the vault holds exactly the adds that reported success...
    assert_eq!(
        unique, expected,
        "the vault differs from the adds that succeeded"
    );
    // ...and a demanding user expects every one of them to succeed.
    assert!(
        failures.is_empty(),
        "{} of {} adds failed, first: {}",
        failures.len(),
        writers * PER_WRITER,
        failures[0]
    );
    assert_eq!(stored.len() as u64, writers * PER_WRITER);
    eprintln!(
        "concurrency: {writers} writers x {PER_WRITER} adds: all {} landed in {:.1} s \
         (slowest add {} ms, the lock waits up to 5 s)",
        stored.len(),
        started.elapsed().as_secs_f64(),
        slowest.as_millis()
    );
}

#[test]
fn two_writers_lose_nothing() {
    many_writers(2);
}

#[test]
fn eight_writers_lose_nothing() {
    many_writers(8);
}

#[test]
fn an_open_session_sees_the_others_changes_when_it_saves() {
    let tv = TestVault::new();
    let mut session = Store::new(&tv.vault).open(identity_key()).unwrap();
    let mut mine = Vec::new();
    let others = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|w| {
                let vault = &tv.vault;
                scope.spawn(move || writer(vault, 10 + w, 15))
            })
            .collect();
        // Meanwhile the long-lived session (the TUI's) saves its own entries, each time from
        // a copy that is stale by the time it saves.
        for n in 0..10u64 {
            let entry = Entry::new(
                "Session",
                format!("s{n}"),
                Secret::parse_base32(&nth_secret(90_000 + n)).unwrap(),
            );
            session
                .update(|v| {
                    v.entries.push(entry.clone());
                    Ok::<_, VaultError>(())
                })
                .unwrap();
            mine.push(("Session".to_string(), format!("s{n}")));
            // After its own save, the session's copy is exactly the file.
            assert_eq!(session.vault().entries, open_entries(&tv.vault).unwrap());
            std::thread::sleep(std::time::Duration::from_millis(40));
        }
        handles
            .into_iter()
            .flat_map(|h| {
                let (added, failed, _) = h.join().unwrap();
                assert!(failed.is_empty(), "{failed:?}");
                added
            })
            .collect::<Vec<_>>()
    });
    let stored: BTreeSet<_> = names(&open_entries(&tv.vault).unwrap())
        .into_iter()
        .collect();
    let expected: BTreeSet<_> = others.into_iter().chain(mine).collect();
    assert_eq!(stored, expected);
    assert_eq!(stored.len(), 40);
    // A refresh brings the session up to date without a save.
    session.refresh().unwrap();
    assert_eq!(session.vault().entries.len(), 40);
}
