//! A ratatui backend that writes as few bytes as it can: the reason an idle keyfob is quiet
//! over SSH.
//!
//! ratatui already sends only the cells that changed. This backend also remembers, across
//! frames, what the terminal shows (every cell, the cursor, the colours and attributes), and
//! uses that to write each frame cheaply:
//! - cells are grouped in runs (same row, side by side, same colours), and the runs are written
//!   in sweeps from top to bottom, each time picking the run that is cheapest to reach. Rows
//!   that change in the same column (the seconds of every entry) are then written as a column:
//!   `\n`, a backspace and one digit a row;
//! - a move is the shortest of `\n`/backspace/`\r`, relative moves, `ESC M`, column or row
//!   moves, an absolute `CUP`, or re-printing up to four unchanged plain characters;
//! - a changed row whose end is now blank is cut with `ESC [ K` instead of spaces;
//! - colours change only when they differ, going back to plain is `ESC [ m`, and "hide
//!   cursor" is never sent twice.
//!
//! Promises: the screen it produces is the same as with any other backend (checked against
//! the `vt100` terminal emulator in the tests, on keyfob's screens and on random frames); it
//! relies on the terminal being in raw mode (no `\n` → `\r\n` translation), which the event
//! loop always sets before drawing. Frames with wide characters, or drawn before the screen
//! was cleared, are written in ratatui's order with absolute knowledge only of the cursor.

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

impl Pen {
    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        }
    }
}

const PLAIN: Pen = Pen {
    fg: Color::Reset,
    bg: Color::Reset,
    modifier: Modifier::empty(),
};

/// Most runs a frame reorders; a bigger frame (a full redraw) goes in ratatui's order.
const MAX_RUNS: usize = 400;
/// Longest stretch of unchanged characters re-printed instead of jumped over.
const MAX_FILL: u16 = 4;

fn width_of(symbol: &str) -> usize {
    Span::raw(symbol).width()
}

/// A blank cell as `ESC [ K` leaves it with the plain pen.
fn is_blank(cell: &Cell) -> bool {
    cell.symbol() == " " && Pen::of(cell) == PLAIN
}

/// A cell that can be re-printed as one byte.
fn is_plain_ascii(cell: &Cell) -> bool {
    matches!(cell.symbol().as_bytes(), [b' '..=b'~'])
}

/// What the terminal shows, cell by cell: ratatui's previous buffer, as far as it was sent
/// through this backend since the last full clear.
#[derive(Debug, Default)]
struct Shadow {
    width: u16,
    height: u16,
    cells: Vec<Cell>,
    known: bool,
}

impl Shadow {
    fn reset(&mut self, size: Size, known: bool) {
        self.width = size.width;
        self.height = size.height;
        self.cells.clear();
        self.cells.resize(
            usize::from(size.width) * usize::from(size.height),
            Cell::default(),
        );
        self.known = known;
    }

    fn index(&self, x: u16, y: u16) -> Option<usize> {
        (x < self.width && y < self.height)
            .then(|| usize::from(y) * usize::from(self.width) + usize::from(x))
    }

    fn get(&self, x: u16, y: u16) -> Option<&Cell> {
        if !self.known {
            return None;
        }
        self.index(x, y).map(|i| &self.cells[i])
    }

    fn set(&mut self, x: u16, y: u16, cell: &Cell) {
        if let Some(i) = self.index(x, y) {
            self.cells[i] = cell.clone();
        }
        // A wide character covers the next cells, which ratatui's buffer keeps blank.
        for k in 1..width_of(cell.symbol()) {
            let next = u16::try_from(k).ok().and_then(|k| x.checked_add(k));
            if let Some(i) = next.and_then(|nx| self.index(nx, y)) {
                self.cells[i] = Cell::default();
            }
        }
    }

    fn blank_from(&mut self, x: u16, y: u16) {
        for nx in x..self.width {
            if let Some(i) = self.index(nx, y) {
                self.cells[i] = Cell::default();
            }
        }
    }
}

