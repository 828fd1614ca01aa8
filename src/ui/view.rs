//! Drawing: `impl Widget for &App`. Reads the state, never changes it, never reads the clock.
//!
//! Promises: everything is clipped to the area it is given (nothing wider than the screen);
//! the list draws only the rows on screen, so drawing costs the same for 20 or 10,000
//! entries; a secret is drawn only on the QR screen, which says so.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::app::{App, Mode, StatusKind};
use super::keymap::{self, table};
use super::theme::Role;

mod dialogs;
mod list;
mod qr;
mod screens;

/// Width of the key column in the help (tests keep every key and line within 80 columns).
pub use screens::KEYS_WIDTH as HELP_KEYS_WIDTH;

#[cfg(test)]
pub(crate) mod tests;

/// The title line's warning when the kernel says the clock is not synchronised.
pub const CLOCK_WARNING: &str = "⚠ clock not synchronised: codes may be wrong ";

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        match &self.mode {
            Mode::Locked(lock) => return screens::locked(self, lock, area, buf),
            Mode::Asking(asking) => match &asking.previous {
                Mode::Locked(lock) => {
                    screens::locked(self, lock, area, buf);
                    return screens::asking(self, asking, area, buf);
                }
                Mode::Reauth(reauth) => {
                    screens::reauth(self, reauth, area, buf);
                    return screens::asking(self, asking, area, buf);
                }
                _ => {}
            },
            Mode::Qr(shown) => return qr::render(self, shown, area, buf),
            Mode::Reauth(reauth) => return screens::reauth(self, reauth, area, buf),
            _ => {}
        }
        let [title, body, detail, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.title(title, buf);
        list::rows(self, body, buf);
        list::detail(self, detail, buf);
        self.status_line(status, buf);
        self.hints(hints, buf);
        match &self.mode {
            Mode::Help { scroll } => screens::help(self, *scroll, area, buf),
            Mode::ConfirmDelete(entry) => dialogs::confirm_delete(self, entry, area, buf),
            Mode::Form(form) => dialogs::form(self, form, area, buf),
            Mode::Import(flow) => dialogs::import(self, flow, area, buf),
            Mode::Asking(asking) => screens::asking(self, asking, area, buf),
            _ => {}
        }
    }
}

impl App {
    fn style(&self, role: Role) -> Style {
        self.settings.theme.style(role)
    }

    fn title(&self, area: Rect, buf: &mut Buffer) {
        let count = self.entries.len();
        let mut spans = vec![
            Span::styled(" keyfob ", self.style(Role::Title)),
            Span::styled(
                format!(" {} ", self.settings.vault_name),
                self.style(Role::Dim),
            ),
            Span::raw(format!(
                " {count} {}",
                if count == 1 { "entry" } else { "entries" }
            )),
        ];
        if let Some((words, warning)) = self.sharing.title() {
            let role = if warning { Role::Warning } else { Role::Dim };
            spans.push(Span::styled(format!("  {words}"), self.style(role)));
        }
        let typing = matches!(self.mode, Mode::Filter);
        if typing || !self.filter.is_empty() {
            spans.push(Span::raw("   "));
            spans.push(Span::styled("/", self.style(Role::Key)));
            spans.push(Span::raw(self.filter.as_str().to_string()));
            if typing {
                spans.push(Span::styled(" ", self.style(Role::Selected)));
            }
            spans.push(Span::styled(
                format!("  {} shown", self.visible.len()),
                self.style(Role::Dim),
            ));
        }
        let line = Line::from(spans);
        let used = u16::try_from(line.width()).unwrap_or(u16::MAX);
        // On the right: a clock warning when the kernel says the clock is not synchronised
        // (it wins over "? help"; on a narrow screen, over the whole title), else the way to
        // the help.
        let (text, role) = if self.clock.is_suspect() {
            (CLOCK_WARNING, Role::Warning)
        } else {
            ("? help ", Role::Dim)
        };
        let width = u16::try_from(text.chars().count()).unwrap_or(u16::MAX);
        let fits = area.width >= used.saturating_add(width + 2);
        if !fits && self.clock.is_suspect() {
            Line::styled(format!(" {text}"), self.style(role)).render(area, buf);
            return;
        }
        line.render(area, buf);
        if fits {
            buf.set_string(area.right() - width, area.y, text, self.style(role));
        }
    }

    fn status_line(&self, area: Rect, buf: &mut Buffer) {
        let Some(status) = &self.status else {
            return;
        };
        let role = match status.kind {
            StatusKind::Info | StatusKind::Busy => Role::Dim,
            StatusKind::Good => Role::Good,
            StatusKind::Error => Role::Error,
        };
        Line::styled(format!(" {}", status.text), self.style(role)).render(area, buf);
    }

    /// The keys of what the screen is doing, from the key table (or a one-off notice).
    fn hints(&self, area: Rect, buf: &mut Buffer) {
        if let Some(notice) = self.notice {
            Line::styled(format!(" {notice}"), self.style(Role::Warning)).render(area, buf);
            return;
        }
        key_line(self, &table::hints(keymap::scope_of(self))).render(area, buf);
    }
}

/// " k what  k what …" with the keys highlighted.
fn key_line(app: &App, pairs: &[(String, &str)]) -> Line<'static> {
    let mut spans = Vec::with_capacity(pairs.len() * 2);
    for (key, what) in pairs {
        spans.push(Span::styled(format!(" {key}"), app.style(Role::Key)));
        spans.push(Span::raw(format!(" {what} ")));
    }
    Line::from(spans)
}

/// A centred box of at most `width` × `height`, cleared, with a border and title; returns
/// the inside.
fn dialog(app: &App, area: Rect, width: u16, height: u16, title: &str, buf: &mut Buffer) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.style(Role::Border))
        .title(Span::styled(format!(" {title} "), app.style(Role::Title)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

/// Lines in a paragraph, clipped (no wrapping).
fn lines(lines: Vec<Line<'_>>, area: Rect, buf: &mut Buffer) {
    Paragraph::new(lines).render(area, buf);
}
