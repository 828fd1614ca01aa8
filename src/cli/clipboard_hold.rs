//! `code --copy`: copying from a short-lived process.
//!
//! Promises: the same routes as the TUI (OSC 52 to the controlling terminal over SSH or without
//! a display, arboard otherwise). A process that exits cannot clear the clipboard later, and on
//! X11 its clipboard contents die with it, so a small detached helper (`keyfob
//! __hold-clipboard`) receives the code on a pipe (never in its arguments or environment),
//! holds it, and clears it after the configured delay.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use clap::Args;
use zeroize::Zeroizing;

use super::Context;
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

fn tty() -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open("/dev/tty")
}

/// A copy that is known to be possible before the code is worked out: `code --copy` with no
/// terminal to send OSC 52 to must fail before it prints anything or uses up a HOTP code.
pub struct Copier {
    route: Route,
    seconds: u64,
    terminal: Option<std::fs::File>,
}

impl Copier {
    /// Checks the route the clipboard rules pick (opening the terminal for OSC 52).
    pub fn prepare(context: &Context) -> Result<Copier, Failure> {
        let route = Route::detect();
        let terminal = match route {
            Route::Osc52 { .. } => Some(tty().map_err(|_| {
                Failure::new("--copy: no terminal to send the OSC 52 copy sequence to")
                    .with_hint("run it from a terminal, or drop --copy and pipe the code instead")
            })?),
            Route::System => None,
        };
        Ok(Copier {
            route,
            seconds: context.config.clipboard_clear_seconds,
            terminal,
        })
    }

    /// Copies `code` as the clipboard rules say and arranges for it to be cleared.
    pub fn copy(mut self, code: &str) -> Result<(), Failure> {
        let seconds = self.seconds;
        let route = self.route;
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
        let clearing = if seconds > 0 {
            format!("; it will be cleared in {seconds} s")
        } else {
            String::new()
        };
        errln!("copied to the {}{clearing}", route.describe());
        Ok(())
    }
}

pub(crate) fn spawn_holder(seconds: u64, osc52: Option<bool>, code: &str) -> Result<(), Failure> {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::new(format!("--copy: cannot find keyfob's own program: {e}")))?;
    let mut command = Command::new(exe);
    command
        .arg("__hold-clipboard")
        .arg("--seconds")
        .arg(seconds.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(tmux) = osc52 {
        command
            .arg("--osc52")
            .arg(if tmux { "tmux" } else { "plain" });
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: a Ctrl-C in the shell does not cut the clearing short.
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .map_err(|e| Failure::new(format!("--copy: cannot start the clipboard helper: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(code.as_bytes())
            .map_err(|e| Failure::new(format!("--copy: cannot hand over the code: {e}")))?;
    }
    // The helper says "ok" once it holds the clipboard, or why it cannot.
    let mut report = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut report);
    }
    match report.trim() {
        "ok" => Ok(()),
        "" => Err(Failure::new(
            "--copy: the clipboard helper stopped without copying",
        )),
        problem => Err(Failure::new(format!("--copy: {problem}"))),
    }
}

/// The helper's side: hold the code, then clear it.
pub fn hold(args: &HoldArgs) -> Result<u8, Failure> {
    let mut code = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut code)
        .map_err(|e| Failure::new(e.to_string()))?;
    let delay = Duration::from_secs(args.seconds);
    if let Some(mode) = &args.osc52 {
        outln!("ok")?;
        std::thread::sleep(delay);
        let mut terminal = tty().map_err(|e| Failure::new(e.to_string()))?;
        let route = Route::Osc52 {
            tmux: mode == "tmux",
        };
        Clipboard::new(route)
            .clear("", &mut terminal)
            .map_err(|e| Failure::new(e.to_string()))?;
        return Ok(0);
    }
    let mut clipboard = Clipboard::new(Route::System);
    match clipboard.connect() {
        Ok(()) => outln!("ok")?,
        Err(e) => {
            outln!("{e}")?;
            return Ok(1);
        }
    }
    let deadline = (args.seconds > 0).then(|| std::time::Instant::now() + delay);
    clipboard
        .hold_system(&code, deadline)
        .map_err(|e| Failure::new(e.to_string()))?;
    if deadline.is_some() {
        clipboard
            .clear(&code, &mut std::io::sink())
            .map_err(|e| Failure::new(e.to_string()))?;
    }
    Ok(0)
}
