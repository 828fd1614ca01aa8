//! The add/edit form: fields, live validation, and the entry (or entries) it would save.
//!
//! Promises:
//! - Validation runs after every edit and names the field and the problem (for a secret, the
//!   bad character and its position, from `Secret::parse_base32`).
//! - A whole `otpauth://` (or any format the importer knows, e.g. `otpauth-migration://`) can
//!   be pasted into the first field; a path there is read as a file (a QR image, an export).
//! - Editing never shows the stored secret; leaving the secret empty keeps it.
//! - Typed text is zeroized (`TextInput`), and `Debug` shows no field's content.

use super::text::{Edit, TextInput};
use crate::engine::entry::Entry;
use crate::engine::import::{self, ImportError, Item};
use crate::engine::otp::{self, Algorithm, Kind};
use crate::engine::secret::Secret;

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
        entries: Vec<Entry>,
        warnings: Vec<String>,
    },
}

/// Adding a new entry or editing one.
#[derive(Debug)]
pub enum Purpose {
    Add,
    Edit(Box<Entry>),
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
            check: Check::Empty,
        };
        form.revalidate();
        form
    }

    pub fn edit(entry: &Entry) -> Form {
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
            check: Check::Empty,
        };
        form.revalidate();
        form
    }

    pub fn is_edit(&self) -> bool {
        matches!(self.purpose, Purpose::Edit(_))
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
                }
                if let Some(input) = self.input_mut(field) {
                    input.apply(edit);
                }
            }
        }
        self.revalidate();
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

    /// Takes in the bytes of the file the first field names.
    pub fn file_read(&mut self, bytes: &[u8]) {
        let items = import::detect(bytes).and_then(|format| format.read(bytes, None));
        self.check = match items {
            Ok(items) => {
                self.from_file = Some(items);
                return self.revalidate();
            }
            Err(ImportError::NeedsPassword) => Check::Invalid {
                field: Field::Uri,
                message: "the file is an encrypted export: import it with i instead".into(),
            },
            Err(e) => Check::Invalid {
                field: Field::Uri,
                message: e.to_string(),
            },
        };
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

    fn validate(&self) -> Check {
        if self.uses_uri() {
            return self.validate_uri();
        }
        let adding = !self.is_edit();
        if adding && self.issuer.is_empty() && self.account.is_empty() && self.secret.is_empty() {
            return Check::Empty;
        }
        match self.build() {
            Ok((entry, warnings)) => Check::Ready {
                entries: vec![entry],
                warnings,
            },
            Err((field, message)) => Check::Invalid { field, message },
        }
    }

    fn validate_uri(&self) -> Check {
        let text = self.uri.as_str().trim();
        let items = if let Some(items) = &self.from_file {
            Ok(items.clone())
        } else if text.contains("://") {
            import::detect(text.as_bytes()).and_then(|f| f.read(text.as_bytes(), None))
        } else {
            return Check::NeedsRead;
        };
        let items = match items {
            Ok(items) => items,
            Err(e) => {
                return Check::Invalid {
                    field: Field::Uri,
                    message: e.to_string(),
                };
            }
        };
        let mut entries = Vec::new();
        let mut warnings = Vec::new();
        for item in items {
            match item {
                Item::Entry(entry) => entries.push(*entry),
                Item::Failed { what, reason } => warnings.push(format!("{what}: {reason}")),
                Item::Warning { .. } => {}
            }
        }
        if entries.is_empty() {
            let message = warnings
                .pop()
                .unwrap_or_else(|| "no entry found in it".into());
            return Check::Invalid {
                field: Field::Uri,
                message,
            };
        }
        let tags = split_tags(self.tags.as_str());
        for entry in &mut entries {
            entry.tags.extend(tags.iter().cloned());
            if entry.secret.is_short() {
                warnings.push(short_warning(entry));
            }
        }
        Check::Ready { entries, warnings }
    }

    /// The entry the manual fields describe, or the field at fault and why.
    fn build(&self) -> Result<(Entry, Vec<String>), (Field, String)> {
        let original = match &self.purpose {
            Purpose::Edit(entry) => Some(entry),
            Purpose::Add => None,
        };
        let issuer = self.issuer.as_str().trim();
        let account = self.account.as_str().trim();
        let secret = match (original, self.secret.is_empty()) {
            (Some(entry), true) => entry.secret.clone(),
            _ => Secret::parse_base32(self.secret.as_str())
                .map_err(|e| (Field::Secret, e.to_string()))?,
        };
        if issuer.is_empty() && account.is_empty() {
            return Err((Field::Issuer, "give an issuer or an account name".into()));
        }
        let mut entry = match original {
            Some(entry) => (**entry).clone(),
            None => Entry::new("", "", secret.clone()),
        };
        entry.issuer = issuer.to_string();
        entry.account = account.to_string();
        entry.secret = secret;
        entry.kind = self.kind;
        entry.algorithm = self.algorithm;
        if self.kind != Kind::Steam {
            entry.digits = number(self.digits.as_str())
                .filter(|d| (otp::MIN_DIGITS..=otp::MAX_DIGITS).contains(d))
                .ok_or((Field::Digits, "use 6 to 10 (6 is usual)".to_string()))?;
        }
        match self.kind {
            Kind::Hotp => {
                entry.counter = number(self.number.as_str())
                    .ok_or((Field::Number, "a whole number, 0 or more".to_string()))?;
            }
            Kind::Totp | Kind::Steam => {
                entry.period = number(self.number.as_str())
                    .filter(|p| (1..=otp::MAX_PERIOD).contains(p))
                    .ok_or((
                        Field::Number,
                        "seconds from 1 to 86400 (30 or 60 are usual)".to_string(),
                    ))?;
            }
        }
        entry.tags = split_tags(self.tags.as_str());
        entry
            .validate()
            .map_err(|e| (Field::Number, e.to_string()))?;
        let mut warnings = Vec::new();
        if entry.secret.is_short() {
            warnings.push(short_warning(&entry));
        }
        Ok((entry, warnings))
    }
}

fn short_warning(entry: &Entry) -> String {
    format!(
        "'{}': the secret is only {} bits (128 are recommended; hardware tokens use fewer)",
        entry.name(),
        entry.secret.bits()
    )
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.trim().parse().ok()
}

fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
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

#[cfg(test)]
mod tests;
