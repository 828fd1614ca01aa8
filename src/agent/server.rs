//! The agent process: it holds one opened vault and answers on its socket until it is locked,
//! idle too long, at the end of its life, signalled, or its vault is gone.
//!
//! Promises:
//! - Only this user is served: each connection's peer credentials (SO_PEERCRED) must carry
//!   our effective uid, else it is closed unanswered; the socket's folder is private
//!   ([`super::place`]).
//! - A malformed, oversized or slow request gets an error reply (when one can still be sent)
//!   and its connection closes; the agent goes on serving the others. At most
//!   [`MAX_CLIENTS`] are served at once; more wait their turn.
//! - Idle time is reset only by requests that read codes or change entries (list, code,
//!   apply), never by a status query; the lifetime ends the agent whatever happens.
//! - Before answering, the agent compares the vault file's stamp with what it last read and
//!   re-reads it if it changed ([`crate::engine::store::Session::refresh`]), so codes are
//!   never stale; a vault it can no longer open ends it. Once a second it checks that the
//!   vault and its socket still exist, and ends if not.
//! - Ending wipes: the session (seeds, key) is dropped — zeroized — under the same lock that
//!   requests take, so a save under way finishes first; then the socket is removed.
//! - The whole process is locked in memory (`mlockall`) where that cannot fail later (an
//!   unlimited `RLIMIT_MEMLOCK` or `CAP_IPC_LOCK`); elsewhere the decrypted document it is
//!   handed lives in locked pages ([`crate::engine::crypto::Plaintext`]) and the rest is not
//!   locked.
//! - Idle, its main thread sleeps in `poll` and wakes once a second for its checks; serving
//!   threads sleep in `accept`.

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::Timing;
use super::place::{self, Place};
use super::protocol::{self, Status};
use crate::engine::store::Session;
use crate::failure::Failure;

mod handle;

/// How long a client may take to send a whole request (and to read a reply).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the agent checks that its vault and socket still exist.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// Clients served at once; more wait their turn.
pub const MAX_CLIENTS: usize = 64;
/// Serving threads kept waiting for clients when nobody is served.
const SPARE: usize = 2;

/// What the request handlers share with the main loop.
struct Shared {
    state: Mutex<State>,
    /// One byte here wakes the main loop (a lock, an agent that must end).
    wake: UnixStream,
    /// The socket, accepted on by the serving threads themselves (blocking), so a client is
    /// met by a thread already waiting for it: no wake-up of another thread, no thread start.
    listener: UnixListener,
    /// Serving threads waiting in `accept`, and serving threads in all.
    idle: AtomicUsize,
    threads: AtomicUsize,
    /// Requests being answered (read, answered, reply not yet written): the agent ends only
    /// once their replies are out (a `lock` is told it worked).
    answering: AtomicUsize,
    /// The ephemeral key that operations are sealed to.
    identity: age::x25519::Identity,
    recipient: String,
    vault: String,
    started: Instant,
    started_unix: u64,
    timing: Timing,
    /// The socket, and the device and inode it had when bound (it is removed only if still
    /// ours).
    socket: std::path::PathBuf,
    bound: Option<(u64, u64)>,
}

/// The opened vault and the clocks, under one lock.
struct State {
    /// `None` once wiped.
    session: Option<Session>,
    last_use: Instant,
    /// Set by a request that ends the agent (lock, a vault it can no longer open).
    ending: bool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A handler that panicked holding the lock leaves the state as it was: keep serving.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks the agent as ending (the caller holds the state) and wakes the main loop.
    fn end(&self, state: &mut State) {
        state.ending = true;
        let _ = (&self.wake).write(b"x");
    }

