//! The vault thread: holds the vault — through a running agent, or as the screen's own opened
//! `Session` — and does the slow work (an scrypt seal, a request to the agent, decoding a big
//! QR picture) so the screen never freezes.
//!
//! Promises:
//! - Jobs run one at a time in the order sent; results come back as [`Msg`]s.
//! - Through an agent ([`Held::Agent`]) no seed enters the screen's process except for the two
//!   things that need one in the clear — a QR code's URI and a new secret — and for those the
//!   vault is unlocked directly with what the person typed again, then forgotten. Changes
//!   travel as engine ops ([`Op`]) sealed to the agent, which saves them (the one change path,
//!   `Session::apply`). Each job connects afresh, so an agent that ended is noticed by the
//!   next job and reported as [`Msg::AgentGone`] (the screen locks, saying why).
//! - Held directly ([`Held::Direct`]), a save applies its op with `Session::apply` (locked,
//!   re-read, then written), `Refresh` re-reads a file another keyfob changed.
//! - `Lock` lets go of the vault (an agent too, for `L`); `Unlock` opens the file afresh
//!   through the same identity-file code the command line uses, and then — by the command
//!   line's rule (a person was asked, `agent_idle_minutes` is not 0) — leaves it in an agent
//!   and uses that agent from then on ([`held::hand_to_agent`]), so the next `keyfob code`
//!   elsewhere asks nothing and every save has one author.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use zeroize::Zeroizing;

use super::app::{Msg, ReadPurpose};
use super::hidden::Hidden;
use crate::engine::entry::EntryId;
use crate::engine::ops::Op;
use crate::unlock::Access;

mod held;
mod reading;
mod saving;
mod unlocking;

pub use held::{GONE, Held, Starting};
pub use saving::views_of;
pub use unlocking::{hand_to_agent, relock_of};

/// Work for the vault thread. `now` is the event loop's clock (Unix seconds).
#[derive(Debug)]
pub enum Job {
    Save {
        op: Op,
        now: u64,
    },
    /// Unlock directly with `typed`, save `op` through that session, forget it.
    SaveDirect {
        op: Op,
        typed: Hidden<Zeroizing<String>>,
        now: u64,
    },
    /// The entry's `otpauth://` URI for the QR screen (`typed`: unlock directly for it).
    Reveal {
        id: EntryId,
        typed: Option<Hidden<Zeroizing<String>>>,
    },
    /// Fresh code windows.
    Views {
        now: u64,
    },
    /// Re-read the vault (its file changed on disk).
    Refresh {
        now: u64,
    },
    Lock {
        agent: bool,
    },
    Unlock {
        typed: Hidden<Zeroizing<String>>,
        now: u64,
    },
    /// Read and decode a file for the form or the import dialog.
    ReadFile {
        path: String,
        purpose: ReadPurpose,
        now: u64,
    },
    /// Decrypt an encrypted export for the import dialog.
    Decrypt {
        path: String,
        format: &'static str,
        bytes: Hidden<Zeroizing<Vec<u8>>>,
        password: Hidden<Zeroizing<String>>,
        now: u64,
    },
}

/// The handle the event loop keeps.
pub struct Worker {
    jobs: Option<Sender<Job>>,
    pub results: Receiver<Msg>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn start(held: Held, access: Access, starting: Starting) -> Worker {
        let (jobs, inbox) = mpsc::channel();
        let (outbox, results) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("keyfob-vault".into())
            .spawn(move || {
                let mut vault = held::Vault::new(held, access, starting);
                for job in inbox {
                    for msg in vault.run(job) {
                        if outbox.send(msg).is_err() {
                            return;
                        }
                    }
                }
            })
            .ok();
        Worker {
            jobs: Some(jobs),
            results,
            thread,
        }
    }

    /// Queues a job; if the thread is gone, says so as the job's result.
    pub fn send(&self, job: Job) -> Option<Msg> {
        let stopped = "the vault thread stopped";
        let failed = |job: Job| match job {
            Job::Save { .. } | Job::SaveDirect { .. } => {
                Some(Msg::Saved(Err(format!("{stopped}; nothing was saved"))))
            }
            Job::Unlock { .. } => Some(Msg::Unlocked(Err(stopped.into()))),
            Job::Refresh { .. } => Some(Msg::Reloaded(Err(stopped.into()))),
            Job::Views { .. } => Some(Msg::Views(Err(stopped.into()))),
            Job::Reveal { .. } => Some(Msg::Revealed(Err(stopped.into()))),
            Job::ReadFile {
                purpose: ReadPurpose::Form,
                ..
            } => Some(Msg::FormRead(Err(stopped.into()))),
            Job::ReadFile { .. } | Job::Decrypt { .. } => Some(Msg::ImportRead(
                super::import_flow::Read::Failed(stopped.into()),
            )),
            Job::Lock { .. } => None,
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

#[cfg(test)]
mod tests;
