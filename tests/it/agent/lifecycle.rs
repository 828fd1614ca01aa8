//! An agent's life: unlock, status, lock; the idle timeout (reset by use, not by status
//! queries) and the lifetime; the foreground agent and its signals; a killed agent's stale
//! socket; `passwd` and the settings.

use predicates::prelude::*;
use predicates::str::contains;

use super::*;

/// `keyfob lock` wipes the agent and removes its socket before it returns; status says
/// which vault and when it locks, and exits 2 when none runs.
#[test]
fn lock_ends_the_agent_and_removes_its_socket() {
    let av = AgentVault::passphrase();
    av.bare()
        .args(["agent", "--status"])
        .assert()
        .code(2)
        .stdout(contains("no agent holds vault"));
    av.cmd()
        .arg("unlock")
        .assert()
        .success()
        .stdout(contains("unlocked vault").and(contains("locks after 15 min without use")));
    let pid = av.pid().unwrap();
    av.bare()
        .args(["agent", "--status"])
        .assert()
        .success()
        .stdout(
            contains(av.tv.vault.display().to_string())
                .and(contains("(1 entry, since"))
                .and(contains("ends in 8 h at the latest")),
        );
    // A second unlock asks nothing and says so.
    av.bare()
        .arg("unlock")
        .assert()
        .success()
        .stdout(contains("already unlocked"));
    assert_eq!(av.sockets().len(), 1);
    av.bare()
        .arg("lock")
        .assert()
        .success()
        .stdout(contains("wiped the keys"));
    assert!(
        av.sockets().is_empty(),
        "the socket is gone when lock returns"
    );
    wait_dead(pid, Duration::from_secs(5));
    av.bare()
        .arg("lock")
        .assert()
        .success()
        .stdout(contains("was not unlocked"));
    // Locked means locked: with no key and no terminal, a code cannot be had.
    av.bare().args(["code", "github"]).assert().code(1);
}

/// Status queries do not keep an agent awake (rbw's agent counts them as use); codes do,
/// until its lifetime ends it whatever happens.
#[test]
fn only_use_resets_the_idle_timer_and_the_lifetime_ends_it() {
    // Idle 2 s, lifetime 5 s.
    let busy = AgentVault::identity();
    busy.cmd()
        .env(keyfob::agent::TEST_TIMES_VAR, "2,5")
        .arg("unlock")
        .assert()
        .success();
    let idle = AgentVault::identity();
    idle.cmd()
        .env(keyfob::agent::TEST_TIMES_VAR, "2,30")
        .arg("unlock")
        .assert()
        .success();
    let start = Instant::now();
    let mut idle_gone = None;
    let mut busy_seen_at = Duration::ZERO;
    while start.elapsed() < Duration::from_secs(20) {
        // Asked about all the time, the idle one still locks after 2 s.
        if idle_gone.is_none() && idle.pid().is_none() {
            idle_gone = Some(start.elapsed());
        }
        let used = busy
            .bare()
            .args(["code", "github"])
            .output()
            .unwrap()
            .status
            .success();
        if used {
            busy_seen_at = start.elapsed();
        } else if idle_gone.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let idle_gone = idle_gone.expect("the idle agent never locked");
    assert!(
        idle_gone < Duration::from_secs(5),
        "status kept the idle agent awake: {idle_gone:?}"
    );
    assert!(
        busy_seen_at > Duration::from_millis(3000),
        "use did not keep the busy agent past its idle time: {busy_seen_at:?}"
    );
    assert!(
        busy_seen_at < Duration::from_secs(7),
        "the busy agent outlived its lifetime: {busy_seen_at:?}"
    );
    assert!(busy.sockets().is_empty() && idle.sockets().is_empty());
}

/// `keyfob agent` serves in the foreground (a service manager's way) and ends cleanly on
/// SIGTERM: socket removed, exit 0.
#[test]
fn the_foreground_agent_ends_cleanly_on_sigterm() {
    let av = AgentVault::identity();
    let mut cmd = av.bare_std();
    cmd.arg("--identity")
        .arg(identity_file())
        .arg("agent")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let start = Instant::now();
    while av.pid().is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "no agent");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(av.pid(), Some(child.id()));
    // A second one is refused.
    av.cmd()
        .arg("agent")
        .assert()
        .code(1)
        .stderr(contains("already holds vault"));
    av.bare().args(["code", "github"]).assert().success();
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Ctrl-C or `keyfob lock` ends it"),
        "{out:?}"
    );
    assert!(av.sockets().is_empty());
}

/// An agent killed outright leaves its socket behind; the next command sees that nothing
/// listens, removes it and unlocks directly, and a new agent can start.
#[test]
fn a_killed_agent_leaves_a_socket_that_is_cleared() {
    let av = AgentVault::identity();
    av.unlock();
    let pid = av.pid().unwrap();
    let raw = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(raw, rustix::process::Signal::KILL).unwrap();
    wait_dead(pid, Duration::from_secs(5));
    assert_eq!(av.sockets().len(), 1, "kill -9 leaves the socket");
    av.cmd()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout(format!("{RFC_CODE_AT_59}\n"));
    assert!(av.sockets().is_empty(), "the stale socket was removed");
    av.unlock();
    assert!(av.pid().is_some());
}

/// `passwd` unlocks directly (saying why) and locks the agent that held the old protection;
/// with `agent_idle_minutes: 0` keyfob starts no agent at all.
#[test]
fn passwd_locks_the_agent_and_zero_minutes_starts_none() {
    let av = AgentVault::passphrase();
    av.unlock();
    let new = av.tv.dir.path().join("new-pass.txt");
    std::fs::write(&new, "a brand new agent passphrase\n").unwrap();
    av.cmd()
        .arg("passwd")
        .arg("--new-passphrase-file")
        .arg(&new)
        .assert()
        .success()
        .stderr(contains("note: re-sealing needs the vault's key"))
        .stdout(contains("old protection was locked"));
    assert_eq!(av.pid(), None);
    let config = av.tv.dir.path().join("config.ron");
    std::fs::write(&config, "(agent_idle_minutes: 0)\n").unwrap();
    av.bare()
        .arg("--passphrase-file")
        .arg(&new)
        .arg("--config")
        .arg(&config)
        .arg("unlock")
        .assert()
        .code(1)
        .stderr(contains("agent_idle_minutes is 0"));
}
