//! A ratatui backend that writes as few bytes as it can: the reason an idle keyfob is quiet
//! over SSH.
//!
//! ratatui already sends only the cells that changed. This backend also keeps track, across
//! frames, of where the terminal's cursor is and which colours and attributes are set, and
//! picks the shortest way to get there: `\n` and backspace for "the same column one row
//! down", relative moves, or an absolute `CUP` when that is shorter. It never resets styles
//! at the end of a frame and never re-sends "hide cursor" when the cursor is hidden.
//!
//! Promises: the screen it produces is the same as with any other backend (checked against
//! the `vt100` terminal emulator in the tests); it relies on the terminal being in raw mode
//! (no `\n` → `\r\n` translation), which the event loop always sets before drawing.

use std::fmt::Write as _;
use std::io::{self, Write};

use crossterm::terminal::{self, ClearType as CtClear};
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use ratatui::text::Span;

/// Colours and attributes as the terminal has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

const PLAIN: Pen = Pen {
    fg: Color::Reset,
    bg: Color::Reset,
    modifier: Modifier::empty(),
};

/// See the module documentation.
#[derive(Debug)]
pub struct QuietBackend<W: Write> {
    out: W,
    /// Where the cursor is, when known for sure.
    cursor: Option<(u16, u16)>,
    pen: Option<Pen>,
    hidden: Option<bool>,
    /// A fixed size (tests); `None` asks the terminal.
    fixed: Option<Size>,
    scratch: String,
}

impl<W: Write> QuietBackend<W> {
    pub fn new(out: W) -> Self {
        QuietBackend {
            out,
            cursor: None,
            pen: None,
            hidden: None,
            fixed: None,
            scratch: String::with_capacity(64),
        }
    }

    /// A backend of a fixed size that never asks a terminal (tests, benchmarks).
    pub fn with_size(out: W, width: u16, height: u16) -> Self {
        let mut backend = QuietBackend::new(out);
        backend.fixed = Some(Size { width, height });
        backend
    }

    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Forgets what it knew of the terminal (after anything else wrote to it).
    pub fn invalidate(&mut self) {
        self.cursor = None;
        self.pen = None;
        self.hidden = None;
    }

    fn move_to(&mut self, x: u16, y: u16) -> io::Result<()> {
        if self.cursor == Some((x, y)) {
            return Ok(());
        }
        let mut best = String::new();
        let _ = write!(best, "\x1b[{};{}H", y + 1, x + 1);
        if let Some((cx, cy)) = self.cursor {
            let mut relative = String::new();
            match y.cmp(&cy) {
                std::cmp::Ordering::Greater => {
                    let dy = y - cy;
                    if dy <= 3 {
                        relative.extend(std::iter::repeat_n('\n', usize::from(dy)));
                    } else {
                        let _ = write!(relative, "\x1b[{dy}B");
                    }
                }
                std::cmp::Ordering::Less => {
                    let _ = match cy - y {
                        1 => write!(relative, "\x1b[A"),
                        dy => write!(relative, "\x1b[{dy}A"),
                    };
                }
                std::cmp::Ordering::Equal => {}
            }
            relative.push_str(&column_move(cx, x));
            if relative.len() < best.len() {
                best = relative;
            }
        }
        self.out.write_all(best.as_bytes())?;
        self.cursor = Some((x, y));
        Ok(())
    }

    fn set_pen(&mut self, cell: &Cell) -> io::Result<()> {
        let want = Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        };
        let have = self.pen;
        if have == Some(want) {
            return Ok(());
        }
        self.scratch.clear();
        let (from, reset) = match have {
            Some(have) if (have.modifier - want.modifier).is_empty() => (have, false),
            _ => (PLAIN, true),
        };
        if reset {
            self.scratch.push('0');
        }
        for (flag, code) in MODIFIERS {
            if want.modifier.contains(flag) && !from.modifier.contains(flag) {
                push_param(&mut self.scratch, code);
            }
        }
        if want.fg != from.fg {
            push_color(&mut self.scratch, want.fg, false);
        }
        if want.bg != from.bg {
            push_color(&mut self.scratch, want.bg, true);
        }
        write!(self.out, "\x1b[{}m", self.scratch)?;
        self.pen = Some(want);
        Ok(())
    }
}

