//! Reading the screen: the layout on a wide terminal, the QR code as the terminal shows it, and
//! the clock warning.

use super::{HEIGHT, Screen, WIDTH};
use crate::common::*;

/// On a 200×50 terminal the code stays near the names, and a long account is cut with "…".
#[test]
fn at_200x50_the_code_is_near_the_names_and_long_names_are_cut() {
    let tv = TestVault::new();
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    tv.add(
        "Contoso",
        "someone.with.a.very.long.address@research.contoso.example",
        MS_SECRET,
    );
    let mut screen = Screen::open_sized(&tv, true, (200, 50), &[]);
    let names = ["me@example.com", "someone.with"];
    // The whole frame, both codes drawn (a busy machine delivers it in pieces).
    screen.wait("both rows with their codes", |s| {
        let text = s.text();
        names.iter().all(|name| {
            text.lines()
                .find(|l| l.contains(name))
                .and_then(code_column)
                .is_some()
        })
    });
    let text = screen.text();
    for name in names {
        let line = text.lines().find(|l| l.contains(name)).unwrap();
        let at = code_column(line).unwrap();
        assert!(at <= 48, "code at column {at}: {line:?}");
    }
    assert!(text.contains("someone.with.a.very.long.…  "), "{text}");
    screen.quit();
}

/// The column where the row's code starts: the first "ddd ddd" group.
fn code_column(line: &str) -> Option<usize> {
    let chars: Vec<char> = line.chars().collect();
    (0..chars.len().saturating_sub(7)).find(|&i| {
        chars[i..i + 7].iter().enumerate().all(|(k, c)| {
            if k == 3 {
                *c == ' '
            } else {
                c.is_ascii_digit()
            }
        })
    })
}

/// What a QR scanner finds in the terminal's cells, drawn as a light theme shows them (dark
/// text on a light background): each cell two pixels high, scaled up.
fn decode_screen(vt: &vt100::Screen) -> Vec<String> {
    let (rows, cols) = vt.size();
    let shade = |c: vt100::Color, default: u8| match c {
        vt100::Color::Default => default,
        vt100::Color::Idx(0) => 0,
        vt100::Color::Idx(7 | 15) => 255,
        vt100::Color::Rgb(r, g, b) => {
            u8::try_from((u32::from(r) + u32::from(g) + u32::from(b)) / 3).unwrap()
        }
        vt100::Color::Idx(_) => default,
    };
    let scale = 4u32;
    let img = image::GrayImage::from_fn(
        u32::from(cols.get()) * scale,
        u32::from(rows.get()) * 2 * scale,
        |px, py| {
            let (x, y) = (px / scale, py / scale);
            let cell = vt
                .cell(u16::try_from(y / 2).unwrap(), u16::try_from(x).unwrap())
                .unwrap();
            // A light theme: dark text on a light background.
            let (mut fg, mut bg) = (shade(cell.fgcolor(), 0), shade(cell.bgcolor(), 255));
            if cell.inverse() {
                std::mem::swap(&mut fg, &mut bg);
            }
            let top = y % 2 == 0;
            let lit = match cell.contents() {
                "█" => true,
                "▀" => top,
                "▄" => !top,
                _ => false,
            };
            image::Luma([if lit { fg } else { bg }])
        },
    );
    let (w, h) = img.dimensions();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        usize::try_from(w).unwrap(),
        usize::try_from(h).unwrap(),
        |x, y| {
            img.get_pixel(u32::try_from(x).unwrap(), u32::try_from(y).unwrap())
                .0[0]
        },
    );
    let found: Vec<String> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect();
    found
}

/// The QR code as the terminal shows it (vt100's cells, with `NO_COLOR` set) decodes when
/// rendered dark-on-light, as on a light theme.
#[test]
fn no_color_qr_decodes_dark_on_light() {
    let tv = TestVault::new();
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    let mut screen = Screen::open_sized(&tv, false, (100, 30), &[("NO_COLOR", "1")]);
    screen.wait_text("1 entry");
    screen.send("Q");
    screen.wait_text("is on screen");
    // Decoded once the whole frame has arrived (a busy machine delivers it in pieces).
    screen.wait("a QR code that decodes", |s| {
        decode_screen(s.parser.screen()).len() == 1
    });
    let found = decode_screen(screen.parser.screen());
    assert_eq!(found.len(), 1, "{}", screen.text());
    assert!(
        found[0].starts_with("otpauth://totp/GitHub:me@example.com?"),
        "{found:?}"
    );
    assert!(
        found[0].contains(&format!("secret={RFC_SECRET_B32}")),
        "{found:?}"
    );
    screen.send("x");
    screen.quit();
}

/// When the kernel says the clock is not synchronised, the screen says codes may be wrong.
#[test]
fn an_unsynchronised_clock_is_warned_about_on_screen() {
    let tv = TestVault::new();
    tv.add("GitHub", "me@example.com", RFC_SECRET_B32);
    let mut screen = Screen::open_sized(
        &tv,
        false,
        (WIDTH, HEIGHT),
        &[("KEYFOB_TEST_CLOCK_SYNC", "unsynced")],
    );
    screen.wait_text("clock not synchronised: codes may be wrong");
    screen.quit();
}
