//! The screen (TUI): `keyfob` and `keyfob ui`.
//!
//! The Elm shape: [`app::App`] is plain state, [`keymap`] turns keys into [`app::Msg`]s,
//! `App::update(msg, now)` changes the state and returns [`app::Effect`]s, `impl Widget for
//! &App` ([`view`]) draws it, and [`runtime`] is the one loop that performs effects (saving on
//! the vault thread, the clipboard, the clock).
//!
//! Promises: the vault is unlocked (or created, on first run) on the terminal before the
//! screen opens; every change is saved at once through `Session::update`; the terminal is
//! always restored; nothing secret reaches `Debug` output.

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
    let (session, access) = first_run::open_or_create(&context.access)?;
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
        relock: relock(&session),
    };
    let now = Context::now(None);
    let mut app = app::App::new(session.vault().entries.clone(), settings, now);
    app.clock = crate::clock::health();
    app.sharing = sharing::Sharing::of(&session);
    // The trust warnings (also printed before the screen opened, where they are hidden).
    if let Some(first) = crate::unlock::warnings(&session).into_iter().next() {
        app.set_status(app::StatusKind::Error, first);
    }
    let route = crate::clipboard::Route::detect(context.config.clipboard);
    runtime::run(app, session, access, route)
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
