//! What the vault thread makes of the import dialog's file: its bytes decoded (with a
//! password, once asked) into items, and what the dialog is told ([`Read`]). Split from
//! `import_flow.rs`, the dialog's state.
//!
//! Promise: pure apart from the decoding work itself; the bytes and the password stay in wiped
//! buffers.

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::Row;
use crate::engine::import::{self, ImportError, Item};
use crate::ui::hidden::Hidden;

/// What the vault thread made of the dialog's file.
#[derive(Debug)]
pub enum Read {
    /// Its entries, sorted against the vault.
    Preview {
        path: String,
        format: &'static str,
        rows: Vec<Row>,
    },
    /// An encrypted export: ask its password.
    Password {
        path: String,
        format: &'static str,
        bytes: Hidden<Zeroizing<Vec<u8>>>,
    },
    WrongPassword,
    Failed(String),
}

/// What a file's bytes hold, before they are sorted against the vault.
pub enum Decoded {
    Items {
        format: &'static str,
        items: Vec<Item>,
    },
    Password {
        format: &'static str,
        bytes: Zeroizing<Vec<u8>>,
    },
    WrongPassword,
    Failed(String),
}

/// Decodes a file's bytes (with the password, once asked). Slow for a big QR picture or an
/// Argon2 export: the vault thread calls it.
pub fn decode(
    path: &str,
    bytes: Zeroizing<Vec<u8>>,
    password: Option<(&'static str, &str)>,
) -> Decoded {
    if let Some((format, password)) = password {
        let password = SecretString::from(password.to_string());
        return match import::by_name(format).and_then(|f| f.read(&bytes, Some(&password))) {
            Ok(items) => Decoded::Items { format, items },
            Err(ImportError::WrongPassword) => Decoded::WrongPassword,
            Err(e) => Decoded::Failed(e.to_string()),
        };
    }
    // "Unicode text" (UTF-16) files are read as the text they hold.
    let bytes = match import::prepare(&bytes) {
        import::Prepared::Decoded(text) => text,
        import::Prepared::AsIs(_) => bytes,
    };
    let format = match import::detect(&bytes) {
        Ok(format) => format,
        Err(e) => return Decoded::Failed(format!("'{path}': {e}")),
    };
    match format.read(&bytes, None) {
        Ok(items) => Decoded::Items {
            format: format.name(),
            items,
        },
        Err(ImportError::NeedsPassword) => Decoded::Password {
            format: format.name(),
            bytes,
        },
        Err(e) => Decoded::Failed(format!("'{path}' ({}): {e}", format.name())),
    }
}
