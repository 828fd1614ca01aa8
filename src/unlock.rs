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
//! - A passphrase-protected identity file (`age -p`) asks for its passphrase only when the
//!   vault needs the identity: on the terminal, or from `--passphrase-file` (which a
//!   recipient vault has no other use for) — that is how a script unlocks one.
//! - Hardware keys' plugins talk to the person through [`crate::prompt`].

use std::io::BufRead;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::engine::crypto::{self, Ask, Identities, IdentityError, Key, KeyLock, Protection};
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
        Store::new(&self.vault).with_plugin_ui(crate::prompt::plugin_ui())
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
            Protection::Recipients => Key::Identities(
                self.opening_identity_file()?
                    .unlock(self.passphrase_file.as_deref())?,
            ),
        })
    }

    /// The identity file that opens a vault sealed to recipients: `--identity`, else the
    /// protected identity the first run made (`<data dir>/identity.age`) if there is one.
    pub fn opening_identity_file(&self) -> Result<IdentityFile, Failure> {
        if let Some(file) = self.identity_file()? {
            return Ok(file);
        }
        match crate::config::default_identity_path().filter(|p| p.is_file()) {
            Some(path) => IdentityFile::read(&path),
            None => Err(Failure::new(format!(
                "vault '{}' is encrypted to age recipients: it needs an identity",
                self.vault.display()
            ))
            .with_hint("pass --identity FILE or set KEYFOB_IDENTITY")),
        }
    }

    /// Makes a new protected identity at `path` (a new file, 0600): a fresh X25519 key,
    /// encrypted to a new passphrase (asked twice on the terminal, or `--passphrase-file`).
    /// Returns the identities, ready to open a vault sealed to them.
    pub fn create_protected_identity(&self, path: &Path) -> Result<Identities, Failure> {
        if path.exists() || path.is_symlink() {
            return Err(Failure::new(format!(
                "identity file '{}' exists; keyfob will not overwrite it",
                path.display()
            ))
            .with_hint(format!(
                "name another file, or use it: keyfob --identity {} …",
                path.display()
            )));
        }
        if self.passphrase_file.is_none() {
            println_tty("Choose a passphrase for the new identity (asked when keyfob starts).");
        }
        let passphrase = self.new_passphrase(self.passphrase_file.as_deref())?;
        let (identities, file) = crypto::generate_protected(passphrase, new_work_factor()?)
            .map_err(|e| Failure::new(format!("identity file '{}' {e}", path.display())))?;
        crate::engine::storage::create_new_private(path, &file)?;
        Ok(identities.with_plugin_ui(crate::prompt::plugin_ui()))
    }

    /// The identities of `--identity`, if given (asking for a protected file's passphrase).
    pub fn identities(&self) -> Result<Option<Identities>, Failure> {
        self.identity_file()?
            .map(|file| file.unlock(self.passphrase_file.as_deref()))
            .transpose()
    }

    /// The file `--identity` names, read but not yet unlocked (nothing is asked).
    pub fn identity_file(&self) -> Result<Option<IdentityFile>, Failure> {
        self.identity.as_deref().map(IdentityFile::read).transpose()
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

/// An identity file as read from disk, not yet unlocked: reading it asks nobody anything.
pub struct IdentityFile {
    path: PathBuf,
    contents: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for IdentityFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl IdentityFile {
    /// Reads the file.
    pub fn read(path: &Path) -> Result<IdentityFile, Failure> {
        Ok(IdentityFile {
            path: path.to_path_buf(),
            contents: read_identity_bytes(path)?,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether unlocking asks for a passphrase (an `age -p` protected identity file).
    pub fn is_protected(&self) -> bool {
        crypto::is_protected(&self.contents)
    }

    /// The identities, asking on the terminal for what protects them (a protected file's
    /// passphrase comes from `passphrase_file` instead, when given).
    pub fn unlock(&self, passphrase_file: Option<&Path>) -> Result<Identities, Failure> {
        let name = self.path.display().to_string();
        // Why no passphrase came (no terminal, an unreadable passphrase file), and how many did.
        let mut unasked = None;
        let mut given = 0;
        let mut ask = |ask: Ask| -> Option<SecretString> {
            let answer = match (ask.lock, passphrase_file) {
                (KeyLock::AgeFile, Some(file)) if ask.attempt == 1 => read_passphrase_file(file),
                (KeyLock::AgeFile, Some(_)) => return None,
                (lock, None) | (lock @ KeyLock::SshKey, Some(_)) => {
                    let what = match lock {
                        KeyLock::SshKey => "SSH key",
                        KeyLock::AgeFile => "identity",
                    };
                    prompt_hidden(&if ask.attempt == 1 {
                        format!("Passphrase for {what} {name}: ")
                    } else {
                        format!("Wrong passphrase; try again for {name}: ")
                    })
                    .map_err(|_| {
                        let failure = Failure::new(format!(
                            "no terminal to ask for the passphrase of {what} '{name}'"
                        ));
                        match lock {
                            KeyLock::AgeFile => {
                                failure.with_hint("give it with --passphrase-file FILE (- = stdin)")
                            }
                            KeyLock::SshKey => failure
                                .with_hint("run keyfob on a terminal, or use an age identity file"),
                        }
                    })
                }
            };
            answer
                .inspect(|_| given += 1)
                .map_err(|failure| unasked = Some(failure))
                .ok()
        };
        let read = self.identities(&mut ask);
        match (read, unasked) {
            (Err(IdentityError::Passphrase), _) if given > 0 => Err(Failure::new(format!(
                "identity file '{name}' could not be opened: wrong passphrase"
            ))),
            // Nobody could be asked: say why (no terminal, an unreadable passphrase file).
            (Err(IdentityError::Passphrase | IdentityError::SshPassphrase), Some(why)) => Err(why),
            (read, _) => self.finish(read),
        }
    }

    /// The identities, with `ask` answering for a passphrase (the screen's lock prompt).
    pub fn unlock_with(
        &self,
        ask: &mut dyn FnMut(Ask) -> Option<SecretString>,
    ) -> Result<Identities, Failure> {
        self.finish(self.identities(ask))
    }

    fn failure(&self, e: &IdentityError) -> Failure {
        let failure = Failure::new(format!("identity file '{}' {e}", self.path.display()));
        match e {
            IdentityError::Passphrase => failure.with_hint(
                "type it on the terminal, or give it with --passphrase-file FILE (- = stdin)",
            ),
            _ => failure,
        }
    }

    fn identities(
        &self,
        ask: &mut dyn FnMut(Ask) -> Option<SecretString>,
    ) -> Result<Identities, IdentityError> {
        let name = self.path.display().to_string();
        crypto::read_identities(&self.contents, &name, ask)
    }

    /// Names the file in an error; routes plugin prompts to the person; finds an old PEM RSA
    /// key's public key.
    fn finish(&self, read: Result<Identities, IdentityError>) -> Result<Identities, Failure> {
        let mut identities = read
            .map_err(|e| self.failure(&e))?
            .with_plugin_ui(crate::prompt::plugin_ui());
        if identities.lacks_recipients() && !identities.has_plugins() {
            // Old PEM RSA keys do not carry their public key; OpenSSH keeps it beside them.
            let pub_path = crate::engine::storage::sibling(&self.path, ".pub");
            if let Ok(line) = std::fs::read_to_string(&pub_path) {
                let line = crypto::canonical_recipient(&line)
                    .map_err(|e| Failure::new(format!("'{}': {e}", pub_path.display())))?;
                identities = identities.with_recipient(line);
            }
        }
        Ok(identities)
    }
}

/// Reads an identity file (age, protected age, plugin or OpenSSH), asking on the terminal for
/// what protects it.
pub fn read_identity_file(path: &Path) -> Result<Identities, Failure> {
    IdentityFile::read(path)?.unlock(None)
}

/// The bytes of an identity file.
fn read_identity_bytes(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    Ok(Zeroizing::new(std::fs::read(path).map_err(|e| {
        Failure::new(format!(
            "cannot read identity file '{}': {}",
            path.display(),
            crate::engine::storage::describe_io(&e)
        ))
    })?))
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

/// A line on the controlling terminal, if there is one (never on stdout).
fn println_tty(text: &str) {
    use std::io::Write;
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = writeln!(tty, "{text}");
    }
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
