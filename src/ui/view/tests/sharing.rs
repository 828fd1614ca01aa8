//! A shared vault on screen: the title says who it is sealed to and whether this machine
//! trusts them; the two versions a merge kept are marked in their rows and explained in the
//! detail panel until one is deleted.

use super::super::super::app::{App, Msg};
use super::super::super::sharing::Sharing;
use super::super::super::update::tests::{NOW, app};
use super::{draw, find, text};
use crate::engine::entry::EntryId;

fn id(n: u128) -> EntryId {
    EntryId::from(uuid::Uuid::from_u128(n))
}

/// The sample entries, the first two given ids and the second made a second version of the
/// first (as a merge keeps it).
fn with_conflict() -> App {
    let mut app = app();
    let mut entries = app.entries.clone();
    for (n, entry) in (1..).zip(&mut entries) {
        entry.id = Some(id(n));
    }
    let mut second = entries[0].clone();
    second.id = Some(id(100));
    second.conflict = Some(id(1));
    second.note = Some("their version".into());
    entries.insert(1, second);
    app.set_entries(entries, None);
    app.sharing = Sharing {
        keys: 3,
        trusted: true,
    };
    app
}

#[test]
fn a_conflict_is_marked_and_explained_and_the_title_says_shared() {
    let mut app = with_conflict();
    app.update(Msg::Down, NOW);
    let t = draw(&mut app, 80, 24);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("shared with 3 keys"), "{screen}");
    // Both rows of the pair carry the mark; the others do not.
    let marked = |screen: &str| {
        screen
            .lines()
            .filter(|l| l.chars().nth(1) == Some('!') && !l.contains("merge"))
            .count()
    };
    assert_eq!(marked(&screen), 2, "{screen}");
    find(t.backend().buffer(), "! second version kept by a merge");
    insta::assert_snapshot!(t.backend());
    app.update(Msg::Up, NOW);
    let t = draw(&mut app, 80, 24);
    find(t.backend().buffer(), "! a merge also kept another version");
    // Deleting either version ends the conflict.
    let mut entries = app.entries.clone();
    entries.remove(0);
    app.set_entries(entries, None);
    let screen = text(draw(&mut app, 80, 24).backend().buffer());
    assert!(!screen.contains("kept by a merge"), "{screen}");
    assert_eq!(marked(&screen), 0, "{screen}");
}

#[test]
fn an_untrusted_recipient_set_is_a_warning_in_the_title() {
    let mut app = app();
    app.update(
        Msg::Sharing(Sharing {
            keys: 2,
            trusted: false,
        }),
        NOW,
    );
    let t = draw(&mut app, 80, 24);
    find(
        t.backend().buffer(),
        "⚠ recipients not trusted: run keyfob trust",
    );
    // A vault only its owner opens says nothing about sharing.
    app.update(Msg::Sharing(Sharing::default()), NOW);
    let screen = text(draw(&mut app, 80, 24).backend().buffer());
    assert!(
        !screen.contains("shared with") && !screen.contains("trusted"),
        "{screen}"
    );
}
