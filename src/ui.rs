//! The screen. Not built yet: `keyfob` / `keyfob ui` say so instead of failing obscurely.

use crate::cli::Context;
use crate::failure::Failure;

/// Opens the TUI.
pub fn run(_context: &Context) -> Result<(), Failure> {
    Err(
        Failure::new("the screen (TUI) is not built yet in this version of keyfob")
            .with_hint("use the commands meanwhile: `keyfob --help`"),
    )
}
