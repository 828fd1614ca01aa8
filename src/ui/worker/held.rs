//! How the vault thread holds the vault — through an agent, opened here, or not at all — and
//! what each job does with it. See the promises of [`super`].

use zeroize::Zeroizing;

use super::Job;
use super::reading;
use super::saving::{describe, save_in, views_of};
use super::unlocking::{hand_to_agent, reopen};
use crate::agent::client::{self, Client, ClientError, Connect};
use crate::agent::protocol::{Problem, ProblemKind};
use crate::engine::entry::EntryId;
use crate::engine::ops::Op;
use crate::engine::store::Session;
use crate::engine::view::EntryView;
use crate::failure::Failure;
use crate::ui::app::{Msg, Opened, Revealed, Saved, same_shown};
use crate::ui::sharing::Sharing;
use crate::unlock::Access;

/// Where the vault is.
pub enum Held {
    /// An agent holds it: every job connects afresh.
    Agent,
    /// Opened here (no agent, or none could be started).
    Direct(Box<Session>),
    /// Locked: nothing is held.
    Locked,
}

/// What starting an agent needs besides the vault: the settings file the screen was given,
/// and whether the settings allow starting one (`agent_idle_minutes` ≠ 0).
#[derive(Debug, Clone, Default)]
pub struct Starting {
    pub config: Option<std::path::PathBuf>,
    pub allowed: bool,
}

/// The line the lock screen shows when the agent went away.
pub const GONE: &str =
    "The agent that held the vault ended (idle timeout, `keyfob lock`, or stopped); unlock again.";

/// The vault thread's state.
pub(super) struct Vault {
    held: Held,
    access: Access,
    starting: Starting,
    /// What an agent last listed (without codes, compared to tell a real change on disk from
    /// our own save).
    last: Vec<EntryView>,
    /// Who the vault is sealed to, as the screen was last told.
    told: Option<Sharing>,
    /// Why the agent went away during the job (reported after its result).
    gone: Option<String>,
    /// The agent's process id, as the screen was last told.
    pid: Option<u32>,
}

impl Vault {
    pub(super) fn new(held: Held, access: Access, starting: Starting) -> Vault {
        let told = match &held {
            Held::Direct(session) => Some(Sharing::of(session)),
            _ => None,
        };
        Vault {
            held,
            access,
            starting,
            last: Vec::new(),
            told,
            gone: None,
            pid: None,
        }
    }

    /// Does one job; returns what to tell the screen.
    pub(super) fn run(&mut self, job: Job) -> Vec<Msg> {
        let mut out = match job {
            Job::Save { op, now } => vec![Msg::Saved(self.save(&op, now))],
            Job::SaveDirect { op, typed, now } => {
                vec![Msg::Saved(self.save_direct(&op, &typed, now))]
            }
            Job::Reveal { id, typed } => vec![Msg::Revealed(self.reveal(id, typed.as_deref()))],
            Job::Views { now } => vec![Msg::Views(self.views(now))],
            Job::Refresh { now } => vec![Msg::Reloaded(self.refresh(now))],
            Job::Lock { agent } => {
                if self.lock(agent) {
                    vec![Msg::AgentLocked]
                } else {
                    Vec::new()
                }
            }
            Job::Unlock { typed, now } => vec![Msg::Unlocked(self.unlock(&typed, now))],
            Job::ReadFile { path, purpose, now } => {
                vec![reading::read(&path, purpose, |items| self.plan(items, now))]
            }
            Job::Decrypt {
                path,
                format,
                bytes,
                password,
                now,
            } => vec![reading::decrypt(&path, format, bytes, &password, |items| {
                self.plan(items, now)
            })],
        };
        let (sharing, pid) = self.sharing();
        if let Some(sharing) = sharing
            && self.told != Some(sharing)
        {
            self.told = Some(sharing);
            out.push(Msg::Sharing(sharing));
        }
        if let Some(pid) = pid
            && self.pid != Some(pid)
        {
            self.pid = Some(pid);
            out.push(Msg::AgentPid(pid));
        }
        // An agent that went away while the job ran: the screen locks, saying why.
        if let Some(why) = self.gone.take() {
            self.told = None;
            self.pid = None;
            out.push(Msg::AgentGone(why));
        }
        out
    }

