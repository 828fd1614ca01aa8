//! Whole-screen views: the key help and the lock screen.
//!
//! Promises: the help is the key table ([`table::help_sections`]) and scrolls when it is
//! taller than the screen; the lock screen shows no entry, no code and no count — only how to
//! unlock (and, when the agent that held the vault ended, a line saying so). The same prompt
//! asks again for a seed in the clear while an agent holds the vault, with a line saying why.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::super::app::{App, LockScreen, Reauth, Relock};
use super::super::asking::Asking;
use super::super::keymap::table::{self, Scope};
use super::super::theme::Role;
use super::dialogs::field;
use super::{dialog, key_line, lines};
use crate::prompt::Question;

/// Width of the key column in the help.
pub const KEYS_WIDTH: usize = 23;

/// Every line of the help: section headings, then keys and what they do.
fn help_lines(app: &App) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(table::help_line_count());
    for (i, (title, rows)) in table::help_sections().into_iter().enumerate() {
        if i > 0 {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(format!(" {title}"), app.style(Role::Title)));
        for row in rows {
            let keys = row.keys.join(" ");
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<KEYS_WIDTH$} "), app.style(Role::Key)),
                Span::raw(row.text),
            ]));
        }
    }
    out
}

pub fn help(app: &App, scroll: usize, area: Rect, buf: &mut Buffer) {
    let all = help_lines(app);
    let height = u16::try_from(all.len() + 4).unwrap_or(u16::MAX);
    let inner = dialog(app, area, 96, height, "Keys", buf);
    let rows = usize::from(inner.height.saturating_sub(2));
    let scroll = scroll.min(all.len().saturating_sub(rows));
    let mut out: Vec<Line> = all.into_iter().skip(scroll).take(rows).collect();
    out.resize(rows, Line::raw(""));
    out.push(Line::raw(""));
    out.push(key_line(app, &table::hints(Scope::Help)));
    lines(out, inner, buf);
}

pub fn locked(app: &App, lock: &LockScreen, area: Rect, buf: &mut Buffer) {
    let inner = dialog(app, area, 64, 12, "keyfob is locked", buf);
    let why = if let Some(why) = &lock.why {
        why.clone()
    } else if lock.idle {
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
    let out = vec![Line::styled(why, app.style(Role::Dim)), Line::raw("")];
    prompt(app, lock, out, "Ctrl-C quits", inner, buf);
}

/// The lock screen's prompt, asked for something that needs a seed in the clear.
pub fn reauth(app: &App, reauth: &Reauth, area: Rect, buf: &mut Buffer) {
    let inner = dialog(app, area, 64, 12, "unlock to go on", buf);
    let out = vec![
        Line::styled(reauth.need.note(), app.style(Role::Warning)),
        Line::raw(""),
    ];
    prompt(app, &reauth.lock, out, "Esc goes back", inner, buf);
}

/// The passphrase field, what Enter does, and a last line, below `out`.
fn prompt(
    app: &App,
    lock: &LockScreen,
    mut out: Vec<Line<'static>>,
    last: &'static str,
    inner: Rect,
    buf: &mut Buffer,
) {
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
    out.push(Line::styled(last, app.style(Role::Dim)));
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
