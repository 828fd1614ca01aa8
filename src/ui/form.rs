//! The add/edit form: fields, live validation, and the entry (or entries) it would save.
//!
//! Promises:
//! - Validation runs after every edit and names the field and the problem (for a secret, the
//!   bad character and its position, from `Secret::parse_base32`).
//! - A whole `otpauth://` (or any format the importer knows, e.g. `otpauth-migration://`) can
//!   be pasted into the first field; a path there is read as a file (a QR image, an export).
//!   When it holds one entry, the fields below show that entry (issuer, account, secret, type,
//!   algorithm, digits, period or counter): what will be saved. Changing one of them hands
//!   over from the URI to the fields.
//! - Editing starts from the entry's view (no seed: the screen holds none) and never shows
//!   the stored secret; leaving the secret empty keeps it, and then no code is computed for
//!   the preview (there is no secret to compute it from).
//! - A file named in the first field is read and decoded by the vault thread
//!   ([`parse_file`]), never while drawing: a big QR picture does not freeze the screen.
//! - Typed text is zeroized (`TextInput`), and `Debug` shows no field's content.

use super::text::{Edit, TextInput};
use crate::engine::import::{self, ImportError, Item};
use crate::engine::otp::{Algorithm, Kind};
use crate::engine::view::EntryView;

/// A form field, in screen order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Uri,
    Issuer,
    Account,
    Secret,
    Type,
    Algorithm,
    Digits,
    /// Period for totp/steam, counter for hotp.
    Number,
    Tags,
}

impl Field {
    pub fn label(self, kind: Kind) -> &'static str {
        match self {
            Field::Uri => "URI or file",
            Field::Issuer => "Issuer",
            Field::Account => "Account",
            Field::Secret => "Secret",
            Field::Type => "Type",
            Field::Algorithm => "Algorithm",
            Field::Digits => "Digits",
            Field::Number if kind == Kind::Hotp => "Counter",
            Field::Number => "Period (s)",
            Field::Tags => "Tags",
        }
    }
}

/// The outcome of validation.
#[derive(Debug)]
pub enum Check {
    /// Nothing typed yet.
    Empty,
    Invalid {
        field: Field,
        message: String,
    },
    /// The first field holds a path: Enter reads the file.
    NeedsRead,
    Ready {
        entries: Vec<crate::engine::entry::Entry>,
        warnings: Vec<String>,
    },
}

/// Adding a new entry or editing one.
#[derive(Debug)]
pub enum Purpose {
    Add,
    Edit(Box<EntryView>),
}

/// What the form wants after a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Cancel,
    /// Save `Check::Ready`'s entries.
    Submit,
    /// Read the file named in the first field.
    ReadFile(String),
}

#[derive(Debug)]
pub struct Form {
    pub purpose: Purpose,
    pub focus: Field,
    pub uri: TextInput,
    pub issuer: TextInput,
    pub account: TextInput,
    pub secret: TextInput,
    pub kind: Kind,
    pub algorithm: Algorithm,
    pub digits: TextInput,
    pub number: TextInput,
    pub tags: TextInput,
    /// Entries read from the file the first field names.
    pub from_file: Option<Vec<Item>>,
    /// The fields below the first one show the one entry it holds (a pasted URI or a file).
    pub filled: bool,
    pub check: Check,
}

impl Form {
    pub fn add() -> Form {
        let mut form = Form {
            purpose: Purpose::Add,
            focus: Field::Uri,
            uri: TextInput::default(),
            issuer: TextInput::default(),
            account: TextInput::default(),
            secret: TextInput::default(),
            kind: Kind::Totp,
            algorithm: Algorithm::Sha1,
            digits: TextInput::new("6"),
            number: TextInput::new("30"),
            tags: TextInput::default(),
            from_file: None,
            filled: false,
            check: Check::Empty,
        };
        form.revalidate();
        form
    }

    pub fn edit(entry: &EntryView) -> Form {
        let number = match entry.kind {
            Kind::Hotp => entry.counter.to_string(),
            _ => entry.period.to_string(),
        };
        let mut form = Form {
            purpose: Purpose::Edit(Box::new(entry.clone())),
            focus: Field::Issuer,
            uri: TextInput::default(),
            issuer: TextInput::new(&entry.issuer),
            account: TextInput::new(&entry.account),
            secret: TextInput::default(),
            kind: entry.kind,
            algorithm: entry.algorithm,
            digits: TextInput::new(&entry.digits.to_string()),
            number: TextInput::new(&number),
            tags: TextInput::new(&entry.tags.join(", ")),
            from_file: None,
            filled: false,
            check: Check::Empty,
        };
        form.revalidate();
        form
    }

    pub fn is_edit(&self) -> bool {
        matches!(self.purpose, Purpose::Edit(_))
    }

    /// Whether saving keeps the stored secret (an edit with the secret field left empty).
    pub fn keeps_secret(&self) -> bool {
        self.is_edit() && self.secret.is_empty()
    }

    /// The fields shown, in order.
    pub fn fields(&self) -> Vec<Field> {
        let mut list = Vec::with_capacity(9);
        if !self.is_edit() {
            list.push(Field::Uri);
        }
        list.extend([Field::Issuer, Field::Account, Field::Secret, Field::Type]);
        if self.kind != Kind::Steam {
            list.extend([Field::Algorithm, Field::Digits]);
        }
        list.extend([Field::Number, Field::Tags]);
        list
    }

