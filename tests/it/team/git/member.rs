//! A person in the three-clone test: a clone, an identity, a machine (state folder and home),
//! and the git and keyfob commands they run — with the merge driver set up as README says.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use keyfob::engine::entry::Entry;

use super::super::recipients::new_identity;
use crate::common::*;

/// One person: a clone, an identity, and a machine (its own state folder and home).
pub struct Member {
    pub name: &'static str,
    pub clone: PathBuf,
    pub identity: PathBuf,
    pub key: String,
    pub state: PathBuf,
    pub home: PathBuf,
}

impl Member {
    pub fn new(root: &Path, name: &'static str) -> Member {
        let (identity, key) = new_identity(root, &format!("{name}.key"));
        let home = root.join(format!("{name}-home"));
        fs::create_dir_all(&home).unwrap();
        Member {
            name,
            clone: root.join(name),
            identity,
            key,
            state: root.join(format!("{name}-state")),
            home,
        }
    }

    pub fn vault(&self) -> PathBuf {
        self.clone.join("vault.age")
    }

    /// `keyfob` as this person runs it on their clone's vault.
    pub fn keyfob(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        keyfob()
            .env("XDG_STATE_HOME", &self.state)
            .arg("--vault")
            .arg(self.vault())
            .arg("--identity")
            .arg(&self.identity)
            .args(args)
            .assert()
    }

    /// `git` in this person's clone (or `dir`), with the merge driver's environment: their
    /// identity and machine.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new("git");
        clean_env(&mut cmd);
        cmd.current_dir(dir)
            .args(args)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_AUTHOR_NAME", self.name)
            .env("GIT_AUTHOR_EMAIL", format!("{}@example.com", self.name))
            .env("GIT_COMMITTER_NAME", self.name)
            .env("GIT_COMMITTER_EMAIL", format!("{}@example.com", self.name))
            .env("KEYFOB_IDENTITY", &self.identity)
            .env("XDG_STATE_HOME", &self.state);
        cmd.output().unwrap()
    }

    pub fn git(&self, args: &[&str]) -> std::process::Output {
        self.git_in(&self.clone, args)
    }

    /// `git` that must succeed.
    pub fn git_ok(&self, args: &[&str]) {
        let out = self.git(args);
        assert!(
            out.status.success(),
            "{} git {args:?}: {}{}",
            self.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Makes the shared bare repository `origin.git` in `root` and this person's clone of
    /// nothing yet (a new repository on `main`) with the merge driver set up; returns the
    /// origin's path.
    pub fn found_repository(&self, root: &Path) -> std::path::PathBuf {
        let origin = root.join("origin.git");
        for args in [
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                "main",
                origin.to_str().unwrap(),
            ][..],
            &["init", "-q", "-b", "main", self.clone.to_str().unwrap()],
        ] {
            let out = self.git_in(root, args);
            assert!(out.status.success(), "git {args:?}: {out:?}");
        }
        self.configure();
        origin
    }

    /// Sets up the merge driver in this clone, as README says.
    pub fn configure(&self) {
        let keyfob = assert_cmd::cargo::cargo_bin("keyfob");
        self.git_ok(&["config", "merge.keyfob.name", "keyfob vault merge"]);
        self.git_ok(&[
            "config",
            "merge.keyfob.driver",
            &format!("'{}' merge %O %A %B %P", keyfob.display()),
        ]);
        self.git_ok(&["config", "pull.rebase", "false"]);
    }

    pub fn commit(&self, message: &str) {
        self.git_ok(&["commit", "-qam", message]);
    }

    /// Pulls; a conflict the driver kept as flagged entries is committed as it is (the
    /// person reviews it in keyfob). Returns whether there was one.
    pub fn pull(&self) -> bool {
        self.pull_saying().0
    }

    /// [`Member::pull`], with what git and the driver said.
    pub fn pull_saying(&self) -> (bool, String) {
        let out = self.git(&["pull", "--no-edit", "origin", "main"]);
        let said = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            return (false, said);
        }
        assert!(said.contains("conflict: '"), "{} pull: {said}", self.name);
        self.git_ok(&["add", "vault.age"]);
        self.git_ok(&["commit", "-q", "--no-edit"]);
        (true, said)
    }

    pub fn push(&self) {
        self.git_ok(&["push", "-q", "origin", "main"]);
    }

    pub fn entries(&self) -> Vec<Entry> {
        let text = fs::read(&self.identity).unwrap();
        let ids = keyfob::engine::crypto::read_identities(&text, "t", &mut |_| None).unwrap();
        let key = keyfob::engine::crypto::Key::Identities(ids);
        let plain =
            keyfob::engine::crypto::decrypt(&fs::read(self.vault()).unwrap(), &key).unwrap();
        keyfob::engine::vault::Vault::from_bytes(&plain)
            .unwrap()
            .entries
    }
}

pub fn git_missing() -> bool {
    let missing = Command::new("git").arg("--version").output().is_err();
    if missing {
        eprintln!("note: git is not installed; skipping the three-clone test");
    }
    missing
}
