//! The screen (TUI): `keyfob` and `keyfob ui`.
//!
//! The Elm shape: [`app::App`] is plain state, [`keymap`] turns keys into [`app::Msg`]s,
//! `App::update(msg, now)` changes the state and returns [`app::Effect`]s, `impl Widget for
//! &App` ([`view`]) draws it, and [`runtime`] is the one loop that performs effects (saving on
//! the vault thread, the clipboard, the clock).
//!
//! Promises: with an agent holding the vault, the screen opens at once with no question and
//! holds no seed (its entries are views with codes, from the agent). Without one, the vault
//! is unlocked (or created, on first run) on the terminal before the screen opens — and, when
//! that asked a person, left in a new agent by the command line's rule, which the screen then
//! uses. Every change is saved at once, by the agent or through `Session::apply`; the terminal
//! is always restored; nothing secret reaches `Debug` output.

use std::io::IsTerminal;

use crate::context::Context;
use crate::engine::crypto::{Key, KeyLock};
use crate::engine::store::Session;
use crate::failure::Failure;

pub mod app;
pub mod asking;
pub mod backend;
pub mod filter;
pub mod first_run;
pub mod form;
pub mod hidden;
pub mod import_flow;
pub mod keymap;
pub mod runtime;
pub mod sharing;
pub mod text;
pub mod theme;
pub mod update;
pub mod view;
pub mod watch;
pub mod worker;

/// Opens the TUI.
pub fn run(context: &Context) -> Result<(), Failure> {
    if !std::io::stdout().is_terminal() {
        return Err(Failure::new("the screen needs a terminal")
            .with_hint("in scripts use `keyfob list`, `keyfob code QUERY` (see `keyfob --help`)"));
    }
    let now = Context::now(None);
    let starting = worker::Starting {
        config: context.config_path.clone(),
        allowed: crate::agent::autostart_allowed(&context.config),
    };
    let opened = match through_agent(&context.access, now) {
        Some(opened) => opened,
        None => directly(&context.access, &starting, now)?,
    };
    let access = opened.access;
    let settings = app::Settings {
        clear_seconds: context.config.clipboard_clear_seconds,
        idle_lock_minutes: context.config.idle_lock_minutes,
        theme: theme::Theme::from_env(
            context.config.colors,
            std::env::var("NO_COLOR").ok().as_deref(),
        ),
        vault_name: access.vault.file_name().map_or_else(
            || access.vault.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        relock: opened.relock,
    };
    let mut app = app::App::new(opened.entries, settings, now);
    app.agent = matches!(opened.held, worker::Held::Agent);
    app.agent_pid = opened.pid;
    app.clock = crate::clock::health();
    app.sharing = opened.sharing;
    // The trust warnings (also printed before the screen opened, where they are hidden), or
    // why no agent could hold the vault.
    if let Some(first) = opened.warnings.into_iter().next() {
        app.set_status(app::StatusKind::Error, first);
    }
    let route = crate::clipboard::Route::detect(context.config.clipboard);
    runtime::run(app, opened.held, access, starting, route)
}

/// The vault as the screen opens with it.
struct Opening {
    held: worker::Held,
    access: crate::unlock::Access,
    entries: Vec<crate::engine::view::EntryView>,
    sharing: sharing::Sharing,
    warnings: Vec<String>,
    relock: app::Relock,
    /// The agent's process, when one holds the vault and said which.
    pid: Option<u32>,
}

/// Through the agent that holds the vault, if one runs and answers: nothing is asked or
/// decrypted here.
fn through_agent(access: &crate::unlock::Access, now: u64) -> Option<Opening> {
    use crate::agent::client::{self, Connect};
    let mut client = match client::connect(&access.vault) {
        Connect::Agent(client) => client,
        Connect::None => return None,
        Connect::Unusable(failure) => {
            crate::failure::warn(format!("{}; unlocking directly", failure.message));
            return None;
        }
    };
    let (entries, warnings) = client.list(now).ok()?;
    let status = client.status().ok();
    let sharing = status
        .as_ref()
        .map(sharing::Sharing::of_status)
        .unwrap_or_default();
    Some(Opening {
        held: worker::Held::Agent,
        access: access.clone(),
        entries,
        sharing,
        warnings,
        relock: worker::relock_of(access),
        pid: status.map(|s| s.pid),
    })
}

/// Unlocked here (asking, or creating the vault on first run), then left in a new agent when a
/// person was asked (the command line's rule).
fn directly(
    access: &crate::unlock::Access,
    starting: &worker::Starting,
    now: u64,
) -> Result<Opening, Failure> {
    let (session, access) = first_run::open_or_create(access)?;
    let entries = worker::views_of(&session, now).map_err(Failure::new)?;
    let mut warnings = crate::unlock::warnings(&session);
    let sharing = sharing::Sharing::of(&session);
    let relock = relock(&session);
    let mut pid = None;
    let held = match worker::hand_to_agent(&access, starting, &session) {
        Ok(true) => {
            if let crate::agent::client::Connect::Agent(mut client) =
                crate::agent::client::connect(&access.vault)
            {
                pid = client.status().ok().map(|status| status.pid);
            }
            worker::Held::Agent
        }
        Ok(false) => worker::Held::Direct(Box::new(session)),
        Err(note) => {
            warnings.push(note);
            worker::Held::Direct(Box::new(session))
        }
    };
    Ok(Opening {
        held,
        access,
        entries,
        sharing,
        warnings,
        relock,
        pid,
    })
}

/// What the lock screen will ask for, from how the vault was opened.
fn relock(session: &Session) -> app::Relock {
    match session.key() {
        Key::Passphrase(_) => app::Relock::Passphrase,
        Key::Identities(ids) if ids.has_plugins() => app::Relock::HardwareKey,
        Key::Identities(ids) if ids.locked_by() == Some(KeyLock::AgeFile) => {
            app::Relock::IdentityPassphrase
        }
        Key::Identities(_) => app::Relock::IdentityFile,
    }
}
