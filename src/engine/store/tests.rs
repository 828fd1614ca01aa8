//! Sessions: create, open, update under the lock, stale copies, re-sealing.

use super::*;
use crate::engine::crypto::x25519_identities;
use crate::engine::entry::Entry;
use crate::engine::ops::{Op, Outcome, Patch};
use crate::engine::secret::Secret;
use crate::engine::trust::Trusted;
use crate::engine::vault::Tombstone;
use age::secrecy::SecretString;

fn identity() -> age::x25519::Identity {
    age::x25519::Identity::generate()
}

fn key(id: &age::x25519::Identity) -> Key {
    Key::Identities(x25519_identities(std::slice::from_ref(id)))
}

fn entry(name: &str) -> Entry {
    Entry::new(
        "Test",
        name,
        Secret::parse_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap(),
    )
}

fn create(path: &Path, id: &age::x25519::Identity) {
    let seal = Seal::Recipients(vec![id.to_public().to_string()]);
    Store::new(path).create(Vault::default(), &seal).unwrap();
}

#[test]
fn create_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let id = identity();
    create(&path, &id);
    let before = std::fs::read(&path).unwrap();
    let seal = Seal::Recipients(vec![id.to_public().to_string()]);
    let e = Store::new(&path)
        .create(Vault::default(), &seal)
        .unwrap_err();
    assert!(matches!(e, VaultError::Exists { .. }), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn update_saves_and_keeps_recipients() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let id = identity();
    create(&path, &id);
    let mut session = Store::new(&path).open(key(&id)).unwrap();
    session
        .update(|v| {
            v.entries.push(entry("a"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    let reopened = Store::new(&path).open(key(&id)).unwrap();
    assert_eq!(reopened.vault().entries.len(), 1);
    assert_eq!(
        reopened.vault().recipients,
        vec![id.to_public().to_string()]
    );
    assert!(Store::new(&path).backup_path().exists());
}

#[test]
fn a_failed_change_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let id = identity();
    create(&path, &id);
    let before = std::fs::read(&path).unwrap();
    let mut session = Store::new(&path).open(key(&id)).unwrap();
    let result: Result<(), String> = session.update(|v| {
        v.entries.push(entry("half-done"));
        Err("refused".to_string())
    });
    assert_eq!(result.unwrap_err(), "refused");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(
        session.vault().entries.is_empty(),
        "the in-memory copy is untouched too"
    );
}

/// A change that would make the vault larger than keyfob reads back is refused (a big import
/// could do it); the file stays byte-identical. The real cap is 64 MiB; see
/// tests/it/import_status.rs for an import through the binary.
#[test]
fn a_save_never_writes_a_vault_too_large_to_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let id = identity();
    create(&path, &id);
    let before = std::fs::read(&path).unwrap();
    let mut session = Store::new(&path)
        .with_max_size(8 << 10)
        .open(key(&id))
        .unwrap();
    let mut big = entry("big");
    big.note = Some("n".repeat(10 << 10));
    let e = session.apply(&Op::Add(vec![big]), NOW).unwrap_err();
    assert!(
        e.to_string()
            .contains("KiB with this change, more than the 8 KiB keyfob reads; nothing was saved"),
        "{e}"
    );
    assert!(matches!(
        e,
        ChangeError::Vault(VaultError::TooLarge { cap: 8192, .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(session.vault().entries.is_empty());
    session.apply(&Op::Add(vec![entry("small")]), NOW).unwrap();
}

impl From<VaultError> for String {
    fn from(e: VaultError) -> String {
        e.to_string()
    }
}

#[test]
fn a_stale_session_never_overwrites_a_newer_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let id = identity();
    create(&path, &id);
    let mut first = Store::new(&path).open(key(&id)).unwrap();
    let mut second = Store::new(&path).open(key(&id)).unwrap();
    first
        .update(|v| {
            v.entries.push(entry("from-first"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    second
        .update(|v| {
            v.entries.push(entry("from-second"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    let names: Vec<_> = Store::new(&path)
        .open(key(&id))
        .unwrap()
        .vault()
        .entries
        .iter()
        .map(|e| e.account.clone())
        .collect();
    assert_eq!(names, ["from-first", "from-second"]);
}

#[test]
fn passphrase_vault_keeps_its_work_factor_and_reseals() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let pass = || SecretString::from("pw".to_string());
    let seal = Seal::Passphrase {
        passphrase: pass(),
        log_n: Some(5),
    };
    Store::new(&path).create(Vault::default(), &seal).unwrap();
    let mut session = Store::new(&path).open(Key::Passphrase(pass())).unwrap();
    session
        .update(|v| {
            v.entries.push(entry("x"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    assert_eq!(
        Store::new(&path).protection().unwrap(),
        Protection::Passphrase { log_n: 5 }
    );
    // Switch to an identity, then back to a passphrase.
    let id = identity();
    session
        .reseal(
            Seal::Recipients(vec![id.to_public().to_string()]),
            Some(key(&id)),
        )
        .unwrap();
    assert_eq!(
        Store::new(&path).protection().unwrap(),
        Protection::Recipients
    );
    let mut session = Store::new(&path).open(key(&id)).unwrap();
    assert_eq!(session.vault().entries.len(), 1);
    session
        .reseal(
            Seal::Passphrase {
                passphrase: SecretString::from("new".to_string()),
                log_n: Some(4),
            },
            None,
        )
        .unwrap();
    let reopened = Store::new(&path)
        .open(Key::Passphrase(SecretString::from("new".to_string())))
        .unwrap();
    assert!(reopened.vault().recipients.is_empty());
    assert_eq!(reopened.vault().entries.len(), 1);
}

#[test]
fn missing_vault_says_how_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let e = Store::new(dir.path().join("nope.age"))
        .open(key(&identity()))
        .unwrap_err();
    assert!(e.to_string().starts_with("no vault at '"), "{e}");
    assert!(matches!(e, VaultError::Missing { .. }), "{e}");
}

#[test]
fn saves_raise_a_weak_work_factor_to_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let pass = || SecretString::from("pw".to_string());
    let seal = Seal::Passphrase {
        passphrase: pass(),
        log_n: Some(4),
    };
    Store::new(&path).create(Vault::default(), &seal).unwrap();
    let mut session = Store::new(&path)
        .with_min_work_factor(6)
        .open(Key::Passphrase(pass()))
        .unwrap();
    session
        .update(|v| {
            v.entries.push(entry("x"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    assert_eq!(
        Store::new(&path).protection().unwrap(),
        Protection::Passphrase { log_n: 6 }
    );
}

#[test]
fn a_save_never_drops_the_opening_identity_even_without_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let me = identity();
    let attacker = identity();
    // Sealed to both (anyone can do that with public keys), listing only the attacker.
    let forged = Vault {
        recipients: vec![attacker.to_public().to_string()],
        ..Vault::default()
    };
    let bytes = Seal::Recipients(vec![
        me.to_public().to_string(),
        attacker.to_public().to_string(),
    ])
    .encrypt(&crypto::pad(&forged.to_ron()))
    .unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let mut session = Store::new(&path).open(key(&me)).unwrap();
    assert!(matches!(session.standing(), Standing::Forged { .. }));
    let e = session
        .update(|v| {
            v.entries.push(entry("seed"));
            Ok::<_, VaultError>(())
        })
        .unwrap_err();
    assert!(e.to_string().contains("it may be forged"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // Without a state folder there is nothing to record the trust in.
    assert!(session.trust().is_err());
    let state = dir.path().join("state");
    let mut session = Store::new(&path)
        .with_state_dir(&state)
        .open(key(&me))
        .unwrap();
    let e = session.trust().unwrap_err();
    assert!(e.to_string().contains("it may be forged"), "{e}");
}

#[test]
fn the_state_folder_pins_recipients_and_records_changes_made_here() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = dir.path().join("vault.age");
    let me = identity();
    let backup = identity();
    let both = vec![me.to_public().to_string(), backup.to_public().to_string()];
    Store::new(&path)
        .with_state_dir(&state)
        .create(Vault::default(), &Seal::Recipients(both.clone()))
        .unwrap();
    let mut session = Store::new(&path)
        .with_state_dir(&state)
        .open(key(&me))
        .unwrap();
    assert_eq!(session.standing(), &Standing::Trusted);
    // Another machine (no state) may not save to a vault sealed to a second key ...
    let other_state = dir.path().join("other");
    let mut elsewhere = Store::new(&path)
        .with_state_dir(&other_state)
        .open(key(&me))
        .unwrap();
    assert!(matches!(elsewhere.standing(), Standing::Unreviewed { .. }));
    assert!(
        elsewhere
            .update(|_| Ok::<_, VaultError>(()))
            .unwrap_err()
            .to_string()
            .contains("not trusted yet")
    );
    // ... until it trusts them.
    assert_eq!(elsewhere.trust().unwrap(), Trusted::recipients(&both));
    elsewhere.update(|_| Ok::<_, VaultError>(())).unwrap();
    // A re-seal made here is trusted here, and the backup follows the new seal.
    let outcome = session
        .reseal(Seal::Recipients(vec![me.to_public().to_string()]), None)
        .unwrap();
    assert_eq!(outcome, Backup::Resealed);
    let backup_bytes = std::fs::read(storage::sibling(&path, ".bak")).unwrap();
    assert!(crypto::decrypt(&backup_bytes, &key(&backup)).is_err());
    assert!(crypto::decrypt(&backup_bytes, &key(&me)).is_ok());
    session.update(|_| Ok::<_, VaultError>(())).unwrap();
    // The other machine still trusts the old set: the change shows there.
    assert!(
        elsewhere
            .update(|_| Ok::<_, VaultError>(()))
            .unwrap_err()
            .to_string()
            .contains("changed since this machine trusted them")
    );
}

fn passphrase_vault(path: &Path) -> Session {
    let pass = || SecretString::from("pw".to_string());
    let seal = Seal::Passphrase {
        passphrase: pass(),
        log_n: Some(5),
    };
    Store::new(path).create(Vault::default(), &seal).unwrap();
    Store::new(path).open(Key::Passphrase(pass())).unwrap()
}

fn add(session: &mut Session, name: &str) -> crate::engine::entry::EntryId {
    let outcome = session.apply(&Op::Add(vec![entry(name)]), NOW).unwrap();
    let Outcome::Added { ids, .. } = outcome else {
        panic!("{outcome:?}")
    };
    ids[0].unwrap()
}

const NOW: u64 = 1_700_000_000;

#[test]
fn a_save_on_an_unchanged_passphrase_vault_runs_scrypt_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let mut session = passphrase_vault(&path);
    for name in ["a", "b", "c"] {
        let before = crypto::scrypt_runs();
        add(&mut session, name);
        assert_eq!(crypto::scrypt_runs() - before, 1, "the seal only ({name})");
    }
    let before = crypto::scrypt_runs();
    assert!(!session.refresh().unwrap());
    assert_eq!(crypto::scrypt_runs(), before, "nothing to decrypt");
}

#[test]
fn a_vault_rewritten_in_place_with_the_same_size_and_times_is_re_read() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let mut ours = passphrase_vault(&path);
    add(&mut ours, "first");
    // Another writer renames the entry to a name of the same length: the same size once
    // padded and sealed.
    let theirs_path = dir.path().join("theirs.age");
    std::fs::copy(&path, &theirs_path).unwrap();
    let mut theirs = Store::new(&theirs_path)
        .open(Key::Passphrase(SecretString::from("pw".to_string())))
        .unwrap();
    let id = theirs.vault().entries[0].id.unwrap();
    let rename = Box::new(Patch {
        account: Some("fir5t".into()),
        ..Patch::default()
    });
    theirs.apply(&Op::Edit { id, patch: rename }, NOW).unwrap();
    let newer = std::fs::read(&theirs_path).unwrap();
    // Written over ours in place (same inode), with the modification time put back.
    let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    let meta = file.metadata().unwrap();
    assert_eq!(meta.len(), newer.len() as u64, "the test needs equal sizes");
    file.write_all(&newer).unwrap();
    file.set_modified(meta.modified().unwrap()).unwrap();
    drop(file);
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (meta.len(), meta.modified().unwrap())
    );
    let before = crypto::scrypt_runs();
    add(&mut ours, "z");
    assert_eq!(crypto::scrypt_runs() - before, 2, "re-read, then the seal");
    let names: Vec<_> = ours
        .vault()
        .entries
        .iter()
        .map(|e| e.account.clone())
        .collect();
    assert_eq!(names, ["fir5t", "z"], "their change is kept");
}

#[test]
fn a_touched_but_unchanged_vault_is_not_decrypted_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let mut session = passphrase_vault(&path);
    add(&mut session, "a");
    assert!(!session.disk_changed());
    let bytes = std::fs::read(&path).unwrap();
    // Copied back over itself (a sync tool might): a new file, the same content.
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    assert!(session.disk_changed());
    let before = crypto::scrypt_runs();
    assert!(!session.refresh().unwrap());
    assert_eq!(crypto::scrypt_runs(), before);
    assert!(!session.disk_changed());
}

#[test]
fn saves_count_generations_and_an_old_vault_gets_ids_that_stay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let id = identity();
    // A vault as a keyfob before ids wrote it.
    let old = "(\n  version: 1,\n  entries: [\n    (\n      issuer: \"Test\",\n      account: \"a\",\n      secret: \"JBSWY3DPEHPK3PXP\",\n    ),\n    (\n      issuer: \"Test\",\n      account: \"b\",\n      secret: \"JBSWY3DPEHPK3PXP\",\n    ),\n  ],\n)\n";
    let seal = Seal::Recipients(vec![id.to_public().to_string()]);
    let bytes = seal.encrypt(&crypto::pad(old)).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let mut session = Store::new(&path).open(key(&id)).unwrap();
    let ids: Vec<_> = session.vault().entries.iter().map(|e| e.id).collect();
    assert!(ids.iter().all(Option::is_some), "{ids:?}");
    // Re-read (nothing saved yet): the same ids, so a change can name one.
    std::fs::write(&path, seal.encrypt(&crypto::pad(old)).unwrap()).unwrap();
    assert!(session.refresh().unwrap());
    let again: Vec<_> = session.vault().entries.iter().map(|e| e.id).collect();
    assert_eq!(again, ids);
    let b = ids[1].unwrap();
    session.apply(&Op::Remove { id: b }, NOW).unwrap();
    let saved = Store::new(&path).open(key(&id)).unwrap();
    let vault = saved.vault();
    assert_eq!(vault.generation, 1);
    assert_eq!(vault.entries.len(), 1);
    assert_eq!(vault.entries[0].id, ids[0], "written as handed out");
    assert_eq!(
        vault.tombstones,
        [Tombstone {
            id: b,
            deleted: NOW
        }]
    );
    add(&mut session, "c");
    assert_eq!(session.vault().generation, 2);
}

#[test]
fn a_change_prunes_tombstones_past_their_retention() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let id = identity();
    create(&path, &id);
    let mut session = Store::new(&path).open(key(&id)).unwrap();
    let a = add(&mut session, "a");
    session.apply(&Op::Remove { id: a }, NOW).unwrap();
    assert_eq!(session.vault().tombstones.len(), 1);
    let later = NOW + crate::engine::vault::TOMBSTONE_RETENTION_SECS;
    let outcome = session.apply(&Op::Add(vec![entry("b")]), later).unwrap();
    assert!(matches!(outcome, Outcome::Added { .. }));
    assert!(session.vault().tombstones.is_empty());
}

#[test]
fn a_vanished_entry_is_named_as_this_session_saw_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let id = identity();
    create(&path, &id);
    let mut first = Store::new(&path).open(key(&id)).unwrap();
    let a = add(&mut first, "a");
    let mut second = Store::new(&path).open(key(&id)).unwrap();
    first.apply(&Op::Remove { id: a }, NOW).unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = second.apply(&Op::Advance { id: a }, NOW).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("'Test:a' changed or disappeared meanwhile"),
        "{e}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");
}

mod rollback;

#[test]
fn find_follows_every_change_to_the_entries() {
    use crate::engine::query::Found;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let mut ours = passphrase_vault(&path);
    let mut theirs = Store::new(&path)
        .open(Key::Passphrase(SecretString::from("pw".to_string())))
        .unwrap();
    assert_eq!(ours.find("alpha"), Found::None, "builds the index");
    let alpha = add(&mut ours, "alpha");
    assert_eq!(
        ours.find("alpha"),
        Found::One(0),
        "after a change made here"
    );
    add(&mut theirs, "beta");
    assert_eq!(ours.find("beta"), Found::None, "not read yet");
    assert!(ours.refresh().unwrap());
    assert_eq!(
        ours.find("beta"),
        Found::One(1),
        "after a change read from the file"
    );
    ours.apply(&Op::Remove { id: alpha }, NOW).unwrap();
    assert_eq!(ours.find("alpha"), Found::None, "after a removal");
    assert_eq!(ours.find("beta"), Found::One(0));
}