const MODIFIERS: [(Modifier, &str); 9] = [
    (Modifier::BOLD, "1"),
    (Modifier::DIM, "2"),
    (Modifier::ITALIC, "3"),
    (Modifier::UNDERLINED, "4"),
    (Modifier::SLOW_BLINK, "5"),
    (Modifier::RAPID_BLINK, "6"),
    (Modifier::REVERSED, "7"),
    (Modifier::HIDDEN, "8"),
    (Modifier::CROSSED_OUT, "9"),
];

fn push_param(out: &mut String, param: &str) {
    if !out.is_empty() {
        out.push(';');
    }
    out.push_str(param);
}

fn push_color(out: &mut String, color: Color, background: bool) {
    let base: u8 = if background { 40 } else { 30 };
    let code = match color {
        Color::Reset => base + 9,
        Color::Black => base,
        Color::Red => base + 1,
        Color::Green => base + 2,
        Color::Yellow => base + 3,
        Color::Blue => base + 4,
        Color::Magenta => base + 5,
        Color::Cyan => base + 6,
        Color::Gray => base + 7,
        Color::DarkGray => base + 60,
        Color::LightRed => base + 61,
        Color::LightGreen => base + 62,
        Color::LightYellow => base + 63,
        Color::LightBlue => base + 64,
        Color::LightMagenta => base + 65,
        Color::LightCyan => base + 66,
        Color::White => base + 67,
        Color::Indexed(n) => {
            return push_param(out, &format!("{};5;{n}", base + 8));
        }
        Color::Rgb(r, g, b) => {
            return push_param(out, &format!("{};2;{r};{g};{b}", base + 8));
        }
    };
    push_param(out, &code.to_string());
}

/// The shortest way along a row from column `from` to `to`.
fn column_move(from: u16, to: u16) -> String {
    let mut options: Vec<String> = Vec::with_capacity(4);
    options.push(format!("\x1b[{}G", to + 1));
    if to > from {
        options.push(match to - from {
            1 => "\x1b[C".to_string(),
            n => format!("\x1b[{n}C"),
        });
    } else if to < from {
        let n = from - to;
        options.push(if n <= 3 {
            "\x08".repeat(usize::from(n))
        } else {
            format!("\x1b[{n}D")
        });
    } else {
        return String::new();
    }
    options.push(match to {
        0 => "\r".to_string(),
        1 => "\r\x1b[C".to_string(),
        n => format!("\r\x1b[{n}C"),
    });
    options
        .into_iter()
        .min_by_key(String::len)
        .unwrap_or_default()
}

impl<W: Write> Backend for QuietBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let width = self.size()?.width;
        for (x, y, cell) in content {
            self.move_to(x, y)?;
            self.set_pen(cell)?;
            let symbol = cell.symbol();
            self.out.write_all(symbol.as_bytes())?;
            let advance = u16::try_from(Span::raw(symbol).width()).unwrap_or(1);
            let next = x.saturating_add(advance);
            // In the last column the terminal waits to wrap: its position is unclear.
            self.cursor = (next < width).then_some((next, y));
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.hidden != Some(true) {
            self.out.write_all(b"\x1b[?25l")?;
            self.hidden = Some(true);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.hidden != Some(false) {
            self.out.write_all(b"\x1b[?25h")?;
            self.hidden = Some(false);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        // Only inline viewports need the real position; keyfob is full screen, and asking the
        // terminal (a round trip) fails on terminals that do not answer.
        let (x, y) = self.cursor.unwrap_or((0, 0));
        Ok(Position { x, y })
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let Position { x, y } = position.into();
        self.move_to(x, y)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.out.write_all(b"\x1b[0m\x1b[2J")?;
        self.pen = Some(PLAIN);
        Ok(())
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        let kind = match clear_type {
            ClearType::All => CtClear::All,
            ClearType::AfterCursor => CtClear::FromCursorDown,
            ClearType::BeforeCursor => CtClear::FromCursorUp,
            ClearType::CurrentLine => CtClear::CurrentLine,
            ClearType::UntilNewLine => CtClear::UntilNewLine,
        };
        crossterm::queue!(
            self.out,
            crossterm::style::ResetColor,
            terminal::Clear(kind)
        )?;
        self.pen = Some(PLAIN);
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        if let Some(size) = self.fixed {
            return Ok(size);
        }
        let (width, height) = terminal::size()?;
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let columns_rows = self.size()?;
        Ok(WindowSize {
            columns_rows,
            pixels: Size {
                width: 0,
                height: 0,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests;
