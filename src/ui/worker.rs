//! The vault thread: owns the opened `Session` and does the slow work (an scrypt seal takes
//! about a second) so the screen never freezes.
//!
//! Promises: jobs run one at a time in the order sent; a save applies its [`Op`] with
//! `Session::apply` (locked, re-read, then written: the engine's one change path, shared with
//! the command line); `Refresh` re-reads a file another keyfob changed (`Session::refresh`);
//! `Lock` drops the session — entries and key — and `Unlock` opens the file afresh (through
//! the same identity-file code the command line uses). Results come back as [`Msg`]s.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::app::{Msg, Saved};
use super::hidden::Hidden;
use super::sharing::Sharing;
use crate::engine::crypto::{Ask, Key, Protection};
use crate::engine::entry::Entry;
use crate::engine::ops::{Op, Outcome};
use crate::engine::store::{ChangeError, Session};
use crate::engine::vault::Vault;
use crate::failure::Failure;
use crate::unlock::Access;

/// Work for the vault thread.
#[derive(Debug)]
pub enum Job {
    /// Apply the op at `now` (Unix seconds, the event loop's clock).
    Save {
        op: Op,
        now: u64,
    },
    /// Re-read the file (it changed on disk).
    Refresh,
    Lock,
    Unlock(Hidden<Zeroizing<String>>),
}

/// The handle the event loop keeps.
pub struct Worker {
    jobs: Option<Sender<Job>>,
    pub results: Receiver<Msg>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn start(session: Session, access: Access) -> Worker {
        let (jobs, inbox) = mpsc::channel();
        let (outbox, results) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("keyfob-vault".into())
            .spawn(move || serve(Some(session), &access, &inbox, &outbox))
            .ok();
        Worker {
            jobs: Some(jobs),
            results,
            thread,
        }
    }

    /// Queues a job; if the thread is gone, says so as the job's result.
    pub fn send(&self, job: Job) -> Option<Msg> {
        let failed = |job: Job| match job {
            Job::Save { .. } => Some(Msg::Saved(Err(
                "the vault thread stopped; nothing was saved".into(),
            ))),
            Job::Unlock(_) => Some(Msg::Unlocked(Err("the vault thread stopped".into()))),
            Job::Refresh => Some(Msg::Reloaded(Err("the vault thread stopped".into()))),
            Job::Lock => None,
        };
        match &self.jobs {
            Some(sender) => sender.send(job).err().and_then(|e| failed(e.0)),
            None => failed(job),
        }
    }

    /// Waits for queued saves to finish (on quit: a save in flight is never cut short).
    pub fn finish(mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    mut session: Option<Session>,
    access: &Access,
    inbox: &Receiver<Job>,
    outbox: &Sender<Msg>,
) {
    // Who the vault is sealed to, as the screen was last told (it starts with the session's).
    let mut told = session.as_ref().map(Sharing::of);
    for job in inbox {
        let reply = match job {
            Job::Save { op, now } => Some(Msg::Saved(save(session.as_mut(), &op, now))),
            Job::Refresh => Some(Msg::Reloaded(refresh(session.as_mut()))),
            Job::Lock => {
                session = None;
                None
            }
            Job::Unlock(typed) => Some(Msg::Unlocked(match reopen(access, &typed) {
                Ok(opened) => {
                    let entries = opened.vault().entries.clone();
                    session = Some(opened);
                    Ok(entries)
                }
                Err(e) => Err(e),
            })),
        };
        if let Some(msg) = reply
            && outbox.send(msg).is_err()
        {
            return;
        }
        let now = session.as_ref().map(Sharing::of);
        if let Some(sharing) = now
            && now != told
        {
            told = now;
            if outbox.send(Msg::Sharing(sharing)).is_err() {
                return;
            }
        }
    }
}

fn save(session: Option<&mut Session>, op: &Op, now: u64) -> Result<Saved, String> {
    let session = session.ok_or("the vault is locked; nothing was saved")?;
    let outcome = session.apply(op, now).map_err(|e| match e {
        ChangeError::Vault(e) => Failure::from(e).message,
        ChangeError::Op(e) => e.to_string(),
    })?;
    let (summary, focus) = describe(&outcome, session.vault());
    Ok(Saved {
        entries: session.vault().entries.clone(),
        summary,
        focus: focus.cloned().map(Box::new),
    })
}

/// Re-reads the vault file; `None` if its content is what the session already has (or the
/// vault is locked). A passphrase vault costs one scrypt here, off the drawing path.
fn refresh(session: Option<&mut Session>) -> Result<Option<Vec<Entry>>, String> {
    let Some(session) = session else {
        return Ok(None);
    };
    match session.refresh() {
        Ok(true) => Ok(Some(session.vault().entries.clone())),
        Ok(false) => Ok(None),
        Err(e) => Err(Failure::from(e).message),
    }
}

/// What the status line says about a saved change, and the entry to select afterwards (read
/// from the vault as saved, so a counter is the one stored, never computed here).
fn describe<'v>(outcome: &Outcome, vault: &'v Vault) -> (String, Option<&'v Entry>) {
    let name = |entry: Option<&Entry>| entry.map(Entry::name).unwrap_or_default();
    match outcome {
        Outcome::Added { ids, .. } => {
            let added: Vec<_> = ids.iter().flatten().collect();
            let first = added.first().and_then(|id| vault.entry(**id));
            let text = match (added.len(), ids.len() - added.len()) {
                (1, 0) => format!("added '{}'", name(first)),
                (n, 0) => format!("added {n} entries"),
                (n, m) => format!("added {n}, skipped {m} already in the vault"),
            };
            (text, first)
        }
        Outcome::Edited { id } => {
            let entry = vault.entry(*id);
            (format!("saved '{}'", name(entry)), entry)
        }
        Outcome::Removed { name, .. } => (format!("deleted '{name}'"), None),
        Outcome::Advanced { id, .. } => {
            let entry = vault.entry(*id);
            let counter = entry.map(|e| e.counter).unwrap_or_default();
            (
                format!("'{}' moved to counter {counter}", name(entry)),
                entry,
            )
        }
    }
}

