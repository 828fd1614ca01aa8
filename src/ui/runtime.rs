//! The one event loop: draws when something changed, waits for a key or the next whole
//! second, and performs the effects `App::update` asks for (saves, clipboard, files).
//!
//! Promises:
//! - Ticks land on whole-second boundaries (`event::poll` until the next second), so a code
//!   changes on screen the moment it changes in time; an idle screen draws once a second and
//!   the backend sends only what changed.
//! - Each tick also `stat`s the vault file ([`Watch`]); a change made by another keyfob is
//!   re-read on the vault thread (or asked of the agent, which follows the file) and shown
//!   within about a second (the contract says 2). While an agent holds the vault, each tick
//!   also looks at its socket and its process: an agent that ended (idle timeout, `keyfob
//!   lock`, killed, even with SIGKILL) locks the screen within a second, saying why, rather
//!   than leaving its codes on screen.
//! - Reading and decoding a file the person names (a QR picture, an export) happens on the
//!   vault thread, never here.
//! - The terminal is restored (raw mode off, alternate screen left, cursor shown) on quit, on
//!   error, on panic and on SIGTERM/SIGQUIT (caught as a flag the loop reads at least once a
//!   second; saves already started are finished before the process ends). SIGHUP keeps its
//!   default: the terminal is gone, and crossterm would spin reading its end-of-file; a save
//!   cut short by it leaves the previous vault whole (saves are atomic).
//! - The clipboard handle lives as long as the loop; a clear still pending at quit is handed to
//!   the same helper `keyfob code --copy` uses, so quitting right after copying still works.
//! - While the screen is open, a hardware key's plugin asks through it (a dialog; see
//!   [`crate::prompt`]), never on the terminal under it; a question still open at quit is
//!   cancelled, and questions after that go to the restored terminal.

use std::collections::VecDeque;
use std::io::{self, BufWriter, Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;
use zeroize::Zeroizing;

use super::app::{App, Copied, Effect, Msg};
use super::backend::QuietBackend;
use super::keymap;
use super::watch::Watch;
use super::worker::{Held, Job, Starting, Worker};
use crate::clipboard::{Clipboard, Route};
use crate::failure::Failure;
use crate::prompt::{Answer, Asked};
use crate::unlock::Access;

mod complete;

pub use complete::complete;

type Screen = Terminal<QuietBackend<BufWriter<Stdout>>>;

/// Seconds between two looks at the kernel's clock state (it changes when NTP syncs).
const CLOCK_CHECK: u64 = 60;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Time until the next whole second (plus a hair, to land after it).
fn until_next_second() -> Duration {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Duration::from_nanos(u64::from(1_000_000_000 - nanos)) + Duration::from_millis(2)
}

/// Whether process `pid` is gone, or a zombie (an agent this screen started, killed: it stays
/// the screen's unreaped child). Where there is no `/proc`, nothing can be told: `false`.
fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may hold any byte.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
        Err(_) => std::path::Path::new("/proc/self").exists(),
    }
}

/// Puts the terminal back as it was. Safe to call twice.
pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::style::ResetColor,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Raw mode and the alternate screen for as long as it lives.
struct Guard;

