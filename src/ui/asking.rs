//! A hardware key's plugin asking the person something while the screen is open: its PIN, a
//! yes/no, a line of text. The question arrives as [`Msg::Asked`] (the vault thread waits for
//! the answer), shows as a dialog over what was on screen, and leaves as [`Effect::Answer`].
//!
//! Promises: every question gets exactly one answer — Enter or y/n answers, Esc (and the idle
//! lock, see `App::lock`) cancels — so the vault thread never waits forever; a secret is typed
//! masked and handed over in a wiped buffer; messages ("touch your key") go to the status line
//! without taking the keyboard.

use super::app::{App, Effect, Mode, Msg, StatusKind};
use super::text::TextInput;
use crate::prompt::{Answer, Question};

/// An open question.
#[derive(Debug)]
pub struct Asking {
    pub question: Question,
    /// What is typed (for `Public` and `Secret`).
    pub input: TextInput,
    /// What the screen showed before; shown again after the answer.
    pub previous: Mode,
}

impl Asking {
    /// Whether the answer is typed (else it is y/n).
    pub fn typed(&self) -> bool {
        matches!(self.question, Question::Public(_) | Question::Secret(_))
    }
}

impl App {
    /// A plugin's message or question arrived.
    pub(super) fn asked(&mut self, question: Question) {
        if let Question::Message(text) = question {
            self.set_status(StatusKind::Busy, text);
            return;
        }
        let previous = match std::mem::take(&mut self.mode) {
            // Only one question at a time: a newer one replaces an unanswered one (the loop
            // has already cancelled that one).
            Mode::Asking(old) => old.previous,
            other => other,
        };
        self.mode = Mode::Asking(Box::new(Asking {
            question,
            input: TextInput::default(),
            previous,
        }));
    }
}

/// Keys while a question is open; returns the mode to show next.
pub(super) fn on_asking(mut asking: Box<Asking>, msg: Msg, fx: &mut Vec<Effect>) -> Mode {
    let answer = match (msg, asking.typed()) {
        (Msg::Text(edit), true) => {
            asking.input.apply(&edit);
            None
        }
        (Msg::Enter, true) => Some(Answer::Text(asking.input.take())),
        (Msg::Escape, true) => Some(Answer::Cancelled),
        (Msg::Yes, false) => Some(Answer::Yes),
        (Msg::Other | Msg::Escape, false) => Some(Answer::No),
        _ => None,
    };
    match answer {
        Some(answer) => {
            fx.push(Effect::Answer(answer));
            asking.previous
        }
        None => Mode::Asking(asking),
    }
}

#[cfg(test)]
mod tests;
