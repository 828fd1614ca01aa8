//! Crash safety: a `keyfob add` on a 1,000-entry vault is killed with SIGKILL at random
//! moments, over and over. After every kill the vault must be exactly the old file or decrypt
//! to the old entries plus the new one, and the `.bak` must be a whole earlier vault.
//!
//! CI lands 200 kills on a running `add` (`cargo test`; runs that finish before their kill
//! are checked too but not counted). The long run is
//! `KEYFOB_CRASH_RUNS=1000 cargo test --test it crash -- --nocapture`; `KEYFOB_CRASH_SEED`
//! replays a run's moments (the seed is printed).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use keyfob::engine::entry::Entry;
use keyfob::engine::secret::Secret;

use crate::common::*;

const CI_RUNS: usize = 200;
const ENTRIES: u64 = 1000;

/// xorshift64*: enough randomness for kill moments, and replayable from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The vault every run starts from: 1,000 entries, plus a `.bak` (one earlier save).
struct Template {
    _dir: tempfile::TempDir,
    vault: Vec<u8>,
    backup: Vec<u8>,
    entries: Vec<Entry>,
}

fn template() -> Template {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let mut entries = numbered_entries(ENTRIES);
    let last = entries.pop().unwrap();
    library_vault(&path, entries.clone());
    let mut session = keyfob::engine::store::Store::new(&path)
        .open(identity_key())
        .unwrap();
    session
        .update(|v| {
            v.entries.push(last.clone());
            Ok::<_, keyfob::engine::store::VaultError>(())
        })
        .unwrap();
    entries.push(last);
    // The two files every kill must leave (or their successors) both decrypt.
    assert_eq!(without_ids(open_entries(&path).unwrap()), entries);
    assert_eq!(
        open_entries(&dir.path().join("vault.age.bak"))
            .unwrap()
            .len(),
        entries.len() - 1
    );
    Template {
        vault: fs::read(&path).unwrap(),
        backup: fs::read(dir.path().join("vault.age.bak")).unwrap(),
        entries,
        _dir: dir,
    }
}

const NEW_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn new_entry() -> Entry {
    Entry::new(
        "Crash",
        "victim@example.com",
        Secret::parse_base32(NEW_SECRET).unwrap(),
    )
}

