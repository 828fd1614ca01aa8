//! The quiet backend against a terminal emulator (`vt100`): the screen it produces must be
//! exactly the buffer ratatui drew, frame after frame, while writing less than crossterm's.

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::style::Color;

use super::QuietBackend;
use crate::engine::entry::Entry;
use crate::engine::secret::Secret;
use crate::ui::app::{App, Msg, Settings};
use crate::ui::update::tests::{tick, views};

const NOW: u64 = 1_700_000_000;
const PERIODS: [u32; 10] = [30, 30, 30, 30, 30, 30, 30, 30, 30, 60];

fn twenty() -> Vec<Entry> {
    (0..20)
        .map(|i| {
            let mut e = Entry::new(
                format!("Service {i}"),
                format!("user{i}@example.com"),
                Secret::from_bytes(vec![u8::try_from(i).unwrap() + 1; 20]).unwrap(),
            );
            e.period = PERIODS[i % PERIODS.len()];
            e
        })
        .collect()
}

fn vt_color(color: Color) -> vt100::Color {
    match color {
        Color::Reset => vt100::Color::Default,
        Color::Red => vt100::Color::Idx(1),
        Color::Green => vt100::Color::Idx(2),
        Color::Yellow => vt100::Color::Idx(3),
        Color::Blue => vt100::Color::Idx(4),
        Color::Cyan => vt100::Color::Idx(6),
        Color::Black => vt100::Color::Idx(0),
        Color::Magenta => vt100::Color::Idx(5),
        Color::Gray => vt100::Color::Idx(7),
        Color::DarkGray => vt100::Color::Idx(8),
        Color::White => vt100::Color::Idx(15),
        other => panic!("unexpected colour {other:?}"),
    }
}

#[test]
fn screen_matches_the_buffer_frame_after_frame() {
    let (w, h) = (100, 30);
    let mut app = App::new(views(&twenty(), NOW), Settings::default(), NOW);
    app.update(
        Msg::Resize {
            width: w,
            height: h,
        },
        NOW,
    );
    let mut terminal = Terminal::new(QuietBackend::with_size(Vec::new(), w, h)).unwrap();
    let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
    let mut vt = vt100::Parser::new(nz(h), nz(w), 0);
    let script = || {
        [
            Msg::Tick,
            Msg::Down,
            Msg::Tick,
            Msg::Help,
            Msg::Escape,
            Msg::Add,
            Msg::Escape,
            Msg::ShowQr,
            Msg::Escape,
            Msg::Bottom,
            Msg::Tick,
            Msg::StartFilter,
            Msg::Enter,
        ]
    };
    let msgs = (0..4).flat_map(|_| script());
    let entries = twenty();
    for (second, msg) in (0..40u64).zip(msgs) {
        if matches!(msg, Msg::Tick) {
            tick(&mut app, &entries, NOW + second);
        } else {
            app.update(msg, NOW + second);
        }
        let frame = terminal
            .draw(|f| f.render_widget(&app, f.area()))
            .unwrap()
            .buffer
            .clone();
        vt.process(&std::mem::take(terminal.backend_mut().writer_mut()));
        assert_same_screen(&vt, &frame, &format!("second {second}"));
    }
}

/// The emulator's screen is exactly the buffer: symbols, colours and attributes.
fn assert_same_screen(vt: &vt100::Parser, frame: &ratatui::buffer::Buffer, when: &str) {
    use ratatui::style::Modifier;
    let screen = vt.screen();
    let area = frame.area;
    for y in 0..area.height {
        for x in 0..area.width {
            let want = &frame[(x, y)];
            let Some(got) = screen.cell(y, x) else {
                continue;
            };
            if got.is_wide_continuation() {
                continue;
            }
            let symbol = if got.has_contents() {
                got.contents()
            } else {
                " "
            };
            assert_eq!(symbol, want.symbol(), "{when}, cell ({x},{y})");
            assert_eq!(got.fgcolor(), vt_color(want.fg), "{when}, fg at ({x},{y})");
            assert_eq!(got.bgcolor(), vt_color(want.bg), "{when}, bg at ({x},{y})");
            let m = want.modifier;
            for (name, have, wanted) in [
                ("bold", got.bold(), Modifier::BOLD),
                ("dim", got.dim(), Modifier::DIM),
                ("reverse", got.inverse(), Modifier::REVERSED),
                ("underline", got.underline(), Modifier::UNDERLINED),
            ] {
                assert_eq!(have, m.contains(wanted), "{when}, {name} at ({x},{y})");
            }
        }
    }
}

