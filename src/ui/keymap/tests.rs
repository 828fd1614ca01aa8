//! The key table against dispatch, the state machine, the help and README.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use zeroize::Zeroizing;

use super::super::app::{App, Effect, Mode, Msg};
use super::super::hidden::Hidden;
use super::super::import_flow::{ImportFlow, Stage};
use super::super::text::TextInput;
use super::super::update::tests::{NOW, app};
use super::table::{self, KEYS, Key, Scope};
use super::{map, scope_of};
use crate::prompt::Question;

/// An app doing what `scope` is about.
fn app_in(scope: Scope) -> App {
    let mut app = app();
    match scope {
        Scope::Anywhere | Scope::List => {}
        Scope::Filter => {
            app.update(Msg::StartFilter, NOW);
        }
        Scope::Form | Scope::Text => {
            app.update(Msg::Add, NOW);
        }
        Scope::Locked => {
            app.update(Msg::LockNow, NOW);
        }
        Scope::ImportPath => {
            app.update(Msg::Import, NOW);
        }
        Scope::ImportPassword => {
            app.mode = Mode::Import(Box::new(ImportFlow {
                stage: Stage::Password {
                    path: "x.json".into(),
                    format: "aegis",
                    bytes: Hidden(Zeroizing::new(Vec::new())),
                    input: TextInput::default(),
                    error: None,
                },
            }));
        }
        Scope::Preview => {
            let mut flow = ImportFlow::default();
            let bytes = b"otpauth://totp/New:one?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n";
            let super::super::import_flow::Decoded::Items { format, items } =
                super::super::import_flow::decode("x.txt", Zeroizing::new(bytes.to_vec()), None)
            else {
                panic!("not decoded")
            };
            flow.read(super::super::import_flow::Read::Preview {
                path: "x.txt".into(),
                format,
                rows: super::super::import_flow::rows(crate::engine::import::plan(&[], items)),
            });
            app.mode = Mode::Import(Box::new(flow));
        }
        Scope::Confirm => {
            app.update(Msg::Delete, NOW);
        }
        Scope::Help => {
            app.update(Msg::Help, NOW);
        }
        Scope::Qr => {
            app.update(Msg::ShowQr, NOW);
            app.update(
                Msg::Revealed(Ok(crate::ui::update::tests::revealed(
                    crate::ui::update::tests::id(1),
                ))),
                NOW,
            );
        }
        Scope::Reauth => {
            app.agent = true;
            app.update(Msg::ShowQr, NOW);
        }
        Scope::Answer => app.asked(Question::Secret("PIN for the key:".into())),
        Scope::YesNo => app.asked(Question::Confirm {
            question: "Use the key?".into(),
            yes: "yes".into(),
            no: None,
        }),
    }
    let expected = match scope {
        Scope::Anywhere => Scope::List,
        Scope::Text => Scope::Form,
        other => other,
    };
    assert_eq!(scope_of(&app), expected);
    app
}

/// Concrete key events for a table key.
fn events(key: Key) -> Vec<(KeyEvent, char)> {
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    match key {
        Key::Plain(code) => {
            let typed = if let KeyCode::Char(ch) = code {
                ch
            } else {
                '\0'
            };
            vec![(plain(code), typed)]
        }
        Key::Ctrl(ch) => vec![(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::CONTROL), ch)],
        Key::Typed => vec![
            (plain(KeyCode::Char('x')), 'x'),
            (plain(KeyCode::Char('q')), 'q'),
        ],
        Key::Other => vec![
            (plain(KeyCode::Char('x')), 'x'),
            (plain(KeyCode::F(5)), '\0'),
        ],
    }
}