    /// The agent, or why it cannot be had (it ended): then nothing is held any more.
    fn agent(&mut self) -> Result<Client, Gone> {
        match client::connect(&self.access.vault) {
            Connect::Agent(client) => Ok(client),
            Connect::None => Err(self.went(GONE.into())),
            Connect::Unusable(failure) => Err(self.went(failure.message)),
        }
    }

    /// The agent went away: nothing is held any more, and the screen will be told why.
    fn went(&mut self, why: String) -> Gone {
        self.held = Held::Locked;
        self.last.clear();
        self.gone = Some(why.clone());
        Gone(why)
    }

    /// A client error as the screen sees it: the agent ending is [`Gone`].
    fn agent_error(&mut self, e: ClientError) -> Problemish {
        match e {
            ClientError::Lost(_) => Problemish::Gone(self.went(GONE.into())),
            ClientError::Refused(problem) if problem.kind == ProblemKind::Ending => {
                Problemish::Gone(self.went(format!("{}; unlock again.", problem.message)))
            }
            ClientError::Refused(Problem { op: Some(e), .. }) => Problemish::Failed(e.to_string()),
            other => Problemish::Failed(other.failure().message),
        }
    }

    /// Who the vault is sealed to, and the agent's process id when an agent holds it.
    fn sharing(&mut self) -> (Option<Sharing>, Option<u32>) {
        match &self.held {
            Held::Direct(session) => (Some(Sharing::of(session)), None),
            Held::Agent => match self.agent().ok().and_then(|mut c| c.status().ok()) {
                Some(status) => (Some(Sharing::of_status(&status)), Some(status.pid)),
                None => (None, None),
            },
            Held::Locked => (None, None),
        }
    }

    fn views(&mut self, now: u64) -> Result<Vec<EntryView>, String> {
        match &self.held {
            Held::Direct(session) => views_of(session, now),
            Held::Agent => self.list(now).map_err(|p| p.text()),
            Held::Locked => Ok(Vec::new()),
        }
    }

    /// Every entry through the agent (remembered, to tell a change on disk).
    fn list(&mut self, now: u64) -> Result<Vec<EntryView>, Problemish> {
        let mut client = self.agent().map_err(Problemish::Gone)?;
        match client.list(now) {
            Ok((views, _warnings)) => {
                self.last.clone_from(&views);
                Ok(views)
            }
            Err(e) => Err(self.agent_error(e)),
        }
    }

    fn refresh(&mut self, now: u64) -> Result<Option<Vec<EntryView>>, String> {
        match &mut self.held {
            Held::Direct(session) => match session.refresh() {
                Ok(true) => views_of(session, now).map(Some),
                Ok(false) => Ok(None),
                Err(e) => Err(Failure::from(e).message),
            },
            Held::Agent => {
                let before = std::mem::take(&mut self.last);
                let views = self.list(now).map_err(|p| p.text())?;
                let same = before.len() == views.len()
                    && before.iter().zip(&views).all(|(a, b)| same_shown(a, b));
                Ok((!same).then_some(views))
            }
            Held::Locked => Ok(None),
        }
    }

    fn save(&mut self, op: &Op, now: u64) -> Result<Saved, String> {
        match &mut self.held {
            Held::Direct(session) => save_in(session, op, now),
            Held::Agent => {
                let mut client = self.agent().map_err(|g| g.0)?;
                let applied = match client.apply(op, now, false) {
                    Ok(applied) => applied,
                    Err(e @ ClientError::Lost(_)) => {
                        self.agent_error(e);
                        return Err("the agent stopped answering during the change; it may or may not have been saved (unlock and look)".into());
                    }
                    Err(e) => return Err(self.agent_error(e).text()),
                };
                let (summary, focus) = describe(&applied.outcome, &applied.views);
                let entries = self.list(now).map_err(|p| p.text())?;
                Ok(Saved {
                    entries,
                    summary,
                    focus,
                })
            }
            Held::Locked => Err("the vault is locked; nothing was saved".into()),
        }
    }

