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
//! - Identity and passphrase files are read through the storage layer's capped reader
//!   (regular files or `-` only; 1 MiB and 64 KiB). An identity file other users can read
//!   gets a warning (ssh refuses such keys).
//! - The store is set up with this machine's state folder (trust) and scrypt's minimum work
//!   factor, and [`Access::open`] prints the vault's trust warnings on every open.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use age::secrecy::{ExposeSecret, SecretString};

use crate::engine::crypto::{self, Identities, Key, Protection};
use crate::engine::passphrase;
use crate::engine::storage::read;
use crate::engine::store::{Loaded, Session, Store};
use crate::failure::Failure;

mod identity_file;

pub use identity_file::{IdentityFile, read_identity_file};

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
        self.store_at(&self.vault)
    }

    /// The store for the vault at `path`, set up as [`Access::store`] sets up the vault's.
    pub fn store_at(&self, path: &Path) -> Store {
        let store = Store::new(path)
            .with_plugin_ui(crate::prompt::plugin_ui())
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
        let (identities, file) =
            crypto::generate_protected(passphrase, Some(new_work_factor()?))
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
            None => prompt_hidden(prompt).inspect(|_| note_person_asked()),
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

/// Whether unlocking in this process asked a person: a passphrase typed on the terminal (the
/// vault's, a protected identity's, an SSH key's) or a hardware key's plugin asking for a PIN,
/// a touch or a confirmation. After such an unlock a command leaves the vault unlocked in an
/// agent (see `crate::agent`); a passphrase read from a file asked nobody.
pub fn asked_person() -> bool {
    ASKED_PERSON.load(Ordering::SeqCst)
}

static ASKED_PERSON: AtomicBool = AtomicBool::new(false);

/// Records that a person was asked (see [`asked_person`]).
pub(crate) fn note_person_asked() {
    ASKED_PERSON.store(true, Ordering::SeqCst);
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

/// The first line of `path` ("-" = stdin), without its line ending.
pub fn read_passphrase_file(path: &Path) -> Result<SecretString, Failure> {
    let line = read::read_first_line(path, "passphrase file", read::PASSPHRASE_CAP)?;
    Ok(SecretString::from(line.to_string()))
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
