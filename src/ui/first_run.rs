//! Before the screen opens: unlock the vault, or — when there is no vault file yet — walk the
//! person through creating one.
//!
//! Promises: first run is decided by the vault *file* existing, never by its folder; every
//! question is asked on the terminal before the alternate screen opens (passphrases with echo
//! off, twice for a new one); without a terminal it fails with the `keyfob init` hint instead.
//! The choices (a new protected key — the default —, a vault passphrase, an existing identity)
//! are explained in one line each.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::engine::crypto::{Key, KeyLock, Seal};
use crate::engine::store::{Session, VaultError};
use crate::engine::vault::Vault;
use crate::failure::Failure;
use crate::unlock::{self, Access};

/// Opens the vault, creating it first if there is none. Returns the session and how it was
/// unlocked (an identity chosen while creating is added to the access).
pub fn open_or_create(access: &Access) -> Result<(Session, Access), Failure> {
    let store = access.store();
    if store.exists() {
        return Ok((access.open()?, access.clone()));
    }
    if !std::io::stdin().is_terminal() {
        return Err(VaultError::Missing {
            path: access.vault.clone(),
        }
        .into());
    }
    say(&format!(
        "There is no vault at '{}' yet.",
        access.vault.display()
    ));
    let (seal, key, access) = match access.identities()? {
        Some(ids) => {
            let public = ids.recipients().to_vec();
            if public.is_empty() {
                return Err(Failure::new("cannot work out the identity's public key")
                    .with_hint("put its public key beside it as FILE.pub, or run `keyfob init --recipient …`"));
            }
            let question = format!(
                "Create it, encrypted to your identity ({})? [Y/n] ",
                public.join(", ")
            );
            if !yes(&ask(&question)?, true) {
                return Err(Failure::new("no vault was created"));
            }
            (
                Seal::Recipients(public),
                Key::Identities(ids),
                access.clone(),
            )
        }
        None => choose(access)?,
    };
    let mut store = access.store();
    store.create(Vault::default(), &seal)?;
    let made_here = matches!(&key, Key::Identities(ids) if ids.locked_by() == Some(KeyLock::AgeFile))
        && access.identity == default_identity();
    let how = match &seal {
        Seal::Passphrase { .. } => "a passphrase".to_string(),
        Seal::Recipients(_) if made_here => "your passphrase-protected key".to_string(),
        Seal::Recipients(_) => "your identity".to_string(),
    };
    say(&format!(
        "Created '{}', protected by {how}.",
        access.vault.display()
    ));
    match (&seal, &access.identity) {
        (Seal::Recipients(_), Some(path)) if made_here => say(&format!(
            "Back up '{}' with the vault: without it the vault cannot be opened. keyfob finds it by itself.",
            path.display()
        )),
        (Seal::Recipients(_), Some(path)) => say(&format!(
            "Next time, open it with: keyfob --identity {} (or set KEYFOB_IDENTITY)",
            path.display()
        )),
        _ => {}
    }
    Ok((store.open(key)?, access))
}

/// `<data dir>/identity.age`, where a new protected key is kept.
fn default_identity() -> Option<PathBuf> {
    crate::config::default_identity_path()
}

/// Asks how to protect the new vault: a new protected key, a passphrase, or an identity file.
fn choose(access: &Access) -> Result<(Seal, Key, Access), Failure> {
    let key_path = default_identity();
    let existing = key_path.as_ref().filter(|p| p.is_file());
    say("How should it be protected?");
    match (&key_path, existing) {
        (_, Some(path)) => say(&format!(
            "  k  your key in '{}' (made earlier): its passphrase is asked when keyfob starts; saves are instant",
            path.display()
        )),
        (Some(path), None) => say(&format!(
            "  k  a new key kept in '{}', locked by a passphrase asked when keyfob starts; saves are instant (recommended)",
            path.display()
        )),
        (None, None) => {}
    }
    say(
        "  p  a passphrase on the vault itself, asked when keyfob starts; every save takes about a second",
    );
    say(
        "  i  an identity file you already have: age-keygen's, an SSH key, or a hardware key's (age-plugin-…)",
    );
    loop {
        let answer = ask(if key_path.is_some() {
            "Your choice [K/p/i, q quits] "
        } else {
            "Your choice [P/i, q quits] "
        })?;
        match (answer.trim(), &key_path) {
            ("" | "k" | "K", Some(path)) => {
                let mut access = access.clone();
                access.identity = Some(path.clone());
                let ids = if path.is_file() {
                    unlock::read_identity_file(path)?
                } else {
                    access.create_protected_identity(path)?
                };
                let seal = Seal::Recipients(ids.recipients().to_vec());
                return Ok((seal, Key::Identities(ids), access));
            }
            ("" | "p" | "P", _) => {
                let passphrase = access.new_passphrase(access.passphrase_file.as_deref())?;
                let seal = Seal::Passphrase {
                    passphrase: passphrase.clone(),
                    log_n: Some(unlock::new_work_factor()?),
                };
                return Ok((seal, Key::Passphrase(passphrase), access.clone()));
            }
            ("i" | "I", _) => {
                let path =
                    ask("Identity file (from age-keygen, age-plugin-…, or an SSH private key): ")?;
                let path = PathBuf::from(expand_home(path.trim()));
                let ids = unlock::read_identity_file(&path)?;
                if ids.lacks_recipients() {
                    return Err(Failure::new("cannot work out the identity's public key")
                        .with_hint("put its public key beside it as FILE.pub"));
                }
                let seal = Seal::Recipients(ids.recipients().to_vec());
                let mut access = access.clone();
                access.identity = Some(path);
                return Ok((seal, Key::Identities(ids), access));
            }
            ("q" | "Q", _) => return Err(Failure::new("no vault was created")),
            _ => say("Please answer k, p or i."),
        }
    }
}

/// `~/x` → `$HOME/x`.
pub fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_string(),
    }
}

fn yes(answer: &str, default: bool) -> bool {
    match answer.trim() {
        "" => default,
        a => matches!(a, "y" | "Y" | "yes" | "Yes" | "YES"),
    }
}

fn tty() -> Result<std::fs::File, Failure> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            Failure::new("no terminal to ask on").with_hint("create the vault with `keyfob init`")
        })
}

fn say(text: &str) {
    if let Ok(mut tty) = tty() {
        let _ = writeln!(tty, "{text}");
    }
}

fn ask(question: &str) -> Result<String, Failure> {
    let mut tty = tty()?;
    write!(tty, "{question}")
        .and_then(|()| tty.flush())
        .map_err(|e| Failure::new(e.to_string()))?;
    let mut line = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| Failure::new(e.to_string()))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
