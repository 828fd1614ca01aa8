//! [`Hidden`]: a value that must not show up in `Debug` output or logs (a passphrase, file
//! bytes, a code). Below both the state (`app`) and the dialogs that hold such values
//! (`import_flow`), so neither has to import the other for it.

use std::ops::Deref;

/// A value whose `Debug` is `<hidden>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Hidden<T>(pub T);

impl<T> std::fmt::Debug for Hidden<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

impl<T> Deref for Hidden<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
