//! State tests for a screen without seeds: codes from windows (rolling over at a period's end
//! with no request, never stale after the window), and what an agent changes — asking again
//! for a QR code or a new secret, `L`, the agent going away.

use super::super::super::app::{Effect, Mode, Msg, Need, Opened, StatusKind};
use super::super::super::view::tests::draw_text;
use super::*;

fn agent_app() -> App {
    let mut app = app();
    app.agent = true;
    app
}

/// GitHub (30 s): the code shown at `at`.
fn shown(app: &mut App, at: u64) -> String {
    app.update(
        Msg::Resize {
            width: 80,
            height: 24,
        },
        at,
    );
    draw_text(app, 80, 24)
}

#[test]
fn codes_roll_over_at_the_windows_end_without_seeds() {
    // Views made at NOW (20 s into a 30 s period): they know this period and the next.
    let entries = sample_entries();
    let github = &entries[0];
    let mut app = app();
    let period_end = NOW + 10;
    assert_eq!(app.views_due, Some(NOW + 10), "Fast (20 s) ends first");
    // Until then, nothing is asked.
    assert!(app.update(Msg::Tick, NOW + 9).is_empty());
    // The next period starts: the window already holds its code.
    let fx = app.update(Msg::Tick, period_end);
    assert!(matches!(fx.as_slice(), [Effect::Views]), "{fx:?}");
    let next = github.code(period_end).unwrap().grouped();
    assert!(shown(&mut app, period_end).contains(&next), "rolled over");
    // Asked once, not every second while the answer is on its way.
    assert!(app.update(Msg::Tick, period_end + 1).is_empty());
    // No answer came, and the window ran out: no code is shown rather than a stale one.
    let late = NOW + 10 + 30;
    let screen = shown(&mut app, late);
    assert!(!screen.contains(&next), "{screen}");
    assert!(screen.contains("······"), "{screen}");
    let fx = app.update(Msg::Copy, late);
    assert!(fx.is_empty(), "asked already: {fx:?}");
    let status = app.status.clone().unwrap().text;
    assert!(status.contains("fresh codes"), "{status}");
    // The answer arrives: codes again, and the next refresh is due at the next period end.
    app.update(Msg::Views(Ok(views(&entries, late))), late);
    assert!(shown(&mut app, late).contains(&github.code(late).unwrap().grouped()));
    assert!(app.views_due.is_some_and(|due| due > late));
    let fx = app.update(Msg::Copy, late);
    assert!(matches!(fx.as_slice(), [Effect::Copy(_)]), "{fx:?}");
}

#[test]
fn a_qr_code_through_an_agent_asks_again_and_goes_back_on_esc() {
    let mut app = agent_app();
    let fx = press(&mut app, "Q");
    assert!(fx.is_empty(), "nothing is fetched before asking: {fx:?}");
    let Mode::Reauth(reauth) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert!(matches!(reauth.need, Need::Qr { id: got, .. } if got == id(1)));
    let screen = draw_text(&mut app, 80, 24);
    assert!(
        screen.contains("the agent never hands out seeds"),
        "{screen}"
    );
    assert!(!screen.contains("372551"), "no codes behind the prompt");
    press(&mut app, "\x1b");
    assert!(matches!(app.mode, Mode::List));
    assert_eq!(app.status.clone().unwrap().text, "nothing was shown");
    // Asked again: a wrong passphrase says so in the prompt; the right one shows the code.
    press(&mut app, "Q");
    let fx = press(&mut app, "pass\n");
    let [
        Effect::Reveal {
            id: got,
            typed: Some(typed),
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    assert_eq!((*got, typed.as_str()), (id(1), "pass"));
    app.update(Msg::Revealed(Err("wrong passphrase".into())), NOW);
    let Mode::Reauth(reauth) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert_eq!(reauth.lock.error.as_deref(), Some("wrong passphrase"));
    press(&mut app, "pass\n");
    app.update(Msg::Revealed(Ok(revealed(id(1)))), NOW);
    assert!(matches!(app.mode, Mode::Qr(_)));
    press(&mut app, "x");
    assert!(matches!(app.mode, Mode::List), "any key hides it");
}

#[test]
fn a_new_secret_through_an_agent_is_saved_after_asking_again() {
    let mut app = agent_app();
    press(&mut app, "e\t\tGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    let fx = press(&mut app, "\n");
    assert!(fx.is_empty(), "{fx:?}");
    let Mode::Reauth(reauth) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    let Need::Save(Op::Edit { id: target, patch }) = &reauth.need else {
        panic!("{:?}", reauth.need)
    };
    assert_eq!(*target, id(1));
    assert!(patch.secret.is_some());
    let fx = press(&mut app, "pass\n");
    assert!(
        matches!(fx.as_slice(), [Effect::SaveDirect { .. }]),
        "{fx:?}"
    );
    app.update(
        Msg::Saved(Ok(Saved {
            entries: sample_views(),
            summary: "saved 'GitHub:me@example.com'".into(),
            focus: Some(id(1)),
        })),
        NOW,
    );
    assert!(matches!(app.mode, Mode::List));
    // Without a new secret, an edit goes to the agent with no question.
    let fx = press(&mut app, "eX\n");
    assert!(
        matches!(fx.as_slice(), [Effect::Save(Op::Edit { .. })]),
        "{fx:?}"
    );
}

#[test]
fn l_locks_the_agent_too_and_the_idle_lock_does_not() {
    let mut app = agent_app();
    let fx = press(&mut app, "L");
    assert!(
        matches!(fx.as_slice(), [Effect::Lock { agent: true }]),
        "{fx:?}"
    );
    assert!(app.is_locked() && !app.agent);
    // Unlocking again may hand the vault to a new agent.
    press(&mut app, "pass\n");
    app.update(
        Msg::Unlocked(Ok(Opened {
            entries: sample_views(),
            agent: true,
            note: None,
        })),
        NOW,
    );
    assert!(app.agent && !app.is_locked());
    let fx = tick(&mut app, &sample_entries(), NOW + 600);
    assert!(fx.contains_lock(false), "{fx:?}");
}

#[test]
fn the_agent_going_away_locks_the_screen_saying_why() {
    let mut app = agent_app();
    app.clipboard_until = Some(NOW + 20);
    let fx = app.update(Msg::AgentGone("the agent ended".into()), NOW);
    assert!(fx.iter().any(|e| matches!(e, Effect::ClearClipboard)));
    assert!(app.is_locked() && app.entries.is_empty());
    let screen = draw_text(&mut app, 80, 24);
    assert!(screen.contains("the agent ended"), "{screen}");
    assert!(!screen.contains("372551"), "{screen}");
    // Said once: a second report changes nothing.
    assert!(app.update(Msg::AgentGone("again".into()), NOW).is_empty());
    app.set_status(StatusKind::Info, "x");
}

trait Locks {
    fn contains_lock(&self, agent: bool) -> bool;
}

impl Locks for Vec<Effect> {
    fn contains_lock(&self, agent: bool) -> bool {
        self.iter()
            .any(|e| matches!(e, Effect::Lock { agent: a } if *a == agent))
    }
}

#[test]
fn the_state_holds_no_seed() {
    let mut app = agent_app();
    press(&mut app, "/git\x1b");
    let state = format!("{app:?}");
    for entry in sample_entries() {
        let secret = entry.secret.to_base32();
        assert!(!state.contains(secret.as_str()), "{}", entry.name());
    }
}
