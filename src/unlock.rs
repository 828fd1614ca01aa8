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

use std::io::BufRead;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::engine::crypto::{self, Identities, Key, Protection};
use crate::engine::store::{Loaded, Session, Store};
use crate::failure::Failure;

/// The scrypt work factor for new passphrase vaults comes from age's calibration (about one
/// second) unless this variable sets log2(N) — for tests and slow machines; it is not a secret.
pub const WORK_FACTOR_VAR: &str = "KEYFOB_SCRYPT_LOG_N";

/// How to reach and open the vault, from global options.
#[derive(Debug, Clone)]
pub struct Access {
    pub vault: PathBuf,
    pub identity: Option<PathBuf>,
    pub passphrase_file: Option<PathBuf>,
}

impl Access {
    pub fn store(&self) -> Store {
        Store::new(&self.vault)
    }

    /// Opens the vault, asking for what its header says it needs.
    pub fn open(&self) -> Result<Session, Failure> {
        let store = self.store();
        let loaded = store.load()?;
        let key = self.key(&loaded)?;
        Ok(store.open_loaded(loaded, key)?)
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
    pub fn new_passphrase(&self, file: Option<&Path>) -> Result<SecretString, Failure> {
        let passphrase = match file {
            Some(path) => read_passphrase_file(path)?,
            None => {
                let first = prompt_hidden("New passphrase: ")?;
                let second = prompt_hidden("Repeat the passphrase: ")?;
                if first.expose_secret() != second.expose_secret() {
                    return Err(Failure::new(
                        "the two passphrases differ; nothing was changed",
                    ));
                }
                first
            }
        };
        if passphrase.expose_secret().is_empty() {
            return Err(Failure::new("the passphrase is empty; choose a real one"));
        }
        Ok(passphrase)
    }
}

/// The scrypt work factor for a new passphrase seal (None = age's calibration).
pub fn new_work_factor() -> Result<Option<u8>, Failure> {
    match std::env::var(WORK_FACTOR_VAR) {
        Err(_) => Ok(None),
        Ok(text) => match text.trim().parse::<u8>() {
            Ok(n) if (1..=30).contains(&n) => Ok(Some(n)),
            _ => Err(Failure::new(format!(
                "{WORK_FACTOR_VAR}='{text}' is not a work factor: use a number from 1 to 30"
            ))),
        },
    }
}

/// Reads an identity file (age or OpenSSH), asking for an encrypted SSH key's passphrase.
pub fn read_identity_file(path: &Path) -> Result<Identities, Failure> {
    let contents = Zeroizing::new(std::fs::read(path).map_err(|e| {
        Failure::new(format!(
            "cannot read identity file '{}': {}",
            path.display(),
            crate::engine::storage::describe_io(&e)
        ))
    })?);
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
        if let Ok(line) = std::fs::read_to_string(&pub_path) {
            let line = crypto::canonical_recipient(&line)
                .map_err(|e| Failure::new(format!("'{}': {e}", pub_path.display())))?;
            identities = identities.with_recipient(line);
        }
    }
    Ok(identities)
}

/// The first line of `path` ("-" = stdin), without its line ending.
pub fn read_passphrase_file(path: &Path) -> Result<SecretString, Failure> {
    let mut line = Zeroizing::new(String::new());
    let result = if path == Path::new("-") {
        std::io::stdin().lock().read_line(&mut line)
    } else {
        std::fs::File::open(path).and_then(|f| std::io::BufReader::new(f).read_line(&mut line))
    };
    result.map_err(|e| {
        Failure::new(format!(
            "cannot read passphrase file '{}': {}",
            path.display(),
            crate::engine::storage::describe_io(&e)
        ))
    })?;
    let trimmed = line.trim_end_matches(['\n', '\r']);
    Ok(SecretString::from(trimmed.to_string()))
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
