//! `App::update`: how each message changes the state and which effects it asks for.
//!
//! Promises: pure — no IO and no clock (`now` is the caller's); every change to the vault
//! leaves as an [`Effect::Save`] carrying an [`Op`] (or, for a new secret while an agent holds
//! the vault, an [`Effect::SaveDirect`] after asking again); nothing is saved "on quit". Codes
//! come from each entry's window; fresh windows are asked for ([`Effect::Views`]) when the
//! first current period ends, so no code shown is ever stale.

use super::app::{App, Effect, Mode, Msg, Need, StatusKind};
use super::asking;
use super::form::Form;
use crate::engine::entry::EntryId;
use crate::engine::ops::Op;
use crate::engine::otp::Kind;
use crate::engine::view::EntryView;

impl App {
    /// Handles one message at Unix time `now`; returns the effects for the event loop.
    pub fn update(&mut self, msg: Msg, now: u64) -> Vec<Effect> {
        self.now = now;
        if msg.is_input() {
            self.last_input = now;
            self.notice = None;
        }
        let mut fx = Vec::new();
        match msg {
            Msg::Tick => self.tick(&mut fx),
            Msg::Resize { width, height } => {
                self.size = (width, height);
                self.scroll_into_view();
            }
            Msg::Quit => fx.push(Effect::Quit),
            Msg::Copied(result) => self.copied(result),
            Msg::Cleared(result) if !self.is_locked() => match result {
                Ok(done) => self.set_status(StatusKind::Info, done.describe()),
                Err(e) => self.set_status(
                    StatusKind::Error,
                    format!("clearing the clipboard failed: {e}"),
                ),
            },
            Msg::Cleared(_) => {}
            Msg::Saved(result) => {
                self.pending = self.pending.saturating_sub(1);
                let asked =
                    matches!(&self.mode, Mode::Reauth(r) if matches!(r.need, Need::Save(_)));
                match result {
                    Ok(saved) if !self.is_locked() => {
                        if asked {
                            self.mode = Mode::List;
                        }
                        self.set_entries(saved.entries, saved.focus);
                        self.set_status(StatusKind::Good, saved.summary);
                    }
                    Ok(_) => {}
                    Err(e) => match &mut self.mode {
                        Mode::Reauth(reauth) if asked => {
                            reauth.lock.busy = false;
                            reauth.lock.error = Some(e);
                        }
                        _ => self.set_status(StatusKind::Error, e),
                    },
                }
            }
            Msg::Views(result) => {
                self.refreshing = false;
                match result {
                    Ok(views) if !self.is_locked() => self.set_views(views),
                    Ok(_) => {}
                    Err(e) => self.set_status(
                        StatusKind::Error,
                        format!("fresh codes could not be had: {e}"),
                    ),
                }
            }
            Msg::AgentGone(why) => self.agent_gone(why, &mut fx),
            Msg::AgentPid(pid) => self.agent_pid = Some(pid),
            Msg::AgentLocked => {
                if let Mode::Locked(lock) = &mut self.mode
                    && lock.why.is_none()
                {
                    lock.why = Some(format!(
                        "'{}' is locked, and so is its agent; codes were cleared.",
                        self.settings.vault_name
                    ));
                }
            }
            Msg::Revealed(result) => {
                self.pending = self.pending.saturating_sub(1);
                self.revealed(result);
            }
            Msg::Clock(health) => self.clock = health,
            Msg::Sharing(sharing) => self.sharing = sharing,
            Msg::VaultChanged if !self.is_locked() => {
                self.pending += 1;
                fx.push(Effect::Reload);
            }
            Msg::VaultChanged => {}
            Msg::Reloaded(result) => {
                self.pending = self.pending.saturating_sub(1);
                self.reloaded(result);
            }
            Msg::Unlocked(result) => {
                self.pending = self.pending.saturating_sub(1);
                self.unlocked(result);
            }
            Msg::FormRead(items) => {
                if let Mode::Form(form) = &mut self.mode {
                    form.file_read(items);
                }
            }
            Msg::ImportRead(read) => {
                if let Mode::Import(flow) = &mut self.mode {
                    flow.read(read);
                }
            }
            Msg::Completed(list) => {
                if let Mode::Import(flow) = &mut self.mode {
                    flow.completed(list);
                }
            }
            Msg::Asked(question) => self.asked(question),
            input => {
                let mode = std::mem::take(&mut self.mode);
                self.mode = match mode {
                    Mode::List => self.on_list(input, &mut fx),
                    Mode::Filter => self.on_filter(input, &mut fx),
                    Mode::Help { scroll } => self.on_help(scroll, &input),
                    // Any key hides the code; its URI is wiped as it drops.
                    Mode::Qr(_) => Mode::List,
                    Mode::Reauth(reauth) => self.on_reauth(reauth, input, &mut fx),
                    Mode::ConfirmDelete(entry) => {
                        if matches!(input, Msg::Yes) {
                            if let Some(id) = self.stored_id(&entry) {
                                self.save(Op::Remove { id }, &mut fx);
                            }
                        } else {
                            self.set_status(StatusKind::Info, "nothing was deleted");
                        }
                        Mode::List
                    }
                    Mode::Form(form) => self.on_form(form, input, &mut fx),
                    Mode::Import(flow) => self.on_import(flow, input, &mut fx),
                    Mode::Locked(lock) => {
                        locking::on_locked(lock, input, &mut self.pending, &mut fx)
                    }
                    Mode::Asking(asking) => asking::on_asking(asking, input, &mut fx),
                };
            }
        }
        fx
    }

