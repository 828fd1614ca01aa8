//! Identity files as `--identity` names them: read (capped, regular files only, a warning
//! when others can read them), then unlocked — asking on the terminal, or reading
//! `--passphrase-file`, for what protects them — with one-line errors that name the file.

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::{note_person_asked, prompt_hidden, read_passphrase_file};
use crate::engine::crypto::{self, Ask, Identities, IdentityError, KeyLock};
use crate::engine::storage::read;
use crate::failure::Failure;

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

    /// Whether it names a hardware key's plugin (`AGE-PLUGIN-…` lines), which may ask for a
    /// PIN or a touch when it unlocks.
    pub fn has_plugins(&self) -> bool {
        memchr::memmem::find(&self.contents, b"AGE-PLUGIN-").is_some()
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
                    .inspect(|_| note_person_asked())
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
            if let Ok(line) =
                read::read_first_line(&pub_path, "public key file", read::PASSPHRASE_CAP)
            {
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

/// The bytes of an identity file (a regular file, capped), with a warning when other users
/// can read it.
fn read_identity_bytes(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let contents = read::read_regular(path, "identity file", read::IDENTITY_CAP)?;
    if readable_by_others(path) {
        crate::failure::warn(format!(
            "identity file '{}' can be read by other users (ssh refuses such keys): chmod 600 it",
            path.display()
        ));
    }
    Ok(contents)
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
