//! How a command reaches the vault: through the agent that holds it unlocked, else by
//! unlocking it here — and then, when a person had to be asked, leaving it unlocked in a new
//! agent so the next command asks nothing.
//!
//! Promises:
//! - With an agent for the vault, nothing is read here but the agent's answers: no vault, no
//!   identity file; changes travel as engine ops ([`Op`]) sealed to the agent.
//! - An agent that can no longer serve (its vault was deleted or re-sealed) is left for a
//!   direct unlock, which asks as usual; an agent that stops answering in the middle of a
//!   change is an error (whether the change was saved is not known; the message says how to
//!   check).
//! - A new agent is started only after an unlock that asked a person, only when none serves
//!   the vault, and only when `agent_idle_minutes` is not 0; failing to start one is a warning,
//!   never the command's failure.
//! - The vault's trust warnings are printed once per command, by whichever path opened it.

use super::Context;
use crate::agent::client::{self, Client, Connect};
use crate::agent::protocol::Problem;
use crate::engine::crypto::Key;
use crate::engine::ops::{Op, OpError, Outcome};
use crate::engine::store::{ChangeError, Session};
use crate::engine::view::{self, EntryView};
use crate::failure::Failure;

/// The agent for the command's vault, if one runs and may be used (a folder or socket keyfob
/// will not trust is a warning, and the command goes on without it).
pub fn agent(context: &Context) -> Option<Client> {
    match client::connect(&context.access.vault) {
        Connect::Agent(client) => Some(client),
        Connect::None => None,
        Connect::Unusable(failure) => {
            super::warn(format!("{}; unlocking directly", failure.message));
            None
        }
    }
}

/// Prints an agent's warnings about the vault.
pub fn warn_all(warnings: &[String]) {
    for line in warnings {
        super::warn(line);
    }
}

/// After a direct unlock: hands the key (and the document just decrypted, with the hash of
/// the file it came from) to a new background agent, if a person was asked and no agent
/// serves the vault yet.
pub fn autostart(context: &Context, key: &Key, document: Option<(&[u8; 32], &[u8])>) {
    if !crate::unlock::asked_person() || !crate::agent::autostart_allowed(&context.config) {
        return;
    }
    if !matches!(client::connect(&context.access.vault), Connect::None) {
        return;
    }
    if let Err(failure) = crate::agent::spawn::start(
        &context.access.vault,
        context.config_path.as_deref(),
        key,
        document,
        false,
    ) {
        super::warn(format!(
            "{}; the next command will ask again",
            failure.message
        ));
    }
}

/// [`autostart`] with an opened session (its document as it is now).
pub fn autostart_session(context: &Context, session: &Session) {
    if !crate::unlock::asked_person() || !crate::agent::autostart_allowed(&context.config) {
        return;
    }
    if !matches!(client::connect(&context.access.vault), Connect::None) {
        return;
    }
    let started = crate::agent::spawn::start_with_session(
        &context.access.vault,
        context.config_path.as_deref(),
        session,
        false,
    );
    if let Err(failure) = started {
        super::warn(format!(
            "{}; the next command will ask again",
            failure.message
        ));
    }
}

/// For commands that need seeds in the clear or the key itself (export, passwd, trust):
/// when an agent holds the vault, says in one line (`note: {why}`) why it is unlocked here,
/// asking again. Returns whether an agent holds it.
pub fn note_direct(context: &Context, why: &str) -> bool {
    let held = matches!(client::connect(&context.access.vault), Connect::Agent(_));
    if held {
        errln!("note: {why}");
    }
    held
}

/// The vault, reached through its agent or opened here.
pub enum Reach {
    Agent { client: Client, warned: bool },
    Direct(Box<Session>),
}

/// Why a change was not made: the engine's operation refused it (e.g. a duplicate), or
/// anything else, as the person sees it. Either way nothing was saved.
pub enum Refusal {
    Op(OpError),
    Other(Failure),
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Failure {
        match refusal {
            Refusal::Op(e) => e.into(),
            Refusal::Other(failure) => failure,
        }
    }
}

impl From<Failure> for Refusal {
    fn from(failure: Failure) -> Refusal {
        Refusal::Other(failure)
    }
}

impl From<ChangeError> for Refusal {
    fn from(e: ChangeError) -> Refusal {
        match e {
            ChangeError::Op(e) => Refusal::Op(e),
            ChangeError::Vault(e) => Refusal::Other(e.into()),
        }
    }
}

/// What a change did: the engine's outcome and the entries it added or changed, as now.
pub struct Applied {
    pub outcome: Outcome,
    pub views: Vec<EntryView>,
}

impl Reach {
    /// Through the agent if one serves the vault, else unlocked here (asking as usual).
    pub fn open(context: &Context) -> Result<Reach, Failure> {
        match agent(context) {
            Some(client) => Ok(Reach::Agent {
                client,
                warned: false,
            }),
            None => Ok(Reach::Direct(Box::new(context.access.open()?))),
        }
    }

