//! Asking again for a seed in the clear while an agent holds the vault (it never hands one
//! out): what is asked for ([`Need`]), the prompt ([`Reauth`]), and the one seed the screen
//! then holds — a QR code's URI ([`Revealed`]), wiped when the QR screen closes. Split from
//! `app.rs`.

use zeroize::Zeroizing;

use super::LockScreen;
use crate::engine::entry::EntryId;
use crate::engine::ops::Op;
use crate::ui::hidden::Hidden;

/// An entry's `otpauth://` URI, with its seed, for the QR screen (wiped when it closes).
#[derive(Debug)]
pub struct Revealed {
    pub id: EntryId,
    pub name: String,
    pub uri: Hidden<Zeroizing<String>>,
}

/// What a direct unlock is asked for while an agent holds the vault.
#[derive(Debug)]
pub enum Need {
    /// Show this entry's QR code.
    Qr { id: EntryId, name: String },
    /// Save this change (an edit that sets a new secret).
    Save(Op),
}

impl Need {
    /// The prompt's one-line note: what it is for and why it asks.
    pub fn note(&self) -> String {
        match self {
            Need::Qr { name, .. } => format!(
                "The QR code of '{name}' holds its secret, and the agent never hands out seeds: unlock to show it."
            ),
            Need::Save(_) => "A new secret is saved with the vault unlocked here (the agent never handles seeds in the clear): unlock to save it.".into(),
        }
    }
}

/// The lock screen's prompt, asked for a [`Need`] (Esc goes back to the list).
#[derive(Debug)]
pub struct Reauth {
    pub need: Need,
    pub lock: LockScreen,
}
