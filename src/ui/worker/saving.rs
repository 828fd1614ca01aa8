//! A change saved through an opened session, and the words the status line says about a
//! change (the same for the agent's and the session's), from views: never from seeds.

use crate::engine::entry::EntryId;
use crate::engine::ops::{Op, Outcome};
use crate::engine::store::{ChangeError, Session};
use crate::engine::view::{self, EntryView};
use crate::failure::Failure;
use crate::ui::app::Saved;

/// Every entry's view at `now`.
pub fn views_of(session: &Session, now: u64) -> Result<Vec<EntryView>, String> {
    session
        .vault()
        .entries
        .iter()
        .map(|e| EntryView::of(e, now).map_err(|err| format!("'{}': {err}", e.name())))
        .collect()
}

pub(super) fn save_in(session: &mut Session, op: &Op, now: u64) -> Result<Saved, String> {
    let outcome = session.apply(op, now).map_err(|e| match e {
        ChangeError::Vault(e) => Failure::from(e).message,
        ChangeError::Op(e) => e.to_string(),
    })?;
    let changed = view::changed(session.vault(), &outcome, now).map_err(|e| e.to_string())?;
    let (summary, focus) = describe(&outcome, &changed);
    Ok(Saved {
        entries: views_of(session, now)?,
        summary,
        focus,
    })
}

/// What the status line says about a saved change, and the entry to select afterwards (from
/// the views of the entries as saved, so a counter is the one stored, never computed here).
pub(super) fn describe(outcome: &Outcome, changed: &[EntryView]) -> (String, Option<EntryId>) {
    let find = |id: EntryId| changed.iter().find(|v| v.id == Some(id));
    let name = |view: Option<&EntryView>| view.map(EntryView::name).unwrap_or_default();
    match outcome {
        Outcome::Added { ids, .. } => {
            let added: Vec<_> = ids.iter().flatten().collect();
            let first = added.first().copied().copied();
            let text = match (added.len(), ids.len() - added.len()) {
                (1, 0) => format!("added '{}'", name(first.and_then(find))),
                (n, 0) => format!("added {n} entries"),
                (n, m) => format!("added {n}, skipped {m} already in the vault"),
            };
            (text, first)
        }
        Outcome::Edited { id } => (format!("saved '{}'", name(find(*id))), Some(*id)),
        Outcome::Removed { name, .. } => (format!("deleted '{name}'"), None),
        Outcome::Advanced { id, .. } => {
            let view = find(*id);
            let counter = view.map(|v| v.counter).unwrap_or_default();
            (
                format!("'{}' moved to counter {counter}", name(view)),
                Some(*id),
            )
        }
    }
}
