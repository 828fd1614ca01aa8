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

/// Copies `code` as the clipboard rules say and arranges for it to be cleared.
pub fn copy_from_cli(context: &Context, code: &str) -> Result<(), Failure> {
    let seconds = context.config.clipboard_clear_seconds;
    let route = Route::detect();
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
    let clearing = if seconds > 0 {
        format!("; it will be cleared in {seconds} s")
    } else {
        String::new()
    };
    eprintln!("copied to the {}{clearing}", route.describe());
    Ok(())
}

/// `__hold-clipboard`: the helper's side.
pub fn hold(args: &HoldArgs) -> Result<u8, Failure> {
    hold::hold(
        args.seconds,
        args.osc52.as_deref().map(|mode| mode == "tmux"),
    )
}
