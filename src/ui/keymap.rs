//! Key events to messages, by what the screen is doing. Dispatch reads the one table of keys
//! ([`table::KEYS`]), which the help screen, the hint bar and README's key table read too.
//!
//! Promises: Ctrl-C quits from anywhere; `q` quits from the list; in text fields every
//! printable key is text (so typing "q" in the filter never quits); a key the table does not
//! list for the current scope does nothing (pagers and questions say "any other key").

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::app::{App, Mode, Msg};
use super::import_flow::Stage;
use super::text::Edit;

pub mod table;

use table::{Key, Scope};

/// The scope the screen is in.
pub fn scope_of(app: &App) -> Scope {
    match &app.mode {
        Mode::List => Scope::List,
        Mode::Filter => Scope::Filter,
        Mode::Form(_) => Scope::Form,
        Mode::Locked(_) => Scope::Locked,
        Mode::Help { .. } => Scope::Help,
        Mode::Qr(_) => Scope::Qr,
        Mode::Reauth(_) => Scope::Reauth,
        Mode::ConfirmDelete(_) => Scope::Confirm,
        Mode::Asking(asking) if asking.typed() => Scope::Answer,
        Mode::Asking(_) => Scope::YesNo,
        Mode::Import(flow) => match flow.stage {
            Stage::Path { .. } => Scope::ImportPath,
            Stage::Password { .. } => Scope::ImportPassword,
            Stage::Preview { .. } => Scope::Preview,
        },
    }
}

/// Whether a scope edits text (its own keys first, then the text-editing keys).
fn edits_text(scope: Scope) -> bool {
    matches!(
        scope,
        Scope::Filter
            | Scope::Form
            | Scope::Locked
            | Scope::Reauth
            | Scope::ImportPath
            | Scope::ImportPassword
            | Scope::Answer
    )
}

/// Whether `key` (a table key) is the pressed `code` (with Ctrl or not).
fn matches(key: Key, code: KeyCode, ctrl: bool) -> bool {
    match key {
        Key::Plain(want) => !ctrl && want == code,
        Key::Ctrl(want) => ctrl && code == KeyCode::Char(want),
        Key::Typed => !ctrl && matches!(code, KeyCode::Char(_)),
        Key::Other => true,
    }
}

/// The message for a key pressed in `scope`, from the table.
pub fn lookup(scope: Scope, code: KeyCode, ctrl: bool) -> Option<Msg> {
    let typed = match code {
        KeyCode::Char(ch) => ch,
        _ => '\0',
    };
    let text = edits_text(scope).then_some(Scope::Text);
    [Some(Scope::Anywhere), Some(scope), text]
        .into_iter()
        .flatten()
        .flat_map(table::scope)
        .find(|binding| binding.keys.iter().any(|k| matches(*k, code, ctrl)))
        .map(|binding| binding.action.msg(typed))
}

/// The message for a key press, if any.
pub fn map(app: &App, key: KeyEvent) -> Option<Msg> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    lookup(scope_of(app), key.code, ctrl)
}

/// Pasted text goes to the field being edited; elsewhere it is ignored (a stray paste into
/// the list must not fire commands).
pub fn paste(app: &App, text: String) -> Option<Msg> {
    edits_text(scope_of(app)).then_some(Msg::Text(Edit::Paste(text)))
}

#[cfg(test)]
mod tests;
