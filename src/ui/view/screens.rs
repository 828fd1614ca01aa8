//! Whole-screen views: the key help and the lock screen.
//!
//! Promise: the lock screen shows no entry, no code and no count — only how to unlock.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::super::app::{App, LockScreen, Relock};
use super::super::asking::Asking;
use super::super::keymap::HELP;
use super::super::theme::Role;
use super::dialogs::field;
use super::{dialog, lines};
use crate::prompt::Question;

pub fn help(app: &App, area: Rect, buf: &mut Buffer) {
    let height = u16::try_from(HELP.len()).unwrap_or(20) + 4;
    let inner = dialog(app, area, 66, height, "Keys", buf);
    let mut out: Vec<Line> = HELP
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<14}"), app.style(Role::Key)),
                Span::raw(*what),
            ])
        })
        .collect();
    out.push(Line::raw(""));
    out.push(Line::styled(
        " any key closes this help",
        app.style(Role::Dim),
    ));
    lines(out, inner, buf);
}

pub fn locked(app: &App, lock: &LockScreen, area: Rect, buf: &mut Buffer) {
    let inner = dialog(app, area, 64, 10, "keyfob is locked", buf);
    let why = if lock.idle {
        format!(
            "Locked after {} min without a key; codes were cleared.",
            app.settings.idle_lock_minutes
        )
    } else {
        format!(
            "'{}' is locked; codes were cleared.",
            app.settings.vault_name
        )
    };
    let mut out = vec![Line::styled(why, app.style(Role::Dim)), Line::raw("")];
    let (label, note) = match app.settings.relock {
        Relock::Passphrase => ("Passphrase ", "Enter unlocks"),
        Relock::IdentityPassphrase => ("Passphrase ", "Enter unlocks your identity file"),
        Relock::IdentityFile => ("Key phrase ", "Enter unlocks with your identity file"),
        Relock::HardwareKey => (
            "Key phrase ",
            "Enter unlocks with your hardware key (it may ask for a PIN or a touch)",
        ),
    };
    let mut spans = vec![Span::styled(label, app.style(Role::Title))];
    spans.extend(field(
        app,
        &lock.input,
        true,
        inner.width.saturating_sub(12),
        !lock.busy,
    ));
    out.push(Line::from(spans));
    out.push(Line::raw(""));
    if lock.busy {
        // A hardware key's message ("touch your key") while it unlocks.
        let busy = app
            .status
            .as_ref()
            .map_or("unlocking…", |s| s.text.as_str());
        out.push(Line::styled(busy.to_string(), app.style(Role::Dim)));
    } else if let Some(e) = &lock.error {
        out.push(Line::styled(format!("✗ {e}"), app.style(Role::Error)));
    } else {
        out.push(Line::styled(note, app.style(Role::Dim)));
    }
    out.push(Line::styled("Ctrl-C quits", app.style(Role::Dim)));
    Paragraph::new(out)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}

/// A hardware key's question (PIN, yes/no), over the screen.
pub fn asking(app: &App, asking: &Asking, area: Rect, buf: &mut Buffer) {
    let inner = dialog(app, area, 64, 9, "your hardware key asks", buf);
    let (text, hint) = match &asking.question {
        Question::Confirm { question, yes, no } => (
            question.as_str(),
            format!("y = {yes}   n = {}", no.as_deref().unwrap_or("no")),
        ),
        Question::Public(text) | Question::Secret(text) => {
            (text.as_str(), "Enter answers   Esc cancels".to_string())
        }
        Question::Message(text) => (text.as_str(), String::new()),
    };
    let mut out = vec![Line::raw(text.to_string()), Line::raw("")];
    if asking.typed() {
        let masked = matches!(asking.question, Question::Secret(_));
        let mut spans = vec![Span::styled("> ", app.style(Role::Title))];
        spans.extend(field(
            app,
            &asking.input,
            masked,
            inner.width.saturating_sub(3),
            true,
        ));
        out.push(Line::from(spans));
        out.push(Line::raw(""));
    }
    out.push(Line::styled(hint, app.style(Role::Dim)));
    Paragraph::new(out)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}
