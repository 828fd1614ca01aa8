//! Buffer and snapshot tests of the whole screen on `TestBackend`, with frozen time.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::super::app::{App, Msg};
use super::super::theme::Theme;
use super::super::update::tests::{NOW, app};

mod qr;
mod sharing;

fn draw(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    app.update(Msg::Resize { width, height }, app.now);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(&*app, frame.area()))
        .unwrap();
    terminal
}

/// The whole screen drawn at `width` × `height`, as text.
pub(crate) fn draw_text(app: &mut App, width: u16, height: u16) -> String {
    text(draw(app, width, height).backend().buffer())
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
    insta::assert_snapshot!(t.backend());
    // Scrolled through, the help shows every line of the key table.
    let mut seen = String::new();
    for _ in 0..=app.help_max_scroll() {
        seen.push_str(&text(draw(&mut app, 80, 24).backend().buffer()));
        app.update(Msg::Down, NOW);
    }
    for (_, lines) in super::super::keymap::table::help_sections() {
        for line in lines {
            let keys = line.keys.join(" ");
            assert!(seen.contains(&keys), "{keys}\n{seen}");
            assert!(seen.contains(line.text), "{}\n{seen}", line.text);
        }
    }
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

/// A wide terminal keeps the code near the names; long names are cut with "…".
#[test]
fn at_200_columns_the_code_is_within_48_columns_of_the_row_start() {
    let mut app = app();
    let mut long = app.entries[0].clone();
    long.issuer = "Contoso Pharmaceuticals Worldwide".into();
    long.account = "someone.with.a.long.address@research.contoso.example".into();
    let mut entries = app.entries.clone();
    entries.push(long);
    app.set_entries(entries, None);
    let t = draw(&mut app, 200, 50);
    let buffer = t.backend().buffer();
    for needle in ["406 058", "372 551"] {
        let (x, _) = find(buffer, needle);
        assert!(x <= 48, "{needle} at column {x}");
    }
    let (_, y) = find(buffer, "Contoso Pharma");
    let row: String = (0..200).map(|x| buffer[(x, y)].symbol()).collect();
    assert!(row.contains("Contoso Pharmac…"), "{row}");
    assert!(row.contains("someone.with.a.long.addre…"), "{row}");
    let (x, _) = find(buffer, "someone");
    let code_x = x + 26 + 2;
    assert!(code_x <= 48, "{code_x}");
    // Nothing but the code after the cut account.
    let code: String = (code_x..code_x + 7)
        .map(|x| buffer[(x, y)].symbol())
        .collect();
    assert!(
        code.chars().all(|c| c.is_ascii_digit() || c == ' '),
        "{code:?}"
    );
}

/// At 60 columns there is no next-code column: its width goes to the names.
#[test]
fn at_60_columns_the_names_get_the_next_code_width() {
    use super::list::Columns;
    let names = (20, 26);
    let narrow = Columns::new(0, 60, names, 9);
    assert_eq!(narrow.next, None);
    assert!(narrow.issuer.1 + narrow.account.1 > 60 - 2 - 4 - 9 - 1 - 11 - 1 - 11 - 2);
    let wide = Columns::new(0, 100, names, 9);
    assert!(wide.next.is_some());
    assert_eq!((wide.issuer.1, wide.account.1), (16, 26), "capped");
    // Very narrow: the bar gives its cells to the names; the seconds stay.
    let tiny = Columns::new(0, 30, names, 9);
    assert!(!tiny.bar && narrow.bar);
    assert!(tiny.issuer.1 >= 3, "{tiny:?}");
    let mut small = app();
    let t = draw(&mut small, 34, 10);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("Git") && screen.contains("10s"), "{screen}");
    // The sample's names fit whole at 60 columns, with the countdown after them.
    let mut app = app();
    let t = draw(&mut app, 60, 16);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("helga@contoso.com"), "{screen}");
    assert!(!screen.contains('…'), "{screen}");
}

