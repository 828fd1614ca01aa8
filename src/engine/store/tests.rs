//! Sessions: create, open, update under the lock, stale copies, re-sealing.

use super::*;
use crate::engine::crypto::x25519_identities;
use crate::engine::entry::Entry;
use crate::engine::secret::Secret;
use crate::engine::trust::Trusted;
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
