//! The dialogs drawn over the list: the add/edit form, the import steps, the delete question.
//!
//! Promise: a secret field is drawn as one bullet per character, never as its text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::super::app::App;
use super::super::form::{Check, Field, Form};
use super::super::import_flow::{ImportFlow, Row, RowState, Stage};
use super::super::keymap::table::{self, Scope};
use super::super::text::TextInput;
use super::super::theme::Role;
use super::{dialog, key_line, lines};
use crate::engine::view::EntryView;
use crate::engine::width::{fit, pad, wrap};

/// A text field's visible part, with a block cursor when focused.
pub fn field<'a>(
    app: &App,
    input: &TextInput,
    masked: bool,
    width: u16,
    focused: bool,
) -> Vec<Span<'a>> {
    let chars: Vec<char> = if masked {
        vec!['•'; input.len()]
    } else {
        input.as_str().chars().collect()
    };
    let width = usize::from(width.max(2)) - 1;
    let start = input.cursor().saturating_sub(width);
    let cursor = input.cursor() - start;
    let shown: Vec<char> = chars.iter().skip(start).take(width + 1).copied().collect();
    if !focused {
        return vec![Span::raw(shown.iter().take(width).collect::<String>())];
    }
    let before: String = shown.iter().take(cursor).collect();
    let at: String = shown.get(cursor).map_or(" ".to_string(), char::to_string);
    let after: String = shown
        .iter()
        .skip(cursor + 1)
        .take(width.saturating_sub(cursor + 1))
        .collect();
    vec![
        Span::raw(before),
        Span::styled(at, app.style(Role::Selected)),
        Span::raw(after),
    ]
}

pub fn form(app: &App, form: &Form, area: Rect, buf: &mut Buffer) {
    let fields = form.fields();
    let height = u16::try_from(fields.len()).unwrap_or(9) + 9;
    let title = if form.is_edit() {
        "Edit entry"
    } else {
        "Add an entry"
    };
    let inner = dialog(app, area, 78, height, title, buf);
    let label_w = 13u16;
    let value_w = inner.width.saturating_sub(label_w + 1);
    let mut out: Vec<Line> = Vec::with_capacity(usize::from(height));
    for f in &fields {
        let focused = *f == form.focus;
        let dimmed = form.uses_uri() && !form.filled && *f != Field::Uri;
        let label_style = if focused {
            app.style(Role::Selected)
        } else if dimmed {
            app.style(Role::Dim)
        } else {
            app.style(Role::Title)
        };
        let mut spans = vec![Span::styled(
            format!("{:<w$}", f.label(form.kind), w = usize::from(label_w)),
            label_style,
        )];
        spans.push(Span::raw(" "));
        match f {
            Field::Type => spans.push(choice(app, form.kind.as_str(), focused)),
            Field::Algorithm => spans.push(choice(app, form.algorithm.as_str(), focused)),
            Field::Secret if form.is_edit() && form.secret.is_empty() && !focused => {
                spans.push(Span::styled(
                    "(unchanged; type to replace)",
                    app.style(Role::Dim),
                ));
            }
            other => {
                if let Some(input) = form.input(*other) {
                    spans.extend(field(app, input, *other == Field::Secret, value_w, focused));
                }
            }
        }
        out.push(Line::from(spans));
    }
    let rows = u16::try_from(out.len()).unwrap_or(0);
    lines(out, inner, buf);
    let check = Rect {
        y: inner.y + rows + 1,
        height: inner.height.saturating_sub(rows + 2),
        ..inner
    };
    Paragraph::new(check_lines(app, form))
        .wrap(Wrap { trim: false })
        .render(check, buf);
    let hint = Rect {
        y: inner.bottom().saturating_sub(1),
        height: 1,
        ..inner
    };
    key_line(app, &table::hints(Scope::Form)).render(hint, buf);
}

fn choice<'a>(app: &App, value: &str, focused: bool) -> Span<'a> {
    let text = format!("◀ {value} ▶");
    if focused {
        Span::styled(text, app.style(Role::Selected))
    } else {
        Span::raw(text)
    }
}

/// The validation result: the problem, or the code the entry will produce.
fn check_lines<'a>(app: &App, form: &Form) -> Vec<Line<'a>> {
    match &form.check {
        Check::Empty => vec![Line::styled(
            "Paste an otpauth:// URI (or a QR image path) above, or fill in the fields.",
            app.style(Role::Dim),
        )],
        Check::NeedsRead => vec![Line::styled(
            "Press Enter to read this file (a QR image or an export).",
            app.style(Role::Dim),
        )],
        Check::Invalid { field, message } => vec![Line::styled(
            format!("✗ {}: {message}", field.label(form.kind)),
            app.style(Role::Error),
        )],
        Check::Ready { entries, warnings } => {
            let mut out = Vec::new();
            match entries.as_slice() {
                [one] if form.keeps_secret() => out.push(Line::styled(
                    format!(
                        "✓ '{}': Enter saves (the secret stays as it is)",
                        one.name()
                    ),
                    app.style(Role::Good),
                )),
                [one] => {
                    let code = one.code(app.now).map(|c| c.grouped()).unwrap_or_default();
                    let when = match one.remaining(app.now) {
                        Some(left) => format!("{left} s left"),
                        None => format!("counter {}", one.counter),
                    };
                    out.push(Line::from(vec![
                        Span::styled(format!("✓ '{}' gives ", one.name()), app.style(Role::Good)),
                        Span::styled(code, app.style(Role::Code)),
                        Span::styled(format!(" now ({when})"), app.style(Role::Good)),
                    ]));
                    out.push(Line::styled(
                        "  Check it against the service before saving.",
                        app.style(Role::Dim),
                    ));
                }
                many => out.push(Line::styled(
                    format!("✓ {} entries ready: Enter adds them all", many.len()),
                    app.style(Role::Good),
                )),
            }
            out.extend(
                warnings
                    .iter()
                    .map(|w| Line::styled(format!("! {w}"), app.style(Role::Warning))),
            );
            out
        }
    }
}

