//! Copying codes to the clipboard, and clearing them again.
//!
//! Promises (the contract's clipboard rules, and the `clipboard` setting):
//! - `auto` (the default): over SSH (`SSH_CONNECTION` or `SSH_TTY` set) or with no display
//!   (Linux without `DISPLAY` and `WAYLAND_DISPLAY`), codes go to the terminal as OSC 52
//!   (`ESC ] 52 ; c ; <base64> ESC \`), inside tmux (`TMUX` set) also wrapped in tmux's DCS
//!   passthrough; otherwise to the system clipboard through arboard. `osc52` and `system`
//!   force a way; `off` never copies.
//! - The [`Clipboard`] keeps arboard's handle alive (on X11 the contents die with it).
//! - Honest reports: an OSC 52 copy is only *sent* to the terminal (keyfob cannot see whether
//!   the terminal, or a tmux in between, took it), so [`Route::describe`] says "sent to the
//!   terminal", never "copied"; clearing it is likewise only a request ([`Cleared::Requested`]).
//!   The system clipboard is cleared only if it still holds our code, and [`Cleared`] says
//!   which happened.

use std::io::{self, Write};

use crossterm::Command;
use crossterm::clipboard::CopyToClipboard;
use serde::Deserialize;

pub mod hold;

/// The `clipboard` setting: how copies leave keyfob.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    /// OSC 52 over SSH or without a display, else the system clipboard.
    #[default]
    Auto,
    /// Always OSC 52 (the terminal's clipboard).
    Osc52,
    /// Always the system clipboard (arboard).
    System,
    /// Never copy.
    Off,
}

/// Where a copy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The terminal, via OSC 52; `tmux` wraps it in tmux's passthrough.
    Osc52 { tmux: bool },
    /// The local clipboard (arboard).
    System,
}

/// What the hint says when an OSC 52 copy may not have arrived: the two settings that most
/// often stop it (keyfob cannot see a tmux on the person's own machine).
pub const OSC52_HINT: &str =
    "no paste? local tmux: set -g set-clipboard on · tmux here: allow-passthrough on";

impl Route {
    /// Picks the route for `setting` from the environment (`None`: copying is off).
    pub fn choose(setting: Setting, var: impl Fn(&str) -> Option<String>) -> Option<Route> {
        let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
        let tmux = set("TMUX");
        match setting {
            Setting::Off => None,
            Setting::Osc52 => Some(Route::Osc52 { tmux }),
            Setting::System => Some(Route::System),
            Setting::Auto => Some(Route::from_env(var)),
        }
    }

    /// Picks the route from the environment, as the contract says (the `auto` setting).
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

    /// The route for `setting` from the real process environment.
    pub fn detect(setting: Setting) -> Option<Route> {
        Route::choose(setting, |name| std::env::var(name).ok())
    }

    /// Where the code went, as far as keyfob knows: "copied to the system clipboard" or
    /// "sent to the terminal (OSC 52)" — never "copied" for OSC 52.
    pub fn describe(self) -> &'static str {
        match self {
            Route::Osc52 { tmux: false } => "sent to the terminal (OSC 52)",
            Route::Osc52 { tmux: true } => "sent to the terminal (OSC 52, through tmux)",
            Route::System => "copied to the system clipboard",
        }
    }
}

/// What a clear did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cleared {
    /// The system clipboard held our code and is empty now.
    Emptied,
    /// The system clipboard holds something else now: left alone.
    LeftAlone,
    /// An empty OSC 52 was sent: the terminal may or may not have emptied its clipboard.
    Requested,
}

impl Cleared {
    /// For the status line.
    pub fn describe(self) -> &'static str {
        match self {
            Cleared::Emptied => "cleared the code from the system clipboard",
            Cleared::LeftAlone => "left the clipboard alone: it no longer holds the code",
            Cleared::Requested => "asked the terminal to empty its clipboard (OSC 52)",
        }
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard (empty `text` clears it). Inside
/// tmux it is sent twice: plain (for a tmux with `set-clipboard on`) and wrapped in tmux's
/// DCS passthrough (for one with `allow-passthrough on`), so either setting lets it through.
pub fn osc52(text: &str, tmux: bool) -> String {
    let mut sequence = String::new();
    // Writing into a String cannot fail.
    let _ = CopyToClipboard::to_clipboard_from(text.as_bytes()).write_ansi(&mut sequence);
    if tmux {
        let wrapped = format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"));
        format!("{sequence}{wrapped}")
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
    pub fn clear(
        &mut self,
        ours: &str,
        terminal: &mut dyn Write,
    ) -> Result<Cleared, ClipboardError> {
        match self.route {
            Route::Osc52 { .. } => self.copy("", terminal).map(|()| Cleared::Requested),
            Route::System => {
                let clipboard = self.system()?;
                if clipboard.get_text().is_ok_and(|current| current == ours) {
                    clipboard
                        .clear()
                        .map_err(|e| ClipboardError::System(e.to_string()))?;
                    Ok(Cleared::Emptied)
                } else {
                    Ok(Cleared::LeftAlone)
                }
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
    fn the_setting_forces_a_way_or_turns_copying_off() {
        let ssh = [
            ("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"),
            ("TMUX", "/tmp/t,1,0"),
        ];
        let desk = [("DISPLAY", ":0")];
        assert_eq!(
            Route::choose(Setting::Auto, env(&ssh)),
            Some(Route::Osc52 { tmux: true })
        );
        assert_eq!(
            Route::choose(Setting::Auto, env(&desk)),
            Some(Route::System)
        );
        assert_eq!(
            Route::choose(Setting::Osc52, env(&desk)),
            Some(Route::Osc52 { tmux: false })
        );
        assert_eq!(
            Route::choose(Setting::System, env(&ssh)),
            Some(Route::System)
        );
        assert_eq!(Route::choose(Setting::Off, env(&desk)), None);
        assert_eq!(Route::choose(Setting::Off, env(&ssh)), None);
    }

    #[test]
    fn osc52_is_never_called_copied_or_cleared() {
        for tmux in [false, true] {
            let text = Route::Osc52 { tmux }.describe();
            assert!(text.starts_with("sent to the terminal (OSC 52"), "{text}");
            assert!(!text.contains("copied"), "{text}");
        }
        let cleared = Cleared::Requested.describe();
        assert!(!cleared.contains("cleared"), "{cleared}");
        assert!(OSC52_HINT.contains("set-clipboard on"));
        assert!(OSC52_HINT.contains("allow-passthrough on"));
        assert!(
            OSC52_HINT.chars().count() <= 79,
            "fits the hint line at 80 columns"
        );
    }

    #[test]
    fn osc52_bytes() {
        // base64("123456") = "MTIzNDU2"
        assert_eq!(osc52("123456", false), "\x1b]52;c;MTIzNDU2\x1b\\");
        assert_eq!(
            osc52("123456", true),
            "\x1b]52;c;MTIzNDU2\x1b\\\x1bPtmux;\x1b\x1b]52;c;MTIzNDU2\x1b\x1b\\\x1b\\"
        );
        assert_eq!(osc52("", false), "\x1b]52;c;\x1b\\");
    }

    #[test]
    fn osc52_copy_writes_to_the_terminal() {
        let mut clipboard = Clipboard::new(Route::Osc52 { tmux: false });
        let mut out = Vec::new();
        clipboard.copy("654321", &mut out).unwrap();
        assert_eq!(
            clipboard.clear("654321", &mut out).unwrap(),
            Cleared::Requested
        );
        assert_eq!(out, b"\x1b]52;c;NjU0MzIx\x1b\\\x1b]52;c;\x1b\\");
    }
}
