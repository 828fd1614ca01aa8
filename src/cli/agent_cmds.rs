//! `unlock`, `lock` and `agent [--status]`: the agent from the command line (and the hidden
//! `__agent` subcommand a background agent runs as).

use super::Context;
use crate::agent::client::{self, Connect};
use crate::agent::protocol::Status;
use crate::agent::{Timing, server, spawn};
use crate::failure::Failure;

/// The running agent's status, if one serves the vault.
fn running(context: &Context) -> Result<Option<Status>, Failure> {
    match client::connect(&context.access.vault) {
        Connect::Agent(mut client) => client.status().map(Some).map_err(|e| e.failure()),
        Connect::None => Ok(None),
        Connect::Unusable(failure) => Err(failure),
    }
}

/// A span of seconds as people say it, to the nearest minute past one: `45 s`, `15 min`,
/// `7 h 55 min`.
fn span(seconds: u64) -> String {
    if seconds < 60 {
        return format!("{seconds} s");
    }
    let minutes = (seconds + 30) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// When the agent locks, in one clause.
fn until(status: &Status) -> String {
    let now = crate::agent::unix_now();
    let end = format!(
        "ends in {} at the latest",
        span(status.ends_at.saturating_sub(now))
    );
    match (status.idle_lock_at, status.idle_seconds) {
        (Some(at), Some(idle)) => {
            let (idle, left) = (span(idle), span(at.min(status.ends_at).saturating_sub(now)));
            // Right after a use the two are the same: say it once.
            if left == idle {
                format!("it locks after {idle} without use and {end}")
            } else {
                format!("it locks after {idle} without use (in {left} if unused) and {end}")
            }
        }
        _ => format!("it has no idle lock and {end}"),
    }
}

/// `keyfob unlock`: asks as usual, then leaves the vault unlocked in a background agent.
pub fn unlock(context: &Context) -> Result<u8, Failure> {
    let vault = &context.access.vault;
    if let Some(status) = running(context)? {
        outln!(
            "vault '{}' is already unlocked (agent {}); {}",
            status.vault,
            status.pid,
            until(&status)
        )?;
        return Ok(0);
    }
    if context.config.agent_idle_minutes == 0 {
        return Err(Failure::new(
            "agent_idle_minutes is 0 in the settings: keyfob starts no agent",
        )
        .with_hint("set agent_idle_minutes to the minutes an unused agent may live (default 15)"));
    }
    // One unlock: the key is asked for and the vault decrypted here, and both are handed to
    // the agent, which need not decrypt again.
    let store = context.access.store();
    let loaded = store.load()?;
    let key = context.access.key(&loaded)?;
    let plaintext = store.decrypt(&loaded, &key)?;
    let started = spawn::start(
        vault,
        context.config_path.as_deref(),
        &key,
        Some((&loaded.content_hash(), &plaintext)),
        true,
    )?;
    drop(plaintext);
    if let Some(started) = started {
        super::reach::warn_all(&started.warnings);
        let status = running(context)?;
        match status {
            Some(status) => outln!(
                "unlocked vault '{}' (agent {}); {}; `keyfob lock` locks it now",
                vault.display(),
                started.pid,
                until(&status)
            )?,
            None => outln!(
                "unlocked vault '{}' (agent {})",
                vault.display(),
                started.pid
            )?,
        }
    }
    Ok(0)
}

/// `keyfob lock`: ends the vault's agent, which wipes what it holds.
pub fn lock(context: &Context) -> Result<u8, Failure> {
    let vault = context.access.vault.display();
    match client::connect(&context.access.vault) {
        Connect::Agent(mut client) => {
            client.lock().map_err(|e| e.failure())?;
            outln!("locked vault '{vault}': its agent wiped the keys and ended")?;
        }
        Connect::None => outln!("vault '{vault}' was not unlocked (no agent holds it)")?,
        Connect::Unusable(failure) => return Err(failure),
    }
    Ok(0)
}

/// `keyfob agent --status`: exit 0 when an agent holds the vault, 2 when none does.
pub fn status(context: &Context) -> Result<u8, Failure> {
    match running(context)? {
        Some(status) => {
            outln!(
                "agent {} holds vault '{}' unlocked ({} entr{}, since {} ago); {}",
                status.pid,
                status.vault,
                status.entries,
                if status.entries == 1 { "y" } else { "ies" },
                span(crate::agent::unix_now().saturating_sub(status.started)),
                until(&status)
            )?;
            Ok(0)
        }
        None => {
            outln!(
                "no agent holds vault '{}' unlocked",
                context.access.vault.display()
            )?;
            Ok(2)
        }
    }
}

/// `keyfob agent`: unlocks as usual and serves in the foreground until locked, idle, at the
/// end of its life, or interrupted (for a service manager, or a terminal of its own).
pub fn foreground(context: &Context) -> Result<u8, Failure> {
    if let Some(status) = running(context)? {
        return Err(Failure::new(format!(
            "an agent (pid {}) already holds vault '{}' unlocked",
            status.pid, status.vault
        ))
        .with_hint("`keyfob lock` ends it"));
    }
    let session = context.access.open()?;
    let timing = Timing::from_config(&context.config);
    server::serve(session, timing, |status| {
        errln!(
            "agent {} holds vault '{}' unlocked; {}; Ctrl-C or `keyfob lock` ends it",
            status.pid,
            status.vault,
            until(status)
        );
    })?;
    Ok(0)
}

/// The hidden `__agent` subcommand: a background agent started by [`spawn::start`].
pub fn handed_over(context: &Context) -> Result<u8, Failure> {
    spawn::run_handed_over(&context.access, Timing::from_config(&context.config))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans_read_like_speech() {
        assert_eq!(span(45), "45 s");
        assert_eq!(span(14 * 60 + 59), "15 min");
        assert_eq!(span(14 * 60 + 10), "14 min");
        assert_eq!(span(8 * 3600 - 2), "8 h");
        assert_eq!(span(7 * 3600 + 55 * 60 + 3), "7 h 55 min");
    }

    #[test]
    fn the_idle_lock_is_said_once_right_after_a_use() {
        let now = crate::agent::unix_now();
        let status = |left: u64| crate::agent::protocol::Status {
            version: crate::agent::protocol::VERSION,
            vault: "v.age".into(),
            pid: 1,
            started: now,
            idle_lock_at: Some(now + left),
            idle_seconds: Some(15 * 60),
            ends_at: now + 8 * 3600,
            entries: 0,
            recipient: String::new(),
            keys: 0,
            trusted: true,
        };
        assert_eq!(
            super::until(&status(15 * 60)),
            "it locks after 15 min without use and ends in 8 h at the latest"
        );
        assert_eq!(
            super::until(&status(4 * 60)),
            "it locks after 15 min without use (in 4 min if unused) and ends in 8 h at the latest"
        );
    }
}
