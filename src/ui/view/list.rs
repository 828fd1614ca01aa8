//! The list of entries and the detail panel of the selected one.
//!
//! Each row: marker (`▶` selected, `!` one of two versions a merge kept), issuer, account
//! (each capped in width and cut with "…", so the code stays near the names on wide
//! terminals), the code split in the middle (its column widens for 9- and 10-digit codes),
//! then for timed entries a bar at the entry's own period with the seconds left (red in the
//! last 5 s, with the next code beside it), for HOTP the counter. In colour the bar is blank
//! cells on a green (red)
//! background over a grey track; without colour it is `█` and `░`. The seconds are plain, so
//! a second passing changes one or two plain cells per row, and every few seconds one bar
//! cell.
//!
//! Codes come from each entry's window ([`crate::engine::view::CodeWindow`]): the current
//! period and the next. A row whose window no longer knows the time (fresh codes are on their
//! way) shows dots instead of a code, never a stale one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::super::app::App;
use super::super::theme::Role;
use crate::engine::otp::Kind;
use crate::engine::view::EntryView;
use crate::engine::width::fit;

/// Cells of the countdown bar: for a 30 s period one cell is 5 s, so the last cell is the
/// last 5 s (when it turns red). Every cell that empties is bytes sent to the terminal, so
/// the bar is short; the seconds beside it are exact.
pub const BAR: u16 = 6;
/// The last seconds, when the bar turns red and the next code shows.
pub const LOW: u32 = 5;

const MARK: u16 = 2;
/// The code column for up to 8 digits (`1234 5678`); 9- and 10-digit codes widen it.
const CODE: u16 = 9;
const COUNTDOWN: u16 = BAR + 5;
/// `→ ` before the next code (the next-code column is this and the code's width).
const NEXT_ARROW: u16 = 2;
/// The countdown without its bar: "  18s".
const SECONDS: u16 = 5;
/// The fewest columns the names get before the bar is left out.
const NARROW: u16 = 16;
/// Blank columns after the issuer and after the account.
const GAP: u16 = 2;
/// The most columns the issuer and the account take, however wide the terminal: the code
/// stays near the names (at most 2 + 16 + 2 + 26 + 2 = 48 columns from the row's start).
pub const ISSUER_MAX: u16 = 16;
pub const ACCOUNT_MAX: u16 = 26;

/// Where each column starts and how wide it is, for one list width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub issuer: (u16, u16),
    pub account: (u16, u16),
    pub code: u16,
    /// The code column's width: [`CODE`], or more for 9- and 10-digit codes.
    pub code_width: u16,
    pub countdown: u16,
    /// Whether the countdown has its bar (on very narrow lists only the seconds show).
    pub bar: bool,
    pub next: Option<u16>,
}

/// Width of the widest grouped code among `entries` (at least [`CODE`]).
pub fn code_width(entries: &[EntryView]) -> u16 {
    let widest = entries
        .iter()
        .map(|e| match e.kind {
            Kind::Steam => u16::from(e.digits),
            // Split once in the middle: one space more.
            Kind::Totp | Kind::Hotp => u16::from(e.digits) + 1,
        })
        .max()
        .unwrap_or(CODE);
    widest.max(CODE)
}

impl Columns {
    /// The layout for a list `width` wide starting at `x`, for names at most `names` wide
    /// (issuer, account; see [`App::name_widths`]) and codes `code_width` wide (see
    /// [`code_width`]). Names get what they need up to their caps; the next-code column is
    /// kept only where the names still fit beside it (it is empty most of the time), and
    /// names wider than their room are cut with "…".
    pub fn new(x: u16, width: u16, names: (usize, usize), code_width: u16) -> Columns {
        let clamp = |n: usize, max: u16| u16::try_from(n).unwrap_or(max).clamp(1, max);
        let (want_issuer, want_account) = (clamp(names.0, ISSUER_MAX), clamp(names.1, ACCOUNT_MAX));
        let code_width = code_width.max(CODE);
        // Below NARROW columns for the names, the bar gives its cells to them.
        let full = MARK + 2 * GAP + code_width + 1 + COUNTDOWN + 1;
        let bar = width.saturating_sub(full) >= NARROW;
        let countdown_w = if bar { COUNTDOWN } else { SECONDS };
        let room = width.saturating_sub(full - COUNTDOWN + countdown_w);
        let wanted = want_issuer + want_account;
        let show_next = room >= wanted + NEXT_ARROW + code_width;
        let (issuer_w, account_w) = if room >= wanted {
            (want_issuer, want_account)
        } else {
            // Share what there is: the issuer gets up to 9/20, the rest to the account.
            let issuer = (room * 9 / 20).min(want_issuer);
            (issuer, room.saturating_sub(issuer).min(want_account))
        };
        let issuer = (x + MARK, issuer_w);
        let account = (issuer.0 + issuer_w + GAP, account_w);
        let code = account.0 + account_w + GAP;
        let countdown = code + code_width + 1;
        Columns {
            issuer,
            account,
            code,
            code_width,
            countdown,
            bar,
            next: show_next.then_some(countdown + COUNTDOWN + 1),
        }
    }
}

