use super::held::{Held, Starting};
use super::saving::describe;
use super::*;
use crate::agent::client::Applied;
use crate::agent::protocol::{Problem, ProblemKind};
use crate::engine::crypto::{Key, Seal, x25519_identities};
use crate::engine::entry::Entry;
use crate::engine::import::{DuplicateOf, Item};
use crate::engine::secret::Secret;
use crate::engine::store::{Session, Store};
use crate::engine::vault::Vault;
use crate::ui::sharing::Sharing;

const NOW: u64 = 1_700_000_000;

fn session_with(path: &std::path::Path, entries: Vec<Entry>) -> Session {
    let id = age::x25519::Identity::generate();
    let seal = Seal::Recipients(vec![id.to_public().to_string()]);
    let vault = Vault {
        entries,
        ..Vault::default()
    };
    Store::new(path).create(vault, &seal).unwrap();
    let key = Key::Identities(x25519_identities(std::slice::from_ref(&id)));
    Store::new(path).open(key).unwrap()
}

fn hotp(counter: u64) -> Entry {
    let secret = Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap();
    Entry::new("Bank", "bob", secret).with_hotp(counter)
}

fn access(path: &std::path::Path) -> Access {
    Access {
        vault: path.to_path_buf(),
        identity: None,
        passphrase_file: None,
    }
}

fn wait(worker: &Worker) -> Msg {
    worker
        .results
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap()
}

#[test]
fn next_code_says_the_counter_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.age");
    let session = session_with(&path, vec![hotp(5)]);
    let id = session.vault().entries[0].id.unwrap();
    let worker = Worker::start(
        Held::Direct(Box::new(session)),
        access(&path),
        Starting::default(),
    );
    assert!(
        worker
            .send(Job::Save {
                op: Op::Advance { id },
                now: NOW
            })
            .is_none()
    );
    let Msg::Saved(Ok(saved)) = wait(&worker) else {
        panic!("not saved")
    };
    assert_eq!(saved.summary, "'Bank:bob' moved to counter 6");
    assert_eq!(saved.focus, Some(id));
    assert_eq!(saved.entries[0].counter, 6);
    worker.finish();
}

#[test]
fn a_change_of_recipients_on_disk_reaches_the_title() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.age");
    let id = age::x25519::Identity::generate();
    let seal = Seal::Recipients(vec![id.to_public().to_string()]);
    Store::new(&path).create(Vault::default(), &seal).unwrap();
    let key = || Key::Identities(x25519_identities(std::slice::from_ref(&id)));
    let session = Store::new(&path).open(key()).unwrap();
    let worker = Worker::start(
        Held::Direct(Box::new(session)),
        access(&path),
        Starting::default(),
    );
    // Another keyfob shares the vault with a second key.
    let other = age::x25519::Identity::generate().to_public().to_string();
    let mut elsewhere = Store::new(&path).open(key()).unwrap();
    elsewhere
        .reseal(
            Seal::Recipients(vec![id.to_public().to_string(), other]),
            None,
        )
        .unwrap();
    assert!(worker.send(Job::Refresh { now: NOW }).is_none());
    assert!(matches!(wait(&worker), Msg::Reloaded(Ok(Some(_)))));
    match wait(&worker) {
        Msg::Sharing(sharing) => assert_eq!(
            sharing,
            Sharing {
                keys: 2,
                trusted: true
            }
        ),
        other => panic!("{other:?}"),
    }
    worker.finish();
}

#[test]
fn next_code_at_the_last_counter_is_refused_not_wrapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.age");
    let session = session_with(&path, vec![hotp(u64::MAX)]);
    let id = session.vault().entries[0].id.unwrap();
    let before = std::fs::read(&path).unwrap();
    let worker = Worker::start(
        Held::Direct(Box::new(session)),
        access(&path),
        Starting::default(),
    );
    worker.send(Job::Save {
        op: Op::Advance { id },
        now: NOW,
    });
    let Msg::Saved(Err(e)) = wait(&worker) else {
        panic!("saved")
    };
    assert!(e.contains("at the last HOTP counter"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    worker.finish();
}

#[test]
fn an_agent_that_is_not_there_locks_the_screen_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.age");
    drop(session_with(&path, vec![hotp(1)]));
    // XDG_RUNTIME_DIR is not changed here: no agent serves this temporary vault.
    let worker = Worker::start(Held::Agent, access(&path), Starting::default());
    worker.send(Job::Views { now: NOW });
    assert!(matches!(wait(&worker), Msg::Views(Err(_))));
    let Msg::AgentGone(why) = wait(&worker) else {
        panic!("not gone")
    };
    assert!(why.contains("agent"), "{why}");
    worker.finish();
}

