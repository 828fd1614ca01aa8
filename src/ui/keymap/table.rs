//! The one table of keys: for each key, where it applies, the message it sends, its word in the
//! hint bar and its line in the help. Dispatch ([`super::map`]), the help screen, the hint bar,
//! the dialogs' key lines and README's key table all read [`KEYS`] (as gitui's key list feeds
//! its dispatch, help popup and command bar), so they cannot disagree.

use crossterm::event::KeyCode;

use super::super::app::Msg;
use super::super::text::Edit;

/// One key, as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A key pressed without Ctrl (Shift does not matter: `Q` is its own character).
    Plain(KeyCode),
    /// Ctrl and a letter.
    Ctrl(char),
    /// Any printable character (typed into a text field).
    Typed,
    /// Any key not bound before it in the same scope.
    Other,
}

/// What a binding does.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Send(fn() -> Msg),
    /// Insert the typed character into the text field.
    Insert,
}

impl Action {
    /// The message for a key press (`typed` is the character, for [`Action::Insert`]).
    pub fn msg(self, typed: char) -> Msg {
        match self {
            Action::Send(make) => make(),
            Action::Insert => Msg::Text(Edit::Insert(typed)),
        }
    }
}

/// Where a binding applies: what the screen is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere, before anything else.
    Anywhere,
    List,
    Filter,
    Form,
    /// Any text field (the filter, forms, prompts), after the field's own scope.
    Text,
    Locked,
    /// The lock screen's prompt, asked again for a seed in the clear (QR, a new secret).
    Reauth,
    ImportPath,
    ImportPassword,
    Preview,
    Confirm,
    /// A hardware key's question answered by typing (a PIN).
    Answer,
    /// A hardware key's yes/no question.
    YesNo,
    Help,
    Qr,
}

impl Scope {
    /// The heading of its section in the help and README.
    pub fn title(self) -> &'static str {
        match self {
            Scope::Anywhere | Scope::List => "The list",
            Scope::Filter => "In the filter (/)",
            Scope::Form => "In the add and edit forms",
            Scope::Text => "In any text field",
            Scope::Locked => "On the lock screen",
            Scope::Reauth => "Asked again (QR code, new secret, while an agent runs)",
            Scope::ImportPath => "Import: the file",
            Scope::ImportPassword => "Import: the password",
            Scope::Preview => "Import: the preview",
            Scope::Confirm => "The delete question",
            Scope::Answer => "A hardware key asks for text (a PIN)",
            Scope::YesNo => "A hardware key asks yes or no",
            Scope::Help => "This help",
            Scope::Qr => "The QR code",
        }
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
    pub action: Action,
    /// Its word in the hint bar or a dialog's key line (`None`: help only).
    pub hint: Option<&'static str>,
    /// Its line in the help (adjacent rows with the same text share a line).
    pub help: &'static str,
}

const fn c(ch: char) -> Key {
    Key::Plain(KeyCode::Char(ch))
}

const fn k(code: KeyCode) -> Key {
    Key::Plain(code)
}

use KeyCode::{BackTab, Backspace, Delete, Down, End, Enter, Esc, Home, Left, PageDown, PageUp};
use KeyCode::{Right, Tab, Up};

/// Builds the table: `Scope [keys] => action, hint, help;` a row. (A macro, so that a row
/// stays one line to read.)
macro_rules! rows {
    ($($scope:ident [$($key:expr),*] => $action:expr, $hint:expr, $help:expr;)*) => {
        &[$(Binding {
            scope: $scope,
            keys: &[$($key),*],
            action: $action,
            hint: $hint,
            help: $help,
        }),*]
    };
}

use Action::{Insert, Send};
use Scope::{
    Answer, Anywhere, Confirm, Filter, Form, Help, ImportPassword, ImportPath, List, Locked,
    Preview, Qr, Reauth, Text, YesNo,
};

