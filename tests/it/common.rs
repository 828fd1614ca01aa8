//! Shared set-up: throwaway vaults unlocked by an X25519 identity (fast) or by a passphrase
//! with a tiny scrypt work factor, and the `keyfob` command with a clean environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The test identity (tests/fixtures/keys/age_identity.txt).
pub fn identity_file() -> PathBuf {
    key_file("age_identity.txt")
}

/// A file of tests/fixtures/keys, made 0600 (git keeps no read bits, and keyfob warns about
/// identity files other users can read).
pub fn key_file(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name);
    private(&path);
    path
}

/// Sets mode 0600 on a test file if it is wider.
pub fn private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if mode(path) & 0o077 != 0 {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// Where the tests' keyfob keeps its per-machine state unless a test gives it its own.
pub fn shared_state_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("keyfob-test-state")
}

/// The Microsoft sample secret and the RFC 4226/6238 one, in Base32.
pub const MS_SECRET: &str = "2234567abcdef2234567abcdef";
pub const RFC_SECRET_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// Variables from the outside world that would change what `keyfob` does.
const OUTSIDE_VARS: [&str; 13] = [
    "KEYFOB_NO_FAST_PATH",
    "KEYFOB_TEST_AGENT_TIMES",
    "KEYFOB_TEST_AGENT_TAP",
    "KEYFOB_VAULT",
    "KEYFOB_CONFIG",
    "KEYFOB_IDENTITY",
    "KEYFOB_SCRYPT_LOG_N",
    "KEYFOB_TEST_CLOCK",
    "SSH_CONNECTION",
    "SSH_TTY",
    "TMUX",
    "DISPLAY",
    "WAYLAND_DISPLAY",
];

/// Where the tests' agents put their sockets (a private folder of this test run, short
/// enough for a socket path), instead of the real `$XDG_RUNTIME_DIR`.
pub fn runtime_dir() -> PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run");
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    dir
}

/// `keyfob` with no KEYFOB_* or SSH/clipboard variables from the outside world.
pub fn keyfob() -> Command {
    let mut cmd = Command::cargo_bin("keyfob").unwrap();
    for var in OUTSIDE_VARS {
        cmd.env_remove(var);
    }
    // Never fall back to the real home folder.
    cmd.env("XDG_DATA_HOME", "/nonexistent/keyfob-test-data");
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/keyfob-test-config");
    cmd.env("XDG_STATE_HOME", shared_state_dir());
    cmd.env("XDG_RUNTIME_DIR", runtime_dir());
    // Only the agent tests leave agents behind (they remove this).
    cmd.env("KEYFOB_TEST_NO_AGENT", "1");
    // The machine's NTP state must not add warnings to what tests compare (tests of the
    // warning set it to `unsynced`).
    cmd.env("KEYFOB_TEST_CLOCK_SYNC", "synced");
    cmd
}

/// The same clean `keyfob`, as a std `Command` (for tests that spawn, wait or kill).
pub fn keyfob_std() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("keyfob"));
    clean_env(&mut cmd);
    cmd
}

/// Removes the outside world's keyfob-related variables from `cmd`.
pub fn clean_env(cmd: &mut std::process::Command) {
    for var in OUTSIDE_VARS {
        cmd.env_remove(var);
    }
    cmd.env("XDG_DATA_HOME", "/nonexistent/keyfob-test-data");
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/keyfob-test-config");
    cmd.env("XDG_STATE_HOME", shared_state_dir());
    cmd.env("XDG_RUNTIME_DIR", runtime_dir());
    cmd.env("KEYFOB_TEST_NO_AGENT", "1");
    cmd.env("KEYFOB_TEST_CLOCK_SYNC", "synced");
}

/// The test identity as a library key.
pub fn identity_key() -> keyfob::engine::crypto::Key {
    let text = std::fs::read(identity_file()).unwrap();
    let ids = keyfob::engine::crypto::read_identities(&text, "test", &mut |_| None).unwrap();
    keyfob::engine::crypto::Key::Identities(ids)
}

/// The test identity's public key.
pub fn identity_recipient() -> String {
    match identity_key() {
        keyfob::engine::crypto::Key::Identities(ids) => ids.recipients()[0].clone(),
        keyfob::engine::crypto::Key::Passphrase(_) => unreachable!(),
    }
}

/// A distinct, valid 160-bit secret for entry number `n` (Base32).
pub fn nth_secret(n: u64) -> String {
    let mut bytes = [0u8; 20];
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66_D1CE_4E5B;
    for chunk in bytes.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let word = x.to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    data_encoding::BASE32_NOPAD.encode(&bytes)
}

/// Creates a vault at `path` through the library, sealed to the test identity, holding
/// `entries`.
pub fn library_vault(path: &Path, entries: Vec<keyfob::engine::entry::Entry>) {
    use keyfob::engine::crypto::Seal;
    use keyfob::engine::store::Store;
    use keyfob::engine::vault::Vault;
    let vault = Vault {
        entries,
        ..Vault::default()
    };
    Store::new(path)
        .create(vault, &Seal::Recipients(vec![identity_recipient()]))
        .unwrap();
}

/// `count` TOTP entries named `Issuer{n}` / `user{n}@example.com`.
pub fn numbered_entries(count: u64) -> Vec<keyfob::engine::entry::Entry> {
    (0..count)
        .map(|n| {
            keyfob::engine::entry::Entry::new(
                format!("Issuer{n}"),
                format!("user{n}@example.com"),
                keyfob::engine::secret::Secret::parse_base32(&nth_secret(n)).unwrap(),
            )
        })
        .collect()
}

/// Decrypts an identity vault file through the library.
pub fn open_entries(path: &Path) -> Result<Vec<keyfob::engine::entry::Entry>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let plain =
        keyfob::engine::crypto::decrypt(&bytes, &identity_key()).map_err(|e| e.to_string())?;
    keyfob::engine::vault::Vault::from_bytes(&plain)
        .map(|v| v.entries)
        .map_err(|e| e.to_string())
}

/// Entries as a person sees them: ids and change times are random or the clock's, so tests
/// that compare whole entries leave them out.
pub fn without_ids(
    entries: Vec<keyfob::engine::entry::Entry>,
) -> Vec<keyfob::engine::entry::Entry> {
    entries
        .into_iter()
        .map(|mut e| {
            e.id = None;
            e.changed = 0;
            e
        })
        .collect()
}

/// Unix permission bits of a path.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
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

    /// This vault's own state folder (what the machine trusts).
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// `keyfob --vault … (--identity …| --passphrase-file …)`.
    pub fn cmd(&self) -> Command {
        let mut cmd = keyfob();
        cmd.env("KEYFOB_SCRYPT_LOG_N", "10");
        cmd.env("XDG_STATE_HOME", self.state_dir());
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
        self.add_with(issuer, account, secret, &[]);
    }

    /// Adds an HOTP entry (counter 0) with the given secret.
    pub fn add_hotp(&self, issuer: &str, account: &str, secret: &str) {
        self.add_with(issuer, account, secret, &["--hotp"]);
    }

    fn add_with(&self, issuer: &str, account: &str, secret: &str, more: &[&str]) {
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
            .args(more)
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
