//! Buffer and snapshot tests of the whole screen on `TestBackend`, with frozen time.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::super::app::{App, Msg};
use super::super::theme::Theme;
use super::super::update::tests::{NOW, app};

fn draw(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    app.update(Msg::Resize { width, height }, app.now);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(&*app, frame.area()))
        .unwrap();
    terminal
}

fn text(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The row on which `needle` appears and its column.
fn find(buffer: &Buffer, needle: &str) -> (u16, u16) {
    let text = text(buffer);
    for (y, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return (u16::try_from(x).unwrap(), u16::try_from(y).unwrap());
        }
    }
    panic!("'{needle}' not on screen:\n{text}")
}

#[test]
fn list_80x24() {
    let mut app = app();
    let t = draw(&mut app, 80, 24);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn list_120x40() {
    let mut app = app();
    app.update(Msg::Down, NOW);
    app.update(Msg::Down, NOW);
    app.update(Msg::Down, NOW);
    let t = draw(&mut app, 120, 40);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn microsoft_sample_code_is_on_screen_grouped() {
    let mut app = app();
    let t = draw(&mut app, 80, 24);
    find(t.backend().buffer(), "372 551");
}

/// The bar's cells before `seconds` (e.g. "  10s"): their symbols and backgrounds.
fn bar_at(buffer: &Buffer, seconds: &str) -> (String, Vec<Color>) {
    let (x, y) = find(buffer, seconds);
    let bar = super::list::BAR;
    let cells: Vec<_> = (x - bar..x).map(|x| &buffer[(x, y)]).collect();
    (
        cells.iter().map(|c| c.symbol()).collect(),
        cells.iter().map(|c| c.bg).collect(),
    )
}

#[test]
fn countdown_turns_red_in_the_last_five_seconds_with_the_next_code() {
    use Color::{DarkGray as T, Green as G, Red as R};
    // At NOW the 30 s entries have 10 s left: green, no next code.
    let mut app = app();
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    let (symbols, bg) = bar_at(buffer, "  10s");
    assert_eq!(symbols, " ".repeat(6), "blank cells on colours");
    assert_eq!(bg, [G, G, T, T, T, T]);
    let (x, y) = find(buffer, "  10s");
    assert_eq!(buffer[(x + 3, y)].bg, Color::Reset, "the seconds are plain");
    assert!(!text(buffer).contains('→'));
    // Six seconds later: 4 s left, red, and the next code beside it.
    app.update(Msg::Tick, NOW + 6);
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    let (_, bg) = bar_at(buffer, "   4s");
    assert_eq!(bg, [R, T, T, T, T, T]);
    let (_, y) = find(buffer, "   4s");
    let row: String = (0..80).map(|x| buffer[(x, y)].symbol()).collect();
    assert!(row.contains('→'), "{row}");
    // The 60 s entry (Google) still has 34 s: green, its own period.
    let (_, bg) = bar_at(buffer, "  34s");
    assert_eq!(bg, [G, G, G, G, T, T]);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn without_colour_the_bar_is_glyphs() {
    let mut app = app();
    app.settings.theme = Theme { color: false };
    let t = draw(&mut app, 80, 24);
    find(t.backend().buffer(), "██░░░░  10s");
    app.update(Msg::Tick, NOW + 6);
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    let (x, y) = find(buffer, "█░░░░░   4s");
    assert!(
        buffer[(x, y)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    );
}

#[test]
fn no_color_draws_no_colour() {
    let mut app = app();
    app.settings.theme = Theme { color: false };
    app.update(Msg::Tick, NOW + 6);
    for mode in [
        Msg::Tick,
        Msg::Add,
        Msg::Escape,
        Msg::Help,
        Msg::Escape,
        Msg::ShowQr,
    ] {
        app.update(mode, NOW + 6);
        let t = draw(&mut app, 80, 24);
        let buffer = t.backend().buffer();
        for cell in buffer.content() {
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
        }
    }
}

#[test]
fn detail_shows_hardware_token_metadata() {
    let mut app = app();
    for _ in 0..3 {
        app.update(Msg::Down, NOW);
    }
    let t = draw(&mut app, 80, 24);
    let screen = text(t.backend().buffer());
    for needle in [
        "serial 1234567",
        "model OTP c200",
        "manufacturer Token2",
        "upn helga@contoso.com",
    ] {
        assert!(screen.contains(needle), "{needle}\n{screen}");
    }
}

#[test]
fn hotp_rows_show_the_counter_not_a_bar() {
    let mut app = app();
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    let (_, y) = find(buffer, "Bank");
    let row: String = (0..80).map(|x| buffer[(x, y)].symbol()).collect();
    assert!(row.contains("counter 5"), "{row}");
    assert!(!row.contains('█'), "{row}");
    // A big counter is shown whole: it may use the next-code column.
    for entry in &mut app.entries {
        if entry.issuer == "Bank" {
            entry.counter = 123_456_789;
        }
    }
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    let row: String = (0..80).map(|x| buffer[(x, y)].symbol()).collect();
    assert!(row.contains("counter 123456789"), "{row}");
}

#[test]
fn form_shows_the_bad_character_then_the_code() {
    let mut app = app();
    app.update(Msg::Add, NOW);
    for msg in [Msg::NextField, Msg::NextField, Msg::NextField] {
        app.update(msg, NOW);
    }
    app.update(
        Msg::Text(super::super::text::Edit::Paste(
            "2234567abcdef2234567abcde0".into(),
        )),
        NOW,
    );
    let t = draw(&mut app, 80, 24);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("'0' at position 26"), "{screen}");
    assert!(
        !screen.contains("2234567"),
        "the secret is masked:\n{screen}"
    );
    insta::assert_snapshot!("form_invalid", t.backend());
    app.update(Msg::Text(super::super::text::Edit::Backspace), NOW);
    app.update(Msg::Text(super::super::text::Edit::Insert('f')), NOW);
    app.update(Msg::PrevField, NOW);
    app.update(
        Msg::Text(super::super::text::Edit::Paste("helga".into())),
        NOW,
    );
    let t = draw(&mut app, 80, 24);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("gives 372 551 now"), "{screen}");
    insta::assert_snapshot!("form_ready", t.backend());
}

#[test]
fn help_lists_every_key() {
    let mut app = app();
    app.update(Msg::Help, NOW);
    let t = draw(&mut app, 80, 24);
    let screen = text(t.backend().buffer());
    for (keys, _) in super::super::keymap::HELP {
        assert!(screen.contains(keys.trim()), "{keys}\n{screen}");
    }
    insta::assert_snapshot!(t.backend());
}

#[test]
fn qr_fits_80x24_and_warns() {
    let mut app = app();
    app.update(Msg::ShowQr, NOW);
    let t = draw(&mut app, 80, 24);
    let screen = text(t.backend().buffer());
    assert!(
        screen.contains("secret of 'GitHub:me@example.com' is on screen"),
        "{screen}"
    );
    assert!(screen.contains('▀') && screen.contains('▄'), "{screen}");
    assert!(!screen.contains("too small"), "{screen}");
    let t = draw(&mut app, 40, 12);
    assert!(text(t.backend().buffer()).contains("too small"));
}

#[test]
fn delete_question_names_the_entry() {
    let mut app = app();
    app.update(Msg::Delete, NOW);
    let t = draw(&mut app, 80, 24);
    assert!(text(t.backend().buffer()).contains("Delete 'GitHub:me@example.com'?"));
}

#[test]
fn locked_screen_shows_no_code() {
    let mut app = app();
    app.update(Msg::LockNow, NOW);
    let t = draw(&mut app, 80, 24);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("keyfob is locked"), "{screen}");
    assert!(
        !screen.contains("372") && !screen.contains("GitHub"),
        "{screen}"
    );
}

#[test]
fn tiny_and_odd_sizes_do_not_panic() {
    let mut app = app();
    for (w, h) in [(1, 1), (10, 3), (20, 6), (79, 23), (200, 60)] {
        for msg in [
            Msg::Tick,
            Msg::Add,
            Msg::Escape,
            Msg::Help,
            Msg::Escape,
            Msg::ShowQr,
            Msg::Escape,
            Msg::Import,
        ] {
            app.update(msg, NOW);
            draw(&mut app, w, h);
        }
        app.update(Msg::Escape, NOW);
    }
}

#[test]
fn nine_and_ten_digit_codes_are_shown_whole_with_their_next_code() {
    use crate::engine::entry::Entry;
    use crate::engine::secret::Secret;
    let secret = |b32| Secret::parse_base32(b32).unwrap();
    let mut ten = Entry::new("Ten", "digits", secret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    ten.digits = 10;
    // Another secret: one secret's 9-digit code is the end of its 10-digit code.
    let mut nine = Entry::new("Nine", "digits", secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"));
    nine.digits = 9;
    let mut app = App::new(vec![ten.clone(), nine.clone()], Default::default(), NOW + 6);
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    for entry in [&ten, &nine] {
        let code = entry.code(NOW + 6).unwrap().grouped();
        let next = entry.code(NOW + 10).unwrap().grouped();
        assert_eq!(code.len(), usize::from(entry.digits) + 1);
        let (x, y) = find(buffer, &code);
        let (next_x, next_y) = find(buffer, &format!("→ {next}"));
        assert_eq!(next_y, y, "the next code is on the same row");
        assert!(next_x > x);
    }
}
