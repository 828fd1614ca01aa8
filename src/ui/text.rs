//! A one-line text field: what the filter, the form fields and the password prompts edit.
//!
//! Promises: the text lives in a `Zeroizing<String>` (wiped when dropped or replaced), `Debug`
//! never shows it, and a field marked secret is only ever drawn as bullets by the view.

use zeroize::Zeroizing;

/// The editing keys a text field understands (the keymap turns key events into these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    /// Pasted text; line breaks are dropped.
    Paste(String),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    /// Ctrl-U: clear the whole field.
    Clear,
    /// Ctrl-W: delete the word before the cursor.
    DeleteWord,
}

/// A line of text and a cursor (counted in characters).
#[derive(Default, Clone)]
pub struct TextInput {
    text: Zeroizing<String>,
    cursor: usize,
}

impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextInput(<{} chars>)", self.text.chars().count())
    }
}

impl TextInput {
    pub fn new(text: &str) -> TextInput {
        TextInput {
            text: Zeroizing::new(text.to_string()),
            cursor: text.chars().count(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Characters before the cursor.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn len(&self) -> usize {
        self.text.chars().count()
    }

    /// Replaces the text (wiping the old one) and puts the cursor at the end.
    pub fn set(&mut self, text: &str) {
        *self = TextInput::new(text);
    }

    /// Takes the text out, leaving the field empty.
    pub fn take(&mut self) -> Zeroizing<String> {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Applies an edit; returns whether the text changed.
    pub fn apply(&mut self, edit: &Edit) -> bool {
        match edit {
            Edit::Insert(c) => {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, *c);
                self.cursor += 1;
                true
            }
            Edit::Paste(s) => {
                let clean: Zeroizing<String> = Zeroizing::new(
                    s.chars()
                        .filter(|c| !crate::engine::printable::is_unsafe(*c))
                        .collect(),
                );
                let at = self.byte_at(self.cursor);
                self.text.insert_str(at, &clean);
                self.cursor += clean.chars().count();
                !clean.is_empty()
            }
            Edit::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                true
            }
            Edit::Delete if self.cursor < self.len() => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                true
            }
            Edit::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                false
            }
            Edit::Right => {
                self.cursor = (self.cursor + 1).min(self.len());
                false
            }
            Edit::Home => {
                self.cursor = 0;
                false
            }
            Edit::End => {
                self.cursor = self.len();
                false
            }
            Edit::Clear => {
                let changed = !self.text.is_empty();
                self.take();
                changed
            }
            Edit::DeleteWord => {
                let chars: Vec<char> = self.text.chars().take(self.cursor).collect();
                let mut start = chars.len();
                while start > 0 && chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                while start > 0 && !chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
                self.text.replace_range(from..to, "");
                self.cursor = start;
                from != to
            }
            Edit::Backspace | Edit::Delete => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_at_the_cursor() {
        let mut t = TextInput::new("héllo");
        t.apply(&Edit::Left);
        t.apply(&Edit::Backspace);
        assert_eq!(t.as_str(), "hélo");
        t.apply(&Edit::Home);
        t.apply(&Edit::Insert('¡'));
        assert_eq!(t.as_str(), "¡hélo");
        t.apply(&Edit::End);
        t.apply(&Edit::Paste("a\nb".into()));
        assert_eq!(t.as_str(), "¡héloab");
        t.apply(&Edit::Insert(' '));
        t.apply(&Edit::Insert('x'));
        t.apply(&Edit::DeleteWord);
        assert_eq!(t.as_str(), "¡héloab ");
        assert!(t.apply(&Edit::Clear));
        assert!(t.is_empty());
        assert_eq!(format!("{t:?}"), "TextInput(<0 chars>)");
    }
}