    fn tick(&mut self, fx: &mut Vec<Effect>) {
        if self.clipboard_until.is_some_and(|t| self.now >= t) {
            self.clipboard_until = None;
            fx.push(Effect::ClearClipboard);
        }
        let idle = self.settings.idle_lock_minutes.saturating_mul(60);
        if idle > 0 && !self.is_locked() && self.now.saturating_sub(self.last_input) >= idle {
            self.lock(fx, true);
        }
        if !self.is_locked()
            && !self.refreshing
            && self.views_due.is_some_and(|due| self.now >= due)
        {
            self.refresh_views(fx);
        }
    }

    /// Asks for fresh code windows.
    pub(super) fn refresh_views(&mut self, fx: &mut Vec<Effect>) {
        self.refreshing = true;
        fx.push(Effect::Views);
    }

    fn save(&mut self, op: Op, fx: &mut Vec<Effect>) {
        self.pending += 1;
        self.set_status(StatusKind::Busy, "saving…");
        fx.push(Effect::Save(op));
    }

    /// The id a change to `entry` names. Every entry of an opened vault has one; if this one
    /// does not, the status line says so and nothing is saved.
    fn stored_id(&mut self, entry: &EntryView) -> Option<EntryId> {
        if entry.id.is_none() {
            self.set_status(
                StatusKind::Error,
                format!("'{}' has no id yet; nothing was saved", entry.name()),
            );
        }
        entry.id
    }

    fn on_list(&mut self, msg: Msg, fx: &mut Vec<Effect>) -> Mode {
        let page = isize::try_from(self.list_rows()).unwrap_or(1);
        match msg {
            Msg::Up => self.move_by(-1),
            Msg::Down => self.move_by(1),
            Msg::Top => self.move_by(isize::MIN),
            Msg::Bottom => self.move_by(isize::MAX),
            Msg::PageUp => self.move_by(-page),
            Msg::PageDown => self.move_by(page),
            Msg::StartFilter => return Mode::Filter,
            Msg::Escape if !self.filter.is_empty() => {
                self.filter.take();
                self.refilter();
            }
            Msg::Copy | Msg::Enter => self.copy_selected(fx),
            Msg::Add => return Mode::Form(Box::new(Form::add())),
            Msg::EditEntry => {
                if let Some(entry) = self.selected_entry() {
                    return Mode::Form(Box::new(Form::edit(entry)));
                }
            }
            Msg::Delete => {
                if let Some(entry) = self.selected_entry() {
                    return Mode::ConfirmDelete(Box::new(entry.clone()));
                }
            }
            Msg::NextCode => match self.selected_entry() {
                Some(entry) if entry.kind == Kind::Hotp => {
                    let entry = entry.clone();
                    if let Some(id) = self.stored_id(&entry) {
                        self.save(Op::Advance { id }, fx);
                    }
                }
                Some(_) => self.set_status(
                    StatusKind::Info,
                    "n moves a HOTP (counter) entry to its next code; this entry is time-based",
                ),
                None => {}
            },
            Msg::ShowQr => {
                if let Some(entry) = self.selected_entry().cloned()
                    && let Some(id) = self.stored_id(&entry)
                {
                    return self.show_qr(id, entry.name(), fx);
                }
            }
            Msg::Help => return Mode::Help { scroll: 0 },
            Msg::Import => return Mode::Import(Box::default()),
            Msg::LockNow => {
                self.lock(fx, false);
                return std::mem::take(&mut self.mode);
            }
            _ => {}
        }
        Mode::List
    }

    /// The help pager: the moving keys scroll it, any other key closes it.
    fn on_help(&self, scroll: usize, msg: &Msg) -> Mode {
        let page = self.help_rows();
        let scroll = match msg {
            Msg::Down => scroll.saturating_add(1),
            Msg::Up => scroll.saturating_sub(1),
            Msg::PageDown => scroll.saturating_add(page),
            Msg::PageUp => scroll.saturating_sub(page),
            _ => return Mode::List,
        };
        Mode::Help {
            scroll: scroll.min(self.help_max_scroll()),
        }
    }

    fn on_filter(&mut self, msg: Msg, fx: &mut Vec<Effect>) -> Mode {
        match msg {
            Msg::Text(edit) if self.filter.apply(&edit) => self.refilter(),
            Msg::Up => self.move_by(-1),
            Msg::Down => self.move_by(1),
            Msg::Enter => {
                // `/sla⏎`: keep the filter, back to the list, and copy the selected match.
                self.copy_selected(fx);
                return Mode::List;
            }
            Msg::Escape => {
                self.filter.take();
                self.refilter();
                return Mode::List;
            }
            _ => {}
        }
        Mode::Filter
    }
}

mod dialogs;

mod locking;
mod reports;

#[cfg(test)]
pub(crate) mod tests;
