//! A plugin's questions on the screen: keys in, answers out, and never an unanswered one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::app::{Effect, Mode, Msg};
use super::super::keymap;
use super::super::update::tests::{NOW, app};
use crate::prompt::{Answer, Question};

fn press(app: &mut super::super::app::App, keys: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        if let Some(msg) = keymap::map(app, KeyEvent::new(code, KeyModifiers::NONE)) {
            fx.extend(app.update(msg, NOW));
        }
    }
    fx
}

fn answers(fx: &[Effect]) -> Vec<&Answer> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Answer(a) => Some(a),
            _ => None,
        })
        .collect()
}

#[test]
fn a_pin_is_typed_masked_and_answered_with_enter() {
    let mut app = app();
    app.update(Msg::Asked(Question::Secret("PIN:".into())), NOW);
    assert!(matches!(app.mode, Mode::Asking(_)));
    // Typing "q" is text here, not quit.
    let fx = press(&mut app, "12q4");
    assert!(fx.is_empty());
    let fx = press(&mut app, "\n");
    assert_eq!(answers(&fx), [&Answer::Text("12q4".to_string().into())]);
    assert!(matches!(app.mode, Mode::List));
    assert!(!format!("{app:?}").contains("12q4"));
}

#[test]
fn esc_cancels_and_confirm_takes_y_or_anything_else() {
    let mut app = app();
    app.update(Msg::Asked(Question::Public("Which slot?".into())), NOW);
    let fx = press(&mut app, "2\x1b");
    assert_eq!(answers(&fx), [&Answer::Cancelled]);
    let confirm = || Question::Confirm {
        question: "Use the key in slot 1?".into(),
        yes: "Use it".into(),
        no: Some("Skip".into()),
    };
    app.update(Msg::Asked(confirm()), NOW);
    assert_eq!(answers(&press(&mut app, "y")), [&Answer::Yes]);
    app.update(Msg::Asked(confirm()), NOW);
    assert_eq!(answers(&press(&mut app, "n")), [&Answer::No]);
    assert!(matches!(app.mode, Mode::List));
}

#[test]
fn messages_go_to_the_status_line_without_taking_the_keyboard() {
    let mut app = app();
    app.update(Msg::Asked(Question::Message("touch your key".into())), NOW);
    assert!(matches!(app.mode, Mode::List));
    assert_eq!(app.status.as_ref().unwrap().text, "touch your key");
}

#[test]
fn the_idle_lock_cancels_an_open_question() {
    let mut app = app();
    app.update(Msg::Asked(Question::Secret("PIN:".into())), NOW);
    let later = NOW + 60 * app.settings.idle_lock_minutes;
    let fx = app.update(Msg::Tick, later);
    assert_eq!(answers(&fx), [&Answer::Cancelled]);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Lock { agent: false }))
    );
    assert!(matches!(app.mode, Mode::Locked(_)));
}

#[test]
fn a_question_while_unlocking_returns_to_the_lock_screen() {
    let mut app = app();
    app.update(Msg::LockNow, NOW);
    press(&mut app, "\n");
    app.update(Msg::Asked(Question::Secret("PIN:".into())), NOW);
    assert!(app.is_locked());
    let fx = press(&mut app, "1234\n");
    assert_eq!(answers(&fx).len(), 1);
    match &app.mode {
        Mode::Locked(lock) => assert!(lock.busy),
        other => panic!("{other:?}"),
    }
}

/// Draws the whole screen into an 80×24 buffer and returns its text.
fn drawn(app: &super::super::app::App) -> String {
    use ratatui::widgets::Widget;
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    app.render(area, &mut buf);
    (0..24)
        .map(|y| {
            (0..80)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_dialog_shows_the_question_and_masks_the_pin() {
    let mut app = app();
    app.update(
        Msg::Asked(Question::Secret("PIN for the keyfobtest key:".into())),
        NOW,
    );
    press(&mut app, "1234");
    let text = drawn(&app);
    assert!(text.contains("your hardware key asks"), "{text}");
    assert!(text.contains("PIN for the keyfobtest key:"), "{text}");
    assert!(text.contains("••••") && !text.contains("1234"), "{text}");
    assert!(text.contains("GitHub"), "{text}");
    // Over the lock screen too, where no entry shows.
    press(&mut app, "\x1b");
    app.update(Msg::LockNow, NOW);
    app.update(Msg::Asked(Question::Secret("PIN:".into())), NOW);
    let text = drawn(&app);
    assert!(text.contains("PIN:") && !text.contains("GitHub"), "{text}");
}
