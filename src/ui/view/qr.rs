//! The QR screen: an entry's `otpauth://` URI (fetched with its seed, see [`Revealed`]) as a
//! QR code in half-block characters
//! (two modules per character cell), under a warning that the secret is on screen.
//!
//! Promises: dark modules are drawn black on white whatever the terminal's theme — also with
//! `NO_COLOR` or `colors: false`: the code is an image, not decoration, and drawn in the
//! terminal's own colours it would be inverted on light themes (or dark ones), which many
//! scanners cannot read. A code that does not fit says, within 80 columns, how large the
//! terminal must be and which command prints it instead of drawing a broken one.

use qrcode::{Color as Module, EcLevel, QrCode};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::Widget;

use super::super::app::{App, Revealed};
use super::super::theme::Role;
use super::lines;

/// Light modules around the code (the standard asks for 4; 2 scans fine and fits 80×24).
const QUIET: usize = 2;

pub fn render(app: &App, shown: &Revealed, area: Rect, buf: &mut Buffer) {
    let warning = format!(
        " ⚠ The secret of '{}' is on screen. Any key hides it.",
        shown.name
    );
    Line::styled(warning, app.style(Role::Warning)).render(area, buf);
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    let uri = shown.uri.as_str();
    let code = match QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::L) {
        Ok(code) => code,
        Err(e) => {
            let text = format!(" cannot make a QR code: {e}");
            return lines(vec![Line::styled(text, app.style(Role::Error))], body, buf);
        }
    };
    let modules = code.width() + 2 * QUIET;
    let need_w = u16::try_from(modules).unwrap_or(u16::MAX);
    let need_h = u16::try_from(modules.div_ceil(2)).unwrap_or(u16::MAX);
    if need_w > body.width || need_h > body.height {
        return lines(
            too_small(app, &shown.name, need_w, need_h + 1, area),
            body,
            buf,
        );
    }
    let colors = code.to_colors();
    let width = code.width();
    let dark = |x: usize, y: usize| -> bool {
        x >= QUIET
            && y >= QUIET
            && x - QUIET < width
            && y - QUIET < width
            && colors[(y - QUIET) * width + (x - QUIET)] == Module::Dark
    };
    // Always black on white (see the module's promise): the block draws dark modules.
    let style = Style::new().fg(Color::Black).bg(Color::White);
    let x0 = body.x + (body.width - need_w) / 2;
    let y0 = body.y + (body.height - need_h) / 2;
    for (row, y) in (0..modules).step_by(2).zip(y0..) {
        for (col, x) in (0..modules).zip(x0..) {
            let top = dark(col, row);
            let bottom = row + 1 < modules && dark(col, row + 1);
            let glyph = match (top, bottom) {
                (true, true) => "█",
                (true, false) => "▀",
                (false, true) => "▄",
                (false, false) => " ",
            };
            buf[(x, y)].set_symbol(glyph).set_style(style);
        }
    }
}

/// What to say when the code does not fit: the size it needs, this terminal's size, and the
/// command that prints the code instead — each line short enough for 80 columns.
fn too_small(app: &App, name: &str, width: u16, height: u16, area: Rect) -> Vec<Line<'static>> {
    let error = app.style(Role::Error);
    let quoted = name.replace('\'', "'\\''");
    vec![
        Line::styled(
            format!(
                " The terminal is too small for this QR code: it needs {width}×{height}, this is {}×{}.",
                area.width, area.height
            ),
            error,
        ),
        Line::styled(" Enlarge it, or print the code with:", error),
        Line::raw(format!(
            "   keyfob export --format qr --plaintext --select '{quoted}'"
        )),
    ]
}
