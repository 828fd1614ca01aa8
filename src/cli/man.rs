//! `keyfob man`: the manual page, generated from the same clap definitions as `--help` (with
//! `clap_mangen`), so the two cannot drift apart.
//!
//! Promises: without `--dir` it prints `keyfob(1)` as roff on stdout; with `--dir DIR` it
//! writes `keyfob.1` and one `keyfob-COMMAND.1` per visible command into DIR (replacing older
//! pages of the same names: they are documentation, not user data).

use std::path::Path;

use clap::CommandFactory;

use super::Cli;
use crate::failure::Failure;

pub fn man(dir: Option<&Path>) -> Result<u8, Failure> {
    let command = Cli::command();
    match dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .map_err(|e| Failure::new(format!("cannot render the manual page: {e}")))?;
            super::write_bytes(&out)?;
        }
        Some(dir) => {
            if !dir.is_dir() {
                return Err(Failure::new(format!("'{}' is not a folder", dir.display()))
                    .with_hint("create it first, e.g. mkdir -p ~/.local/share/man/man1"));
            }
            clap_mangen::generate_to(command, dir).map_err(|e| {
                Failure::new(format!(
                    "cannot write manual pages into '{}': {e}",
                    dir.display()
                ))
            })?;
            eprintln!(
                "wrote keyfob.1 and keyfob-COMMAND.1 pages into '{}'",
                dir.display()
            );
        }
    }
    Ok(0)
}