/// Draws the rows from `app.offset`.
pub fn rows(app: &App, area: Rect, buf: &mut Buffer) {
    if area.height == 0 {
        return;
    }
    if app.entries.is_empty() {
        Line::styled(
            "  No entries yet. Press a to add one, or i to import an export file.",
            app.style(Role::Dim),
        )
        .render(area, buf);
        return;
    }
    if app.visible.is_empty() {
        Line::styled(
            format!(
                "  No entry matches '{}'. Esc clears the filter.",
                app.filter.as_str()
            ),
            app.style(Role::Dim),
        )
        .render(area, buf);
        return;
    }
    let cols = Columns::new(
        area.x,
        area.width,
        app.name_widths,
        code_width(&app.entries),
    );
    let right = area.right();
    let shown = app
        .visible
        .iter()
        .enumerate()
        .skip(app.offset)
        .take(usize::from(area.height));
    for (y, (row, index)) in (area.y..).zip(shown) {
        if let Some(entry) = app.entries.get(*index) {
            draw_row(app, entry, row == app.selected, cols, right, y, buf);
        }
    }
}

fn put(buf: &mut Buffer, x: u16, y: u16, right: u16, max: u16, text: &str, style: Style) {
    if x < right {
        let width = usize::from(max.min(right - x));
        buf.set_stringn(x, y, text, width, style);
    }
}

fn draw_row(
    app: &App,
    entry: &EntryView,
    selected: bool,
    cols: Columns,
    right: u16,
    y: u16,
    buf: &mut Buffer,
) {
    let name_style = if selected {
        app.style(Role::Selected)
    } else {
        Style::new()
    };
    let x0 = cols.issuer.0 - MARK;
    if selected {
        put(buf, x0, y, right, MARK, "▶ ", name_style);
    }
    // One of two versions a merge kept: a `!` beside the names.
    if app.conflict_of(entry).is_some() {
        put(buf, x0 + 1, y, right, 1, "!", app.style(Role::Warning));
    }
    let issuer = if entry.issuer.is_empty() {
        "—"
    } else {
        &entry.issuer
    };
    for ((x, w), text) in [
        (cols.issuer, issuer),
        (cols.account, entry.account.as_str()),
    ] {
        put(buf, x, y, right, w, &fit(text, usize::from(w)), name_style);
    }
    let now = app.code_now(entry);
    let code = match now {
        Some((code, _)) => code.grouped(),
        // The window ran out: fresh codes are on their way.
        None => "······".into(),
    };
    let next_width = NEXT_ARROW + cols.code_width;
    put(
        buf,
        cols.code,
        y,
        right,
        cols.code_width,
        &code,
        app.style(Role::Code),
    );
    match now.map(|(_, left)| left) {
        None => {}
        Some(None) => {
            // HOTP rows never show a next code: the counter may use that column too.
            let text = format!("counter {}", entry.counter);
            let room = COUNTDOWN + cols.next.map_or(0, |_| 1 + next_width);
            put(
                buf,
                cols.countdown,
                y,
                right,
                room,
                &text,
                app.style(Role::Dim),
            );
        }
        Some(Some(left)) if !cols.bar => {
            let low = left <= LOW && entry.period > LOW;
            let style = if low {
                app.style(Role::Title)
            } else {
                Style::new()
            };
            put(
                buf,
                cols.countdown,
                y,
                right,
                SECONDS,
                &format!("{left:>4}s"),
                style,
            );
        }
        Some(Some(left)) => {
            let low = left <= LOW && entry.period > LOW;
            let style = app.style(if low { Role::BarLow } else { Role::Bar });
            let text = countdown(left, entry.period);
            let filled = text.chars().take_while(|c| *c == '█').count();
            let (full, empty) = app.settings.theme.bar_cells();
            let shown: String = text
                .chars()
                .map(|c| match c {
                    '█' => full,
                    '░' => empty,
                    c => c,
                })
                .collect();
            put(
                buf,
                cols.countdown,
                y,
                right,
                COUNTDOWN,
                &shown,
                Style::new(),
            );
            let room = right.saturating_sub(cols.countdown);
            let filled = u16::try_from(filled).unwrap_or(0).min(room);
            buf.set_style(Rect::new(cols.countdown, y, filled, 1), style);
            buf.set_style(
                Rect::new(cols.countdown + filled, y, BAR.min(room) - filled, 1),
                app.style(Role::Track),
            );
            if let (true, Some(x)) = (low, cols.next) {
                let next = entry
                    .codes
                    .code_at(app.now + u64::from(left))
                    .map(|(c, _)| format!("→ {}", c.grouped()))
                    .unwrap_or_default();
                put(buf, x, y, right, next_width, &next, app.style(Role::Next));
            }
        }
    }
}

