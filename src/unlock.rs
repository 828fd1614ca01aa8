//! Opening the vault as the command line asks: an identity file, a passphrase file, or a
//! passphrase typed on the terminal with echo off.
//!
//! Promises:
//! - Prompts go to the controlling terminal (`/dev/tty`), never to stdout, so scripts' output
//!   stays clean; with no terminal the error says which option to use instead.
//! - `--passphrase-file -` reads the first line of stdin. No environment variable carries a
//!   passphrase. New passphrases are asked twice and must not be empty.
//! - A passphrase vault is asked for a passphrase even if `--identity` is set, and the other
//!   way round the error says an identity is needed: the file's header decides.
//! - Identity and passphrase files are read through the storage layer's capped reader
//!   (regular files or `-` only; 1 MiB and 64 KiB). An identity file other users can read
//!   gets a warning (ssh refuses such keys).
//! - The store is set up with this machine's state folder (trust) and scrypt's minimum work
//!   factor, and [`Access::open`] prints the vault's trust warnings on every open.

use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};

use crate::engine::crypto::{self, Identities, Key, Protection};
use crate::engine::passphrase;
use crate::engine::storage::read;
use crate::engine::store::{Loaded, Session, Store};
use crate::failure::Failure;

/// The scrypt work factor for new passphrase seals is 2^18 (whatever the machine's load)
/// unless this variable sets log2(N) — for tests; it is not a secret.
pub const WORK_FACTOR_VAR: &str = "KEYFOB_SCRYPT_LOG_N";

/// How to reach and open the vault, from global options.
#[derive(Debug, Clone)]
pub struct Access {
    pub vault: PathBuf,
    pub identity: Option<PathBuf>,
    pub passphrase_file: Option<PathBuf>,
}

impl Access {
    /// The vault's store, with this machine's trust state and scrypt's minimum work factor.
    pub fn store(&self) -> Store {
        let store = Store::new(&self.vault)
            .with_min_work_factor(new_work_factor().unwrap_or(crypto::DEFAULT_LOG_N));
        match crate::config::state_dir() {
            Some(dir) => store.with_state_dir(dir),
            None => store,
        }
    }

    /// Opens the vault, asking for what its header says it needs, and prints its trust
    /// warnings.
    pub fn open(&self) -> Result<Session, Failure> {
        let store = self.store();
        let loaded = store.load()?;
        let key = self.key(&loaded)?;
        let session = store.open_loaded(loaded, key)?;
        for line in warnings(&session) {
            crate::failure::warn(line);
        }
        Ok(session)
    }

    /// The key for a vault read by [`Store::load`], asking for what its header says it needs.
    pub fn key(&self, loaded: &Loaded) -> Result<Key, Failure> {
        Ok(match loaded.protection() {
            Protection::Passphrase { .. } => Key::Passphrase(
                self.passphrase(&format!("Passphrase for {}: ", self.vault.display()))?,
            ),
            Protection::Recipients => Key::Identities(self.identities()?.ok_or_else(|| {
                Failure::new(format!(
                    "vault '{}' is encrypted to age recipients: it needs an identity",
                    self.vault.display()
                ))
                .with_hint("pass --identity FILE or set KEYFOB_IDENTITY")
            })?),
        })
    }

    /// The identities of `--identity`, if given.
    pub fn identities(&self) -> Result<Option<Identities>, Failure> {
        self.identity.as_deref().map(read_identity_file).transpose()
    }

    /// An existing passphrase: from `--passphrase-file`, else asked once on the terminal.
    pub fn passphrase(&self, prompt: &str) -> Result<SecretString, Failure> {
        match &self.passphrase_file {
            Some(path) => read_passphrase_file(path),
            None => prompt_hidden(prompt),
        }
    }

    /// A new passphrase: from `file`, else asked twice on the terminal.
    ///
    /// On a terminal an empty answer generates a strong passphrase (as `age -p` offers), and
    /// a weak one is used only after a second yes; from a file a weak one is a warning.
    pub fn new_passphrase(&self, file: Option<&Path>) -> Result<SecretString, Failure> {
        if let Some(path) = file {
            let passphrase = read_passphrase_file(path)?;
            if passphrase.expose_secret().is_empty() {
                return Err(Failure::new("the passphrase is empty; choose a real one"));
            }
            if passphrase::is_weak(passphrase.expose_secret()) {
                crate::failure::warn(weak_text(passphrase.expose_secret()));
            }
            return Ok(passphrase);
        }
        loop {
            let first =
                prompt_hidden("New passphrase (leave empty to have a strong one generated): ")?;
            if first.expose_secret().is_empty() {
                let generated = passphrase::generate()
                    .map_err(|e| Failure::new(format!("cannot generate a passphrase: {e}")))?;
                tell_terminal(&format!(
                    "Using the generated passphrase {} - write it down: it is the only way into the vault",
                    generated.expose_secret()
                ))?;
                return Ok(generated);
            }
            if passphrase::is_weak(first.expose_secret())
                && crate::cli::confirm(&format!(
                    "{}. Use it anyway?",
                    weak_text(first.expose_secret())
                )) != Some(true)
            {
                continue;
            }
            let second = prompt_hidden("Repeat the passphrase: ")?;
            if first.expose_secret() != second.expose_secret() {
                return Err(Failure::new(
                    "the two passphrases differ; nothing was changed",
                ));
            }
            return Ok(first);
        }
    }
}