impl Guard {
    fn enter() -> io::Result<Guard> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
        terminal::enable_raw_mode()?;
        let guard = Guard;
        crossterm::execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        Ok(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Runs the screen until the person quits. `copy_to` is where copies go (`None`: copying is
/// off).
pub fn run(
    mut app: App,
    held: Held,
    access: Access,
    starting: Starting,
    copy_to: Option<Route>,
) -> Result<(), Failure> {
    let watch = Watch::new(access.vault.clone());
    let socket = crate::agent::place::for_vault(&access.vault)
        .ok()
        .map(|place| place.socket);
    let worker = Worker::start(held, access, starting);
    let fail = |e: io::Error| Failure::new(format!("the terminal failed: {e}"));
    let guard = Guard::enter().map_err(fail)?;
    let backend = QuietBackend::new(BufWriter::with_capacity(32 * 1024, io::stdout()));
    let mut screen = Terminal::new(backend).map_err(fail)?;
    screen.clear().map_err(fail)?;
    if let Ok((width, height)) = terminal::size() {
        app.size = (width, height);
        app.scroll_into_view();
    }
    let stopped = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGQUIT] {
        signal_hook::flag::register(signal, Arc::clone(&stopped)).map_err(fail)?;
    }
    let (ask, questions) = mpsc::channel();
    let route = crate::prompt::route_to_screen(ask);
    let mut state = Loop {
        clipboard: copy_to.map(Clipboard::new),
        copied: None,
        quit: false,
        stopped,
        watch,
        socket,
        questions: Some(questions),
        reply: None,
    };
    let result = state.run(&mut app, &mut screen, &worker);
    drop(screen);
    drop(guard);
    // Cancel a question still open (the vault thread stops waiting), then let later ones go
    // to the restored terminal.
    state.questions = None;
    state.reply = None;
    drop(route);
    worker.finish();
    if let Some(until) = app.clipboard_until {
        state.hand_over(until.saturating_sub(now_secs()).max(1));
    }
    result.map_err(fail)
}

struct Loop {
    /// `None` when copying is off.
    clipboard: Option<Clipboard>,
    /// The code we last copied (to clear it only if it is still ours).
    copied: Option<Zeroizing<String>>,
    quit: bool,
    /// Set by SIGTERM or SIGQUIT: leave the way `q` does.
    stopped: Arc<AtomicBool>,
    /// The vault file, checked once a second for changes made by other keyfobs.
    watch: Watch,
    /// The agent's socket for this vault, looked at once a second while an agent holds it.
    socket: Option<std::path::PathBuf>,
    /// Plugins' questions from the vault thread.
    questions: Option<Receiver<Asked>>,
    /// Where the answer to the open question goes.
    reply: Option<Sender<Answer>>,
}

impl Loop {
    fn run(&mut self, app: &mut App, screen: &mut Screen, worker: &Worker) -> io::Result<()> {
        let mut effects: Vec<Effect> = Vec::new();
        let mut inbox: VecDeque<Msg> = VecDeque::new();
        let mut dirty = true;
        let mut second = now_secs();
        loop {
            if dirty {
                screen.draw(|frame| frame.render_widget(&*app, frame.area()))?;
                dirty = false;
            }
            // Effects after drawing, so "saving…" is on screen while they run.
            for effect in effects.drain(..) {
                if let Some(msg) = self.perform(effect, screen, worker)? {
                    inbox.push_back(msg);
                }
            }
            if self.quit || self.stopped.load(Ordering::Relaxed) {
                return Ok(());
            }
            inbox.extend(worker.results.try_iter());
            if let Some(questions) = &self.questions {
                for asked in questions.try_iter() {
                    if asked.reply.is_some() {
                        // A newer question replaces an unanswered one (its sender is dropped,
                        // which cancels it).
                        self.reply = asked.reply;
                    }
                    inbox.push_back(Msg::Asked(asked.question));
                }
            }
            if inbox.is_empty() {
                let wait = if app.pending > 0 {
                    until_next_second().min(Duration::from_millis(40))
                } else {
                    until_next_second()
                };
                if event::poll(wait)? {
                    let msg = match event::read()? {
                        Event::Key(key) => keymap::map(app, key),
                        Event::Paste(text) => keymap::paste(app, text),
                        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
                        _ => None,
                    };
                    inbox.extend(msg);
                }
            }
            let now = now_secs();
            if now != second {
                second = now;
                inbox.push_back(Msg::Tick);
                if self.watch.changed() {
                    inbox.push_back(Msg::VaultChanged);
                }
                if app.agent && self.agent_gone(app.agent_pid) {
                    inbox.push_back(Msg::AgentGone(super::worker::GONE.into()));
                }
                if now.is_multiple_of(CLOCK_CHECK) {
                    inbox.push_back(Msg::Clock(crate::clock::health()));
                }
            }
            while let Some(msg) = inbox.pop_front() {
                effects.extend(app.update(msg, now));
                dirty = true;
            }
        }
    }

    fn perform(
        &mut self,
        effect: Effect,
        screen: &mut Screen,
        worker: &Worker,
    ) -> io::Result<Option<Msg>> {
        Ok(match effect {
            Effect::Quit => {
                self.quit = true;
                None
            }
            Effect::Save(op) => worker.send(Job::Save {
                op,
                now: now_secs(),
            }),
            Effect::SaveDirect { op, typed } => worker.send(Job::SaveDirect {
                op,
                typed,
                now: now_secs(),
            }),
            Effect::Reveal { id, typed } => worker.send(Job::Reveal { id, typed }),
            Effect::Views => worker.send(Job::Views { now: now_secs() }),
            Effect::Reload => worker.send(Job::Refresh { now: now_secs() }),
            Effect::Lock { agent } => worker.send(Job::Lock { agent }),
            Effect::Unlock(typed) => worker.send(Job::Unlock {
                typed,
                now: now_secs(),
            }),
            Effect::Copy(code) => {
                let Some(clipboard) = self.clipboard.as_mut() else {
                    return Ok(Some(Msg::Copied(Copied::Off)));
                };
                let out = screen.backend_mut().writer_mut();
                let result = clipboard.copy(&code, out).and_then(|()| {
                    out.flush()
                        .map_err(crate::clipboard::ClipboardError::Terminal)
                });
                self.copied = Some(code.0);
                Some(Msg::Copied(match result {
                    Ok(()) => Copied::Done(clipboard.route()),
                    Err(e) => Copied::Failed(e.to_string()),
                }))
            }
            Effect::ClearClipboard => {
                let ours = self.copied.take().unwrap_or_default();
                let clipboard = self.clipboard.as_mut();
                let out = screen.backend_mut().writer_mut();
                let result = clipboard.map(|c| c.clear(&ours, out).map_err(|e| e.to_string()));
                out.flush()?;
                result.map(Msg::Cleared)
            }
            Effect::ReadFile { path, purpose } => worker.send(Job::ReadFile {
                path,
                purpose,
                now: now_secs(),
            }),
            Effect::Decrypt {
                path,
                format,
                bytes,
                password,
            } => worker.send(Job::Decrypt {
                path,
                format,
                bytes,
                password,
                now: now_secs(),
            }),
            Effect::Complete(prefix) => Some(Msg::Completed(complete(&prefix))),
            Effect::Answer(answer) => {
                if let Some(reply) = self.reply.take() {
                    let _ = reply.send(answer);
                }
                None
            }
        })
    }

    /// Whether the agent holding the vault is gone: its socket removed (it locked, idled out
    /// or was stopped), or its process dead (killed outright, the socket left behind).
    fn agent_gone(&self, pid: Option<u32>) -> bool {
        let socket_gone = self
            .socket
            .as_ref()
            .is_some_and(|socket| std::fs::symlink_metadata(socket).is_err());
        socket_gone || pid.is_some_and(process_gone)
    }

    /// Leaves the pending clear to the helper process (the screen is gone by now).
    fn hand_over(&mut self, seconds: u64) {
        // The screen's own system clipboard goes first: on its way out it gives up the
        // selection if it still owns it, and done after the helper had taken the selection
        // over, that emptied the helper's copy (a race the X clipboard test caught).
        let Some(route) = self.clipboard.take().as_ref().map(Clipboard::route) else {
            return;
        };
        let code = self.copied.take().unwrap_or_default();
        let (osc52, text) = match route {
            Route::Osc52 { tmux } => (Some(tmux), Zeroizing::new(String::new())),
            Route::System => (None, code),
        };
        if let Err(e) = crate::clipboard::hold::spawn_holder(seconds, osc52, &text) {
            let _ = writeln!(
                io::stderr(),
                "warning: the copied code will not be cleared: {}",
                e.message
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_or_zombie_process_is_gone() {
        assert!(!process_gone(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        // Dead but not yet reaped: a zombie, as a killed agent this screen started would be.
        let pid = child.id();
        let start = std::time::Instant::now();
        while !process_gone(pid) {
            assert!(start.elapsed() < Duration::from_secs(10), "never a zombie");
            std::thread::sleep(Duration::from_millis(5));
        }
        child.wait().unwrap();
        assert!(process_gone(pid), "reaped");
    }
}