#[test]
fn every_listed_key_sends_the_message_the_table_says() {
    let mut checked = 0;
    for binding in KEYS {
        let scopes: Vec<Scope> = match binding.scope {
            Scope::Anywhere => vec![Scope::List, Scope::Filter, Scope::Form, Scope::Help],
            Scope::Text => vec![
                Scope::Filter,
                Scope::Form,
                Scope::Locked,
                Scope::ImportPath,
                Scope::Answer,
            ],
            other => vec![other],
        };
        for scope in scopes {
            for key in binding.keys {
                for (event, typed) in events(*key) {
                    let app = app_in(scope);
                    let got = map(&app, event).map(|m| format!("{m:?}"));
                    let want = format!("{:?}", binding.action.msg(typed));
                    assert_eq!(
                        got.as_deref(),
                        Some(want.as_str()),
                        "{:?} in {scope:?} ('{}')",
                        key,
                        binding.help
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 80, "{checked}");
}

/// Presses one key in the list and says whether it did what its message promises.
fn list_key_does_it(msg: &Msg, event: KeyEvent) {
    let mut app = app_in(Scope::List);
    app.update(
        Msg::Resize {
            width: 80,
            height: 9,
        },
        NOW,
    );
    // Start in the middle, on the HOTP entry, with a kept filter that matches everything.
    app.update(Msg::Down, NOW);
    app.update(Msg::Down, NOW);
    app.filter.set(" ");
    let before = app.selected;
    let mapped = map(&app, event).unwrap();
    let fx = app.update(mapped, NOW);
    let name = |app: &App| app.selected_entry().map(|e| e.name()).unwrap_or_default();
    match msg {
        Msg::Down => assert_eq!(app.selected, before + 1),
        Msg::Up => assert_eq!(app.selected, before - 1),
        Msg::Top => assert_eq!(app.selected, 0),
        Msg::Bottom => assert_eq!(app.selected, app.visible.len() - 1),
        Msg::PageDown => assert_eq!(app.selected, app.visible.len() - 1),
        Msg::PageUp => assert_eq!(app.selected, 0),
        Msg::Copy => assert!(matches!(fx.as_slice(), [Effect::Copy(_)]), "{fx:?}"),
        Msg::StartFilter => assert!(matches!(app.mode, Mode::Filter)),
        Msg::Add | Msg::EditEntry => {
            let Mode::Form(form) = &app.mode else {
                panic!("{:?}", app.mode)
            };
            assert_eq!(form.is_edit(), matches!(msg, Msg::EditEntry));
        }
        Msg::Delete => assert!(matches!(app.mode, Mode::ConfirmDelete(_))),
        Msg::NextCode => {
            assert_eq!(name(&app), "Bank:bob");
            assert!(matches!(fx.as_slice(), [Effect::Save(_)]), "{fx:?}");
        }
        Msg::ShowQr => assert!(
            matches!(fx.as_slice(), [Effect::Reveal { typed: None, .. }]),
            "{fx:?}"
        ),
        Msg::Import => assert!(matches!(app.mode, Mode::Import(_))),
        Msg::LockNow => assert!(app.is_locked()),
        Msg::Help => assert!(matches!(app.mode, Mode::Help { scroll: 0 })),
        Msg::Quit => assert!(matches!(fx.as_slice(), [Effect::Quit]), "{fx:?}"),
        Msg::Escape => assert!(app.filter.is_empty(), "Esc clears a kept filter"),
        other => panic!("no expectation for {other:?}: add one here"),
    }
}

#[test]
fn every_list_key_does_what_the_table_says() {
    for binding in table::scope(Scope::List).chain(table::scope(Scope::Anywhere)) {
        let msg = binding.action.msg('\0');
        for key in binding.keys {
            for (event, _) in events(*key) {
                list_key_does_it(&msg, event);
            }
        }
    }
}

#[test]
fn ctrl_u_and_ctrl_d_page_and_are_in_the_help() {
    let text: String = table::help_sections()
        .iter()
        .flat_map(|(_, lines)| lines.iter().map(|l| l.keys.join(" ")))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("Ctrl-U") && text.contains("Ctrl-D"), "{text}");
}

#[test]
fn the_help_and_the_list_hints_fit_80_columns() {
    use unicode_width::UnicodeWidthStr;
    for (_, lines) in table::help_sections() {
        for line in lines {
            let keys = line.keys.join(" ");
            assert!(
                keys.width() <= super::super::view::HELP_KEYS_WIDTH,
                "{keys}"
            );
            let width = 2 + super::super::view::HELP_KEYS_WIDTH + 1 + line.text.width();
            assert!(width <= 78, "{width}: {keys} {}", line.text);
        }
    }
    for scope in [Scope::List, Scope::Filter, Scope::Form, Scope::Preview] {
        let bar: String = table::hints(scope)
            .iter()
            .map(|(k, w)| format!(" {k} {w} "))
            .collect();
        assert!(bar.width() <= 80, "{scope:?}: {bar}");
    }
}

#[test]
fn readme_lists_exactly_the_table_keys() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- keys:start -->\n", "<!-- keys:end -->");
    let from = readme.find(start).expect("README marks its key table") + start.len();
    let to = readme[from..].find(end).expect("README ends its key table") + from;
    let want = table::markdown();
    assert!(
        readme[from..to] == want,
        "README's key table differs from the key table (src/ui/keymap/table.rs); put this \
         between the markers:\n{want}"
    );
}