/// Says that a new passphrase is weak, with its estimate (never the passphrase).
fn weak_text(text: &str) -> String {
    format!(
        "the new passphrase is weak (about {} bits; aim for {} or more, e.g. four or five random words)",
        passphrase::estimate_bits(text),
        passphrase::WEAK_BELOW_BITS
    )
}

/// Writes a line to the controlling terminal (not stdout: scripts' output stays clean).
fn tell_terminal(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .and_then(|mut tty| writeln!(tty, "{text}"))
        .map_err(|_| Failure::new("no terminal to show the generated passphrase on"))
}

/// What an edge should warn about an opened vault: its trust standing and the store's notices.
pub fn warnings(session: &Session) -> Vec<String> {
    crate::failure::trust_warning(session.path(), session.standing())
        .into_iter()
        .chain(session.notices().iter().map(crate::failure::notice_text))
        .collect()
}

/// The scrypt work factor for a new passphrase seal: 2^18, or what [`WORK_FACTOR_VAR`] says.
pub fn new_work_factor() -> Result<u8, Failure> {
    match std::env::var(WORK_FACTOR_VAR) {
        Err(_) => Ok(crypto::DEFAULT_LOG_N),
        Ok(text) => match text.trim().parse::<u8>() {
            Ok(n) if (1..=crypto::MAX_LOG_N).contains(&n) => Ok(n),
            _ => Err(Failure::new(format!(
                "{WORK_FACTOR_VAR}='{}' is not a work factor: use a number from 1 to {}",
                crate::engine::printable::printable(&text, 20),
                crypto::MAX_LOG_N
            ))),
        },
    }
}

/// Reads an identity file (age or OpenSSH), asking for an encrypted SSH key's passphrase.
pub fn read_identity_file(path: &Path) -> Result<Identities, Failure> {
    let contents = read::read_regular(path, "identity file", read::IDENTITY_CAP)?;
    if readable_by_others(path) {
        crate::failure::warn(format!(
            "identity file '{}' can be read by other users (ssh refuses such keys): chmod 600 it",
            path.display()
        ));
    }
    let name = path.display().to_string();
    let mut ask = |attempt: u32| {
        let prompt = if attempt == 1 {
            format!("Passphrase for SSH key {name}: ")
        } else {
            format!("Wrong passphrase; try again for {name}: ")
        };
        prompt_hidden(&prompt).ok()
    };
    let mut identities = crypto::read_identities(&contents, &name, &mut ask)
        .map_err(|e| Failure::new(format!("identity file '{name}' {e}")))?;
    if identities.lacks_recipients() {
        // Old PEM RSA keys do not carry their public key; OpenSSH keeps it beside them.
        let pub_path = crate::engine::storage::sibling(path, ".pub");
        if let Ok(line) = read::read_first_line(&pub_path, "public key file", read::PASSPHRASE_CAP)
        {
            let line = crypto::canonical_recipient(&line)
                .map_err(|e| Failure::new(format!("'{}': {e}", pub_path.display())))?;
            identities = identities.with_recipient(line);
        }
    }
    Ok(identities)
}

/// Whether users other than the owner may read `path` (group or world read bits).
fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// The first line of `path` ("-" = stdin), without its line ending.
pub fn read_passphrase_file(path: &Path) -> Result<SecretString, Failure> {
    let line = read::read_first_line(path, "passphrase file", read::PASSPHRASE_CAP)?;
    Ok(SecretString::from(line.to_string()))
}

/// Asks on the controlling terminal with echo off.
pub fn prompt_hidden(prompt: &str) -> Result<SecretString, Failure> {
    rpassword::prompt_password(prompt)
        .map(SecretString::from)
        .map_err(|_| {
            Failure::new("no terminal to ask for the passphrase on")
                .with_hint("use --passphrase-file FILE (or - for stdin), or --identity FILE")
        })
}
