//! The screen's state: plain data, no terminal, no clock.
//!
//! Promises: `App::new`/`App::default` touch nothing outside the value; time only enters
//! through [`App::update`](super::update) (`now`, Unix seconds), so a frozen `now` gives a
//! frozen screen. The entries are [`EntryView`]s: names, metadata and a window of codes, never
//! a seed (the vault thread or the agent holds those); the one seed the screen ever holds is a
//! QR code's URI while it is shown ([`Revealed`]). Secrets held here (that URI, typed text)
//! are zeroized when dropped and never shown by `Debug`.

use std::collections::HashSet;

use super::asking::Asking;
use super::filter::Filter;
use super::form::Form;
use super::import_flow::ImportFlow;
use super::sharing::Sharing;
use super::text::TextInput;
use super::theme::Theme;
use crate::engine::clock::ClockHealth;
use crate::engine::entry::EntryId;
use crate::engine::view::EntryView;
use crate::engine::width::width;

/// Settings the screen runs with (from the config and the environment).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Seconds before a copied code is cleared (0 = never).
    pub clear_seconds: u64,
    /// Minutes without a key before the screen locks (0 = never).
    pub idle_lock_minutes: u64,
    pub theme: Theme,
    /// The vault's file name, for the title.
    pub vault_name: String,
    /// What unlocking again asks for.
    pub relock: Relock,
}

/// What the lock screen asks for to open the vault again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Relock {
    /// The vault's passphrase.
    Passphrase,
    /// The passphrase of a protected identity file.
    IdentityPassphrase,
    /// Nothing, or an SSH key's passphrase: the identity file is read again.
    #[default]
    IdentityFile,
    /// Nothing here: the hardware key's plugin asks (PIN, touch) in a dialog.
    HardwareKey,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clear_seconds: 30,
            idle_lock_minutes: 10,
            theme: Theme { color: true },
            vault_name: "vault.age".into(),
            relock: Relock::IdentityFile,
        }
    }
}

/// What the screen is doing.
#[derive(Debug, Default)]
pub enum Mode {
    #[default]
    List,
    /// Typing in the filter.
    Filter,
    /// The keys, scrolled down by `scroll` lines.
    Help {
        scroll: usize,
    },
    /// The QR code of an entry (its URI, fetched with the seed in the clear).
    Qr(Box<Revealed>),
    /// Asking before deleting this entry.
    ConfirmDelete(Box<EntryView>),
    /// Asking for the key again, on the lock screen's prompt, for something that needs a
    /// seed in the clear while an agent holds the vault (the agent never hands out seeds).
    Reauth(Box<Reauth>),
    Form(Box<Form>),
    Import(Box<ImportFlow>),
    Locked(LockScreen),
    /// A hardware key's plugin asks something (a PIN, a yes/no), over what was shown before.
    Asking(Box<Asking>),
}

/// The idle lock: a prompt to unlock again.
#[derive(Debug, Default)]
pub struct LockScreen {
    /// Locked by the idle timer (rather than by the person).
    pub idle: bool,
    pub input: TextInput,
    pub busy: bool,
    pub error: Option<String>,
    /// Why the screen locked when it was not the person or the idle timer (the agent ended).
    pub why: Option<String>,
}

/// How the status line shows its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Good,
    Busy,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub kind: StatusKind,
}

mod messages;
mod reauth;
mod views;

pub use messages::{Copied, Effect, Msg, Opened, ReadPurpose, Saved};
pub use reauth::{Need, Reauth, Revealed};
pub use views::{same_shown, views_due};

/// Rows the screen keeps for the title, the detail panel, the status and the key hints.
pub const CHROME_ROWS: u16 = 6;

/// The whole state of the screen.
#[derive(Debug)]
pub struct App {
    pub now: u64,
    pub settings: Settings,
    /// The opened vault's entries, without seeds (empty while locked).
    pub entries: Vec<EntryView>,
    pub filter: TextInput,
    /// Positions in `entries` of the rows shown, in order.
    pub visible: Vec<usize>,
    /// Selected row (index into `visible`).
    pub selected: usize,
    /// First row shown.
    pub offset: usize,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub mode: Mode,
    pub status: Option<Status>,
    /// When the copied code is to be cleared.
    pub clipboard_until: Option<u64>,
    /// A one-line hint shown instead of the key hints until the next key.
    pub notice: Option<&'static str>,
    /// Whether this session already showed the OSC 52 hint.
    pub osc52_hinted: bool,
    /// When the person last pressed a key.
    pub last_input: u64,
    /// Saves and unlocks in flight.
    pub pending: usize,
    /// What the kernel says about the system clock (a warning shows when it is suspect).
    pub clock: ClockHealth,
    /// The widest issuer and account among the entries, in columns (for the list's layout).
    pub name_widths: (usize, usize),
    /// Who the vault is sealed to, and whether this machine trusts them (the title).
    pub sharing: Sharing,
    /// Entries that are one of two versions a merge kept (see [`super::sharing`]).
    pub conflicts: HashSet<EntryId>,
    /// Whether an agent holds the vault (seeds in the clear need a direct unlock).
    pub agent: bool,
    /// That agent's process, once known: the loop looks at it (and its socket) every second.
    pub agent_pid: Option<u32>,
    /// When the first code window runs out of its current period: fresh codes are asked for
    /// then (each window still knows the next period, so nothing goes stale meanwhile).
    pub views_due: Option<u64>,
    /// Whether fresh codes were asked for and have not come yet.
    pub refreshing: bool,
    pub(crate) matcher: Filter,
}

impl Default for App {
    fn default() -> Self {
        App::new(Vec::new(), Settings::default(), 0)
    }
}