/// Every key the screen knows, in the order help shows them.
#[rustfmt::skip]
pub static KEYS: &[Binding] = rows! {
    // The list.
    List [c('j'), k(Down)] => Send(|| Msg::Down), None, "move";
    List [c('k'), k(Up)] => Send(|| Msg::Up), None, "move";
    List [c('g'), k(Home)] => Send(|| Msg::Top), None, "first / last entry";
    List [c('G'), k(End)] => Send(|| Msg::Bottom), None, "first / last entry";
    List [k(PageUp), Key::Ctrl('u')] => Send(|| Msg::PageUp), None, "a page up / down";
    List [k(PageDown), Key::Ctrl('d')] => Send(|| Msg::PageDown), None, "a page up / down";
    List [k(Enter), c('y')] => Send(|| Msg::Copy), Some("copy"), "copy the selected code";
    List [c('/')] => Send(|| Msg::StartFilter), Some("filter"),
        "filter as you type (issuer, account, serial, tags)";
    List [c('a')] => Send(|| Msg::Add), Some("add"),
        "add an entry (or paste an otpauth:// URI / QR path)";
    List [c('e')] => Send(|| Msg::EditEntry), Some("edit"), "edit the selected entry";
    List [c('d')] => Send(|| Msg::Delete), Some("delete"),
        "delete the selected entry (asks, naming it)";
    List [c('n')] => Send(|| Msg::NextCode), None,
        "next HOTP code (advances and saves the counter)";
    List [c('Q'), c(' ')] => Send(|| Msg::ShowQr), Some("QR"),
        "QR code to enrol a phone (shows the secret)";
    List [c('i')] => Send(|| Msg::Import), Some("import"),
        "import an export file (a preview to choose from)";
    List [c('L')] => Send(|| Msg::LockNow), None, "lock now (an agent holding the vault too)";
    List [c('?')] => Send(|| Msg::Help), Some("help"), "this help";
    List [c('q')] => Send(|| Msg::Quit), Some("quit"), "quit (Ctrl-C: from anywhere)";
    Anywhere [Key::Ctrl('c')] => Send(|| Msg::Quit), None, "quit (Ctrl-C: from anywhere)";
    List [k(Esc)] => Send(|| Msg::Escape), None, "clear a kept filter";
    // The filter.
    Filter [Key::Typed] => Insert, Some("narrow"), "narrows the list as you type";
    Filter [k(Up)] => Send(|| Msg::Up), Some("move"), "move";
    Filter [k(Down)] => Send(|| Msg::Down), Some("move"), "move";
    Filter [k(Enter)] => Send(|| Msg::Enter), Some("copy"),
        "keep the filter, copy the selected match";
    Filter [k(Esc)] => Send(|| Msg::Escape), Some("clear"), "clear the filter";
    // Forms.
    Form [k(Enter)] => Send(|| Msg::Enter), Some("save"), "save (or read the file named)";
    Form [k(Tab), k(Down)] => Send(|| Msg::NextField), Some("field"), "next field";
    Form [k(BackTab), k(Up)] => Send(|| Msg::PrevField), None, "previous field";
    Form [k(Left)] => Send(|| Msg::Text(Edit::Left)), Some("choice"),
        "change Type / Algorithm (Space too); in text: cursor";
    Form [k(Right)] => Send(|| Msg::Text(Edit::Right)), Some("choice"),
        "change Type / Algorithm (Space too); in text: cursor";
    Form [k(Esc)] => Send(|| Msg::Escape), Some("cancel"), "cancel (nothing is saved)";
    // Text fields.
    Text [Key::Typed] => Insert, None, "types the character";
    Text [k(Left)] => Send(|| Msg::Text(Edit::Left)), None, "cursor left / right";
    Text [k(Right)] => Send(|| Msg::Text(Edit::Right)), None, "cursor left / right";
    Text [k(Home), Key::Ctrl('a')] => Send(|| Msg::Text(Edit::Home)), None,
        "start / end of the text";
    Text [k(End), Key::Ctrl('e')] => Send(|| Msg::Text(Edit::End)), None, "start / end of the text";
    Text [k(Backspace)] => Send(|| Msg::Text(Edit::Backspace)), None,
        "delete before / at the cursor";
    Text [k(Delete)] => Send(|| Msg::Text(Edit::Delete)), None, "delete before / at the cursor";
    Text [Key::Ctrl('w')] => Send(|| Msg::Text(Edit::DeleteWord)), None, "delete a word";
    Text [Key::Ctrl('u')] => Send(|| Msg::Text(Edit::Clear)), None, "clear the field";
    // The lock screen.
    Locked [k(Enter)] => Send(|| Msg::Enter), Some("unlock"), "unlock";
    Locked [k(Esc)] => Send(|| Msg::Escape), None, "clear what was typed";
    Reauth [k(Enter)] => Send(|| Msg::Enter), Some("unlock"), "unlock here for it (asked again)";
    Reauth [k(Esc)] => Send(|| Msg::Escape), Some("back"), "back to the list (nothing shown or saved)";
    // Import.
    ImportPath [k(Tab)] => Send(|| Msg::NextField), Some("complete"), "complete the path";
    ImportPath [k(Enter)] => Send(|| Msg::Enter), Some("read"), "read the file";
    ImportPath [k(Esc)] => Send(|| Msg::Escape), Some("cancel"), "cancel";
    ImportPassword [k(Enter)] => Send(|| Msg::Enter), Some("decrypt"), "decrypt";
    ImportPassword [k(Esc)] => Send(|| Msg::Escape), Some("cancel"), "cancel";
    Preview [c('k'), k(Up)] => Send(|| Msg::Up), None, "move";
    Preview [c('j'), k(Down)] => Send(|| Msg::Down), None, "move";
    Preview [c(' ')] => Send(|| Msg::Toggle), Some("choose"), "choose the entry or not";
    Preview [c('a')] => Send(|| Msg::ToggleAll), Some("all"), "choose all or none";
    Preview [k(Enter)] => Send(|| Msg::Enter), Some("import chosen"), "import the chosen entries";
    Preview [k(Esc), c('q')] => Send(|| Msg::Escape), Some("cancel"), "cancel";
    // Questions and pages.
    Confirm [c('y'), c('Y')] => Send(|| Msg::Yes), Some("delete"), "delete it";
    Confirm [Key::Other] => Send(|| Msg::Other), Some("keeps it"), "keep it";
    Answer [k(Enter)] => Send(|| Msg::Enter), Some("answer"), "answer";
    Answer [k(Esc)] => Send(|| Msg::Escape), Some("cancel"), "cancel (the key's request fails)";
    YesNo [c('y'), c('Y')] => Send(|| Msg::Yes), Some("yes"), "yes";
    YesNo [Key::Other] => Send(|| Msg::Other), Some("no"), "no";
    Help [c('j'), k(Down)] => Send(|| Msg::Down), Some("scroll"), "scroll";
    Help [c('k'), k(Up)] => Send(|| Msg::Up), Some("scroll"), "scroll";
    Help [k(PageDown)] => Send(|| Msg::PageDown), None, "scroll a page";
    Help [k(PageUp)] => Send(|| Msg::PageUp), None, "scroll a page";
    Help [Key::Other] => Send(|| Msg::Escape), Some("closes"), "close the help";
    Qr [Key::Other] => Send(|| Msg::Escape), Some("hides"), "hide the QR code";
};

