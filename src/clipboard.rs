//! Copying codes to the clipboard, and clearing them again.
//!
//! Promises (the contract's clipboard rules):
//! - Over SSH (`SSH_CONNECTION` or `SSH_TTY` set) or with no display (Linux without `DISPLAY`
//!   and `WAYLAND_DISPLAY`), codes go to the terminal as OSC 52
//!   (`ESC ] 52 ; c ; <base64> ESC \`), wrapped in tmux's DCS passthrough when `TMUX` is set.
//! - Otherwise the system clipboard through arboard; the [`Clipboard`] keeps arboard's handle
//!   alive (on X11 the contents die with it).
//! - Clearing the system clipboard only happens if it still holds our code.

use std::io::{self, Write};

pub mod hold;

use crossterm::Command;
use crossterm::clipboard::CopyToClipboard;

/// Where a copy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The terminal, via OSC 52; `tmux` wraps it in tmux's passthrough.
    Osc52 { tmux: bool },
    /// The local clipboard (arboard).
    System,
}

impl Route {
    /// Picks the route from the environment, as the contract says.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Route {
        let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
        let tmux = set("TMUX");
        let remote = set("SSH_CONNECTION") || set("SSH_TTY");
        let no_display =
            cfg!(all(unix, not(target_os = "macos"))) && !set("DISPLAY") && !set("WAYLAND_DISPLAY");
        if remote || no_display {
            Route::Osc52 { tmux }
        } else {
            Route::System
        }
    }

    /// From the real process environment.
    pub fn detect() -> Route {
        Route::from_env(|name| std::env::var(name).ok())
    }

    /// For the status line: where the code went.
    pub fn describe(self) -> &'static str {
        match self {
            Route::Osc52 { tmux: false } => "terminal clipboard (OSC 52)",
            Route::Osc52 { tmux: true } => "terminal clipboard (OSC 52 via tmux)",
            Route::System => "system clipboard",
        }
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard (empty `text` clears it).
pub fn osc52(text: &str, tmux: bool) -> String {
    let mut sequence = String::new();
    // Writing into a String cannot fail.
    let _ = CopyToClipboard::to_clipboard_from(text.as_bytes()).write_ansi(&mut sequence);
    if tmux {
        format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"))
    } else {
        sequence
    }
}

/// Why a copy failed.
#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    #[error("cannot write to the terminal: {0}")]
    Terminal(io::Error),
    #[error("the system clipboard is not available: {0}")]
    System(String),
}

/// A clipboard that lives as long as the program (keeps arboard's handle).
pub struct Clipboard {
    route: Route,
    system: Option<arboard::Clipboard>,
}

impl std::fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clipboard")
            .field("route", &self.route)
            .finish()
    }
}

impl Clipboard {
    pub fn new(route: Route) -> Clipboard {
        Clipboard {
            route,
            system: None,
        }
    }

    pub fn route(&self) -> Route {
        self.route
    }

    fn system(&mut self) -> Result<&mut arboard::Clipboard, ClipboardError> {
        if self.system.is_none() {
            self.system =
                Some(arboard::Clipboard::new().map_err(|e| ClipboardError::System(e.to_string()))?);
        }
        self.system
            .as_mut()
            .ok_or_else(|| ClipboardError::System("unavailable".into()))
    }

    /// Connects to the system clipboard now, to report a missing one early.
    pub fn connect(&mut self) -> Result<(), ClipboardError> {
        match self.route {
            Route::System => self.system().map(|_| ()),
            Route::Osc52 { .. } => Ok(()),
        }
    }

    /// Copies `text`; OSC 52 goes to `terminal`.
    pub fn copy(&mut self, text: &str, terminal: &mut dyn Write) -> Result<(), ClipboardError> {
        match self.route {
            Route::Osc52 { tmux } => terminal
                .write_all(osc52(text, tmux).as_bytes())
                .and_then(|()| terminal.flush())
                .map_err(ClipboardError::Terminal),
            Route::System => self
                .system()?
                .set_text(text)
                .map_err(|e| ClipboardError::System(e.to_string())),
        }
    }

    /// Puts `text` on the system clipboard and keeps serving it until `deadline` (or, with
    /// `None`, until another program takes the clipboard over). On X11/Wayland the contents
    /// live only as long as their owner, so a short-lived process must wait here.
    pub fn hold_system(
        &mut self,
        text: &str,
        deadline: Option<std::time::Instant>,
    ) -> Result<(), ClipboardError> {
        let clipboard = self.system()?;
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use arboard::SetExtLinux;
            let set = clipboard.set();
            let set = match deadline {
                Some(deadline) => set.wait_until(deadline),
                None => set.wait(),
            };
            set.text(text.to_string())
                .map_err(|e| ClipboardError::System(e.to_string()))
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            clipboard
                .set_text(text)
                .map_err(|e| ClipboardError::System(e.to_string()))?;
            if let Some(deadline) = deadline {
                std::thread::sleep(deadline.saturating_duration_since(std::time::Instant::now()));
            }
            Ok(())
        }
    }

    /// Clears the clipboard; for the system clipboard only if it still holds `ours`.
    pub fn clear(&mut self, ours: &str, terminal: &mut dyn Write) -> Result<(), ClipboardError> {
        match self.route {
            Route::Osc52 { .. } => self.copy("", terminal),
            Route::System => {
                let clipboard = self.system()?;
                if clipboard.get_text().is_ok_and(|current| current == ours) {
                    clipboard
                        .clear()
                        .map_err(|e| ClipboardError::System(e.to_string()))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn ssh_and_no_display_use_osc52() {
        let ssh = [
            ("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"),
            ("DISPLAY", ":0"),
        ];
        assert_eq!(Route::from_env(env(&ssh)), Route::Osc52 { tmux: false });
        let tty = [
            ("SSH_TTY", "/dev/pts/1"),
            ("TMUX", "/tmp/tmux-0/default,1,0"),
            ("DISPLAY", ":0"),
        ];
        assert_eq!(Route::from_env(env(&tty)), Route::Osc52 { tmux: true });
        assert_eq!(Route::from_env(env(&[("DISPLAY", ":0")])), Route::System);
        if cfg!(all(unix, not(target_os = "macos"))) {
            assert_eq!(Route::from_env(env(&[])), Route::Osc52 { tmux: false });
        }
    }

    #[test]
    fn osc52_bytes() {
        // base64("123456") = "MTIzNDU2"
        assert_eq!(osc52("123456", false), "\x1b]52;c;MTIzNDU2\x1b\\");
        assert_eq!(
            osc52("123456", true),
            "\x1bPtmux;\x1b\x1b]52;c;MTIzNDU2\x1b\x1b\\\x1b\\"
        );
        assert_eq!(osc52("", false), "\x1b]52;c;\x1b\\");
    }

    #[test]
    fn osc52_copy_writes_to_the_terminal() {
        let mut clipboard = Clipboard::new(Route::Osc52 { tmux: false });
        let mut out = Vec::new();
        clipboard.copy("654321", &mut out).unwrap();
        clipboard.clear("654321", &mut out).unwrap();
        assert_eq!(out, b"\x1b]52;c;NjU0MzIx\x1b\\\x1b]52;c;\x1b\\");
    }
}
