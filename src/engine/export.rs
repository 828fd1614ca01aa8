//! Writing entries out for other apps: one module per format.
//!
//! Promises: exports that carry secrets return zeroizing buffers; entries a format cannot
//! carry are listed with the reason instead of being dropped silently. Nothing here draws on
//! a terminal: the QR "drawing" is a plain string of half-block characters.

use zeroize::Zeroizing;

mod aegis;
mod entra_csv;
mod otpauth;
mod qr;

pub use aegis::aegis;
pub use entra_csv::entra_csv;
pub use otpauth::{migration, otpauth};
pub use qr::{QrCodes, qr_codes, qr_png, qr_text};

/// An export's bytes and the entries left out of it, with reasons.
#[derive(Debug)]
pub struct Exported {
    pub bytes: Zeroizing<Vec<u8>>,
    pub skipped: Vec<(String, String)>,
}

/// Why an export could not be made at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error("the PNG image cannot be made: {0}")]
    Png(String),
    #[error("there is nothing to export{0}")]
    Nothing(String),
}

/// A random id tying a Google Authenticator transfer's batches together.
pub fn new_batch_id() -> Result<i32, ExportError> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|e| ExportError::Random(e.to_string()))?;
    Ok(i32::from_le_bytes(bytes) & i32::MAX)
}
