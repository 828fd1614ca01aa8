//! Key events to messages, by what the screen is doing. The one place that knows the keys.
//!
//! Promises: `q` and Ctrl-C quit from the list; Ctrl-C quits from anywhere; in text fields
//! every printable key is text (so typing "q" in the filter never quits); the help screen
//! ([`HELP`]) lists every key handled here.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::app::{App, Mode, Msg};
use super::import_flow::Stage;
use super::text::Edit;

/// The keys, as the help screen shows them: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("j k ↑ ↓", "move"),
    ("g G Home End", "first / last entry"),
    ("PgUp PgDn", "a page up / down"),
    ("/", "filter (fuzzy: issuer, account, serial, tags)"),
    ("  Enter / Esc", "keep the filter / clear it"),
    ("Enter y", "copy the selected code"),
    ("a", "add an entry (or paste an otpauth:// URI)"),
    ("e", "edit the selected entry"),
    ("d", "delete the selected entry (asks first)"),
    ("n", "next HOTP code (advances the counter)"),
    ("Q Space", "show the entry's QR code"),
    ("i", "import an export file"),
    ("L", "lock now"),
    ("?", "this help"),
    ("q Ctrl-C", "quit"),
    ("Tab ↑ ↓", "in forms: next / previous field"),
    ("← → Space", "in forms: change a choice"),
];

/// Which set of keys applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keys {
    List,
    Text,
    Pager,
    Confirm,
    Preview,
}

fn keys(app: &App) -> Keys {
    match &app.mode {
        Mode::List => Keys::List,
        Mode::Filter | Mode::Form(_) | Mode::Locked(_) => Keys::Text,
        Mode::Help | Mode::Qr => Keys::Pager,
        Mode::ConfirmDelete(_) => Keys::Confirm,
        Mode::Asking(asking) if asking.typed() => Keys::Text,
        Mode::Asking(_) => Keys::Confirm,
        Mode::Import(flow) => match flow.stage {
            Stage::Preview { .. } => Keys::Preview,
            _ => Keys::Text,
        },
    }
}

/// The message for a key press, if any.
pub fn map(app: &App, key: KeyEvent) -> Option<Msg> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Msg::Quit);
    }
    match keys(app) {
        Keys::List => list(key.code, ctrl),
        Keys::Text => text(key.code, ctrl),
        Keys::Pager => Some(Msg::Escape),
        Keys::Confirm => Some(match key.code {
            KeyCode::Char('y' | 'Y') => Msg::Yes,
            _ => Msg::Other,
        }),
        Keys::Preview => Some(match key.code {
            KeyCode::Up | KeyCode::Char('k') => Msg::Up,
            KeyCode::Down | KeyCode::Char('j') => Msg::Down,
            KeyCode::Char(' ') => Msg::Toggle,
            KeyCode::Char('a') => Msg::ToggleAll,
            KeyCode::Enter => Msg::Enter,
            KeyCode::Esc | KeyCode::Char('q') => Msg::Escape,
            _ => return None,
        }),
    }
}

fn list(code: KeyCode, ctrl: bool) -> Option<Msg> {
    Some(match code {
        KeyCode::Char('q') => Msg::Quit,
        KeyCode::Char('j') | KeyCode::Down => Msg::Down,
        KeyCode::Char('k') | KeyCode::Up => Msg::Up,
        KeyCode::Char('g') | KeyCode::Home => Msg::Top,
        KeyCode::Char('G') | KeyCode::End => Msg::Bottom,
        KeyCode::PageUp => Msg::PageUp,
        KeyCode::PageDown => Msg::PageDown,
        KeyCode::Char('d') if ctrl => Msg::PageDown,
        KeyCode::Char('u') if ctrl => Msg::PageUp,
        KeyCode::Char('/') => Msg::StartFilter,
        KeyCode::Enter | KeyCode::Char('y') => Msg::Copy,
        KeyCode::Char('a') => Msg::Add,
        KeyCode::Char('e') => Msg::EditEntry,
        KeyCode::Char('d') => Msg::Delete,
        KeyCode::Char('n') => Msg::NextCode,
        KeyCode::Char('Q' | ' ') => Msg::ShowQr,
        KeyCode::Char('?') => Msg::Help,
        KeyCode::Char('i') => Msg::Import,
        KeyCode::Char('L') => Msg::LockNow,
        KeyCode::Esc => Msg::Escape,
        _ => return None,
    })
}

fn text(code: KeyCode, ctrl: bool) -> Option<Msg> {
    Some(match code {
        KeyCode::Enter => Msg::Enter,
        KeyCode::Esc => Msg::Escape,
        KeyCode::Tab => Msg::NextField,
        KeyCode::BackTab => Msg::PrevField,
        KeyCode::Up => Msg::Up,
        KeyCode::Down => Msg::Down,
        KeyCode::Char('u') if ctrl => Msg::Text(Edit::Clear),
        KeyCode::Char('w') if ctrl => Msg::Text(Edit::DeleteWord),
        KeyCode::Char('a') if ctrl => Msg::Text(Edit::Home),
        KeyCode::Char('e') if ctrl => Msg::Text(Edit::End),
        KeyCode::Char(_) if ctrl => return None,
        KeyCode::Char(c) => Msg::Text(Edit::Insert(c)),
        KeyCode::Backspace => Msg::Text(Edit::Backspace),
        KeyCode::Delete => Msg::Text(Edit::Delete),
        KeyCode::Left => Msg::Text(Edit::Left),
        KeyCode::Right => Msg::Text(Edit::Right),
        KeyCode::Home => Msg::Text(Edit::Home),
        KeyCode::End => Msg::Text(Edit::End),
        _ => return None,
    })
}

/// Pasted text goes to the field being edited; elsewhere it is ignored (a stray paste into
/// the list must not fire commands).
pub fn paste(app: &App, text: String) -> Option<Msg> {
    (keys(app) == Keys::Text).then_some(Msg::Text(Edit::Paste(text)))
}