/// Marks the list shows beside an entry, as (mark, meaning): the help and README list them
/// after the keys.
pub static MARKS: &[(&str, &str)] = &[("!", "one of two versions a merge kept; delete one (d)")];

/// The help's heading for [`MARKS`].
pub const MARKS_TITLE: &str = "Marks in the list";

/// The rows of one scope, in table order.
pub fn scope(scope: Scope) -> impl Iterator<Item = &'static Binding> {
    KEYS.iter().filter(move |b| b.scope == scope)
}

/// How a key is written in help and README (`short`: the hint bar's spelling).
pub fn label(key: Key, short: bool) -> String {
    match key {
        Key::Plain(code) => match code {
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(ch) => ch.to_string(),
            Enter if short => "⏎".into(),
            Enter => "Enter".into(),
            Esc => "Esc".into(),
            Tab => "Tab".into(),
            BackTab => "Shift-Tab".into(),
            Up => "↑".into(),
            Down => "↓".into(),
            Left => "←".into(),
            Right => "→".into(),
            Home => "Home".into(),
            End => "End".into(),
            PageUp => "PgUp".into(),
            PageDown => "PgDn".into(),
            Backspace => "Backspace".into(),
            Delete => "Del".into(),
            other => format!("{other:?}"),
        },
        Key::Ctrl(ch) => format!("Ctrl-{}", ch.to_ascii_uppercase()),
        Key::Typed => "letters".into(),
        Key::Other => "any other key".into(),
    }
}

