//! State tests: keys in, state and effects out, with frozen time.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::app::{App, Copied, Effect, Mode, Msg, Saved, Settings};
use super::super::keymap;
use crate::clipboard::{Cleared, Route};
use crate::engine::entry::{Entry, EntryId};
use crate::engine::ops::{Op, Patch};
use crate::engine::secret::Secret;
use crate::engine::view::EntryView;

/// 2023-11-14 22:13:20 UTC; `oathtool --totp -b 2234567ABCDEF2234567ABCDEF -N @1700000000`
/// prints 372551.
pub const NOW: u64 = 1_700_000_000;

pub fn sample_entries() -> Vec<Entry> {
    let s = |b32| Secret::parse_base32(b32).unwrap();
    let mut token = Entry::new(
        "Contoso",
        "helga@contoso.com",
        s("2234567abcdef2234567abcdef"),
    );
    token.serial = Some("1234567".into());
    token.model = Some("OTP c200".into());
    token.manufacturer = Some("Token2".into());
    token.upn = Some("helga@contoso.com".into());
    let mut google = Entry::new(
        "Google",
        "alice@gmail.com",
        s("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
    );
    google.period = 60;
    let mut fast = Entry::new("Fast", "twenty", s("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    fast.period = 20;
    let mut entries = vec![
        Entry::new(
            "GitHub",
            "me@example.com",
            s("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        ),
        google,
        Entry::new("Bank", "bob", s("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")).with_hotp(5),
        token,
        Entry::new("Steam", "gabe", s("JRZCL47CMXVOQMNPZR2F7J4RGI")).with_steam(),
        fast,
    ];
    // As an opened vault gives them: every entry has an id.
    for (n, entry) in (1..).zip(&mut entries) {
        entry.id = Some(id(n));
    }
    entries
}

pub fn id(n: u128) -> EntryId {
    EntryId::from(uuid::Uuid::from_u128(n))
}

/// The views of `entries` at `at` (what the vault thread or the agent hands the screen).
pub fn views(entries: &[Entry], at: u64) -> Vec<EntryView> {
    entries
        .iter()
        .map(|e| EntryView::of(e, at).unwrap())
        .collect()
}

/// A tick as the event loop and the vault thread answer it: fresh views when the state asks.
pub fn tick(app: &mut App, entries: &[Entry], at: u64) -> Vec<Effect> {
    let mut fx = app.update(Msg::Tick, at);
    if fx.iter().any(|e| matches!(e, Effect::Views)) {
        app.update(Msg::Views(Ok(views(entries, at))), at);
    }
    fx.retain(|e| !matches!(e, Effect::Views));
    fx
}

pub fn sample_views() -> Vec<EntryView> {
    views(&sample_entries(), NOW)
}

pub fn app() -> App {
    App::new(sample_views(), Settings::default(), NOW)
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Feeds keys through the keymap; returns every effect.
fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        if let Some(msg) = keymap::map(app, key(code)) {
            fx.extend(app.update(msg, NOW));
        }
    }
    fx
}

fn selected(app: &App) -> String {
    app.selected_entry()
        .map(EntryView::name)
        .unwrap_or_default()
}

#[test]
fn filter_narrows_enter_keeps_esc_clears() {
    let mut app = app();
    press(&mut app, "/cont");
    assert!(matches!(app.mode, Mode::Filter));
    assert_eq!(app.visible.len(), 1);
    assert_eq!(selected(&app), "Contoso:helga@contoso.com");
    press(&mut app, "\n");
    assert!(matches!(app.mode, Mode::List));
    assert_eq!(app.filter.as_str(), "cont");
    press(&mut app, "/q");
    assert!(
        matches!(app.mode, Mode::Filter),
        "q is text while filtering"
    );
    press(&mut app, "\x1b");
    assert!(app.filter.is_empty());
    assert_eq!(app.visible.len(), 6);
    // The serial number is searched too.
    press(&mut app, "/4567\n");
    assert_eq!(selected(&app), "Contoso:helga@contoso.com");
}

#[test]
fn enter_in_the_filter_keeps_it_and_copies_the_match() {
    let mut app = app();
    let fx = press(&mut app, "/conto\n");
    assert!(matches!(app.mode, Mode::List));
    assert_eq!(app.filter.as_str(), "conto");
    let [Effect::Copy(code)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(code.as_str(), "372551", "the Contoso code");
    // No match: nothing to copy, the filter is kept.
    let fx = press(&mut app, "/zzz\n");
    assert!(fx.is_empty(), "{fx:?}");
    assert!(matches!(app.mode, Mode::List));
}

#[test]
fn help_scrolls_and_closes_on_any_other_key() {
    let mut app = app();
    app.update(
        Msg::Resize {
            width: 80,
            height: 24,
        },
        NOW,
    );
    press(&mut app, "?jjj");
    assert!(
        matches!(app.mode, Mode::Help { scroll: 3 }),
        "{:?}",
        app.mode
    );
    press(&mut app, "k");
    assert!(matches!(app.mode, Mode::Help { scroll: 2 }));
    app.update(Msg::PageDown, NOW);
    app.update(Msg::PageDown, NOW);
    app.update(Msg::PageDown, NOW);
    app.update(Msg::PageDown, NOW);
    let Mode::Help { scroll } = app.mode else {
        panic!()
    };
    assert_eq!(scroll, app.help_max_scroll(), "stops at the last line");
    press(&mut app, "x");
    assert!(matches!(app.mode, Mode::List));
}

#[test]
fn moving_and_paging() {
    let mut app = app();
    app.update(
        Msg::Resize {
            width: 80,
            height: 9,
        },
        NOW,
    ); // 3 list rows
    press(&mut app, "jj");
    assert_eq!(app.selected, 2);
    press(&mut app, "j");
    assert_eq!((app.selected, app.offset), (3, 1));
    press(&mut app, "G");
    assert_eq!((app.selected, app.offset), (5, 3));
    press(&mut app, "g");
    assert_eq!((app.selected, app.offset), (0, 0));
    app.update(Msg::PageDown, NOW);
    assert_eq!(app.selected, 3);
    press(&mut app, "k");
    assert_eq!(app.selected, 2);
}

#[test]
fn copy_then_clear_after_the_configured_delay() {
    let mut app = app();
    press(&mut app, "jjj"); // Contoso, the Microsoft sample secret
    let fx = press(&mut app, "y");
    let [Effect::Copy(code)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(code.as_str(), "372551");
    assert!(
        !format!("{fx:?}").contains("372551"),
        "codes stay out of Debug"
    );
    app.update(Msg::Copied(Copied::Done(Route::System)), NOW);
    assert_eq!(app.clipboard_until, Some(NOW + 30));
    let status = app.status.clone().unwrap().text;
    assert!(status.contains("Contoso:helga@contoso.com"), "{status}");
    assert!(
        status.contains("copied to the system clipboard"),
        "{status}"
    );
    assert!(app.notice.is_none(), "the system clipboard needs no hint");
    assert!(tick(&mut app, &sample_entries(), NOW + 29).is_empty());
    let fx = tick(&mut app, &sample_entries(), NOW + 30);
    assert!(matches!(fx.as_slice(), [Effect::ClearClipboard]), "{fx:?}");
    assert_eq!(app.clipboard_until, None);
    app.update(Msg::Cleared(Ok(Cleared::LeftAlone)), NOW + 30);
    let status = app.status.clone().unwrap().text;
    assert!(status.contains("left the clipboard alone"), "{status}");
    // 0 = never clear.
    app.settings.clear_seconds = 0;
    app.update(Msg::Copied(Copied::Done(Route::System)), NOW);
    assert_eq!(app.clipboard_until, None);
}

#[test]
fn osc52_is_sent_not_copied_and_hinted_once() {
    let mut app = app();
    press(&mut app, "jjj");
    press(&mut app, "y");
    app.update(Msg::Copied(Copied::Done(Route::Osc52 { tmux: true })), NOW);
    let status = app.status.clone().unwrap().text;
    assert!(status.contains("sent to the terminal (OSC 52"), "{status}");
    assert!(!status.contains("copied"), "{status}");
    assert!(status.contains("an empty one in 30 s"), "{status}");
    let hint = app.notice.expect("a hint the first time");
    assert!(hint.contains("set-clipboard on") && hint.contains("allow-passthrough on"));
    // Any key puts the key hints back; the next copy does not hint again.
    press(&mut app, "k");
    assert!(app.notice.is_none());
    press(&mut app, "y");
    app.update(Msg::Copied(Copied::Done(Route::Osc52 { tmux: false })), NOW);
    assert!(app.notice.is_none(), "once a session");
    // Clearing is a request, never "cleared".
    app.update(Msg::Cleared(Ok(Cleared::Requested)), NOW + 30);
    let status = app.status.clone().unwrap().text;
    assert!(status.contains("asked the terminal"), "{status}");
    assert!(!status.contains("cleared"), "{status}");
    // Off: nothing copied, and it says why.
    app.update(Msg::Copied(Copied::Off), NOW);
    let status = app.status.clone().unwrap().text;
    assert!(status.contains("clipboard: off"), "{status}");
}

#[test]
fn adding_through_the_form_saves_at_once() {
    let mut app = app();
    press(&mut app, "a\tGitLab\tme\tJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ");
    let Mode::Form(form) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert!(matches!(
        form.check,
        super::super::form::Check::Ready { .. }
    ));
    let fx = press(&mut app, "\n");
    let [Effect::Save(Op::Add(list))] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(list[0].name(), "GitLab:me");
    assert!(matches!(app.mode, Mode::List));
    assert_eq!(app.pending, 1);
    assert_eq!(app.status.as_ref().unwrap().text, "saving…");
    let mut entries = sample_entries();
    let mut added = list[0].clone();
    added.id = Some(id(99));
    entries.push(added);
    app.update(
        Msg::Saved(Ok(Saved {
            entries: views(&entries, NOW),
            summary: "added 'GitLab:me'".into(),
            focus: Some(id(99)),
        })),
        NOW,
    );
    assert_eq!(app.pending, 0);
    assert_eq!(selected(&app), "GitLab:me");
}

#[test]
fn delete_asks_first() {
    let mut app = app();
    press(&mut app, "d");
    assert!(matches!(app.mode, Mode::ConfirmDelete(_)));
    assert!(press(&mut app, "n").is_empty());
    assert!(matches!(app.mode, Mode::List));
    press(&mut app, "d");
    let fx = press(&mut app, "y");
    let [Effect::Save(Op::Remove { id: target })] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*target, id(1), "GitHub:me@example.com");
}

#[test]
fn next_hotp_code_advances_the_counter() {
    let mut app = app();
    let fx = press(&mut app, "n");
    assert!(fx.is_empty(), "TOTP has no next code");
    press(&mut app, "jj");
    let fx = press(&mut app, "n");
    let [Effect::Save(Op::Advance { id: target })] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*target, id(3), "Bank:bob");
}

#[test]
fn edit_sends_only_the_changed_fields_of_the_selected_entry() {
    let mut app = app();
    press(&mut app, "e");
    let fx = press(&mut app, "X\n");
    let [Effect::Save(Op::Edit { id: target, patch })] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*target, id(1));
    let expected = Patch {
        issuer: Some("GitHubX".into()),
        ..Patch::default()
    };
    assert_eq!(**patch, expected, "the secret and the rest stay as stored");
}

#[test]
fn an_edit_that_changes_nothing_saves_nothing() {
    let mut app = app();
    press(&mut app, "e");
    assert!(press(&mut app, "\n").is_empty());
    assert!(matches!(app.mode, Mode::List));
    assert_eq!(app.status.as_ref().unwrap().text, "nothing was changed");
    assert_eq!(app.pending, 0);
}

#[test]
fn an_entry_without_an_id_is_not_sent_to_be_changed() {
    let mut entries = sample_entries();
    entries[2].id = None;
    let mut app = App::new(views(&entries, NOW), Settings::default(), NOW);
    press(&mut app, "jj");
    assert!(press(&mut app, "n").is_empty());
    assert!(
        app.status.as_ref().unwrap().text.contains("has no id yet"),
        "{:?}",
        app.status
    );
}

#[test]
fn idle_lock_forgets_the_entries() {
    let mut app = app();
    app.settings.idle_lock_minutes = 10;
    app.clipboard_until = Some(NOW + 900);
    assert!(tick(&mut app, &sample_entries(), NOW + 599).is_empty());
    let fx = tick(&mut app, &sample_entries(), NOW + 600);
    assert!(
        matches!(
            fx.as_slice(),
            [Effect::ClearClipboard, Effect::Lock { agent: false }]
        ),
        "{fx:?}"
    );
    assert!(app.is_locked());
    assert!(app.entries.is_empty() && app.visible.is_empty());
    // A save finishing after the lock does not bring entries back.
    app.update(
        Msg::Saved(Ok(Saved {
            entries: sample_views(),
            summary: String::new(),
            focus: None,
        })),
        NOW,
    );
    assert!(app.entries.is_empty());
    let fx = press(&mut app, "secret\n");
    let [Effect::Unlock(typed)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(typed.as_str(), "secret");
    assert!(!format!("{fx:?}").contains("secret\""));
    app.update(
        Msg::Unlocked(Ok(super::super::app::Opened {
            entries: views(&sample_entries(), NOW + 700),
            agent: false,
            note: None,
        })),
        NOW + 700,
    );
    assert!(matches!(app.mode, Mode::List));
    assert_eq!(app.entries.len(), 6);
}

#[test]
fn quit_keys() {
    let mut app = app();
    assert!(matches!(press(&mut app, "q").as_slice(), [Effect::Quit]));
    press(&mut app, "/");
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(matches!(keymap::map(&app, ctrl_c), Some(Msg::Quit)));
}

#[test]
fn help_and_qr_close_on_any_key() {
    let mut app = app();
    press(&mut app, "?");
    assert!(matches!(app.mode, Mode::Help { .. }));
    press(&mut app, "x");
    assert!(matches!(app.mode, Mode::List));
    let fx = press(&mut app, " ");
    assert!(
        matches!(fx.as_slice(), [Effect::Reveal { typed: None, .. }]),
        "{fx:?}"
    );
    app.update(Msg::Revealed(Ok(revealed(id(1)))), NOW);
    assert!(matches!(app.mode, Mode::Qr(_)));
    press(&mut app, "Q");
    assert!(matches!(app.mode, Mode::List));
}

/// What the vault thread hands back for the QR screen.
pub fn revealed(id: EntryId) -> super::super::app::Revealed {
    let entry = sample_entries()
        .into_iter()
        .find(|e| e.id == Some(id))
        .unwrap();
    super::super::app::Revealed {
        id,
        name: entry.name(),
        uri: super::super::hidden::Hidden(crate::engine::uri::to_uri(&entry)),
    }
}

#[test]
fn a_vault_changed_elsewhere_is_reloaded_keeping_the_selection() {
    let mut app = app();
    press(&mut app, "jjj"); // Contoso
    let fx = app.update(Msg::VaultChanged, NOW);
    assert!(matches!(fx.as_slice(), [Effect::Reload]), "{fx:?}");
    assert_eq!(app.pending, 1);
    // Another keyfob added an entry at the top and removed GitHub.
    let mut entries = sample_entries();
    entries.remove(0);
    let s = Secret::parse_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    entries.insert(0, Entry::new("Added", "elsewhere", s));
    app.update(Msg::Reloaded(Ok(Some(views(&entries, NOW)))), NOW);
    assert_eq!(app.pending, 0);
    assert_eq!(
        selected(&app),
        "Contoso:helga@contoso.com",
        "selection kept"
    );
    let names: Vec<String> = app.entries.iter().map(EntryView::name).collect();
    assert!(names.contains(&"Added:elsewhere".to_string()));
    assert!(
        !names.contains(&"GitHub:me@example.com".to_string()),
        "deleted elsewhere: gone, cannot be copied"
    );
    let status = app.status.clone().unwrap().text;
    assert!(status.contains("reloaded"), "{status}");
    assert!(status.contains("1 added, 1 removed"), "{status}");
    // Our own save: the content is what we have; nothing said.
    app.set_status(super::super::app::StatusKind::Good, "saved");
    app.update(Msg::VaultChanged, NOW);
    app.update(Msg::Reloaded(Ok(None)), NOW);
    assert_eq!(app.status.clone().unwrap().text, "saved");
}

#[test]
fn a_qr_code_closes_when_its_entry_is_deleted_elsewhere() {
    let mut app = app();
    press(&mut app, " ");
    app.update(Msg::Revealed(Ok(revealed(id(1)))), NOW);
    assert!(matches!(app.mode, Mode::Qr(_)));
    let mut entries = sample_entries();
    entries.remove(0); // GitHub, on screen
    app.update(Msg::Reloaded(Ok(Some(views(&entries, NOW)))), NOW);
    assert!(matches!(app.mode, Mode::List));
    assert_ne!(selected(&app), "GitHub:me@example.com");
}

#[test]
fn a_locked_screen_does_not_reload() {
    let mut app = app();
    press(&mut app, "L");
    assert!(app.update(Msg::VaultChanged, NOW).is_empty());
    app.update(Msg::Reloaded(Ok(Some(sample_views()))), NOW);
    assert!(app.entries.is_empty());
}

mod agent;
