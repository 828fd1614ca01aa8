//! Entra ID's hardware-token upload CSV.

use super::Exported;
use crate::engine::entra;
use crate::engine::entry::Entry;

/// Entra's upload CSV; entries that break Entra's rules are skipped with the reason.
pub fn entra_csv(entries: &[Entry]) -> Exported {
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for entry in entries {
        match entra::row_from_entry(entry) {
            Ok(row) => rows.push(row),
            Err(reason) => skipped.push((entry.name(), reason)),
        }
    }
    Exported {
        bytes: entra::write_csv(&rows),
        skipped,
    }
}