    /// Opens the vault here instead of through an agent that can no longer serve it.
    fn direct(&mut self, context: &Context) -> Result<&mut Session, Failure> {
        if !matches!(self, Reach::Direct(_)) {
            *self = Reach::Direct(Box::new(context.access.open()?));
        }
        match self {
            Reach::Direct(session) => Ok(session),
            Reach::Agent { .. } => Err(Failure::new("the vault could not be opened")),
        }
    }

    /// The entry `query` picks (exit 2 for none, 3 for several), with its codes at `now`,
    /// without using up a HOTP code.
    pub fn pick(&mut self, context: &Context, query: &str, now: u64) -> Result<EntryView, Failure> {
        if let Reach::Agent { client, warned } = self {
            match client.code(query, now, false) {
                Ok((found, warnings)) => {
                    if !std::mem::replace(warned, true) {
                        warn_all(&warnings);
                    }
                    return found_view(found, query);
                }
                Err(e) if e.unserved() => {}
                Err(e) => return Err(e.failure()),
            }
        }
        let session = self.direct(context)?;
        let index = super::entries::pick(session.vault(), query)?;
        let entry = &session.vault().entries[index];
        EntryView::of(entry, now).map_err(|e| Failure::new(format!("'{}': {e}", entry.name())))
    }

    /// Applies `op` at `now` (through the agent, or here under the lock) and saves.
    pub fn apply(&mut self, context: &Context, op: &Op, now: u64) -> Result<Applied, Refusal> {
        self.change(context, op, now, false)
    }

    /// [`Reach::apply`], taking the op: unlocked here, an add moves its entries into the vault
    /// (see [`Session::apply_owned`]), so a big import or batch holds its entries once.
    pub fn apply_owned(&mut self, context: &Context, op: Op, now: u64) -> Result<Applied, Refusal> {
        if let Reach::Agent { .. } = self {
            return self.change(context, &op, now, false);
        }
        let session = self.direct(context)?;
        let outcome = session.apply_owned(op, now)?;
        let views = view::changed(session.vault(), &outcome, now)
            .map_err(|e| Failure::new(e.to_string()))?;
        Ok(Applied { outcome, views })
    }

    /// What `op` would do at `now`, saving nothing.
    pub fn dry_run(&mut self, context: &Context, op: &Op, now: u64) -> Result<Applied, Refusal> {
        self.change(context, op, now, true)
    }

    fn change(
        &mut self,
        context: &Context,
        op: &Op,
        now: u64,
        dry_run: bool,
    ) -> Result<Applied, Refusal> {
        if let Reach::Agent { client, warned } = self {
            match client.apply(op, now, dry_run) {
                Ok(applied) => {
                    if !std::mem::replace(warned, true) {
                        warn_all(&applied.warnings);
                    }
                    return Ok(Applied {
                        outcome: applied.outcome,
                        views: applied.views,
                    });
                }
                Err(e) if e.unserved() => {}
                Err(client::ClientError::Lost(why)) => {
                    return Err(Refusal::Other(
                        Failure::new(format!(
                            "the agent stopped answering during the change ({why}); it may or may not have been saved"
                        ))
                        .with_hint("check with `keyfob list`"),
                    ));
                }
                Err(client::ClientError::Refused(Problem { op: Some(e), .. })) => {
                    return Err(Refusal::Op(e));
                }
                Err(e) => return Err(Refusal::Other(e.failure())),
            }
        }
        let session = self.direct(context)?;
        let (outcome, views) = if dry_run {
            let mut copy = session.vault().clone();
            let outcome = op.apply(&mut copy, now).map_err(Refusal::Op)?;
            let views = view::changed(&copy, &outcome, now);
            (outcome, views)
        } else {
            let outcome = session.apply(op, now)?;
            let views = view::changed(session.vault(), &outcome, now);
            (outcome, views)
        };
        let views = views.map_err(|e| Failure::new(e.to_string()))?;
        Ok(Applied { outcome, views })
    }

    /// The command's work is done: a vault unlocked here by asking a person is left unlocked
    /// in a new agent.
    pub fn done(self, context: &Context) {
        if let Reach::Direct(session) = &self {
            autostart_session(context, session);
        }
    }
}

/// The one view a code query found, or the command's exit 2 / 3.
pub fn found_view(found: crate::agent::protocol::Found, query: &str) -> Result<EntryView, Failure> {
    use crate::agent::protocol::Found;
    match found {
        Found::One { view, .. } => Ok(*view),
        Found::None => Err(super::entries::no_match(query)),
        Found::Many { matches } => Err(super::entries::ambiguous(
            query,
            matches.into_iter().map(|m| m.name).collect(),
        )),
    }
}
