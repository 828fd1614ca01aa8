//! Before the screen opens: unlock the vault, or — when there is no vault file yet — walk the
//! person through creating one.
//!
//! Promises: first run is decided by the vault *file* existing, never by its folder; every
//! question is asked on the terminal before the alternate screen opens (passphrases with echo
//! off, twice for a new one); without a terminal it fails with the `keyfob init` hint instead.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::engine::crypto::{Key, Seal};
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
    let how = match &seal {
        Seal::Passphrase { .. } => "a passphrase".to_string(),
        Seal::Recipients(_) => "your identity".to_string(),
    };
    say(&format!(
        "Created '{}', protected by {how}.",
        access.vault.display()
    ));
    if let (Seal::Recipients(_), Some(path)) = (&seal, &access.identity) {
        say(&format!(
            "Next time, open it with: keyfob --identity {} (or set KEYFOB_IDENTITY)",
            path.display()
        ));
    }
    Ok((store.open(key)?, access))
}

/// Asks whether to use a passphrase or an identity file.
fn choose(access: &Access) -> Result<(Seal, Key, Access), Failure> {
    loop {
        let answer = ask(
            "Protect it with a passphrase (p) or an age/SSH identity file (i)? [p/i, q quits] ",
        )?;
        match answer.trim() {
            "" | "p" | "P" => {
                let passphrase = access.new_passphrase(access.passphrase_file.as_deref())?;
                let seal = Seal::Passphrase {
                    passphrase: passphrase.clone(),
                    log_n: Some(unlock::new_work_factor()?),
                };
                return Ok((seal, Key::Passphrase(passphrase), access.clone()));
            }
            "i" | "I" => {
                let path = ask("Identity file (from age-keygen, or an SSH private key): ")?;
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
            "q" | "Q" => return Err(Failure::new("no vault was created")),
            _ => say("Please answer p or i."),
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
