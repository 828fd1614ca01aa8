//! Writing entries out for other apps: one module per format.
//!
//! Promises: exports that carry secrets return zeroizing buffers; entries a format cannot
//! carry are listed with the reason instead of being dropped silently.

use zeroize::Zeroizing;

use super::entra;
use super::entry::Entry;
use super::uri;

/// An export's bytes and the entries left out of it, with reasons.
#[derive(Debug)]
pub struct Exported {
    pub bytes: Zeroizing<Vec<u8>>,
    pub skipped: Vec<(String, String)>,
}

/// One `otpauth://` URI per line.
pub fn otpauth(entries: &[Entry]) -> Exported {
    let mut bytes = Zeroizing::new(Vec::new());
    for entry in entries {
        bytes.extend_from_slice(uri::to_uri(entry).as_bytes());
        bytes.push(b'\n');
    }
    Exported {
        bytes,
        skipped: Vec::new(),
    }
}

/// Entra's hardware-token upload CSV; entries that break Entra's rules are skipped.
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