    fn status(&self, state: &State) -> Status {
        let now = Instant::now();
        let unix = super::unix_now();
        let at = |deadline: Instant| unix + deadline.saturating_duration_since(now).as_secs();
        Status {
            version: protocol::VERSION,
            vault: self.vault.clone(),
            pid: std::process::id(),
            started: self.started_unix,
            idle_lock_at: self.timing.idle.map(|idle| at(state.last_use + idle)),
            idle_seconds: self.timing.idle.map(|d| d.as_secs()),
            ends_at: at(self.started + self.timing.lifetime),
            entries: state
                .session
                .as_ref()
                .map_or(0, |s| s.vault().entries.len()),
            recipient: self.recipient.clone(),
            keys: state.session.as_ref().map_or(0, |s| match s.seal() {
                crate::engine::crypto::Seal::Passphrase { .. } => 0,
                crate::engine::crypto::Seal::Recipients(list) => {
                    crate::engine::merge::recipients::canonical_set(list).len()
                }
            }),
            trusted: state
                .session
                .as_ref()
                .is_none_or(|s| s.standing().allows_save()),
        }
    }
}

/// Serves `session` until the agent ends. `ready` is called once the socket accepts
/// connections (the background agent tells the command that started it; the foreground one
/// tells the person).
pub fn serve(session: Session, timing: Timing, ready: impl FnOnce(&Status)) -> Result<(), Failure> {
    lock_memory();
    let vault = session.path().to_path_buf();
    let place = place::for_vault(&vault).map_err(place_failure)?;
    place.prepare().map_err(place_failure)?;
    let _lock = hold_lock(&place, &vault)?;
    let listener = bind(&place)?;
    let bound = identity_of(&place.socket);
    let (wake_read, wake) = UnixStream::pair()
        .map_err(|e| Failure::new(format!("the agent cannot make its wake-up pipe: {e}")))?;
    let _ = wake_read.set_nonblocking(true);
    let signalled = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        let _ = signal_hook::flag::register(signal, Arc::clone(&signalled));
        if let Ok(pipe) = wake.try_clone() {
            let _ = signal_hook::low_level::pipe::register(signal, pipe);
        }
    }
    let identity = age::x25519::Identity::generate();
    let shared = Arc::new(Shared {
        recipient: identity.to_public().to_string(),
        identity,
        vault: vault.display().to_string(),
        state: Mutex::new(State {
            session: Some(session),
            last_use: Instant::now(),
            ending: false,
        }),
        wake,
        listener,
        idle: AtomicUsize::new(0),
        threads: AtomicUsize::new(0),
        answering: AtomicUsize::new(0),
        started: Instant::now(),
        started_unix: super::unix_now(),
        timing,
        socket: place.socket.clone(),
        bound,
    });
    spawn_acceptor(&shared);
    ready(&shared.status(&shared.state()));
    run(&wake_read, &shared, &signalled, &place, &vault, bound);
    // Wipe first (waiting for a request under way, e.g. a save), then leave once the replies
    // under way are written.
    drop(shared.state().session.take());
    if identity_of(&place.socket) == bound {
        let _ = std::fs::remove_file(&place.socket);
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while shared.answering.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// The main loop: watches the clocks, the vault and the socket (clients are met by the
/// serving threads).
fn run(
    wake: &UnixStream,
    shared: &Arc<Shared>,
    signalled: &AtomicBool,
    place: &Place,
    vault: &std::path::Path,
    bound: Option<(u64, u64)>,
) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let mut last_check = Instant::now();
    loop {
        let now = Instant::now();
        let (idle_end, ending) = {
            let state = shared.state();
            (
                shared.timing.idle.map(|idle| state.last_use + idle),
                state.ending,
            )
        };
        let life_end = shared.started + shared.timing.lifetime;
        if ending
            || signalled.load(Ordering::SeqCst)
            || now >= life_end
            || idle_end.is_some_and(|end| now >= end)
        {
            return;
        }
        if now.duration_since(last_check) >= CHECK_EVERY {
            last_check = now;
            if !vault.exists() || identity_of(&place.socket) != bound {
                return;
            }
        }
        let next = [Some(life_end), idle_end, Some(last_check + CHECK_EVERY)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(life_end);
        let wait = next.saturating_duration_since(now) + Duration::from_millis(1);
        let timeout = Timespec::try_from(wait).unwrap_or(Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        });
        let mut fds = [PollFd::new(wake, PollFlags::IN)];
        // EINTR (a signal) and wake-ups alike: the flags are looked at on the next turn.
        if poll(&mut fds, Some(&timeout)).is_ok_and(|n| n > 0) {
            let mut sink = [0u8; 64];
            while matches!(std::io::Read::read(&mut &*wake, &mut sink), Ok(n) if n > 0) {}
        }
    }
}