fn add_command(vault: &Path) -> std::process::Command {
    let mut cmd = keyfob_std();
    cmd.arg("--vault")
        .arg(vault)
        .arg("--identity")
        .arg(identity_file())
        .args([
            "add",
            "--issuer",
            "Crash",
            "--account",
            "victim@example.com",
            "--secret",
            NEW_SECRET,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Puts a fresh copy of the template in `dir`.
fn lay_out(dir: &Path, t: &Template) -> PathBuf {
    for item in fs::read_dir(dir).unwrap() {
        fs::remove_file(item.unwrap().path()).unwrap();
    }
    let vault = dir.join("vault.age");
    fs::write(&vault, &t.vault).unwrap();
    fs::write(dir.join("vault.age.bak"), &t.backup).unwrap();
    vault
}

#[derive(Debug, Default)]
struct Tally {
    old: usize,
    new: usize,
    exited_before_kill: usize,
    leftover_temps: usize,
    aimed: usize,
    landed: usize,
}

fn leftovers_now(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|i| i.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

fn has_temp(dir: &Path) -> bool {
    fs::read_dir(dir)
        .unwrap()
        .any(|i| i.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
}

/// What the folder holds after a kill, checked against the promises.
fn check_after_kill(
    dir: &Path,
    t: &Template,
    expected_new: &[Entry],
    tally: &mut Tally,
    run: usize,
) {
    let vault = dir.join("vault.age");
    let bytes = fs::read(&vault).unwrap_or_else(|e| panic!("run {run}: vault gone: {e}"));
    if bytes == t.vault {
        tally.old += 1;
    } else {
        let entries = open_entries(&vault).unwrap_or_else(|e| panic!("run {run}: vault: {e}"));
        let entries = without_ids(entries);
        assert!(
            entries == expected_new,
            "run {run}: the vault holds {} entries, neither the old nor the new set",
            entries.len()
        );
        tally.new += 1;
    }
    let backup = fs::read(dir.join("vault.age.bak"))
        .unwrap_or_else(|e| panic!("run {run}: backup gone: {e}"));
    if backup != t.backup && backup != t.vault {
        let entries = open_entries(&dir.join("vault.age.bak"))
            .unwrap_or_else(|e| panic!("run {run}: backup does not decrypt: {e}"));
        panic!(
            "run {run}: the backup decrypts ({} entries) but is not one of the earlier vaults",
            entries.len()
        );
    }
    for item in fs::read_dir(dir).unwrap() {
        let name = item.unwrap().file_name().to_string_lossy().into_owned();
        let allowed = matches!(
            name.as_str(),
            "vault.age" | "vault.age.bak" | "vault.age.lock" | "vault.age.bak.tmp"
        ) || (name.starts_with(".vault.age.") && name.ends_with(".tmp"));
        assert!(
            allowed,
            "run {run}: unexpected file '{name}' after the kill"
        );
        if name.ends_with(".tmp") {
            tally.leftover_temps += 1;
        }
    }
}

/// How long an uninterrupted `add` takes here, and when its save starts (the temp file
/// appears); medians of three runs.
fn measure_add(work: &Path, t: &Template) -> (Duration, Duration) {
    let mut full = Vec::new();
    let mut save = Vec::new();
    for _ in 0..3 {
        let vault = lay_out(work, t);
        let start = Instant::now();
        let mut child = add_command(&vault).spawn().unwrap();
        let mut save_start = None;
        while child.try_wait().unwrap().is_none() {
            if save_start.is_none() && has_temp(work) {
                save_start = Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        let took = start.elapsed();
        assert!(child.wait().unwrap().success());
        full.push(took);
        save.push(save_start.unwrap_or(took.mul_f64(0.8)));
    }
    full.sort();
    save.sort();
    (full[1], save[1])
}

#[test]
fn sigkill_during_add_never_loses_the_vault() {
    let runs: usize = std::env::var("KEYFOB_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CI_RUNS);
    let seed: u64 = std::env::var("KEYFOB_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut rng = Rng(seed);
    let t = template();
    let mut expected_new = t.entries.clone();
    expected_new.push(new_entry());
    let work = tempfile::tempdir().unwrap();
    let (mut full, save_start) = measure_add(work.path(), &t);
    // Where in the run the save starts; the run's length is re-learnt as the machine's load
    // changes (from runs that finish before their kill), so kills keep landing mid-run.
    let save_fraction = save_start.as_secs_f64() / full.as_secs_f64().max(1e-6);
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut run = 0;
    // Every counted kill hits a live process; runs that finished first do not count (they
    // are checked all the same). The cap only stops a machine where nothing can be hit.
    while tally.landed < runs && run < runs * 5 {
        run += 1;
        let vault = lay_out(work.path(), &t);
        let save_start = full.mul_f64(save_fraction);
        let window = full.saturating_sub(save_start).as_secs_f64();
        // A third of the kills land anywhere in the run (up to 10 % past its usual end); a
        // third around the time the save usually starts; a third are aimed at the save
        // itself: once its temp file appears, after a random part of the save's duration.
        let delay = match run % 3 {
            0 => Some(full.mul_f64(rng.unit() * 1.1)),
            1 => {
                let from = save_start.as_secs_f64() - 0.015;
                let span = window + 0.025;
                Some(Duration::from_secs_f64((from + rng.unit() * span).max(0.0)))
            }
            _ => None,
        };
        let after_temp = Duration::from_secs_f64(rng.unit() * (window * 1.2 + 0.001));
        let spawned = Instant::now();
        let mut child = add_command(&vault).spawn().unwrap();
        let mut kill_at = delay.map(|d| spawned + d);
        let give_up = spawned + full * 4;
        let finished = loop {
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            let now = Instant::now();
            if kill_at.is_none() && has_temp(work.path()) {
                kill_at = Some(now + after_temp);
                tally.aimed += 1;
            }
            if kill_at.is_some_and(|at| now >= at) || now >= give_up {
                break false;
            }
            std::thread::sleep(Duration::from_micros(250));
        };
        let last_kill = (finished, spawned.elapsed(), leftovers_now(work.path()));
        if finished {
            tally.exited_before_kill += 1;
            full = full.mul_f64(0.8) + spawned.elapsed().mul_f64(0.2);
        } else {
            tally.landed += 1;
        }
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        assert!(
            status.success() || status.code().is_none(),
            "run {run}: add failed on its own: {stderr}"
        );
        check_after_kill(work.path(), &t, &expected_new, &mut tally, run);
        // Now and then, the next save must work and sweep up what the killed one left.
        if run % 25 == 24 {
            let out = keyfob_std()
                .arg("--vault")
                .arg(&vault)
                .arg("--identity")
                .arg(identity_file())
                .args(["add", "--issuer", "After", "--account", "crash"])
                .args(["--secret", &nth_secret(5000 + run as u64)])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "run {run}: the save after a kill failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let temps: Vec<String> = fs::read_dir(work.path())
                .unwrap()
                .map(|i| i.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".tmp"))
                .collect();
            assert!(
                temps.is_empty(),
                "run {run}: temp files survived the next save: {temps:?} (the kill: finished \
                 first, after, temp files then: {last_kill:?})"
            );
            let entries = open_entries(&vault).unwrap();
            assert!(entries.len() == ENTRIES as usize + 1 || entries.len() == ENTRIES as usize + 2);
        }
    }
    eprintln!(
        "crash: {} SIGKILLs landed on a running 'keyfob add' in {run} runs (seed {seed}; an add \
         takes ~{} ms here) in {:.1} s: vault old {} / new {}, kills aimed at a save in progress \
         {}, runs that finished before their kill {}, temp files left by a kill {} (swept by \
         the next save); nothing lost",
        tally.landed,
        full.as_millis(),
        started.elapsed().as_secs_f64(),
        tally.old,
        tally.new,
        tally.aimed,
        tally.exited_before_kill,
        tally.leftover_temps,
    );
    assert_eq!(tally.old + tally.new, run);
    assert!(tally.landed >= runs, "only {} kills landed", tally.landed);
}
