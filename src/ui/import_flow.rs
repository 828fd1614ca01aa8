//! The import dialog: a path (with file-name completion), a password if the export is
//! encrypted, then a preview where the person picks what to add.
//!
//! Promises: nothing is written before the person confirms the preview; the format is
//! detected from the content (`engine::import::detect`), so formats added to the engine appear
//! here without changes; duplicates and failures are listed with their reason, never added.
//! Reading, decoding (a QR picture can take a while), decrypting and sorting out duplicates
//! happen on the vault thread ([`decode`], [`Read`]), never while drawing; this state only
//! takes in what they gave.

use zeroize::Zeroizing;

use super::hidden::Hidden;
use super::text::{Edit, TextInput};
use crate::engine::entry::Entry;
use crate::engine::import::{DuplicateOf, Plan};

mod decode;

pub use decode::{Decoded, Read, decode};

/// One line of the preview.
#[derive(Debug)]
pub struct Row {
    pub label: String,
    pub state: RowState,
}

#[derive(Debug)]
pub enum RowState {
    New {
        entry: Box<Entry>,
        chosen: bool,
    },
    Duplicate(DuplicateOf),
    Failed(String),
    /// Something worth knowing that blocks nothing (two tokens with one serial number).
    Warning(String),
}

#[derive(Debug)]
pub enum Stage {
    Path {
        input: TextInput,
        /// Candidates from the last Tab, when there were several.
        choices: Vec<String>,
        error: Option<String>,
    },
    Password {
        path: String,
        format: &'static str,
        bytes: Hidden<Zeroizing<Vec<u8>>>,
        input: TextInput,
        error: Option<String>,
    },
    Preview {
        path: String,
        format: &'static str,
        rows: Vec<Row>,
        cursor: usize,
    },
}

/// What the dialog wants after a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Cancel,
    ReadFile(String),
    Complete(String),
    /// Decrypt the export with the typed password (on the vault thread).
    Decrypt {
        path: String,
        format: &'static str,
        bytes: Hidden<Zeroizing<Vec<u8>>>,
        password: Hidden<Zeroizing<String>>,
    },
    Import(Vec<Entry>),
}

#[derive(Debug)]
pub struct ImportFlow {
    pub stage: Stage,
}

impl Default for ImportFlow {
    fn default() -> Self {
        ImportFlow {
            stage: Stage::Path {
                input: TextInput::default(),
                choices: Vec::new(),
                error: None,
            },
        }
    }
}

impl ImportFlow {
    pub fn edit_text(&mut self, edit: &Edit) {
        match &mut self.stage {
            Stage::Path { input, choices, .. } => {
                if input.apply(edit) {
                    choices.clear();
                }
            }
            Stage::Password { input, .. } => {
                input.apply(edit);
            }
            Stage::Preview { .. } => {}
        }
    }

    pub fn tab(&self) -> Outcome {
        match &self.stage {
            Stage::Path { input, .. } => Outcome::Complete(input.as_str().to_string()),
            _ => Outcome::Stay,
        }
    }

    pub fn enter(&mut self) -> Outcome {
        match &mut self.stage {
            Stage::Path { input, error, .. } => {
                let path = input.as_str().trim().to_string();
                if path.is_empty() {
                    *error = Some("type the path of an export file (Tab completes)".into());
                    return Outcome::Stay;
                }
                Outcome::ReadFile(path)
            }
            Stage::Password {
                path,
                format,
                bytes,
                input,
                error,
            } => {
                *error = Some("decrypting…".into());
                Outcome::Decrypt {
                    path: path.clone(),
                    format,
                    bytes: bytes.clone(),
                    password: Hidden(input.take()),
                }
            }
            Stage::Preview { rows, .. } => {
                let chosen: Vec<Entry> = rows
                    .iter()
                    .filter_map(|row| match &row.state {
                        RowState::New {
                            entry,
                            chosen: true,
                        } => Some((**entry).clone()),
                        _ => None,
                    })
                    .collect();
                if chosen.is_empty() {
                    return Outcome::Cancel;
                }
                Outcome::Import(chosen)
            }
        }
    }

    /// Takes in what the vault thread made of the file (or of its decryption).
    pub fn read(&mut self, read: Read) {
        match read {
            Read::Preview { path, format, rows } => {
                self.stage = Stage::Preview {
                    path,
                    format,
                    rows,
                    cursor: 0,
                };
            }
            Read::Password {
                path,
                format,
                bytes,
            } => {
                self.stage = Stage::Password {
                    path,
                    format,
                    bytes,
                    input: TextInput::default(),
                    error: None,
                };
            }
            Read::WrongPassword => {
                if let Stage::Password { error, .. } = &mut self.stage {
                    *error = Some("wrong password; try again".into());
                }
            }
            Read::Failed(message) => match &mut self.stage {
                Stage::Password { error, .. } => *error = Some(message),
                _ => self.path_error(message),
            },
        }
    }

