//! How age plugins (hardware keys) reach the person: PIN and touch requests, messages and
//! questions. Commands ask on the terminal; while the screen is open they are routed to the
//! screen, which shows them in a dialog.
//!
//! Promises:
//! - [`plugin_ui`] is the one [`PluginUi`] keyfob hands to the engine; where its questions go
//!   is decided when they are asked, so a save on the screen's vault thread asks in a dialog
//!   and the same save from a command asks on the terminal.
//! - Terminal questions go to `/dev/tty` (secrets with echo off), never to stdout, so scripts'
//!   output stays clean; with no terminal a question is declined (the plugin then reports its
//!   own error) and a message goes to stderr.
//! - While [`ScreenRoute`] lives, nothing is written to the terminal from here (the alternate
//!   screen stays whole); dropping it sends questions back to the terminal.
//! - Answers travel in [`Zeroizing`] buffers and are never shown by `Debug`.

use std::io::{BufRead, Write};
use std::sync::Mutex;
use std::sync::mpsc::{self, Sender};

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use crate::engine::crypto::{PluginUi, Prompt};

/// A plugin's question or message, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// Shown; nobody answers ("touch your key").
    Message(String),
    /// Yes or no, with the plugin's labels for each.
    Confirm {
        question: String,
        yes: String,
        no: Option<String>,
    },
    /// Text that may be shown as it is typed.
    Public(String),
    /// A secret (a PIN): typed hidden.
    Secret(String),
}

/// The person's answer.
#[derive(Clone, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Text(Zeroizing<String>),
    /// Dismissed (Esc, the screen locked or closed): the plugin gets no answer.
    Cancelled,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Answer::Yes => "Yes",
            Answer::No => "No",
            Answer::Text(_) => "Text(<hidden>)",
            Answer::Cancelled => "Cancelled",
        })
    }
}

/// A question on its way to the screen, with where the answer goes (none for messages).
#[derive(Debug)]
pub struct Asked {
    pub question: Question,
    pub reply: Option<Sender<Answer>>,
}

/// Where questions go while the screen is open.
static SCREEN: Mutex<Option<Sender<Asked>>> = Mutex::new(None);

/// Routes plugin questions to the screen for as long as it lives.
#[must_use = "questions go back to the terminal when this is dropped"]
pub struct ScreenRoute(());

/// Sends every plugin question to `screen` until the returned guard is dropped.
pub fn route_to_screen(screen: Sender<Asked>) -> ScreenRoute {
    if let Ok(mut slot) = SCREEN.lock() {
        *slot = Some(screen);
    }
    ScreenRoute(())
}

impl Drop for ScreenRoute {
    fn drop(&mut self) {
        if let Ok(mut slot) = SCREEN.lock() {
            *slot = None;
        }
    }
}

/// The [`PluginUi`] every unlock and seal uses.
pub fn plugin_ui() -> PluginUi {
    PluginUi::new(Person)
}

/// The person at the screen or the terminal, whichever is in front of them.
struct Person;

impl Person {
    /// Asks on the screen if it is open: `Some(answer)`; `None` means ask the terminal.
    fn on_screen(question: Question) -> Option<Answer> {
        let screen = SCREEN.lock().ok()?.clone()?;
        let (reply, answer) = if matches!(question, Question::Message(_)) {
            (None, None)
        } else {
            let (tx, rx) = mpsc::channel();
            (Some(tx), Some(rx))
        };
        if screen.send(Asked { question, reply }).is_err() {
            return Some(Answer::Cancelled);
        }
        // The screen answers every question (Esc, lock and quit answer Cancelled; a screen
        // that went away drops the sender, which ends the wait too).
        Some(answer.map_or(Answer::Cancelled, |rx| {
            rx.recv().unwrap_or(Answer::Cancelled)
        }))
    }
}

impl Prompt for Person {
    // Every question or message reaches a person: an unlock that made one counts as asking
    // (see `crate::unlock::asked_person`).
    fn message(&self, text: &str) {
        crate::unlock::note_person_asked();
        if Person::on_screen(Question::Message(text.to_string())).is_none() {
            say(text);
        }
    }

    fn confirm(&self, question: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        crate::unlock::note_person_asked();
        let asked = Question::Confirm {
            question: question.to_string(),
            yes: yes.to_string(),
            no: no.map(str::to_string),
        };
        match Person::on_screen(asked) {
            Some(Answer::Yes) => Some(true),
            Some(Answer::No) => Some(false),
            Some(_) => None,
            None => {
                let no = no.unwrap_or("no");
                let line = ask_line(&format!("{question} [y = {yes}, n = {no}] "))?;
                match line.trim() {
                    "y" | "Y" | "yes" => Some(true),
                    "n" | "N" | "no" => Some(false),
                    other if other.eq_ignore_ascii_case(yes) => Some(true),
                    other if other.eq_ignore_ascii_case(no) => Some(false),
                    _ => None,
                }
            }
        }
    }

    fn public(&self, question: &str) -> Option<String> {
        crate::unlock::note_person_asked();
        match Person::on_screen(Question::Public(question.to_string())) {
            Some(Answer::Text(text)) => Some(text.to_string()),
            Some(_) => None,
            None => ask_line(&format!("{question} ")).map(|line| line.to_string()),
        }
    }

    fn secret(&self, question: &str) -> Option<SecretString> {
        crate::unlock::note_person_asked();
        match Person::on_screen(Question::Secret(question.to_string())) {
            Some(Answer::Text(text)) => Some(SecretString::from(text.to_string())),
            Some(_) => None,
            None => rpassword::prompt_password(format!("{question} "))
                .ok()
                .map(SecretString::from),
        }
    }
}

fn tty() -> Option<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()
}

/// A message on the terminal, else on stderr.
fn say(text: &str) {
    match tty() {
        Some(mut tty) => {
            let _ = writeln!(tty, "{text}");
        }
        None => {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }
}

/// One line typed on the terminal (None without one).
fn ask_line(question: &str) -> Option<Zeroizing<String>> {
    let mut tty = tty()?;
    write!(tty, "{question}").ok()?;
    tty.flush().ok()?;
    let mut line = Zeroizing::new(String::new());
    std::io::BufReader::new(tty).read_line(&mut line).ok()?;
    let trimmed = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(trimmed);
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_go_to_the_screen_while_it_is_open() {
        let (tx, rx) = mpsc::channel();
        let route = route_to_screen(tx);
        let screen = std::thread::spawn(move || {
            let asked = rx.recv().unwrap();
            assert_eq!(asked.question, Question::Secret("PIN:".into()));
            asked
                .reply
                .unwrap()
                .send(Answer::Text(Zeroizing::new("1234".into())))
                .unwrap();
            let asked = rx.recv().unwrap();
            assert!(matches!(asked.question, Question::Message(_)));
            assert!(asked.reply.is_none());
            let asked = rx.recv().unwrap();
            asked.reply.unwrap().send(Answer::Cancelled).unwrap();
        });
        let pin = Person.secret("PIN:").unwrap();
        assert_eq!(age::secrecy::ExposeSecret::expose_secret(&pin), "1234");
        Person.message("touch your key");
        assert_eq!(Person.confirm("Use it?", "yes", None), None);
        screen.join().unwrap();
        drop(route);
        assert!(SCREEN.lock().unwrap().is_none());
    }
}