/// A failed row's reason is shown whole, on as many lines as it takes.
#[test]
fn the_import_preview_shows_failure_reasons_whole() {
    use super::super::import_flow::ImportFlow;
    let mut app = app();
    let mut flow = ImportFlow::default();
    let bytes = "otpauth://totp/New:one?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n\
                 otpauth://totp/Bad:two?secret=JBSWY3DPEHPK3PXP&algorithm=MD5&digits=6\n\
                 otpauth://totp/Bad:three?secret=JBSW0Y3DPEHPK3PXP\n";
    let super::super::import_flow::Decoded::Items { format, items } =
        super::super::import_flow::decode(
            "x.txt",
            zeroize::Zeroizing::new(bytes.as_bytes().to_vec()),
            None,
        )
    else {
        panic!("not decoded")
    };
    flow.read(super::super::import_flow::Read::Preview {
        path: "x.txt".into(),
        format,
        rows: super::super::import_flow::rows(crate::engine::import::plan(
            &super::super::update::tests::sample_entries(),
            items,
        )),
    });
    let super::super::import_flow::Stage::Preview { rows, .. } = &flow.stage else {
        panic!("{:?}", flow.stage)
    };
    let reasons: Vec<String> = rows
        .iter()
        .filter_map(|r| match &r.state {
            super::super::import_flow::RowState::Failed(reason) => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{rows:?}");
    app.mode = super::super::app::Mode::Import(Box::new(flow));
    let t = draw(&mut app, 80, 24);
    let screen = text(t.backend().buffer());
    // The reasons' words, in order, with the dialog's frame and line breaks taken out.
    let words: Vec<&str> = screen
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    for reason in &reasons {
        let want: Vec<&str> = reason.split_whitespace().collect();
        assert!(joined.contains(&want.join(" ")), "{reason}\n{screen}");
    }
}

/// Pasting a URI into the add form shows, in the fields, the entry that will be saved.
#[test]
fn the_add_form_shows_what_a_pasted_uri_holds() {
    let mut app = app();
    app.update(Msg::Add, NOW);
    app.update(
        Msg::Text(super::super::text::Edit::Paste(
            "otpauth://totp/ACME:carol?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8&period=60"
                .into(),
        )),
        NOW,
    );
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    let screen = text(buffer);
    for needle in ["ACME", "carol", "◀ SHA512 ▶", "◀ totp ▶"] {
        assert!(screen.contains(needle), "{needle}\n{screen}");
    }
    let (x, y) = find(buffer, "carol");
    assert!(
        !buffer[(x, y)]
            .modifier
            .contains(ratatui::style::Modifier::DIM),
        "shown as what will be saved, not dimmed"
    );
    let row = |label: &str| {
        let (_, y) = find(buffer, label);
        (0..80).map(|x| buffer[(x, y)].symbol()).collect::<String>()
    };
    assert!(row("Digits").contains(" 8 "), "{}", row("Digits"));
    assert!(row("Period (s)").contains(" 60 "), "{}", row("Period (s)"));
    let secret = row("Secret");
    assert!(
        !secret.contains("JBSW") && secret.contains('•'),
        "masked: {secret}"
    );
}

/// A clock the kernel calls unsynchronised is warned about in the title line.
#[test]
fn an_unsynchronised_clock_is_warned_about_in_the_title() {
    use crate::engine::clock::ClockHealth;
    let mut app = app();
    app.update(
        Msg::Clock(ClockHealth::Unsynced {
            max_error_s: Some(16),
        }),
        NOW,
    );
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    let (x, y) = find(buffer, "⚠ clock not synchronised");
    assert_eq!(y, 0);
    assert!(x > 20, "beside the title");
    assert!(text(buffer).lines().next().unwrap().contains("6 entries"));
    // Narrow: the warning takes the whole title line.
    let t = draw(&mut app, 50, 16);
    let (x, _) = find(t.backend().buffer(), "⚠ clock not synchronised");
    assert_eq!(x, 1);
    // Synchronised again: gone.
    app.update(Msg::Clock(ClockHealth::Synced), NOW);
    let t = draw(&mut app, 80, 24);
    assert!(!text(t.backend().buffer()).contains("clock not"));
}

/// 9- and 10-digit codes widen the code column: shown whole, with their next code.
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
    let both = vec![ten.clone(), nine.clone()];
    let mut app = App::new(
        super::super::update::tests::views(&both, NOW + 6),
        Default::default(),
        NOW + 6,
    );
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
