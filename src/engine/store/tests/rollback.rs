//! The generation rule applied by the store: a rolled-back vault is noticed on every open, and
//! a HOTP counter issued here is never issued again.

use super::*;
use crate::engine::entry::EntryId;
use crate::engine::trust::RolledBack;

const NOW: u64 = 1_700_000_000;

fn hotp(counter: u64) -> Entry {
    entry("hotp").with_hotp(counter)
}

/// A vault with one HOTP entry at counter 0, in `dir`, with a state folder; returns the
/// store's path, the state folder and the entry's id.
fn setup(dir: &Path, id: &age::x25519::Identity) -> (PathBuf, PathBuf, EntryId) {
    let path = dir.join("vault.age");
    let state = dir.join("state");
    let seal = Seal::Recipients(vec![id.to_public().to_string()]);
    let vault = Vault {
        entries: vec![hotp(0)],
        ..Vault::default()
    };
    Store::new(&path)
        .with_state_dir(&state)
        .create(vault, &seal)
        .unwrap();
    let session = Store::new(&path)
        .with_state_dir(&state)
        .open(key(id))
        .unwrap();
    let entry = session.vault().entries[0].id.unwrap();
    (path, state, entry)
}

fn advance(path: &Path, state: &Path, id: &age::x25519::Identity, entry: EntryId) -> u64 {
    let mut session = Store::new(path)
        .with_state_dir(state)
        .open(key(id))
        .unwrap();
    match session.apply(&Op::Advance { id: entry }, NOW).unwrap() {
        Outcome::Advanced { issued, .. } => issued,
        other => panic!("{other:?}"),
    }
}

fn rolled_back(session: &Session) -> Option<RolledBack> {
    session.notices().iter().find_map(|n| match n {
        Notice::RolledBack { rolled, .. } => Some(*rolled),
        _ => None,
    })
}

#[test]
fn a_restored_older_copy_is_noticed_and_issues_no_counter_twice() {
    let dir = tempfile::tempdir().unwrap();
    let id = identity();
    let (path, state, entry) = setup(dir.path(), &id);
    let old = std::fs::read(&path).unwrap();
    assert_eq!(advance(&path, &state, &id, entry), 0);
    assert_eq!(advance(&path, &state, &id, entry), 1);
    // Put the copy from before both advances back.
    std::fs::write(&path, &old).unwrap();
    let session = Store::new(&path)
        .with_state_dir(&state)
        .open(key(&id))
        .unwrap();
    assert_eq!(
        rolled_back(&session),
        Some(RolledBack {
            generation: 1,
            seen: 3
        })
    );
    assert_eq!(session.vault().entries[0].counter, 0, "the old copy says 0");
    drop(session);
    assert_eq!(
        advance(&path, &state, &id, entry),
        2,
        "0 and 1 were issued here already"
    );
    // Every open warns until the vault is newer than what was seen, or a person accepts it.
    let mut session = Store::new(&path)
        .with_state_dir(&state)
        .open(key(&id))
        .unwrap();
    assert_eq!(
        rolled_back(&session),
        Some(RolledBack {
            generation: 2,
            seen: 3
        })
    );
    session.trust().unwrap();
    assert_eq!(rolled_back(&session), None);
    let session = Store::new(&path)
        .with_state_dir(&state)
        .open(key(&id))
        .unwrap();
    assert_eq!(rolled_back(&session), None, "accepted");
    drop(session);
    // Accepting the copy forgets no counter issued.
    assert_eq!(advance(&path, &state, &id, entry), 3);
}

#[test]
fn another_machine_without_the_history_goes_by_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let id = identity();
    let (path, state, entry) = setup(dir.path(), &id);
    let old = std::fs::read(&path).unwrap();
    advance(&path, &state, &id, entry);
    std::fs::write(&path, &old).unwrap();
    // A teammate's machine (its own state) never issued anything: no warning, counter 0.
    let elsewhere = dir.path().join("elsewhere");
    let session = Store::new(&path)
        .with_state_dir(&elsewhere)
        .open(key(&id))
        .unwrap();
    assert_eq!(rolled_back(&session), None);
    drop(session);
    assert_eq!(advance(&path, &elsewhere, &id, entry), 0);
}

#[test]
fn newer_generations_are_recorded_on_open_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let id = identity();
    let (path, state, entry) = setup(dir.path(), &id);
    let file = Store::new(&path).with_state_dir(&state).state_file();
    let load = || {
        file.as_ref()
            .unwrap()
            .as_ref()
            .unwrap()
            .load()
            .unwrap()
            .unwrap()
    };
    assert_eq!(load().generation, 1);
    advance(&path, &state, &id, entry);
    let recorded = load();
    assert_eq!(recorded.generation, 2);
    assert_eq!(recorded.hotp_floor(entry), 1);
    // A save made without a state folder (another machine) is seen at the next open here.
    let mut bare = Store::new(&path).open(key(&id)).unwrap();
    bare.apply(&Op::Advance { id: entry }, NOW).unwrap();
    drop(bare);
    Store::new(&path)
        .with_state_dir(&state)
        .open(key(&id))
        .unwrap();
    assert_eq!(load().generation, 3);
}
