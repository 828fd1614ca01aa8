//! Starting a background agent: keyfob runs itself again as the hidden `__agent` subcommand,
//! in a process group of its own (a Ctrl-C at the terminal does not reach it), and is handed
//! the key through a pipe on its standard input ([`super::handover`]).
//!
//! Promises:
//! - The key and the decrypted document travel only through that pipe, never in the
//!   arguments or the environment; the arguments carry the vault's and settings' paths only.
//! - [`start`] with `wait` returns when the agent says it is ready, or with its error (wrong
//!   key, another agent already there), relaying its warnings; without `wait` it returns as
//!   soon as the key is handed over, and the agent's answer goes nowhere.
//! - The agent works in `/` (it keeps no folder busy), its standard error goes nowhere, and it
//!   asks nobody anything: a hardware key that would have to ask ends it instead.

use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::Timing;
use crate::engine::crypto::{Key, PluginUi};
use crate::failure::Failure;
use crate::unlock::Access;

/// The hidden subcommand's name.
pub const SUBCOMMAND: &str = "__agent";

/// How long [`start`] waits for a new agent to say it is ready (it decrypts the vault itself
/// only if the file changed since the command read it).
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// A background agent that said it is ready.
#[derive(Debug)]
pub struct Started {
    pub pid: u32,
    /// What the agent warned about when it opened the vault (its trust standing).
    pub warnings: Vec<String>,
}

/// Starts an agent for `vault` with `key`, handing it `document` (the decrypted vault and the
/// hash of the file it came from) so it need not decrypt again. `config` is the settings file
/// the command was given, if any.
pub fn start(
    vault: &Path,
    config: Option<&Path>,
    key: &Key,
    document: Option<(&[u8; 32], &[u8])>,
    wait: bool,
) -> Result<Option<Started>, Failure> {
    let cannot = |e: std::io::Error| Failure::new(format!("cannot start the agent: {e}"));
    let exe = std::env::current_exe().map_err(cannot)?;
    let mut command = Command::new(exe);
    command
        .arg("--vault")
        .arg(std::path::absolute(vault).map_err(cannot)?);
    if let Some(config) = config {
        command
            .arg("--config")
            .arg(std::path::absolute(config).map_err(cannot)?);
    }
    command
        .arg(SUBCOMMAND)
        .current_dir("/")
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(if wait { Stdio::piped() } else { Stdio::null() })
        .stderr(Stdio::null());
    // Not waited for: the agent outlives this command on purpose (init adopts it).
    #[allow(clippy::zombie_processes)]
    let mut child = command.spawn().map_err(cannot)?;
    let handed = child
        .stdin
        .take()
        .ok_or_else(|| Failure::new("cannot start the agent: no pipe to it"))
        .and_then(|mut pipe| {
            super::handover::write(&mut pipe, key, document)
                .map_err(|e| Failure::new(format!("cannot hand the key to the agent: {e}")))
        });
    if let Err(failure) = handed {
        let _ = child.kill();
        let _ = child.wait();
        return Err(failure);
    }
    if !wait {
        return Ok(None);
    }
    let Some(stdout) = child.stdout.take() else {
        return Err(Failure::new("cannot start the agent: no pipe from it"));
    };
    let (lines, answers) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut warnings = Vec::new();
    let mut error: Option<Failure> = None;
    loop {
        match answers.recv_timeout(READY_TIMEOUT) {
            Ok(line) => {
                if let Some(pid) = line.strip_prefix("ready ") {
                    return Ok(Some(Started {
                        pid: pid.trim().parse().unwrap_or_else(|_| child.id()),
                        warnings,
                    }));
                } else if let Some(text) = line.strip_prefix("warning: ") {
                    warnings.push(text.to_string());
                } else if let Some(text) = line.strip_prefix("error: ") {
                    error = Some(Failure::new(text));
                } else if let (Some(text), Some(failure)) =
                    (line.strip_prefix("hint: "), error.take())
                {
                    error = Some(failure.with_hint(text));
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = child.wait();
                return Err(
                    error.unwrap_or_else(|| Failure::new("the agent ended before it was ready"))
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::new("the agent did not get ready in time"));
            }
        }
    }
}

/// [`start`] with an opened session: its key, and its document as it is now (so the agent
/// decrypts nothing when the file is unchanged). The command line and the screen both start
/// agents through this.
pub fn start_with_session(
    vault: &Path,
    config: Option<&Path>,
    session: &crate::engine::store::Session,
    wait: bool,
) -> Result<Option<Started>, Failure> {
    let document = session.vault().to_ron();
    start(
        vault,
        config,
        session.key(),
        Some((&session.content_hash(), document.as_bytes())),
        wait,
    )
}

/// The `__agent` subcommand: reads the handover on standard input, opens the vault with it,
/// and serves. Its standard output says `warning: …` lines, then `ready PID` or the error.
pub fn run_handed_over(access: &Access, timing: Timing) -> Result<(), Failure> {
    let result = open_handed_over(access);
    let mut out = std::io::stdout().lock();
    let session = match result {
        Ok(session) => session,
        Err(failure) => {
            let _ = writeln!(out, "{failure}");
            return Err(failure);
        }
    };
    for warning in crate::unlock::warnings(&session) {
        let _ = writeln!(out, "warning: {warning}");
    }
    let _ = out.flush();
    drop(out);
    let served = super::server::serve(session, timing, |status| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ready {}", status.pid);
        let _ = out.flush();
        // Nothing else is said: whoever started it may be gone.
        if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
            let _ = rustix::stdio::dup2_stdout(&null);
        }
    });
    if let Err(failure) = &served {
        let _ = writeln!(std::io::stdout().lock(), "{failure}");
    }
    served
}

/// The session the handover opens: with the document it carries when the vault file is still
/// the one it came from, else by decrypting the file (asking nobody).
fn open_handed_over(access: &Access) -> Result<crate::engine::store::Session, Failure> {
    let (key, document) = super::handover::read(&mut std::io::stdin().lock())
        .map_err(|e| Failure::new(e.to_string()))?;
    let key = match key {
        Key::Identities(ids) => Key::Identities(ids.with_plugin_ui(PluginUi::quiet())),
        passphrase => passphrase,
    };
    let store = access.store().with_plugin_ui(PluginUi::quiet());
    let loaded = store.load()?;
    Ok(match document {
        Some(document) if document.hash == loaded.content_hash() => {
            store.open_decrypted(loaded, key, &document.plaintext)?
        }
        _ => store.open_loaded(loaded, key)?,
    })
}