#[test]
fn an_import_is_sorted_through_a_dry_run_like_the_plan_at_hand() {
    let s = || Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap();
    let mut vault = Vault {
        entries: vec![Entry::new("A", "a", s())],
        ..Vault::default()
    };
    vault.entries[0].id = Some(crate::engine::entry::EntryId::random().unwrap());
    let items = || {
        vec![
            Item::entry(Entry::new("A", "a", s())),
            Item::entry(Entry::new("B", "b", s())),
            Item::entry(Entry::new("B", "b", s())),
            Item::failed("line 4", "not a URI"),
        ]
    };
    let dry = |op: &Op| -> Result<Applied, crate::agent::client::ClientError> {
        let mut copy = vault.clone();
        op.apply(&mut copy, NOW)
            .map(|outcome| Applied {
                outcome,
                views: Vec::new(),
                warnings: Vec::new(),
            })
            .map_err(|e| {
                crate::agent::client::ClientError::Refused(Problem {
                    op: Some(e.clone()),
                    ..Problem::new(ProblemKind::Failed, e.to_string())
                })
            })
    };
    let through = super::reading::plan_through(items(), dry).unwrap();
    let here = crate::engine::import::plan(&vault.entries, items());
    let names = |list: &[Entry]| list.iter().map(Entry::name).collect::<Vec<_>>();
    assert_eq!(names(&through.added), names(&here.added));
    let ofs = |plan: &crate::engine::import::Plan| {
        plan.duplicates.iter().map(|d| d.of).collect::<Vec<_>>()
    };
    assert_eq!(ofs(&through), [DuplicateOf::Vault, DuplicateOf::Earlier]);
    assert_eq!(ofs(&through), ofs(&here));
    assert_eq!(through.failed, here.failed);
    // Every entry already there: the agent refuses the add; the plan still says of what.
    let only = vec![Item::entry(Entry::new("A", "a", s()))];
    let all_old = super::reading::plan_through(only, dry).unwrap();
    assert!(all_old.added.is_empty());
    assert_eq!(ofs(&all_old), [DuplicateOf::Vault]);
}

#[test]
fn a_removal_is_described_by_the_name_it_had() {
    let id = crate::engine::entry::EntryId::random().unwrap();
    let outcome = crate::engine::ops::Outcome::Removed {
        id,
        name: "Bank:bob".into(),
    };
    assert_eq!(describe(&outcome, &[]), ("deleted 'Bank:bob'".into(), None));
}

/// A big picture is decoded on the vault thread: handing it over returns at once, and the
/// answer comes later as a message (the screen goes on drawing meanwhile).
#[test]
fn a_big_picture_is_decoded_off_the_drawing_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.age");
    let session = session_with(&path, vec![hotp(1)]);
    let picture = dir.path().join("big.png");
    let mut seed: u32 = 7;
    let noise = image::GrayImage::from_fn(2000, 2000, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        image::Luma([u8::try_from(seed >> 24).unwrap()])
    });
    noise.save(&picture).unwrap();
    let worker = Worker::start(
        Held::Direct(Box::new(session)),
        access(&path),
        Starting::default(),
    );
    let start = std::time::Instant::now();
    assert!(
        worker
            .send(Job::ReadFile {
                path: picture.display().to_string(),
                purpose: ReadPurpose::Import,
                now: NOW,
            })
            .is_none()
    );
    let handed = start.elapsed();
    assert!(handed < std::time::Duration::from_millis(50), "{handed:?}");
    let msg = worker
        .results
        .recv_timeout(std::time::Duration::from_secs(120))
        .unwrap();
    let Msg::ImportRead(crate::ui::import_flow::Read::Failed(why)) = msg else {
        panic!("{msg:?}")
    };
    assert!(why.contains("big.png"), "{why}");
    worker.finish();
}