pub fn confirm_delete(app: &App, entry: &EntryView, area: Rect, buf: &mut Buffer) {
    let inner = dialog(app, area, 70, 8, "Delete?", buf);
    let out = vec![
        Line::from(vec![
            Span::raw("Delete "),
            Span::styled(format!("'{}'", entry.name()), app.style(Role::Title)),
            Span::raw("?"),
        ]),
        Line::styled(
            "Its secret leaves the vault (vault.age.bak keeps the previous version until the next change).",
            app.style(Role::Dim),
        ),
        Line::raw(""),
        key_line(app, &table::hints(Scope::Confirm)),
    ];
    Paragraph::new(out)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}

pub fn import(app: &App, flow: &ImportFlow, area: Rect, buf: &mut Buffer) {
    let inner = dialog(
        app,
        area,
        78,
        area.height.saturating_sub(2).min(20),
        "Import",
        buf,
    );
    let width = inner.width.saturating_sub(12);
    let mut out: Vec<Line> = Vec::new();
    let scope = match &flow.stage {
        Stage::Path {
            input,
            choices,
            error,
        } => {
            out.push(Line::raw(
                "The export file to read (its format is detected):",
            ));
            let mut spans = vec![Span::styled("File       ", app.style(Role::Title))];
            spans.extend(field(app, input, false, width, true));
            out.push(Line::from(spans));
            if let Some(e) = error {
                out.push(Line::styled(format!("✗ {e}"), app.style(Role::Error)));
            }
            out.extend(
                choices
                    .iter()
                    .map(|c| Line::styled(format!("  {c}"), app.style(Role::Dim))),
            );
            Scope::ImportPath
        }
        Stage::Password {
            path,
            format,
            input,
            error,
            ..
        } => {
            out.push(Line::raw(format!(
                "'{}' is an encrypted {format} export.",
                file_name(path)
            )));
            let mut spans = vec![Span::styled("Password   ", app.style(Role::Title))];
            spans.extend(field(app, input, true, width, true));
            out.push(Line::from(spans));
            if let Some(e) = error {
                out.push(Line::styled(format!("✗ {e}"), app.style(Role::Error)));
            }
            Scope::ImportPassword
        }
        Stage::Preview {
            path,
            format,
            rows,
            cursor,
        } => {
            let chosen = rows
                .iter()
                .filter(|r| matches!(r.state, RowState::New { chosen: true, .. }))
                .count();
            out.push(Line::raw(format!(
                "'{}' ({format}): {} entries, {chosen} chosen",
                file_name(path),
                rows.len()
            )));
            let room = usize::from(inner.height.saturating_sub(3));
            let shown = preview_lines(app, rows, *cursor, inner.width, room);
            out.extend(shown);
            Scope::Preview
        }
    };
    let room = usize::from(inner.height.saturating_sub(1));
    out.truncate(room);
    while out.len() < room {
        out.push(Line::raw(""));
    }
    out.push(key_line(app, &table::hints(scope)));
    lines(out, inner, buf);
}

/// The preview's rows as lines, a window of `room` lines that shows the cursor's row whole.
/// A failed row's reason follows it on as many lines as it needs: never cut.
fn preview_lines(
    app: &App,
    rows: &[Row],
    cursor: usize,
    width: u16,
    room: usize,
) -> Vec<Line<'static>> {
    const LABEL: usize = 30;
    let mut all: Vec<(usize, Line<'static>)> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let (mark, what, role) = match &row.state {
            RowState::New { chosen: true, .. } => ("[x]", "new", Role::Good),
            RowState::New { chosen: false, .. } => ("[ ]", "new", Role::Dim),
            RowState::Duplicate(of) => ("   ", of.describe(), Role::Dim),
            RowState::Failed(_) => ("   ", "failed:", Role::Error),
            RowState::Warning(_) => ("   ", "note:", Role::Warning),
        };
        let pointer = if i == cursor { "▶" } else { " " };
        all.push((
            i,
            Line::from(vec![
                Span::styled(format!("{pointer}{mark} "), app.style(Role::Key)),
                Span::raw(format!("{} ", pad(&fit(&row.label, LABEL), LABEL))),
                Span::styled(what, app.style(role)),
            ]),
        ));
        // A failure's reason and a note's text go on lines of their own, wrapped.
        if let RowState::Failed(text) | RowState::Warning(text) = &row.state {
            let indent = 5;
            for piece in wrap(text, usize::from(width).saturating_sub(indent + 1)) {
                let text = format!("{:indent$}{piece}", "");
                all.push((i, Line::styled(text, app.style(role))));
            }
        }
    }
    let first = all.iter().position(|(i, _)| *i == cursor).unwrap_or(0);
    let last = all.iter().rposition(|(i, _)| *i == cursor).unwrap_or(0);
    let start = (last + 1).saturating_sub(room).min(first);
    all.into_iter()
        .skip(start)
        .take(room)
        .map(|(_, l)| l)
        .collect()
}

/// The last part of a path the person typed: the dialog is narrower than most full paths.
fn file_name(path: &str) -> &str {
    std::path::Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}