    pub fn path_error(&mut self, message: String) {
        if let Stage::Path { error, .. } = &mut self.stage {
            *error = Some(message);
        }
    }

    /// Takes in the completions of the typed path.
    pub fn completed(&mut self, mut candidates: Vec<String>) {
        let Stage::Path {
            input,
            choices,
            error,
        } = &mut self.stage
        else {
            return;
        };
        candidates.sort();
        *error = None;
        match candidates.as_slice() {
            [] => *error = Some("no file name starts like that".into()),
            [one] => {
                input.set(one);
                choices.clear();
            }
            many => {
                let prefix = common_prefix(many);
                if prefix.chars().count() > input.len() {
                    input.set(&prefix);
                }
                *choices = candidates;
            }
        }
    }

    pub fn move_cursor(&mut self, delta: isize) {
        if let Stage::Preview { rows, cursor, .. } = &mut self.stage {
            let last = rows.len().saturating_sub(1);
            *cursor = cursor.saturating_add_signed(delta).min(last);
        }
    }

    pub fn toggle(&mut self, all: bool) {
        let Stage::Preview { rows, cursor, .. } = &mut self.stage else {
            return;
        };
        if all {
            let any_off = rows
                .iter()
                .any(|r| matches!(r.state, RowState::New { chosen: false, .. }));
            for row in rows.iter_mut() {
                if let RowState::New { chosen, .. } = &mut row.state {
                    *chosen = any_off;
                }
            }
        } else if let Some(RowState::New { chosen, .. }) =
            rows.get_mut(*cursor).map(|r| &mut r.state)
        {
            *chosen = !*chosen;
        }
    }
}

/// The preview's rows for a plan: the new entries (chosen), then duplicates, failures and
/// warnings.
pub fn rows(plan: Plan) -> Vec<Row> {
    let mut rows = Vec::with_capacity(
        plan.added.len() + plan.duplicates.len() + plan.failed.len() + plan.warnings.len(),
    );
    rows.extend(plan.added.into_iter().map(|entry| Row {
        label: entry.name(),
        state: RowState::New {
            entry: Box::new(entry),
            chosen: true,
        },
    }));
    rows.extend(plan.duplicates.into_iter().map(|duplicate| Row {
        label: duplicate.entry.name(),
        state: RowState::Duplicate(duplicate.of),
    }));
    rows.extend(plan.failed.into_iter().map(|(what, reason)| Row {
        label: what,
        state: RowState::Failed(reason),
    }));
    rows.extend(plan.warnings.into_iter().map(|(what, text)| Row {
        label: what,
        state: RowState::Warning(text),
    }));
    rows
}

fn common_prefix(list: &[String]) -> String {
    let Some(first) = list.first() else {
        return String::new();
    };
    let mut len = first.len();
    for other in &list[1..] {
        len = first
            .char_indices()
            .zip(other.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_completion_and_preview() {
        let mut flow = ImportFlow::default();
        flow.edit_text(&Edit::Paste("/tmp/ex".into()));
        assert_eq!(flow.tab(), Outcome::Complete("/tmp/ex".into()));
        flow.completed(vec!["/tmp/export-b.txt".into(), "/tmp/export-a.txt".into()]);
        let Stage::Path { input, choices, .. } = &flow.stage else {
            panic!()
        };
        assert_eq!(input.as_str(), "/tmp/export-");
        assert_eq!(choices.len(), 2);
        let existing =
            vec![crate::engine::uri::parse("otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP").unwrap()];
        let bytes = b"otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\notpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP\nnot a uri\n";
        let Decoded::Items { format, items } =
            decode("x.txt", Zeroizing::new(bytes.to_vec()), None)
        else {
            panic!("not decoded")
        };
        flow.read(Read::Preview {
            path: "x.txt".into(),
            format,
            rows: rows(crate::engine::import::plan(&existing, items)),
        });
        let Stage::Preview { rows, .. } = &flow.stage else {
            panic!("{:?}", flow.stage)
        };
        assert_eq!(rows.len(), 3);
        assert!(matches!(
            rows[1].state,
            RowState::Duplicate(DuplicateOf::Vault)
        ));
        assert!(matches!(rows[2].state, RowState::Failed(_)));
        flow.toggle(false);
        assert_eq!(flow.enter(), Outcome::Cancel, "nothing chosen");
        flow.toggle(true);
        let Outcome::Import(list) = flow.enter() else {
            panic!()
        };
        assert_eq!(list[0].name(), "B:b");
    }
}