/// One line of help: the keys of adjacent rows that share a text, and that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    pub keys: Vec<String>,
    pub text: &'static str,
}

/// The help, by section: (heading, lines). `Anywhere` joins the list's section; the marks
/// ([`MARKS`]) come last.
pub fn help_sections() -> Vec<(&'static str, Vec<HelpLine>)> {
    let mut sections: Vec<(&'static str, Vec<HelpLine>)> = Vec::new();
    let mut last_text = "";
    for binding in KEYS {
        let title = binding.scope.title();
        if sections.last().is_none_or(|(t, _)| *t != title) {
            sections.push((title, Vec::new()));
            last_text = "";
        }
        let keys = binding.keys.iter().map(|k| label(*k, false));
        let Some((_, lines)) = sections.last_mut() else {
            continue;
        };
        match lines.last_mut() {
            Some(line) if last_text == binding.help => line.keys.extend(keys),
            _ => lines.push(HelpLine {
                keys: keys.collect(),
                text: binding.help,
            }),
        }
        last_text = binding.help;
    }
    sections.push((
        MARKS_TITLE,
        MARKS
            .iter()
            .map(|(mark, text)| HelpLine {
                keys: vec![(*mark).to_string()],
                text,
            })
            .collect(),
    ));
    sections
}

/// Lines the help takes: each section's heading and lines, a blank line between sections.
pub fn help_line_count() -> usize {
    let sections = help_sections();
    sections
        .iter()
        .map(|(_, lines)| lines.len() + 1)
        .sum::<usize>()
        + sections.len().saturating_sub(1)
}

/// The hint-bar pairs of a scope: (keys, word); adjacent rows with the same word share a pair
/// (`↑/↓ move`).
pub fn hints(of: Scope) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for binding in scope(of) {
        let (Some(word), Some(first)) = (binding.hint, binding.keys.first()) else {
            continue;
        };
        let key = match first {
            Key::Typed => "type".to_string(),
            other => label(*other, true),
        };
        match out.last_mut() {
            Some((keys, last)) if *last == word => {
                keys.push('/');
                keys.push_str(&key);
            }
            _ => out.push((key, word)),
        }
    }
    out
}

/// README's key table, generated from [`KEYS`] (a test keeps README equal to it).
pub fn markdown() -> String {
    let mut out = String::from("| keys | does |\n|---|---|\n");
    for (title, lines) in help_sections() {
        out.push_str(&format!("| **{title}** | |\n"));
        for line in lines {
            let keys: Vec<String> = line
                .keys
                .iter()
                .map(|k| match k.as_str() {
                    "letters" | "any other key" => k.clone(),
                    "|" => "`\\|`".into(),
                    other => format!("`{other}`"),
                })
                .collect();
            out.push_str(&format!("| {} | {} |\n", keys.join(" "), line.text));
        }
    }
    out
}
