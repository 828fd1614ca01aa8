//! Shared set-up: throwaway vaults unlocked by an X25519 identity (fast) or by a passphrase
//! with a tiny scrypt work factor, and the `keyfob` command with a clean environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The test identity (tests/fixtures/keys/age_identity.txt).
pub fn identity_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys/age_identity.txt")
}

pub fn key_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

/// The Microsoft sample secret and the RFC 4226/6238 one, in Base32.
pub const MS_SECRET: &str = "2234567abcdef2234567abcdef";
pub const RFC_SECRET_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// `keyfob` with no KEYFOB_* or SSH/clipboard variables from the outside world.
pub fn keyfob() -> Command {
    let mut cmd = Command::cargo_bin("keyfob").unwrap();
    for var in [
        "KEYFOB_VAULT",
        "KEYFOB_CONFIG",
        "KEYFOB_IDENTITY",
        "KEYFOB_SCRYPT_LOG_N",
        "SSH_CONNECTION",
        "SSH_TTY",
        "TMUX",
        "DISPLAY",
        "WAYLAND_DISPLAY",
    ] {
        cmd.env_remove(var);
    }
    // Never fall back to the real home folder.
    cmd.env("XDG_DATA_HOME", "/nonexistent/keyfob-test-data");
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/keyfob-test-config");
    cmd
}

/// A vault in a temporary folder.
pub struct TestVault {
    pub dir: TempDir,
    pub vault: PathBuf,
    /// Some for identity vaults, None for passphrase vaults.
    pub identity: Option<PathBuf>,
    pub passphrase_file: Option<PathBuf>,
}

impl TestVault {
    /// An empty vault sealed to the test identity.
    pub fn new() -> TestVault {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("data/vault.age");
        let tv = TestVault {
            vault,
            identity: Some(identity_file()),
            passphrase_file: None,
            dir,
        };
        tv.cmd().arg("init").assert().success();
        tv
    }

    /// An empty vault protected by `passphrase` (scrypt work factor 2^10).
    pub fn with_passphrase(passphrase: &str) -> TestVault {
        let dir = tempfile::tempdir().unwrap();
        let pass = dir.path().join("pass.txt");
        std::fs::write(&pass, format!("{passphrase}\n")).unwrap();
        let tv = TestVault {
            vault: dir.path().join("data/vault.age"),
            identity: None,
            passphrase_file: Some(pass),
            dir,
        };
        tv.cmd().arg("init").assert().success();
        tv
    }

    /// `keyfob --vault … (--identity …| --passphrase-file …)`.
    pub fn cmd(&self) -> Command {
        let mut cmd = keyfob();
        cmd.env("KEYFOB_SCRYPT_LOG_N", "10");
        cmd.arg("--vault").arg(&self.vault);
        if let Some(id) = &self.identity {
            cmd.arg("--identity").arg(id);
        }
        if let Some(p) = &self.passphrase_file {
            cmd.arg("--passphrase-file").arg(p);
        }
        cmd
    }

    /// Adds a TOTP entry with the given secret.
    pub fn add(&self, issuer: &str, account: &str, secret: &str) {
        self.cmd()
            .args([
                "add",
                "--issuer",
                issuer,
                "--account",
                account,
                "--secret",
                secret,
            ])
            .assert()
            .success();
    }

    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.vault).unwrap()
    }

    /// The decrypted RON, through the library.
    pub fn plaintext(&self) -> String {
        let id = std::fs::read(self.identity.as_ref().unwrap()).unwrap();
        let ids = keyfob::engine::crypto::read_identities(&id, "test", &mut |_| None).unwrap();
        let plain = keyfob::engine::crypto::decrypt(
            &self.bytes(),
            &keyfob::engine::crypto::Key::Identities(ids),
        )
        .unwrap();
        String::from_utf8(plain.to_vec()).unwrap()
    }
}