    /// Whether the manual fields are ignored because the first field is used.
    pub fn uses_uri(&self) -> bool {
        !self.uri.as_str().trim().is_empty()
    }

    pub fn input(&self, field: Field) -> Option<&TextInput> {
        match field {
            Field::Uri => Some(&self.uri),
            Field::Issuer => Some(&self.issuer),
            Field::Account => Some(&self.account),
            Field::Secret => Some(&self.secret),
            Field::Digits => Some(&self.digits),
            Field::Number => Some(&self.number),
            Field::Tags => Some(&self.tags),
            Field::Type | Field::Algorithm => None,
        }
    }

    fn input_mut(&mut self, field: Field) -> Option<&mut TextInput> {
        match field {
            Field::Uri => Some(&mut self.uri),
            Field::Issuer => Some(&mut self.issuer),
            Field::Account => Some(&mut self.account),
            Field::Secret => Some(&mut self.secret),
            Field::Digits => Some(&mut self.digits),
            Field::Number => Some(&mut self.number),
            Field::Tags => Some(&mut self.tags),
            Field::Type | Field::Algorithm => None,
        }
    }

    /// Moves the focus to the next (or previous) field.
    pub fn step(&mut self, forward: bool) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = fields.len();
        self.focus = fields[if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        }];
    }

    /// Applies an editing key to the focused field.
    pub fn edit_text(&mut self, edit: &Edit) {
        match self.focus {
            Field::Type => {
                let order = [Kind::Totp, Kind::Hotp, Kind::Steam];
                self.kind = cycle(&order, self.kind, edit);
                let number = match self.kind {
                    Kind::Hotp => "0",
                    _ => "30",
                };
                self.number.set(number);
            }
            Field::Algorithm => self.algorithm = cycle(&Algorithm::ALL, self.algorithm, edit),
            field => {
                if field == Field::Uri {
                    self.from_file = None;
                } else if self.filled && self.uses_uri() {
                    // Changing a field the URI filled: the fields take over from the URI.
                    self.uri.set("");
                    self.filled = false;
                }
                if let Some(input) = self.input_mut(field) {
                    input.apply(edit);
                }
            }
        }
        self.revalidate();
        if self.focus == Field::Uri {
            self.fill_from_uri();
        }
    }

    /// When the first field holds exactly one entry, shows it in the fields below, so the
    /// person sees what will be saved (and can change it there).
    fn fill_from_uri(&mut self) {
        let entry = match &self.check {
            Check::Ready { entries, .. } if self.uses_uri() && entries.len() == 1 => {
                entries[0].clone()
            }
            _ => {
                self.filled = false;
                return;
            }
        };
        self.issuer.set(&entry.issuer);
        self.account.set(&entry.account);
        self.secret.set(&entry.secret.to_base32());
        self.kind = entry.kind;
        self.algorithm = entry.algorithm;
        self.digits.set(&entry.digits.to_string());
        self.number.set(&match entry.kind {
            Kind::Hotp => entry.counter.to_string(),
            Kind::Totp | Kind::Steam => entry.period.to_string(),
        });
        self.filled = true;
    }

    /// What Enter does now.
    pub fn submit(&mut self) -> Outcome {
        match &self.check {
            Check::Ready { .. } => Outcome::Submit,
            Check::NeedsRead => Outcome::ReadFile(self.uri.as_str().trim().to_string()),
            Check::Invalid { field, .. } => {
                self.focus = *field;
                Outcome::Stay
            }
            Check::Empty => Outcome::Stay,
        }
    }

    /// Takes in the entries of the file the first field names (see [`parse_file`]).
    pub fn file_read(&mut self, items: Result<Vec<Item>, String>) {
        match items {
            Ok(items) => {
                self.from_file = Some(items);
                self.revalidate();
                self.fill_from_uri();
            }
            Err(message) => self.file_failed(message),
        }
    }

    pub fn file_failed(&mut self, message: String) {
        self.check = Check::Invalid {
            field: Field::Uri,
            message,
        };
    }

    /// Recomputes [`Form::check`].
    pub fn revalidate(&mut self) {
        self.check = self.validate();
    }
}

/// The entries in a file's bytes (a QR image, an export), or why there are none. Slow for a
/// big picture: the vault thread calls it.
pub fn parse_file(bytes: &[u8]) -> Result<Vec<Item>, String> {
    match import::detect(bytes).and_then(|format| format.read(bytes, None)) {
        Ok(items) => Ok(items),
        Err(ImportError::NeedsPassword) => {
            Err("the file is an encrypted export: import it with i instead".into())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Left goes back, anything else forward.
fn cycle<T: Copy + PartialEq>(order: &[T], current: T, edit: &Edit) -> T {
    let at = order.iter().position(|x| *x == current).unwrap_or(0);
    let n = order.len();
    match edit {
        Edit::Left => order[(at + n - 1) % n],
        Edit::Insert(_) | Edit::Right => order[(at + 1) % n],
        _ => current,
    }
}

mod check;

#[cfg(test)]
mod tests;
