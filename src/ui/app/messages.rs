//! What flows through the screen's loop: [`Msg`]s into `App::update` (keys, ticks, what the
//! vault thread reports) and [`Effect`]s out of it (work for the loop). Split from `app.rs`,
//! which holds the state.
//!
//! Promise: nothing secret here shows in `Debug` (codes, typed text, file bytes and URIs are
//! [`Hidden`]; ops redact their secrets).

use zeroize::Zeroizing;

use super::super::hidden::Hidden;
use super::super::sharing::Sharing;
use super::super::text::Edit;
use super::Revealed;
use crate::clipboard::{Cleared, Route};
use crate::engine::clock::ClockHealth;
use crate::engine::entry::EntryId;
use crate::engine::import::Item;
use crate::engine::ops::Op;
use crate::engine::view::EntryView;
use crate::prompt::{Answer, Question};

/// Which file a read is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadPurpose {
    Form,
    Import,
}

/// Work for the event loop: everything that touches the world.
#[derive(Debug)]
pub enum Effect {
    /// Apply the change (through the agent, or `Session::apply`) and report `Msg::Saved`.
    Save(Op),
    /// Unlock the vault directly with this passphrase (as [`Effect::Unlock`]), save the change
    /// through that session, then forget it (report `Msg::Saved`).
    SaveDirect {
        op: Op,
        typed: Hidden<Zeroizing<String>>,
    },
    /// Fetch the entry's `otpauth://` URI (report `Msg::Revealed`): from the vault thread's
    /// own session, or — while an agent holds the vault — by unlocking directly with `typed`.
    Reveal {
        id: EntryId,
        typed: Option<Hidden<Zeroizing<String>>>,
    },
    /// Fresh codes for every entry (report `Msg::Views`): a code window ran out.
    Views,
    /// Copy a code (report `Msg::Copied`).
    Copy(Hidden<Zeroizing<String>>),
    ClearClipboard,
    /// Re-read the vault file, which changed on disk (report `Msg::Reloaded`).
    Reload,
    /// Forget the opened vault (the idle lock); with `agent`, lock the agent too (`L`).
    Lock {
        agent: bool,
    },
    /// Open the vault again with this passphrase (or SSH key passphrase; may be empty).
    Unlock(Hidden<Zeroizing<String>>),
    /// Read and decode a file, off the drawing path (report `Msg::FormRead` or
    /// `Msg::ImportRead`).
    ReadFile {
        path: String,
        purpose: ReadPurpose,
    },
    /// Decrypt an encrypted export with the password typed (report `Msg::ImportRead`).
    Decrypt {
        path: String,
        format: &'static str,
        bytes: Hidden<Zeroizing<Vec<u8>>>,
        password: Hidden<Zeroizing<String>>,
    },
    /// List file names that complete a path (report `Msg::Completed`).
    Complete(String),
    /// The person's answer to a plugin's question (see `Msg::Asked`).
    Answer(Answer),
    Quit,
}

/// What a copy did, as the loop reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copied {
    /// Handed to the clipboard this way (OSC 52: sent, not known to have arrived).
    Done(Route),
    /// Copying is off (`clipboard: off`).
    Off,
    Failed(String),
}

/// The result of a save, as the loop reports it.
#[derive(Debug)]
pub struct Saved {
    /// The vault's entries after the save (re-read under the lock).
    pub entries: Vec<EntryView>,
    pub summary: String,
    /// The entry to select afterwards.
    pub focus: Option<EntryId>,
}

/// The vault opened again from the lock screen.
#[derive(Debug)]
pub struct Opened {
    pub entries: Vec<EntryView>,
    /// Whether an agent holds it now (started, or found running).
    pub agent: bool,
    /// A line for the status bar (e.g. the agent could not start).
    pub note: Option<String>,
}

/// Everything that can happen to the screen.
#[derive(Debug)]
pub enum Msg {
    /// A second passed.
    Tick,
    Resize {
        width: u16,
        height: u16,
    },
    Quit,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    StartFilter,
    Copy,
    Add,
    EditEntry,
    Delete,
    NextCode,
    ShowQr,
    Help,
    Import,
    LockNow,
    /// Editing keys in a text field.
    Text(Edit),
    Enter,
    Escape,
    NextField,
    PrevField,
    /// Space in a list of choices.
    Toggle,
    ToggleAll,
    Yes,
    /// Any other key (closes pagers, says no to questions).
    Other,
    Copied(Copied),
    /// What clearing the clipboard did (or why it failed).
    Cleared(Result<Cleared, String>),
    Saved(Result<Saved, String>),
    /// The system clock's state, checked again.
    Clock(ClockHealth),
    /// Who the vault is sealed to changed (or whether this machine trusts them).
    Sharing(Sharing),
    /// The vault file changed on disk (another keyfob saved, or it was replaced).
    VaultChanged,
    /// The vault as re-read after a change on disk (`None`: its content had not changed).
    Reloaded(Result<Option<Vec<EntryView>>, String>),
    /// Fresh code windows for the same entries (or the vault as it is now).
    Views(Result<Vec<EntryView>, String>),
    Unlocked(Result<Opened, String>),
    /// The agent that held the vault ended (idle timeout, `keyfob lock`, killed): why.
    AgentGone(String),
    /// `L` locked the agent too (it has wiped its keys and removed its socket).
    AgentLocked,
    /// The process id of the agent that holds the vault (the loop watches it).
    AgentPid(u32),
    /// An entry's URI for the QR screen (or why it could not be had).
    Revealed(Result<Revealed, String>),
    /// The entries in the file the form's first field names.
    FormRead(Result<Vec<Item>, String>),
    /// What the import dialog's file (or its decryption) gave.
    ImportRead(super::super::import_flow::Read),
    Completed(Vec<String>),
    /// A hardware key's plugin says or asks something (answered with `Effect::Answer`).
    Asked(Question),
}

impl Msg {
    /// Whether the message comes from the person (resets the idle timer).
    pub fn is_input(&self) -> bool {
        !matches!(
            self,
            Msg::Tick
                | Msg::Copied(_)
                | Msg::Cleared(_)
                | Msg::Saved(_)
                | Msg::VaultChanged
                | Msg::Clock(_)
                | Msg::Sharing(_)
                | Msg::Reloaded(_)
                | Msg::Views(_)
                | Msg::Unlocked(_)
                | Msg::AgentGone(_)
                | Msg::AgentLocked
                | Msg::AgentPid(_)
                | Msg::Revealed(_)
                | Msg::FormRead(_)
                | Msg::ImportRead(_)
                | Msg::Completed(_)
                | Msg::Asked(_)
        )
    }
}
