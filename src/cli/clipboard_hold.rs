//! `code --copy`: copying from a short-lived process, and the hidden `__hold-clipboard`
//! command behind it (the work is in [`crate::clipboard::hold`], shared with the screen).
//!
//! Promises: the same routes as the TUI (the `clipboard` setting; by default OSC 52 to the
//! controlling terminal over SSH or without a display, arboard otherwise); a copy that cannot
//! happen fails before the code is printed or a HOTP code is used up; the code reaches the
//! helper on a pipe only; OSC 52 is reported as sent, never as copied.

use clap::Args;

use super::Context;
use crate::clipboard::hold::{self, spawn_holder, tty};
use crate::clipboard::{Clipboard, OSC52_HINT, Route};
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

/// A copy that is known to be possible before the code is worked out: `code --copy` with no
/// terminal to send OSC 52 to must fail before it prints anything or uses up a HOTP code.
pub struct Copier {
    /// `None`: copying is off (`clipboard: off`).
    route: Option<Route>,
    seconds: u64,
    terminal: Option<std::fs::File>,
}

impl Copier {
    /// Checks the route the clipboard rules and the setting pick (opening the terminal for
    /// OSC 52).
    pub fn prepare(context: &Context) -> Result<Copier, Failure> {
        let route = Route::detect(context.config.clipboard);
        let terminal = match route {
            Some(Route::Osc52 { .. }) => Some(tty().map_err(|_| {
                Failure::new("--copy: no terminal to send the OSC 52 copy sequence to")
                    .with_hint("run it from a terminal, or drop --copy and pipe the code instead")
            })?),
            Some(Route::System) | None => None,
        };
        Ok(Copier {
            route,
            seconds: context.config.clipboard_clear_seconds,
            terminal,
        })
    }

    /// Copies `code`, arranges for it to be cleared, and says on stderr where it went — for
    /// OSC 52 that it was sent (with a hint line: keyfob cannot see whether the terminal took
    /// it).
    pub fn copy(mut self, code: &str) -> Result<(), Failure> {
        let seconds = self.seconds;
        let Some(route) = self.route else {
            super::warn("not copied: copying is off (clipboard: off in the settings)");
            return Ok(());
        };
        match (route, self.terminal.as_mut()) {
            (Route::Osc52 { tmux }, Some(terminal)) => {
                Clipboard::new(route)
                    .copy(code, terminal)
                    .map_err(|e| Failure::new(format!("--copy: {e}")))?;
                if seconds > 0 {
                    spawn_holder(seconds, Some(tmux), "")?;
                }
            }
            _ => spawn_holder(seconds, None, code)?,
        }
        let clearing = match (seconds, route) {
            (0, _) => String::new(),
            (s, Route::Osc52 { .. }) => format!("; an empty one follows in {s} s"),
            (s, Route::System) => format!("; it will be cleared in {s} s"),
        };
        errln!("{}{clearing}", route.describe());
        if matches!(route, Route::Osc52 { .. }) {
            errln!("hint: {OSC52_HINT}");
        }
        Ok(())
    }
}

/// `__hold-clipboard`: the helper's side.
pub fn hold(args: &HoldArgs) -> Result<u8, Failure> {
    hold::hold(
        args.seconds,
        args.osc52.as_deref().map(|mode| mode == "tmux"),
    )
}
