//! Locking and unlocking, and asking again: the idle lock and `L`, the agent going away, the
//! lock screen's prompt, and the same prompt asked for a seed in the clear (a QR code, a new
//! secret) while an agent holds the vault. Split from `update.rs`, which dispatches here.
//!
//! Promises: locking forgets every entry and code (and a QR code's URI) at once and clears a
//! copied code; `L` also locks an agent that holds the vault, the idle lock does not (the
//! agent has its own idle timer); an agent that ends under the screen shows the lock screen
//! with a line saying why, never its last codes; asking again never shows or saves anything
//! until the unlock worked, and Esc goes back with nothing done.

use super::super::app::{
    App, Effect, LockScreen, Mode, Msg, Need, Opened, Reauth, Revealed, StatusKind,
};
use super::super::hidden::Hidden;
use crate::engine::entry::EntryId;

impl App {
    /// Forgets the entries and asks to unlock again: by the idle timer (`idle`), or by the
    /// person (`L`), which locks an agent holding the vault too.
    pub fn lock(&mut self, fx: &mut Vec<Effect>, idle: bool) {
        self.lock_with(fx, idle, None);
        fx.push(Effect::Lock { agent: !idle });
    }

    fn lock_with(&mut self, fx: &mut Vec<Effect>, idle: bool, why: Option<String>) {
        if let Mode::Asking(_) = self.mode {
            // Nobody answered the plugin: it gets no PIN.
            fx.push(Effect::Answer(crate::prompt::Answer::Cancelled));
        }
        self.mode = Mode::Locked(LockScreen {
            idle,
            why,
            ..LockScreen::default()
        });
        self.filter.take();
        self.set_entries(Vec::new(), None);
        self.agent = false;
        self.agent_pid = None;
        self.refreshing = false;
        self.status = None;
        if self.clipboard_until.take().is_some() {
            fx.push(Effect::ClearClipboard);
        }
    }

    /// The agent that held the vault ended: the lock screen, saying why.
    pub(super) fn agent_gone(&mut self, why: String, fx: &mut Vec<Effect>) {
        if self.is_locked() {
            return;
        }
        self.lock_with(fx, false, Some(why));
        // The vault thread has already let go of the agent; nothing else is held.
        fx.push(Effect::Lock { agent: false });
    }

    pub(super) fn unlocked(&mut self, result: Result<Opened, String>) {
        match result {
            Ok(opened) => {
                self.mode = Mode::List;
                self.agent = opened.agent;
                self.set_entries(opened.entries, None);
                match opened.note {
                    Some(note) => self.set_status(StatusKind::Error, note),
                    None if opened.agent => {
                        self.set_status(StatusKind::Good, "unlocked (an agent holds the vault)");
                    }
                    None => self.set_status(StatusKind::Good, "unlocked"),
                }
            }
            Err(e) => {
                if let Mode::Locked(lock) = &mut self.mode {
                    lock.busy = false;
                    lock.error = Some(e);
                }
            }
        }
    }

    /// `Q` on an entry: its QR code, from the vault thread's own session, or — while an agent
    /// holds the vault — after asking again.
    pub(super) fn show_qr(&mut self, id: EntryId, name: String, fx: &mut Vec<Effect>) -> Mode {
        if self.agent {
            return self.reauth(Need::Qr { id, name });
        }
        self.pending += 1;
        fx.push(Effect::Reveal { id, typed: None });
        Mode::List
    }

    /// The lock screen's prompt, asked for `need`.
    pub(super) fn reauth(&mut self, need: Need) -> Mode {
        Mode::Reauth(Box::new(Reauth {
            need,
            lock: LockScreen::default(),
        }))
    }

    pub(super) fn on_reauth(
        &mut self,
        mut reauth: Box<Reauth>,
        msg: Msg,
        fx: &mut Vec<Effect>,
    ) -> Mode {
        let lock = &mut reauth.lock;
        match msg {
            Msg::Text(edit) if !lock.busy => {
                lock.input.apply(&edit);
            }
            Msg::Escape => {
                let what = match reauth.need {
                    Need::Qr { .. } => "nothing was shown",
                    Need::Save(_) => "nothing was saved",
                };
                self.set_status(StatusKind::Info, what);
                return Mode::List;
            }
            Msg::Enter if !lock.busy => {
                lock.busy = true;
                lock.error = None;
                self.pending += 1;
                let typed = Hidden(lock.input.take());
                fx.push(match &reauth.need {
                    Need::Qr { id, .. } => Effect::Reveal {
                        id: *id,
                        typed: Some(typed),
                    },
                    Need::Save(op) => {
                        self.set_status(StatusKind::Busy, "saving…");
                        Effect::SaveDirect {
                            op: op.clone(),
                            typed,
                        }
                    }
                });
            }
            _ => {}
        }
        Mode::Reauth(reauth)
    }

    /// An entry's URI for the QR screen arrived (or why not).
    pub(super) fn revealed(&mut self, result: Result<Revealed, String>) {
        if self.is_locked() {
            return;
        }
        match (result, &mut self.mode) {
            (Ok(shown), Mode::List | Mode::Reauth(_)) => self.mode = Mode::Qr(Box::new(shown)),
            // The person moved on meanwhile: the URI is wiped as it drops.
            (Ok(_), _) => {}
            (Err(e), Mode::Reauth(reauth)) => {
                reauth.lock.busy = false;
                reauth.lock.error = Some(e);
            }
            (Err(e), _) => self.set_status(StatusKind::Error, e),
        }
    }
}

pub(super) fn on_locked(
    mut lock: LockScreen,
    msg: Msg,
    pending: &mut usize,
    fx: &mut Vec<Effect>,
) -> Mode {
    match msg {
        Msg::Text(edit) if !lock.busy => {
            lock.input.apply(&edit);
        }
        Msg::Escape => {
            lock.input.take();
        }
        Msg::Enter if !lock.busy => {
            lock.busy = true;
            lock.error = None;
            *pending += 1;
            fx.push(Effect::Unlock(Hidden(lock.input.take())));
        }
        _ => {}
    }
    Mode::Locked(lock)
}
