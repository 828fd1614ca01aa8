//! The agent (issue 10), through the real binary: unlock once, then commands ask nothing;
//! locking, timers, following the file; and what a hostile client or a crash can do.
//!
//! Each test's agent listens in a runtime folder of its own (inside the test's temporary
//! folder), so agents of tests running side by side never meet; a test that leaves one
//! running locks it when its vault is dropped (and an agent whose vault is deleted ends by
//! itself within a second or two).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;

mod hostile;
mod lifecycle;
mod screen;
mod serving;

/// The RFC 6238 secret's 6-digit code at Unix time 59.
const RFC_CODE_AT_59: &str = "287082";

/// A vault with a runtime folder of its own, and one entry (GitHub:me, the RFC secret).
pub struct AgentVault {
    pub tv: TestVault,
    pub run: PathBuf,
}

impl AgentVault {
    /// An identity vault.
    pub fn identity() -> AgentVault {
        AgentVault::wrap(TestVault::new())
    }

    /// A passphrase vault (the passphrase is in `tv.passphrase_file`).
    pub fn passphrase() -> AgentVault {
        AgentVault::wrap(TestVault::with_passphrase("agent test passphrase"))
    }

    fn wrap(tv: TestVault) -> AgentVault {
        use std::os::unix::fs::DirBuilderExt;
        tv.add("GitHub", "me", RFC_SECRET_B32);
        let run = tv.dir.path().join("run");
        std::fs::DirBuilder::new().mode(0o700).create(&run).unwrap();
        AgentVault { tv, run }
    }

    /// The environment every command of this test runs with: its runtime folder, agents
    /// allowed to start.
    fn env(&self, cmd: &mut std::process::Command) {
        cmd.env("XDG_RUNTIME_DIR", &self.run)
            .env("XDG_STATE_HOME", self.tv.state_dir())
            .env("KEYFOB_SCRYPT_LOG_N", "10")
            .env_remove("KEYFOB_TEST_NO_AGENT");
    }

    /// `keyfob` with the vault's key options (identity or passphrase file).
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = self.tv.cmd();
        cmd.env("XDG_RUNTIME_DIR", &self.run)
            .env_remove("KEYFOB_TEST_NO_AGENT");
        cmd
    }

    /// `keyfob --vault VAULT` with no key at all and no terminal: it can only work through
    /// the agent (or fail asking).
    pub fn bare(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.bare_std());
        cmd.timeout(Duration::from_secs(60));
        cmd
    }

    /// [`AgentVault::bare`] as a std command.
    pub fn bare_std(&self) -> std::process::Command {
        let mut cmd = keyfob_std();
        self.env(&mut cmd);
        cmd.arg("--vault").arg(&self.tv.vault);
        cmd
    }

    /// `keyfob --vault VAULT …` for a pseudo-terminal (a person types the passphrase).
    pub fn pty_command(&self) -> std::process::Command {
        let mut cmd = crate::unlocking::keyfob_command();
        self.env(&mut cmd);
        cmd.arg("--vault").arg(&self.tv.vault);
        cmd
    }

    /// `keyfob unlock` with the vault's key options.
    pub fn unlock(&self) {
        self.cmd().arg("unlock").assert().success();
    }

    /// The running agent's pid, if one holds the vault.
    pub fn pid(&self) -> Option<u32> {
        let out = self.bare().args(["agent", "--status"]).output().unwrap();
        match out.status.code() {
            Some(0) => {
                let text = String::from_utf8(out.stdout).unwrap();
                let pid = text.strip_prefix("agent ")?.split(' ').next()?;
                Some(pid.parse().unwrap())
            }
            Some(2) => None,
            other => panic!(
                "status exited {other:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }

    /// The agent folder's sockets.
    pub fn sockets(&self) -> Vec<PathBuf> {
        let Ok(read) = std::fs::read_dir(self.run.join("keyfob")) else {
            return Vec::new();
        };
        read.map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sock"))
            .collect()
    }
}

impl Drop for AgentVault {
    fn drop(&mut self) {
        let _ = self.bare_std().arg("lock").output();
    }
}

/// Whether process `pid` still exists (a zombie counts as gone).
pub fn alive(pid: u32) -> bool {
    // Every thread, not only the leader: a killed process's leader turns zombie while its
    // other threads are still exiting, and those still hold its files (the socket) open.
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        std::fs::read_to_string(task.path().join("stat"))
            .is_ok_and(|stat| !stat.split(") ").nth(1).is_some_and(|s| s.starts_with('Z')))
    })
}

/// Waits until process `pid` is gone.
pub fn wait_dead(pid: u32, within: Duration) {
    let start = Instant::now();
    while alive(pid) {
        assert!(start.elapsed() < within, "process {pid} still runs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A raw connection to the agent's socket, for what no keyfob command would send.
pub fn raw(socket: &Path) -> std::os::unix::net::UnixStream {
    let stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}