/// Opens the vault again after the idle lock: `typed` is the passphrase — the vault's, or
/// for an identity vault the protected identity file's or SSH key's (if it has one). A
/// hardware key's plugin asks for itself (through the screen's dialog).
fn reopen(access: &Access, typed: &Zeroizing<String>) -> Result<Session, String> {
    let store = access.store();
    let message = |e| Failure::from(e).message;
    let key = match store.protection().map_err(message)? {
        Protection::Passphrase { .. } => {
            if typed.is_empty() {
                return Err("type the passphrase".into());
            }
            Key::Passphrase(SecretString::from(typed.to_string()))
        }
        Protection::Recipients => {
            let file = access.opening_identity_file().map_err(|f| f.message)?;
            if file.is_protected() && typed.is_empty() {
                return Err("type the identity file's passphrase".into());
            }
            let mut ask = |ask: Ask| {
                (ask.attempt == 1 && !typed.is_empty())
                    .then(|| SecretString::from(typed.to_string()))
            };
            Key::Identities(file.unlock_with(&mut ask).map_err(|f| f.message)?)
        }
    };
    store.open(key).map_err(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::crypto::{Seal, x25519_identities};
    use crate::engine::entry::Entry;
    use crate::engine::secret::Secret;
    use crate::engine::store::Store;

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

    #[test]
    fn next_code_says_the_counter_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut session = session_with(&dir.path().join("v.age"), vec![hotp(5)]);
        let id = session.vault().entries[0].id.unwrap();
        let saved = save(Some(&mut session), &Op::Advance { id }, NOW).unwrap();
        assert_eq!(saved.summary, "'Bank:bob' moved to counter 6");
        assert_eq!(saved.focus.unwrap().counter, 6);
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
        let access = Access {
            vault: path.clone(),
            identity: None,
            passphrase_file: None,
        };
        let worker = Worker::start(session, access);
        // Another keyfob shares the vault with a second key.
        let other = age::x25519::Identity::generate().to_public().to_string();
        let mut elsewhere = Store::new(&path).open(key()).unwrap();
        elsewhere
            .reseal(
                Seal::Recipients(vec![id.to_public().to_string(), other]),
                None,
            )
            .unwrap();
        assert!(worker.send(Job::Refresh).is_none());
        let wait = std::time::Duration::from_secs(10);
        assert!(matches!(
            worker.results.recv_timeout(wait).unwrap(),
            Msg::Reloaded(Ok(Some(_)))
        ));
        match worker.results.recv_timeout(wait).unwrap() {
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
        let mut session = session_with(&path, vec![hotp(u64::MAX)]);
        let id = session.vault().entries[0].id.unwrap();
        let before = std::fs::read(&path).unwrap();
        let e = save(Some(&mut session), &Op::Advance { id }, NOW).unwrap_err();
        assert!(e.contains("at the last HOTP counter"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
