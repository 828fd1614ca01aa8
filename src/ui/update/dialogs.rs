//! The add/edit form and the import dialog: keys in, the change out. Split from `update.rs`,
//! which dispatches here.
//!
//! Promises: a form's edit saves only the fields the person changed (a patch from the entry's
//! view); a new secret, while an agent holds the vault, is saved only after asking again; an
//! import saves only what the person chose in the preview; files are read by the vault thread.

use super::super::app::{App, Effect, Mode, Msg, Need, ReadPurpose, StatusKind};
use super::super::form::{self, Check, Form};
use super::super::import_flow::{self, ImportFlow, Stage};
use super::super::text::Edit;
use crate::engine::ops::{Op, Patch};

impl App {
    pub(super) fn on_form(&mut self, mut form: Box<Form>, msg: Msg, fx: &mut Vec<Effect>) -> Mode {
        match msg {
            Msg::Text(edit) => form.edit_text(&edit),
            Msg::Toggle => form.edit_text(&Edit::Insert(' ')),
            Msg::NextField | Msg::Down => form.step(true),
            Msg::PrevField | Msg::Up => form.step(false),
            Msg::Escape => {
                self.set_status(StatusKind::Info, "nothing was saved");
                return Mode::List;
            }
            Msg::Enter => match form.submit() {
                form::Outcome::Submit => {
                    let Check::Ready { entries, .. } =
                        std::mem::replace(&mut form.check, Check::Empty)
                    else {
                        return Mode::Form(form);
                    };
                    let new_secret = !form.keeps_secret();
                    let op = match &form.purpose {
                        form::Purpose::Edit(target) => {
                            // Only the fields the person changed: an edit made meanwhile to
                            // other fields of the entry (another keyfob) is kept.
                            let mut patch = match entries.first() {
                                Some(with) => Patch::between_view(target, with),
                                None => Patch::default(),
                            };
                            if new_secret {
                                patch.secret = entries.first().map(|e| e.secret.clone());
                            }
                            if patch.is_empty() {
                                self.set_status(StatusKind::Info, "nothing was changed");
                                return Mode::List;
                            }
                            match self.stored_id(target) {
                                Some(id) => Op::Edit {
                                    id,
                                    patch: Box::new(patch),
                                },
                                None => return Mode::List,
                            }
                        }
                        form::Purpose::Add => Op::Add(entries),
                    };
                    if self.agent && new_secret && form.is_edit() {
                        // A new secret is set with the vault unlocked here: ask again.
                        return self.reauth(Need::Save(op));
                    }
                    self.save(op, fx);
                    return Mode::List;
                }
                form::Outcome::ReadFile(path) => fx.push(Effect::ReadFile {
                    path,
                    purpose: ReadPurpose::Form,
                }),
                form::Outcome::Stay | form::Outcome::Cancel => {}
            },
            _ => {}
        }
        Mode::Form(form)
    }

    pub(super) fn on_import(
        &mut self,
        mut flow: Box<ImportFlow>,
        msg: Msg,
        fx: &mut Vec<Effect>,
    ) -> Mode {
        let outcome = match msg {
            Msg::Text(edit) => {
                if matches!(flow.stage, Stage::Preview { .. }) {
                    if edit == Edit::Insert('a') {
                        flow.toggle(true);
                    }
                } else {
                    flow.edit_text(&edit);
                }
                import_flow::Outcome::Stay
            }
            Msg::NextField => flow.tab(),
            Msg::Enter => flow.enter(),
            Msg::Up => {
                flow.move_cursor(-1);
                import_flow::Outcome::Stay
            }
            Msg::Down => {
                flow.move_cursor(1);
                import_flow::Outcome::Stay
            }
            Msg::Toggle | Msg::ToggleAll => {
                flow.toggle(matches!(msg, Msg::ToggleAll));
                import_flow::Outcome::Stay
            }
            Msg::Escape => import_flow::Outcome::Cancel,
            _ => import_flow::Outcome::Stay,
        };
        match outcome {
            import_flow::Outcome::Stay => {}
            import_flow::Outcome::Cancel => {
                self.set_status(StatusKind::Info, "nothing was imported");
                return Mode::List;
            }
            import_flow::Outcome::ReadFile(path) => fx.push(Effect::ReadFile {
                path,
                purpose: ReadPurpose::Import,
            }),
            import_flow::Outcome::Complete(path) => fx.push(Effect::Complete(path)),
            import_flow::Outcome::Decrypt {
                path,
                format,
                bytes,
                password,
            } => fx.push(Effect::Decrypt {
                path,
                format,
                bytes,
                password,
            }),
            import_flow::Outcome::Import(entries) => {
                self.save(Op::Add(entries), fx);
                return Mode::List;
            }
        }
        Mode::Import(flow)
    }
}
