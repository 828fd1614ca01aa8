//! Standard input has one reader: options that would each read it are refused together,
//! before anything is read (`--passphrase-file -` with `--secret-stdin` once took the
//! passphrase for the secret and echoed one of its characters in the error).

use std::path::Path;

use super::{Cli, Command};
use crate::engine::storage::read::is_stdin;
use crate::failure::Failure;

/// The options of this command line that read standard input.
fn readers(cli: &Cli) -> Vec<&'static str> {
    let mut readers = Vec::new();
    let dash = |path: Option<&Path>| path.is_some_and(is_stdin);
    if dash(cli.passphrase_file.as_deref()) {
        readers.push("--passphrase-file -");
    }
    match &cli.command {
        Some(Command::Add(args)) => {
            if args.secret_stdin {
                readers.push("--secret-stdin");
            }
            if args.uri.as_deref() == Some("-") {
                readers.push("--uri -");
            }
        }
        Some(Command::Import(args)) => {
            if args.files.iter().any(|f| is_stdin(f)) {
                readers.push("import -");
            }
            if dash(args.password_file.as_deref()) {
                readers.push("--password-file -");
            }
        }
        Some(Command::Passwd {
            new_passphrase_file,
            ..
        }) if dash(new_passphrase_file.as_deref()) => {
            readers.push("--new-passphrase-file -");
        }
        _ => {}
    }
    readers
}

/// Refuses a command line on which two options would read standard input.
pub fn check(cli: &Cli) -> Result<(), Failure> {
    match readers(cli).as_slice() {
        [first, second, ..] => Err(Failure::new(format!(
            "{first} and {second} would both read standard input; nothing was read"
        ))
        .with_hint("give one of them a file instead")),
        _ => Ok(()),
    }
}