/// A small deterministic generator (xorshift), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Random changes of the kinds keyfob's screens make: single cells, columns of cells (the
/// seconds), words and wide characters, rows that end blank, colours and attributes.
fn scribble(rng: &mut Rng, buf: &mut ratatui::buffer::Buffer) {
    use ratatui::style::{Modifier, Style};
    let (w, h) = (buf.area.width, buf.area.height);
    let colors = [Color::Reset, Color::Red, Color::Green, Color::DarkGray];
    let modifiers = [
        Modifier::empty(),
        Modifier::empty(),
        Modifier::BOLD,
        Modifier::DIM,
        Modifier::REVERSED,
        Modifier::BOLD | Modifier::REVERSED,
        Modifier::UNDERLINED,
    ];
    let symbols = ["a", "b", "7", " ", " ", "s", "░", "█", "→", "é"];
    let words = ["123 456", "→ 042 917", "中文", "ab中", "  ", "       ", "x"];
    let style = |rng: &mut Rng| {
        if rng.below(3) == 0 {
            Style::reset()
        } else {
            Style::reset()
                .fg(rng.pick(&colors))
                .bg(rng.pick(&colors))
                .add_modifier(rng.pick(&modifiers))
        }
    };
    for _ in 0..1 + rng.below(6) {
        let (x, y) = (
            u16::try_from(rng.below(usize::from(w))).unwrap(),
            u16::try_from(rng.below(usize::from(h))).unwrap(),
        );
        match rng.below(6) {
            0 => {
                let st = style(rng);
                let cell = &mut buf[(x, y)];
                cell.reset();
                cell.set_symbol(rng.pick(&symbols)).set_style(st);
            }
            1 => {
                // A column: the same change on consecutive rows.
                let symbol = rng.pick(&symbols);
                let st = style(rng);
                for yy in y..h.min(y + 1 + u16::try_from(rng.below(8)).unwrap()) {
                    let cell = &mut buf[(x, yy)];
                    cell.reset();
                    cell.set_symbol(symbol).set_style(st);
                }
            }
            2 | 3 => {
                let st = style(rng);
                buf.set_stringn(x, y, rng.pick(&words), usize::from(w - x), st);
            }
            4 => {
                // The rest of the row goes blank.
                for xx in x..w {
                    buf[(xx, y)].reset();
                }
            }
            _ => {
                let st = style(rng);
                buf.set_style(ratatui::layout::Rect::new(x, y, (w - x).min(5), 1), st);
            }
        }
    }
}

/// What ratatui's widgets keep true: the columns a wide character covers are blank.
fn well_formed(buf: &mut ratatui::buffer::Buffer) {
    let area = buf.area;
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let w = u16::try_from(ratatui::text::Span::raw(buf[(x, y)].symbol()).width())
                .unwrap()
                .max(1);
            for k in 1..w {
                if x + k < area.width {
                    buf[(x + k, y)].reset();
                }
            }
            x += w;
        }
    }
}

#[test]
fn random_frames_look_the_same_on_a_terminal() {
    let (w, h) = (23, 7);
    let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
    for seed in 1..=300u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut terminal = Terminal::new(QuietBackend::with_size(Vec::new(), w, h)).unwrap();
        terminal.clear().unwrap();
        let mut vt = vt100::Parser::new(nz(h), nz(w), 0);
        let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, w, h));
        for step in 0..40 {
            scribble(&mut rng, &mut buf);
            well_formed(&mut buf);
            let frame = terminal
                .draw(|f| f.buffer_mut().clone_from(&buf))
                .unwrap()
                .buffer
                .clone();
            vt.process(&std::mem::take(terminal.backend_mut().writer_mut()));
            assert_same_screen(&vt, &frame, &format!("seed {seed}, frame {step}"));
        }
    }
}