impl App {
    pub fn new(entries: Vec<EntryView>, settings: Settings, now: u64) -> App {
        let mut app = App {
            now,
            settings,
            entries: Vec::new(),
            filter: TextInput::default(),
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            size: (80, 24),
            mode: Mode::List,
            status: None,
            clipboard_until: None,
            notice: None,
            osc52_hinted: false,
            last_input: now,
            pending: 0,
            clock: ClockHealth::default(),
            name_widths: (0, 0),
            sharing: Sharing::default(),
            conflicts: HashSet::new(),
            agent: false,
            agent_pid: None,
            views_due: None,
            refreshing: false,
            matcher: Filter::default(),
        };
        app.set_entries(entries, None);
        app
    }

    /// Rows available to the list.
    pub fn list_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(CHROME_ROWS).max(1))
    }

    /// Lines of the help that fit on screen (its box keeps 4 rows for frame and footer).
    pub fn help_rows(&self) -> usize {
        let total = super::keymap::table::help_line_count();
        usize::from(self.size.1)
            .min(total + 4)
            .saturating_sub(4)
            .max(1)
    }

    /// How far the help can scroll: its last line at the bottom of the box.
    pub fn help_max_scroll(&self) -> usize {
        super::keymap::table::help_line_count().saturating_sub(self.help_rows())
    }

    /// The selected entry, if any row is shown.
    pub fn selected_entry(&self) -> Option<&EntryView> {
        self.visible
            .get(self.selected)
            .and_then(|i| self.entries.get(*i))
    }

    /// Replaces the entries (after a save or an unlock), keeping the selection on `focus` or on
    /// the entry selected before.
    pub fn set_entries(&mut self, entries: Vec<EntryView>, focus: Option<EntryId>) {
        let keep = focus.map(Keep::Id).or_else(|| {
            self.selected_entry()
                .map(|e| Keep::Named(Box::new(e.clone())))
        });
        self.entries = entries;
        self.views_due = views_due(&self.entries);
        self.name_widths = self.entries.iter().fold((0, 0), |(i, a), e| {
            (i.max(width(&e.issuer)), a.max(width(&e.account)))
        });
        self.conflicts = super::sharing::conflicted(&self.entries);
        self.matcher.index(&self.entries);
        self.refilter();
        match keep {
            Some(Keep::Id(id)) => self.select_id(id),
            Some(Keep::Named(entry)) => self.select_entry(&entry),
            None => {}
        }
    }

    /// Takes in fresh code windows. The same entries (the common case: a period ended) keep
    /// everything else as it is; anything else is a new list.
    pub fn set_views(&mut self, views: Vec<EntryView>) {
        let same = views.len() == self.entries.len()
            && views
                .iter()
                .zip(&self.entries)
                .all(|(a, b)| same_shown(a, b));
        if same {
            self.entries = views;
            self.views_due = views_due(&self.entries);
        } else {
            self.set_entries(views, None);
        }
    }

    /// The code of `entry` now and the seconds it has left, while its window knows them.
    pub fn code_now(&self, entry: &EntryView) -> Option<(crate::engine::otp::Code, Option<u32>)> {
        entry.codes.code_at(self.now)
    }

    /// Selects the row of the entry with this id, if shown.
    pub fn select_id(&mut self, id: EntryId) {
        if let Some(row) = self
            .visible
            .iter()
            .position(|i| self.entries.get(*i).is_some_and(|e| e.id == Some(id)))
        {
            self.selected = row;
        }
        self.scroll_into_view();
    }

    /// Re-runs the filter, keeping the selected entry selected if it is still shown.
    pub fn refilter(&mut self) {
        let before = self.visible.get(self.selected).copied();
        let mut visible = std::mem::take(&mut self.visible);
        self.matcher.matches(self.filter.as_str(), &mut visible);
        self.visible = visible;
        self.selected = before
            .and_then(|b| self.visible.iter().position(|v| *v == b))
            .unwrap_or(0);
        if self.filter.as_str().trim().is_empty() {
            self.scroll_into_view();
        } else {
            // Best matches first: show them from the top.
            self.selected = 0;
            self.offset = 0;
        }
    }

    /// Selects the row of `entry`: the one with its id, else the one with its names.
    pub fn select_entry(&mut self, entry: &EntryView) {
        let found = self.visible.iter().position(|i| {
            self.entries.get(*i).is_some_and(|e| {
                (e.id.is_some() && e.id == entry.id)
                    || (e.kind == entry.kind
                        && e.issuer == entry.issuer
                        && e.account == entry.account)
            })
        });
        if let Some(row) = found {
            self.selected = row;
        }
        self.scroll_into_view();
    }

    /// Moves the selection by `delta` rows, clamped to the list.
    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            self.selected = 0;
        } else {
            let last = self.visible.len() - 1;
            self.selected = self.selected.saturating_add_signed(delta).min(last);
        }
        self.scroll_into_view();
    }

    /// Adjusts `offset` so the selected row is on screen.
    pub fn scroll_into_view(&mut self) {
        let rows = self.list_rows();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        let max_offset = self.visible.len().saturating_sub(rows);
        self.offset = self.offset.min(max_offset);
    }

    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            kind,
        });
    }

    /// Whether the vault is locked (also while a plugin asks for its PIN to unlock it).
    pub fn is_locked(&self) -> bool {
        match &self.mode {
            Mode::Locked(_) => true,
            Mode::Asking(asking) => matches!(asking.previous, Mode::Locked(_)),
            _ => false,
        }
    }
}

/// What [`App::set_entries`] keeps selected.
enum Keep {
    Id(EntryId),
    Named(Box<EntryView>),
}