/// Changed cells side by side on one row with one pen, or the blank end of a row.
#[derive(Debug, Clone, Copy)]
struct Run {
    x: u16,
    y: u16,
    /// Its cells in `frame`: `start..start + len` (none for an erase).
    start: usize,
    len: usize,
    pen: Pen,
    /// `ESC [ K` from `x` to the end of the row.
    erase: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vertical {
    Stay,
    /// `n` line feeds.
    Feed(u16),
    Down(u16),
    Up(u16),
    /// Reverse index: one row up.
    ReverseIndex,
    /// To a row, keeping the column.
    Row(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Horizontal {
    Stay,
    Column(u16),
    Right(u16),
    /// Re-print the unchanged cells `from..to` of the target row.
    Fill(u16, u16),
    Backspace(u16),
    Left(u16),
    Return,
    ReturnRight(u16),
    ReturnFill(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    Stay,
    Cup(u16, u16),
    Relative(Vertical, Horizontal),
}

fn digits(n: u16) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

/// `ESC [ n X`, the count left out when it is 1.
fn csi_len(n: u16) -> usize {
    if n == 1 { 3 } else { 3 + digits(n) }
}

impl Vertical {
    fn len(self) -> usize {
        match self {
            Vertical::Stay => 0,
            Vertical::Feed(n) => usize::from(n),
            Vertical::Down(n) | Vertical::Up(n) => csi_len(n),
            Vertical::ReverseIndex => 2,
            Vertical::Row(y) => csi_len(y + 1),
        }
    }
}

impl Horizontal {
    fn len(self) -> usize {
        match self {
            Horizontal::Stay => 0,
            Horizontal::Column(x) => csi_len(x + 1),
            Horizontal::Right(n) | Horizontal::Left(n) => csi_len(n),
            Horizontal::Fill(from, to) => usize::from(to - from),
            Horizontal::Backspace(n) => usize::from(n),
            Horizontal::Return => 1,
            Horizontal::ReturnRight(n) => 1 + csi_len(n),
            Horizontal::ReturnFill(to) => 1 + usize::from(to),
        }
    }
}

impl Move {
    fn len(self) -> usize {
        match self {
            Move::Stay => 0,
            Move::Cup(0, 0) => 3,
            Move::Cup(x, y) => 4 + digits(y + 1) + digits(x + 1),
            Move::Relative(v, h) => v.len() + h.len(),
        }
    }
}

/// The shortest of the options (the first of equals).
fn cheapest<T: Copy>(options: &[Option<T>], len: impl Fn(T) -> usize) -> Option<T> {
    let mut best: Option<T> = None;
    for option in options.iter().flatten() {
        if best.is_none_or(|b| len(*option) < len(b)) {
            best = Some(*option);
        }
    }
    best
}

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
    shadow: Shadow,
    /// This frame's cells, in ratatui's order.
    frame: Vec<(u16, u16, Cell)>,
    /// Per screen cell: 1 + its index in `frame` while it waits to be written, else 0.
    slot: Vec<u32>,
    /// Frame cells left to an erase.
    erased: Vec<bool>,
    runs: Vec<Run>,
    done: Vec<bool>,
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
            shadow: Shadow::default(),
            frame: Vec::new(),
            slot: Vec::new(),
            erased: Vec::new(),
            runs: Vec::new(),
            done: Vec::new(),
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
        self.shadow.known = false;
    }

    fn pending(&self, x: u16, y: u16) -> bool {
        self.shadow
            .index(x, y)
            .and_then(|i| self.slot.get(i))
            .is_some_and(|s| *s != 0)
    }

    /// Whether the cells `from..to` of row `y` can be re-printed, one byte each, with the
    /// current pen, leaving the screen as it is.
    fn can_fill(&self, y: u16, from: u16, to: u16) -> bool {
        if to <= from || to - from > MAX_FILL {
            return false;
        }
        let Some(pen) = self.pen else {
            return false;
        };
        if from > 0 {
            match self.shadow.get(from - 1, y) {
                Some(left) if width_of(left.symbol()) <= 1 => {}
                _ => return false,
            }
        }
        (from..to).all(|x| {
            !self.pending(x, y)
                && self
                    .shadow
                    .get(x, y)
                    .is_some_and(|c| is_plain_ascii(c) && Pen::of(c) == pen)
        })
    }

    /// The cheapest way from the cursor to `(x, y)`.
    fn plan(&self, x: u16, y: u16, fill: bool) -> Move {
        if self.cursor == Some((x, y)) {
            return Move::Stay;
        }
        let cup = Move::Cup(x, y);
        let Some((cx, cy)) = self.cursor else {
            return cup;
        };
        let vertical = if y > cy {
            let n = y - cy;
            cheapest(
                &[
                    Some(Vertical::Feed(n)),
                    Some(Vertical::Down(n)),
                    Some(Vertical::Row(y)),
                ],
                Vertical::len,
            )
            .unwrap_or(Vertical::Row(y))
        } else if y < cy {
            let n = cy - y;
            cheapest(
                &[
                    (n == 1).then_some(Vertical::ReverseIndex),
                    Some(Vertical::Up(n)),
                    Some(Vertical::Row(y)),
                ],
                Vertical::len,
            )
            .unwrap_or(Vertical::Row(y))
        } else {
            Vertical::Stay
        };
        let horizontal = if x == cx {
            Horizontal::Stay
        } else {
            let forward = (x > cx).then(|| x - cx);
            let back = (x < cx).then(|| cx - x);
            cheapest(
                &[
                    Some(Horizontal::Column(x)),
                    forward.map(Horizontal::Right),
                    (fill && x > cx && self.can_fill(y, cx, x)).then_some(Horizontal::Fill(cx, x)),
                    back.map(Horizontal::Backspace),
                    back.map(Horizontal::Left),
                    (x == 0).then_some(Horizontal::Return),
                    (x > 0).then_some(Horizontal::ReturnRight(x)),
                    (fill && x > 0 && self.can_fill(y, 0, x)).then_some(Horizontal::ReturnFill(x)),
                ],
                Horizontal::len,
            )
            .unwrap_or(Horizontal::Column(x))
        };
        let relative = Move::Relative(vertical, horizontal);
        if relative.len() <= cup.len() {
            relative
        } else {
            cup
        }
    }

    /// Re-prints cells `from..to` of row `y` (checked by `can_fill`); returns the bytes.
    fn fill(&mut self, y: u16, from: u16, to: u16) -> io::Result<usize> {
        let mut n = 0;
        for x in from..to {
            if let Some(cell) = self.shadow.get(x, y) {
                self.out.write_all(cell.symbol().as_bytes())?;
                n += cell.symbol().len();
            }
        }
        Ok(n)
    }

    fn go(&mut self, x: u16, y: u16, fill: bool) -> io::Result<()> {
        let plan = self.plan(x, y, fill);
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        let csi = |s: &mut String, n: u16, op: char| {
            let _ = if n == 1 {
                write!(s, "\x1b[{op}")
            } else {
                write!(s, "\x1b[{n}{op}")
            };
        };
        match plan {
            Move::Stay => {}
            Move::Cup(0, 0) => s.push_str("\x1b[H"),
            Move::Cup(x, y) => {
                let _ = write!(s, "\x1b[{};{}H", y + 1, x + 1);
            }
            Move::Relative(v, h) => {
                match v {
                    Vertical::Stay => {}
                    Vertical::Feed(n) => s.extend(std::iter::repeat_n('\n', usize::from(n))),
                    Vertical::Down(n) => csi(&mut s, n, 'B'),
                    Vertical::Up(n) => csi(&mut s, n, 'A'),
                    Vertical::ReverseIndex => s.push_str("\x1bM"),
                    Vertical::Row(y) => csi(&mut s, y + 1, 'd'),
                }
                match h {
                    Horizontal::Stay | Horizontal::Fill(..) => {}
                    Horizontal::Column(x) => csi(&mut s, x + 1, 'G'),
                    Horizontal::Right(n) => csi(&mut s, n, 'C'),
                    Horizontal::Backspace(n) => {
                        s.extend(std::iter::repeat_n('\x08', usize::from(n)))
                    }
                    Horizontal::Left(n) => csi(&mut s, n, 'D'),
                    Horizontal::Return | Horizontal::ReturnFill(_) => s.push('\r'),
                    Horizontal::ReturnRight(n) => {
                        s.push('\r');
                        csi(&mut s, n, 'C');
                    }
                }
            }
        }
        let result = self.out.write_all(s.as_bytes());
        let written = s.len();
        self.scratch = s;
        result?;
        let filled = match plan {
            Move::Relative(_, Horizontal::Fill(from, to)) => self.fill(y, from, to)?,
            Move::Relative(_, Horizontal::ReturnFill(to)) => self.fill(y, 0, to)?,
            _ => 0,
        };
        debug_assert_eq!(written + filled, plan.len(), "{plan:?}");
        self.cursor = Some((x, y));
        Ok(())
    }

    fn set_pen(&mut self, want: Pen) -> io::Result<()> {
        let mut s = std::mem::take(&mut self.scratch);
        pen_sequence(self.pen, want, &mut s);
        let result = self.out.write_all(s.as_bytes());
        self.scratch = s;
        self.pen = Some(want);
        result
    }

    /// Writes one cell where the cursor is.
    fn put(&mut self, x: u16, y: u16, cell: &Cell, width: u16) -> io::Result<()> {
        self.set_pen(Pen::of(cell))?;
        let symbol = cell.symbol();
        self.out.write_all(symbol.as_bytes())?;
        let advance = u16::try_from(width_of(symbol)).unwrap_or(1);
        let next = x.saturating_add(advance);
        // In the last column the terminal waits to wrap: its position is unclear.
        self.cursor = (next < width).then_some((next, y));
        if self.shadow.known {
            self.shadow.set(x, y, cell);
        }
        Ok(())
    }

    /// Cells in ratatui's order, each reached the cheapest way without re-printing.
    fn draw_in_order(&mut self, width: u16) -> io::Result<()> {
        let frame = std::mem::take(&mut self.frame);
        let mut result = Ok(());
        for (x, y, cell) in &frame {
            result = self.put_over_wide(*x, *y, cell.clone(), &frame, width);
            if result.is_err() {
                break;
            }
        }
        self.frame = frame;
        result
    }

    /// Writes a cell; when it lands on part of a wide character, the terminal blanks the rest
    /// of that character with whatever pen it has (ratatui does not always send those cells
    /// again), so they are written again too.
    fn put_over_wide(
        &mut self,
        x: u16,
        y: u16,
        cell: Cell,
        frame: &[(u16, u16, Cell)],
        width: u16,
    ) -> io::Result<()> {
        let mut todo = vec![(x, y, cell)];
        while let Some((x, y, cell)) = todo.pop() {
            let covers = u16::try_from(width_of(cell.symbol()).max(1)).unwrap_or(1);
            let end = x.saturating_add(covers);
            let mut blanked = end;
            for s in x..end {
                if let Some(old) = self.shadow.get(s, y) {
                    let w = u16::try_from(width_of(old.symbol())).unwrap_or(1);
                    blanked = blanked.max(s.saturating_add(w));
                }
            }
            self.go(x, y, false)?;
            self.put(x, y, &cell, width)?;
            for nx in (end..blanked.min(width)).rev() {
                let again = frame
                    .iter()
                    .find(|(fx, fy, _)| (*fx, *fy) == (nx, y))
                    .map(|(_, _, c)| c.clone())
                    .or_else(|| self.shadow.get(nx, y).cloned());
                if let Some(again) = again {
                    todo.push((nx, y, again));
                }
            }
        }
        Ok(())
    }

    /// Marks the frame's cells as waiting and splits them in runs (and erases).
    fn make_runs(&mut self) {
        self.runs.clear();
        self.erased.clear();
        self.erased.resize(self.frame.len(), false);
        for (i, (x, y, _)) in self.frame.iter().enumerate() {
            if let Some(at) = self.shadow.index(*x, *y) {
                self.slot[at] = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
        }
        // The blank end of each changed row, cut with one erase when that is shorter.
        let mut i = 0;
        while i < self.frame.len() {
            let y = self.frame[i].1;
            let mut j = i;
            while j < self.frame.len() && self.frame[j].1 == y {
                j += 1;
            }
            self.plan_erase(y, i..j);
            i = j;
        }
        for (i, (x, y, cell)) in self.frame.iter().enumerate() {
            if self.erased[i] {
                continue;
            }
            let pen = Pen::of(cell);
            if let Some(run) = self.runs.last_mut()
                && !run.erase
                && run.y == *y
                && run.pen == pen
                && run.start + run.len == i
                && usize::from(run.x) + run.len == usize::from(*x)
            {
                run.len += 1;
                continue;
            }
            self.runs.push(Run {
                x: *x,
                y: *y,
                start: i,
                len: 1,
                pen,
                erase: false,
            });
        }
    }

    /// The screen cell `(x, y)` once this frame is drawn.
    fn next_cell(&self, x: u16, y: u16) -> Option<&Cell> {
        let at = self.shadow.index(x, y)?;
        match self.slot[at] {
            0 => self.shadow.get(x, y),
            s => self.frame.get(s as usize - 1).map(|(_, _, c)| c),
        }
    }

    fn plan_erase(&mut self, y: u16, cells: std::ops::Range<usize>) {
        let width = self.shadow.width;
        let mut tail = width;
        while tail > 0 && self.next_cell(tail - 1, y).is_some_and(is_blank) {
            tail -= 1;
        }
        if tail > 0 {
            // Never cut the right half of a wide character.
            let w = self
                .next_cell(tail - 1, y)
                .map_or(1, |c| width_of(c.symbol()));
            tail = tail
                .saturating_sub(1)
                .saturating_add(u16::try_from(w.max(1)).unwrap_or(1));
        }
        let mut first: Option<u16> = None;
        let mut last = 0u16;
        for (x, _, _) in &self.frame[cells.clone()] {
            if *x >= tail {
                first = Some(first.map_or(*x, |f| f.min(*x)));
                last = last.max(*x);
            }
        }
        let Some(first) = first else {
            return;
        };
        if last - first < 3 {
            return;
        }
        for i in cells {
            if self.frame[i].0 >= first {
                self.erased[i] = true;
            }
        }
        self.runs.push(Run {
            x: first,
            y,
            start: 0,
            len: 0,
            pen: PLAIN,
            erase: true,
        });
    }

    /// The run to write next: the cheapest one further down the screen, or, when none is
    /// left below the cursor, the cheapest of the top-most ones.
    fn next_run(&self, pen_cost: &mut String) -> Option<usize> {
        let open = || self.runs.iter().enumerate().filter(|(i, _)| !self.done[*i]);
        let mut best: Option<(usize, usize)> = None;
        let mut consider = |i: usize, run: &Run, best: &mut Option<(usize, usize)>| {
            pen_sequence(self.pen, run.pen, pen_cost);
            let cost = self.plan(run.x, run.y, true).len() + pen_cost.len();
            if best.is_none_or(|(_, c)| cost < c) {
                *best = Some((i, cost));
            }
        };
        if let Some((cx, cy)) = self.cursor {
            for (i, run) in open().filter(|(_, r)| r.y > cy || (r.y == cy && r.x >= cx)) {
                consider(i, run, &mut best);
            }
        }
        if best.is_none() {
            let top = open().map(|(_, r)| r.y).min()?;
            for (i, run) in open().filter(|(_, r)| r.y == top) {
                consider(i, run, &mut best);
            }
        }
        best.map(|(i, _)| i)
    }

    fn write_run(&mut self, run: Run, width: u16) -> io::Result<()> {
        self.go(run.x, run.y, true)?;
        if run.erase {
            self.set_pen(PLAIN)?;
            self.out.write_all(b"\x1b[K")?;
            self.shadow.blank_from(run.x, run.y);
            return Ok(());
        }
        let frame = std::mem::take(&mut self.frame);
        let result = frame[run.start..run.start + run.len]
            .iter()
            .try_for_each(|(x, y, cell)| self.put(*x, *y, cell, width));
        self.frame = frame;
        result
    }

    fn draw_runs(&mut self, width: u16) -> io::Result<()> {
        self.make_runs();
        self.done.clear();
        self.done.resize(self.runs.len(), false);
        let reorder = self.runs.len() <= MAX_RUNS;
        let mut pen_cost = String::new();
        let mut result = Ok(());
        for k in 0..self.runs.len() {
            let i = if reorder {
                self.next_run(&mut pen_cost).unwrap_or(k)
            } else {
                k
            };
            self.done[i] = true;
            let run = self.runs[i];
            // Written cells stop being "waiting" (re-printing them is then allowed).
            if !run.erase {
                for (x, y, _) in &self.frame[run.start..run.start + run.len] {
                    if let Some(at) = self.shadow.index(*x, *y) {
                        self.slot[at] = 0;
                    }
                }
            }
            result = self.write_run(run, width);
            if result.is_err() {
                break;
            }
        }
        for (x, y, _) in &self.frame {
            if let Some(at) = self.shadow.index(*x, *y) {
                self.slot[at] = 0;
            }
        }
        result
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

/// The SGR sequence from pen `have` (unknown: `None`) to `want` into `out` (empty when
/// nothing changes): from the current pen when only additions are needed, else from a reset,
/// whichever is shorter.
fn pen_sequence(have: Option<Pen>, want: Pen, out: &mut String) {
    out.clear();
    if have == Some(want) {
        return;
    }
    if want == PLAIN {
        out.push_str("\x1b[m");
        return;
    }
    out.push_str("\x1b[0");
    pen_params(PLAIN, want, out);
    out.push('m');
    if let Some(have) = have
        && (have.modifier - want.modifier).is_empty()
    {
        // `out` holds the sequence from a reset; the one from `have` is built after it.
        let at = out.len();
        out.push_str("\x1b[");
        let params = out.len();
        pen_params(have, want, out);
        // Drop the separator `pen_params` put before the first parameter.
        if out.as_bytes().get(params) == Some(&b';') {
            out.remove(params);
        }
        out.push('m');
        if out.len() - at < at {
            out.replace_range(..at, "");
        } else {
            out.truncate(at);
        }
    }
}

/// `;`-prefixed parameters that take pen `from` to `to`, modifiers only added.
fn pen_params(from: Pen, to: Pen, out: &mut String) {
    for (flag, code) in MODIFIERS {
        if to.modifier.contains(flag) && !from.modifier.contains(flag) {
            out.push(';');
            out.push_str(code);
        }
    }
    if to.fg != from.fg {
        push_color(out, to.fg, false);
    }
    if to.bg != from.bg {
        push_color(out, to.bg, true);
    }
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
            let _ = write!(out, ";{};5;{n}", base + 8);
            return;
        }
        Color::Rgb(r, g, b) => {
            let _ = write!(out, ";{};2;{r};{g};{b}", base + 8);
            return;
        }
    };
    let _ = write!(out, ";{code}");
}

impl<W: Write> Backend for QuietBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let size = self.size()?;
        if (self.shadow.width, self.shadow.height) != (size.width, size.height) {
            self.shadow.reset(size, false);
        }
        if self.slot.len() != self.shadow.cells.len() {
            self.slot.clear();
            self.slot.resize(self.shadow.cells.len(), 0);
        }
        self.frame.clear();
        self.frame
            .extend(content.map(|(x, y, cell)| (x, y, cell.clone())));
        // Reordering and erasing need the whole screen known and one column per cell.
        let simple = !self.shadow.known
            || self.frame.iter().any(|(x, y, cell)| {
                width_of(cell.symbol()) != 1
                    || self
                        .shadow
                        .get(*x, *y)
                        .is_none_or(|old| width_of(old.symbol()) != 1)
            });
        let result = if simple {
            self.draw_in_order(size.width)
        } else {
            self.draw_runs(size.width)
        };
        self.frame.clear();
        result
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
        self.go(x, y, false)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.out.write_all(b"\x1b[0m\x1b[2J")?;
        self.pen = Some(PLAIN);
        let size = self.size()?;
        self.shadow.reset(size, true);
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
        let whole = matches!(clear_type, ClearType::All)
            || (matches!(clear_type, ClearType::AfterCursor) && self.cursor == Some((0, 0)));
        let size = self.size()?;
        self.shadow.reset(size, whole);
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