    /// A change saved with the vault unlocked here (a new secret while an agent holds it):
    /// the agent follows the file.
    fn save_direct(
        &mut self,
        op: &Op,
        typed: &Zeroizing<String>,
        now: u64,
    ) -> Result<Saved, String> {
        if let Held::Direct(session) = &mut self.held {
            return save_in(session, op, now);
        }
        let mut session = reopen(&self.access, typed)?;
        let saved = save_in(&mut session, op, now);
        if saved.is_ok() && matches!(self.held, Held::Agent) {
            // Tell the agent's list apart from this change next time the file is noticed.
            self.last = saved
                .as_ref()
                .map(|s| s.entries.clone())
                .unwrap_or_default();
        }
        saved
    }

    fn reveal(
        &mut self,
        id: EntryId,
        typed: Option<&Zeroizing<String>>,
    ) -> Result<Revealed, String> {
        let direct;
        let session: &Session = match (&self.held, typed) {
            (Held::Direct(session), _) => session,
            (_, Some(typed)) => {
                direct = reopen(&self.access, typed)?;
                &direct
            }
            (_, None) => return Err("the vault is locked".into()),
        };
        let entry = session.vault().entry(id).ok_or_else(|| {
            "the entry changed or disappeared meanwhile (deleted by another keyfob?)".to_string()
        })?;
        Ok(Revealed {
            id,
            name: entry.name(),
            uri: crate::ui::hidden::Hidden(crate::engine::uri::to_uri(entry)),
        })
    }

    /// Lets go of the vault; with `agent`, locks an agent that holds it (whether it did).
    fn lock(&mut self, agent: bool) -> bool {
        self.held = Held::Locked;
        self.last.clear();
        self.told = None;
        self.pid = None;
        if !agent {
            return false;
        }
        match client::connect(&self.access.vault) {
            Connect::Agent(mut client) => client.lock().is_ok(),
            _ => false,
        }
    }

    fn unlock(&mut self, typed: &Zeroizing<String>, now: u64) -> Result<Opened, String> {
        let session = reopen(&self.access, typed)?;
        if !typed.is_empty() {
            crate::unlock::note_person_asked();
        }
        let (agent, note) = match hand_to_agent(&self.access, &self.starting, &session) {
            Ok(agent) => (agent, None),
            Err(note) => (false, Some(note)),
        };
        if agent {
            self.held = Held::Agent;
            drop(session);
            let entries = self.list(now).map_err(|p| p.text())?;
            return Ok(Opened {
                entries,
                agent: true,
                note,
            });
        }
        let entries = views_of(&session, now)?;
        self.held = Held::Direct(Box::new(session));
        Ok(Opened {
            entries,
            agent: false,
            note,
        })
    }

    /// Sorts an import's items against the vault: here, or through the agent (a dry run, so
    /// the screen needs no seed of the vault to find duplicates).
    fn plan(
        &mut self,
        items: Vec<crate::engine::import::Item>,
        now: u64,
    ) -> Result<crate::engine::import::Plan, String> {
        match &self.held {
            Held::Direct(session) => {
                Ok(crate::engine::import::plan(&session.vault().entries, items))
            }
            Held::Agent => {
                let mut client = self.agent().map_err(|g| g.0)?;
                reading::plan_through(items, |op| client.apply(op, now, true))
                    .map_err(|e| self.agent_error(e).text())
            }
            Held::Locked => Err("the vault is locked".into()),
        }
    }
}

/// The agent ended: why, in one line.
pub(super) struct Gone(pub String);

/// A failed agent request: the agent ended, or the request failed (nothing was done).
pub(super) enum Problemish {
    Gone(Gone),
    Failed(String),
}

impl Problemish {
    fn text(self) -> String {
        match self {
            Problemish::Gone(g) => g.0,
            Problemish::Failed(text) => text,
        }
    }
}
