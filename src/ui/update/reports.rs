//! What the event loop reports back to the state: where a copy went, and the vault as another
//! keyfob left it. Split from `update.rs`, which dispatches to these.
//!
//! Promises: the status line never claims more than keyfob knows (an OSC 52 copy is *sent*,
//! with a one-line hint the first time in a session); a reload keeps the selection on the same
//! entry where it still exists and closes a QR code whose entry went away.

use std::collections::HashSet;

use zeroize::Zeroizing;

use super::super::app::{App, Copied, Effect, Mode, StatusKind, same_shown};
use super::super::hidden::Hidden;
use crate::clipboard::Route;
use crate::engine::view::EntryView;
use crate::engine::width::fit;

/// Columns an entry's name may take in a status message before it is cut with "…".
const NAME_IN_STATUS: usize = 32;

impl App {
    /// Says where a copy went — for OSC 52 that it was *sent* (keyfob cannot see whether the
    /// terminal took it), with a one-line hint the first time in the session.
    pub(super) fn copied(&mut self, result: Copied) {
        match result {
            Copied::Done(route) => {
                let name = self
                    .selected_entry()
                    .map(|e| fit(&e.name(), NAME_IN_STATUS))
                    .unwrap_or_default();
                let seconds = self.settings.clear_seconds;
                self.clipboard_until = (seconds > 0).then(|| self.now + seconds);
                let clearing = match (seconds, route) {
                    (0, _) => String::new(),
                    (s, Route::Osc52 { .. }) => format!(", an empty one in {s} s"),
                    (s, Route::System) => format!(", cleared in {s} s if unchanged"),
                };
                self.set_status(
                    StatusKind::Good,
                    format!("'{name}' {}{clearing}", route.describe()),
                );
                if matches!(route, Route::Osc52 { .. }) && !self.osc52_hinted {
                    self.osc52_hinted = true;
                    self.notice = Some(crate::clipboard::OSC52_HINT);
                }
            }
            Copied::Off => self.set_status(
                StatusKind::Info,
                "not copied: copying is off (clipboard: off in config.ron)",
            ),
            Copied::Failed(e) => self.set_status(StatusKind::Error, format!("copy failed: {e}")),
        }
    }

    /// Takes in the vault as another keyfob left it: the selection stays on the same entry
    /// where it still exists (else on the same row), an entry deleted elsewhere is gone (so it
    /// can no longer be copied), and a QR code on screen is closed if its entry changed.
    pub(super) fn reloaded(&mut self, result: Result<Option<Vec<EntryView>>, String>) {
        if self.is_locked() {
            return;
        }
        let entries = match result {
            Ok(Some(entries)) => entries,
            Ok(None) => return,
            Err(e) => {
                return self.set_status(
                    StatusKind::Error,
                    format!("the vault changed on disk but could not be re-read: {e}"),
                );
            }
        };
        let names = |list: &[EntryView]| -> HashSet<(String, String)> {
            list.iter()
                .map(|e| (e.issuer.clone(), e.account.clone()))
                .collect()
        };
        let (old, new) = (names(&self.entries), names(&entries));
        let added = new.difference(&old).count();
        let removed = old.difference(&new).count();
        // A QR code on screen stays only while its entry is as it was.
        let qr_kept = match &self.mode {
            Mode::Qr(shown) => {
                let find =
                    |list: &[EntryView]| list.iter().find(|e| e.id == Some(shown.id)).cloned();
                match (find(&self.entries), find(&entries)) {
                    (Some(a), Some(b)) => same_shown(&a, &b),
                    _ => false,
                }
            }
            _ => true,
        };
        self.set_entries(entries, None);
        if !qr_kept {
            self.mode = Mode::List;
        }
        let what = match (added, removed) {
            (0, 0) => String::new(),
            (a, 0) => format!(": {a} added"),
            (0, r) => format!(": {r} removed"),
            (a, r) => format!(": {a} added, {r} removed"),
        };
        self.set_status(
            StatusKind::Info,
            format!("the vault was reloaded (changed by another keyfob){what}"),
        );
    }

    /// Asks the loop to copy the selected entry's current code.
    pub(super) fn copy_selected(&mut self, fx: &mut Vec<Effect>) {
        let Some(entry) = self.selected_entry() else {
            return;
        };
        match self.code_now(entry) {
            Some((code, _)) => fx.push(Effect::Copy(Hidden(Zeroizing::new(code.to_string())))),
            None => {
                self.set_status(
                    StatusKind::Info,
                    "fresh codes are on their way; copy again in a moment",
                );
                if !self.refreshing {
                    self.refresh_views(fx);
                }
            }
        }
    }
}
