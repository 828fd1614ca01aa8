//! Text exports: one `otpauth://` URI per entry, or Google Authenticator transfer batches
//! (`otpauth-migration://`, one per line).

use zeroize::Zeroizing;

use super::Exported;
use crate::engine::entry::Entry;
use crate::engine::{migration as transfer, uri};

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

/// Google Authenticator transfer URIs, one batch per line; entries the format cannot carry
/// are skipped with the reason.
pub fn migration(entries: &[Entry], batch_id: i32) -> Exported {
    let (uris, skipped) = transfer::encode(entries, batch_id);
    let mut bytes = Zeroizing::new(Vec::new());
    for line in uris {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    Exported { bytes, skipped }
}