/// `████░░  18s`: the bar's filled part is the share of the period left.
pub fn countdown(left: u32, period: u32) -> String {
    let bar = u32::from(BAR);
    let filled = (left * bar).div_ceil(period.max(1)).min(bar);
    let mut text = String::with_capacity(40);
    for i in 0..bar {
        text.push(if i < filled { '█' } else { '░' });
    }
    if left < 1000 {
        text.push_str(&format!(" {left:>3}s"));
    } else {
        text.push_str(&format!(" {:>3}m", left / 60));
    }
    text
}

/// The rule, the kind and parameters, and the hardware-token metadata of the selected entry.
pub fn detail(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(entry) = app.selected_entry() else {
        return;
    };
    let dim = app.style(Role::Dim);
    let rule = format!("── {} ", entry.name());
    let mut lines = vec![Line::styled(
        format!("{rule:─<width$}", width = usize::from(area.width)),
        dim,
    )];
    let kind = match entry.kind {
        Kind::Totp => format!(
            "TOTP · {} · {} digits · every {} s",
            entry.algorithm, entry.digits, entry.period
        ),
        Kind::Steam => "Steam Guard · 5 characters · every 30 s".to_string(),
        Kind::Hotp => format!(
            "HOTP · {} · {} digits · counter {} (n moves on)",
            entry.algorithm, entry.digits, entry.counter
        ),
    };
    lines.push(Line::from(vec![Span::raw(" "), Span::raw(kind)]));
    let mut meta: Vec<Span> = vec![Span::raw(" ")];
    if let Some(conflict) = app.conflict_of(entry) {
        meta.push(Span::styled(
            format!("{}  ", conflict.describe()),
            app.style(Role::Warning),
        ));
    }
    let fields = [
        ("serial", entry.serial.as_deref()),
        ("model", entry.model.as_deref()),
        ("manufacturer", entry.manufacturer.as_deref()),
        ("upn", entry.upn.as_deref()),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            meta.push(Span::styled(format!("{label} "), dim));
            meta.push(Span::raw(format!("{value}  ")));
        }
    }
    if !entry.tags.is_empty() {
        meta.push(Span::styled("tags ", dim));
        meta.push(Span::raw(format!("{}  ", entry.tags.join(", "))));
    }
    if let Some(note) = &entry.note {
        meta.push(Span::styled("note ", dim));
        meta.push(Span::raw(note.clone()));
    }
    lines.push(Line::from(meta));
    super::lines(lines, area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_follows_the_entry_period() {
        assert_eq!(countdown(30, 30), "██████  30s");
        assert_eq!(countdown(26, 30), "██████  26s");
        assert_eq!(countdown(25, 30), "█████░  25s");
        assert_eq!(countdown(15, 30), "███░░░  15s");
        assert_eq!(countdown(5, 30), "█░░░░░   5s");
        assert_eq!(countdown(1, 30), "█░░░░░   1s");
        assert_eq!(countdown(30, 60), "███░░░  30s");
        assert_eq!(countdown(10, 20), "███░░░  10s");
        assert_eq!(countdown(3600, 86_400), "█░░░░░  60m");
    }
}