/// Starts one more serving thread waiting in `accept`, unless [`MAX_CLIENTS`] already run.
fn spawn_acceptor(shared: &Arc<Shared>) {
    if shared.threads.fetch_add(1, Ordering::SeqCst) >= MAX_CLIENTS {
        shared.threads.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    shared.idle.fetch_add(1, Ordering::SeqCst);
    let for_thread = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name("client".into())
        .spawn(move || serve_clients(&for_thread));
    if spawned.is_err() {
        shared.idle.fetch_sub(1, Ordering::SeqCst);
        shared.threads.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A serving thread: accepts a client and serves its connection, again and again; the last
/// idle one starts another before it serves (so someone always waits for the next client),
/// and one that finds others idle enough ends.
fn serve_clients(shared: &Arc<Shared>) {
    loop {
        let accepted = shared.listener.accept();
        if shared.idle.fetch_sub(1, Ordering::SeqCst) <= 1 {
            spawn_acceptor(shared);
        }
        if let Ok((stream, _)) = accepted {
            let _ = stream.set_read_timeout(Some(CLIENT_TIMEOUT));
            let _ = stream.set_write_timeout(Some(CLIENT_TIMEOUT));
            if same_user(&stream) {
                handle::connection(shared, &stream);
            }
        } else {
            // accept failing (out of descriptors): do not spin.
            std::thread::sleep(Duration::from_millis(50));
        }
        if shared.idle.load(Ordering::SeqCst) >= SPARE {
            shared.threads.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        shared.idle.fetch_add(1, Ordering::SeqCst);
    }
}

/// Whether the peer runs as our effective user.
fn same_user(stream: &UnixStream) -> bool {
    rustix::net::sockopt::socket_peercred(stream)
        .is_ok_and(|cred| cred.uid == rustix::process::geteuid())
}

/// The lock file, held (flock) for the agent's life: no second agent for this vault.
fn hold_lock(place: &Place, vault: &std::path::Path) -> Result<std::fs::File, Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&place.lock)
        .map_err(|e| {
            Failure::new(format!(
                "the agent cannot open its lock file '{}': {e}",
                place.lock.display()
            ))
        })?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(
        |_| {
            Failure::new(format!(
                "an agent already holds vault '{}' unlocked",
                vault.display()
            ))
            .with_hint("`keyfob agent --status` tells which; `keyfob lock` ends it")
        },
    )?;
    Ok(file)
}

/// Binds the socket (0600), removing a stale one first: holding the lock, any socket there
/// was left by an agent that died.
fn bind(place: &Place) -> Result<UnixListener, Failure> {
    let _ = std::fs::remove_file(&place.socket);
    let listener = UnixListener::bind(&place.socket).map_err(|e| {
        Failure::new(format!(
            "the agent cannot listen on '{}': {e}",
            place.socket.display()
        ))
    })?;
    let _ = std::fs::set_permissions(&place.socket, std::fs::Permissions::from_mode(0o600));
    Ok(listener)
}

/// The device and inode at `path` (without following a link), if anything is there.
fn identity_of(path: &std::path::Path) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

fn place_failure(e: place::PlaceError) -> Failure {
    let hint = e.hint();
    let failure = Failure::new(e.to_string());
    match hint {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    }
}

/// Locks the whole process in memory where later allocations cannot fail because of it:
/// `CAP_IPC_LOCK` or an unlimited `RLIMIT_MEMLOCK` (else a locked process whose memory grows
/// past the limit would fail to allocate). Best effort.
fn lock_memory() {
    use rustix::mm::{MlockAllFlags, mlockall};
    let unlimited = rustix::process::getrlimit(rustix::process::Resource::Memlock)
        .current
        .is_none();
    let capable = rustix::thread::capabilities(None).is_ok_and(|caps| {
        caps.effective
            .contains(rustix::thread::CapabilitySet::IPC_LOCK)
    });
    if unlimited || capable {
        let _ = mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE | MlockAllFlags::ONFAULT);
    }
}
