//! `code --copy`: copying from a short-lived process, and the hidden `__hold-clipboard`
//! command behind it (the work is in [`crate::clipboard::hold`], shared with the screen).
//!
//! Promises: the same routes as the TUI (OSC 52 to the controlling terminal over SSH or without
//! a display, arboard otherwise); the code reaches the helper on a pipe only.

use clap::Args;

use super::Context;
use crate::clipboard::hold::{self, spawn_holder, tty};
use crate::clipboard::{Clipboard, Route};
use crate::failure::Failure;

#[derive(Debug, Args)]
pub struct HoldArgs {
    /// Seconds before clearing (0 = hold until replaced, never clear)
    #[arg(long)]
    pub seconds: u64,
    /// Use OSC 52 on the controlling terminal (with tmux passthrough when "tmux")
    #[arg(long)]
    pub osc52: Option<String>,
}

/// Copies `code` as the clipboard rules and the `clipboard` setting say, arranges for it to be
/// cleared, and says on stderr where it went — for OSC 52 that it was sent (with a hint line:
/// keyfob cannot see whether the terminal took it).
pub fn copy_from_cli(context: &Context, code: &str) -> Result<(), Failure> {
    let seconds = context.config.clipboard_clear_seconds;
    let Some(route) = Route::detect(context.config.clipboard) else {
        super::warn("not copied: copying is off (clipboard: off in the settings)");
        return Ok(());
    };
    if let Route::Osc52 { tmux } = route {
        let mut terminal = tty().map_err(|_| {
            Failure::new("--copy: no terminal to send the OSC 52 copy sequence to")
                .with_hint("run it from a terminal, or drop --copy and pipe the code instead")
        })?;
        Clipboard::new(route)
            .copy(code, &mut terminal)
            .map_err(|e| Failure::new(format!("--copy: {e}")))?;
        if seconds > 0 {
            spawn_holder(seconds, Some(tmux), "")?;
        }
    } else {
        spawn_holder(seconds, None, code)?;
    }
    let clearing = match (seconds, route) {
        (0, _) => String::new(),
        (s, Route::Osc52 { .. }) => format!("; an empty one follows in {s} s"),
        (s, Route::System) => format!("; it will be cleared in {s} s"),
    };
    eprintln!("{}{clearing}", route.describe());
    if matches!(route, Route::Osc52 { .. }) {
        eprintln!("hint: {}", crate::clipboard::OSC52_HINT);
    }
    Ok(())
}

/// `__hold-clipboard`: the helper's side.
pub fn hold(args: &HoldArgs) -> Result<u8, Failure> {
    hold::hold(
        args.seconds,
        args.osc52.as_deref().map(|mode| mode == "tmux"),
    )
}