/// A writer whose bytes the test can take out.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes written for `seconds` idle seconds after the first frame.
fn idle_bytes<B: ratatui::backend::Backend>(
    terminal: &mut Terminal<B>,
    out: &Shared,
    seconds: u64,
) -> usize {
    let mut app = App::new(views(&twenty(), NOW), Settings::default(), NOW);
    app.update(
        Msg::Resize {
            width: 100,
            height: 30,
        },
        NOW,
    );
    terminal.clear().ok();
    terminal.draw(|f| f.render_widget(&app, f.area())).ok();
    out.0.borrow_mut().clear();
    let entries = twenty();
    for s in 1..=seconds {
        tick(&mut app, &entries, NOW + s);
        terminal.draw(|f| f.render_widget(&app, f.area())).ok();
    }
    out.0.borrow().len()
}

#[test]
fn idle_seconds_cost_few_bytes() {
    let seconds = 120;
    let out = Shared::default();
    let mut quiet = Terminal::new(QuietBackend::with_size(out.clone(), 100, 30)).unwrap();
    let quiet_bytes = idle_bytes(&mut quiet, &out, seconds);
    // ratatui's crossterm backend, drawing the same frames through the same diff.
    let out = Shared::default();
    let mut plain = Terminal::with_options(
        CrosstermBackend::new(out.clone()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 100, 30)),
        },
    )
    .unwrap();
    let plain_bytes = idle_bytes(&mut plain, &out, seconds);
    let per_second = quiet_bytes as f64 / seconds as f64;
    let plain_per_second = plain_bytes as f64 / seconds as f64;
    eprintln!("idle: quiet {per_second:.0} B/s, crossterm {plain_per_second:.0} B/s");
    // A regression guard, not the goal: 20 synchronised 30 s rows each change their seconds
    // every second, their bar every 5 s, colour and next code at 5 s and code at 0.
    assert!(per_second <= 130.0, "{per_second} B/s");
    assert!(
        quiet_bytes * 3 < plain_bytes * 2,
        "{quiet_bytes} vs {plain_bytes}"
    );
}

#[test]
#[ignore = "prints the bytes of idle frames, for tuning"]
fn dump_idle_frames() {
    let out = Shared::default();
    let mut t = Terminal::new(QuietBackend::with_size(out.clone(), 100, 30)).unwrap();
    t.clear().unwrap();
    let entries = compare_sh_entries();
    let mut app = App::new(views(&entries, NOW), Settings::default(), NOW);
    app.update(
        Msg::Resize {
            width: 100,
            height: 30,
        },
        NOW,
    );
    t.draw(|f| f.render_widget(&app, f.area())).ok();
    for s in 1..=30 {
        out.0.borrow_mut().clear();
        tick(&mut app, &entries, NOW + s);
        t.draw(|f| f.render_widget(&app, f.area())).ok();
        let bytes = out.0.borrow().clone();
        eprintln!("{s}: {} {:?}", bytes.len(), String::from_utf8_lossy(&bytes));
    }
}

/// Twenty 30 s entries at 100x30, as `benches/compare.sh` measures: bytes a second over whole
/// minutes of idling (the phase within the 30 s does not matter then).
fn compare_sh_entries() -> Vec<Entry> {
    (0..20u8)
        .map(|i| {
            Entry::new(
                format!("Issuer{i}"),
                format!("user{i}@example.com"),
                Secret::from_bytes(vec![i.wrapping_mul(37).wrapping_add(5); 20]).unwrap(),
            )
        })
        .collect()
}

fn compare_sh_rate() -> f64 {
    let entries = compare_sh_entries();
    let out = Shared::default();
    let mut terminal = Terminal::new(QuietBackend::with_size(out.clone(), 100, 30)).unwrap();
    terminal.clear().unwrap();
    let start = 1_700_000_013;
    let mut app = App::new(views(&entries, start), Settings::default(), start);
    app.update(
        Msg::Resize {
            width: 100,
            height: 30,
        },
        start,
    );
    terminal.draw(|f| f.render_widget(&app, f.area())).ok();
    out.0.borrow_mut().clear();
    let seconds = 120;
    for s in 1..=seconds {
        tick(&mut app, &entries, start + s);
        terminal.draw(|f| f.render_widget(&app, f.area())).ok();
    }
    let bytes = out.0.borrow().len();
    bytes as f64 / seconds as f64
}

#[test]
fn idle_like_compare_sh_stays_under_the_target() {
    let rate = compare_sh_rate();
    eprintln!("idle, 20 x 30 s at 100x30: {rate:.1} B/s");
    assert!(rate <= 120.0, "{rate} B/s");
}
