//! Holding a copied code after the process that copied it is gone, and clearing it later.
//!
//! Promises: a process that exits cannot clear the clipboard later, and on X11 its clipboard
//! contents die with it, so a small detached helper (`keyfob __hold-clipboard`) receives the
//! code on a pipe (never in its arguments or environment), holds it, and clears it after the
//! delay: the system clipboard only if it still holds that code and nobody took it over
//! meanwhile. `code --copy` and the screen (a clear still pending when it quits) both use it.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use zeroize::Zeroizing;

use super::{Clipboard, Route};
use crate::failure::Failure;

/// The controlling terminal, for OSC 52.
pub fn tty() -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open("/dev/tty")
}

/// Starts the helper: it holds `code` (system clipboard) or, with `osc52` (`Some(tmux)`),
/// sends an empty OSC 52 to the terminal after `seconds`. Returns once the helper holds it.
pub fn spawn_holder(seconds: u64, osc52: Option<bool>, code: &str) -> Result<(), Failure> {
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

/// Tells the copying process how it went, on the pipe it reads (never panics: a parent gone
/// away is an error, not a crash).
fn report(line: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::new(format!("cannot answer the copying keyfob: {e}")))
}

/// The helper's side: read the code from stdin, hold it, then clear it. `osc52` is
/// `Some(tmux)` when the code went to the terminal (then only the clear is sent).
pub fn hold(seconds: u64, osc52: Option<bool>) -> Result<u8, Failure> {
    let mut code = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut code)
        .map_err(|e| Failure::new(e.to_string()))?;
    let delay = Duration::from_secs(seconds);
    if let Some(tmux) = osc52 {
        report("ok")?;
        std::thread::sleep(delay);
        let mut terminal = tty().map_err(|e| Failure::new(e.to_string()))?;
        Clipboard::new(Route::Osc52 { tmux })
            .clear("", &mut terminal)
            .map_err(|e| Failure::new(e.to_string()))?;
        return Ok(0);
    }
    let mut clipboard = Clipboard::new(Route::System);
    match clipboard.connect() {
        Ok(()) => report("ok")?,
        Err(e) => {
            report(&e.to_string())?;
            return Ok(1);
        }
    }
    let deadline = (seconds > 0).then(|| std::time::Instant::now() + delay);
    clipboard
        .hold_system(&code, deadline)
        .map_err(|e| Failure::new(e.to_string()))?;
    // Cleared only when the delay ran out with the code still ours. Back before it, another
    // program took the clipboard over: what it holds is its own business, even the same code
    // (a second `code --copy`, whose helper clears it at its own time).
    if deadline.is_some_and(|deadline| std::time::Instant::now() >= deadline) {
        clipboard
            .clear(&code, &mut std::io::sink())
            .map_err(|e| Failure::new(e.to_string()))?;
    }
    Ok(0)
}
