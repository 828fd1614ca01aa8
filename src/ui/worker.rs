//! The vault thread: owns the opened `Session` and does the slow work (an scrypt seal takes
//! about a second) so the screen never freezes.
//!
//! Promises: jobs run one at a time in the order sent; a save applies its [`Op`] inside
//! `Session::update` (locked, re-read, then written); `Refresh` re-reads a file another keyfob
//! changed (`Session::refresh`); `Lock` drops the session — entries and key — and `Unlock`
//! opens the file afresh (through the same identity-file code the command line uses). Results
//! come back as [`Msg`]s.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::app::{Msg, Saved};
use super::hidden::Hidden;
use super::ops::{Op, OpError};
use crate::engine::crypto::{Ask, Key, Protection};
use crate::engine::entry::Entry;
use crate::engine::store::Session;
use crate::failure::Failure;
use crate::unlock::Access;

/// Work for the vault thread.
#[derive(Debug)]
pub enum Job {
    Save(Op),
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
            Job::Save(_) => Some(Msg::Saved(Err(
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
    for job in inbox {
        let reply = match job {
            Job::Save(op) => Some(Msg::Saved(save(session.as_mut(), &op))),
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
    }
}

fn save(session: Option<&mut Session>, op: &Op) -> Result<Saved, String> {
    let session = session.ok_or("the vault is locked; nothing was saved")?;
    let summary = session
        .update(|vault| op.apply(vault))
        .map_err(|e: OpError| match e {
            OpError::Vault(e) => Failure::from(e).message,
            other => other.to_string(),
        })?;
    Ok(Saved {
        entries: session.vault().entries.clone(),
        summary,
        focus: op.focus().map(Box::new),
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
