//! The QR screen: it fits, warns, says what to do when it does not fit, and decodes — rendered
//! to an image as light and dark terminal themes would show it — with colours and without.

use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::super::super::app::Msg;
use super::super::super::theme::Theme;
use super::super::super::update::tests::{NOW, app, id, revealed};
use super::{draw, text};

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
        let show = matches!(mode, Msg::ShowQr);
        app.update(mode, NOW + 6);
        if show {
            app.update(Msg::Revealed(Ok(revealed(id(1)))), NOW + 6);
        }
        let qr = matches!(app.mode, super::super::super::app::Mode::Qr(_));
        let t = draw(&mut app, 80, 24);
        let buffer = t.backend().buffer();
        for cell in buffer.content() {
            // The QR code is an image: black on white in every theme (its own test decodes it).
            let image = qr && (cell.fg, cell.bg) == (Color::Black, Color::White);
            assert!(image || (cell.fg, cell.bg) == (Color::Reset, Color::Reset));
        }
    }
}

/// The screen as a terminal with `theme` (its default foreground, background) would show it:
/// one grey pixel a half cell, so each QR module is one pixel, scaled up by `scale`.
fn picture(buffer: &Buffer, theme: (u8, u8), scale: u32) -> image::GrayImage {
    let shade = |c: Color, default: u8| match c {
        Color::Reset => default,
        Color::Black => 0,
        Color::White => 255,
        // Text colours (the warning line) do not matter to a scanner.
        _ => default,
    };
    let (w, h) = (
        u32::from(buffer.area.width),
        u32::from(buffer.area.height) * 2,
    );
    image::GrayImage::from_fn(w * scale, h * scale, |px, py| {
        let (x, y) = (px / scale, py / scale);
        let cell = &buffer[(u16::try_from(x).unwrap(), u16::try_from(y / 2).unwrap())];
        let (fg, bg) = (shade(cell.fg, theme.0), shade(cell.bg, theme.1));
        let top = y % 2 == 0;
        let lit = match cell.symbol() {
            "█" => true,
            "▀" => top,
            "▄" => !top,
            _ => false,
        };
        image::Luma([if lit { fg } else { bg }])
    })
}

fn decode(img: image::GrayImage) -> Vec<String> {
    let (w, h) = img.dimensions();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        usize::try_from(w).unwrap(),
        usize::try_from(h).unwrap(),
        |x, y| {
            img.get_pixel(u32::try_from(x).unwrap(), u32::try_from(y).unwrap())
                .0[0]
        },
    );
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// The QR screen scans on a light theme and on a dark one, with colours and with NO_COLOR.
#[test]
fn the_qr_code_decodes_on_light_and_dark_themes_with_and_without_colour() {
    let light = (0, 255); // dark text on a light background
    let dark = (255, 0);
    for color in [true, false] {
        let mut app = app();
        app.settings.theme = Theme { color };
        app.update(Msg::ShowQr, NOW);
        app.update(Msg::Revealed(Ok(revealed(id(1)))), NOW);
        let t = draw(&mut app, 80, 24);
        let want = revealed(id(1)).uri.to_string();
        for (name, theme) in [("light", light), ("dark", dark)] {
            let found = decode(picture(t.backend().buffer(), theme, 4));
            assert_eq!(
                found,
                std::slice::from_ref(&want),
                "colour {color}, {name} theme"
            );
        }
    }
}

#[test]
fn qr_fits_80x24_and_warns() {
    let mut app = app();
    app.update(Msg::ShowQr, NOW);
    app.update(Msg::Revealed(Ok(revealed(id(1)))), NOW);
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
    // At 80 columns the message, the sizes and the whole command fit.
    let t = draw(&mut app, 80, 12);
    let screen = text(t.backend().buffer());
    assert!(
        screen.contains("it needs 45×24, this is 80×12."),
        "{screen}"
    );
    assert!(
        screen.contains("keyfob export --format qr --plaintext --select 'GitHub:me@example.com'"),
        "{screen}"
    );
}
