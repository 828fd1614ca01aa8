//! Tuned code: the commonest script call, `keyfob [--vault PATH] code QUERY [--at UNIX]`
//! (`--identity` and `--passphrase-file` allowed, and unused), answered by a running agent
//! without building the argument parser.
//!
//! Why: with an agent, `keyfob code` is a process start, a socket round trip and a line of
//! output, and clap's parser (plus the settings reader when no settings file exists) was most
//! of what was left — about a third of the whole process (see README › Performance and
//! `benches/compare.sh`, the "agent path" row).
//!
//! Promises:
//! - Only that exact shape is taken, and only when an agent answers: any other argument, a
//!   settings file (default or named), `KEYFOB_NO_FAST_PATH`, no agent, or an agent that can no
//!   longer serve, and the ordinary path runs instead — from the start, so every message and
//!   exit status is the ordinary path's. (An agent's "no longer serves" does nothing, so
//!   running the ordinary path after it repeats nothing.)
//! - What it prints and its exit statuses are the ordinary path's: the code alone, exit 2 for
//!   no match and 3 for several (the same messages, built by the same functions), the vault's
//!   warnings and the clock warning on stderr.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::agent::client::{self, Connect};
use crate::failure::Failure;

/// Set to take the ordinary path always (for bisecting, and to compare the two).
pub const OFF_VAR: &str = "KEYFOB_NO_FAST_PATH";

/// `code` through the agent, if the arguments have the one shape taken here and an agent
/// answers. `None`: take the ordinary path.
pub fn code(args: &[OsString]) -> Option<u8> {
    if std::env::var_os(OFF_VAR).is_some() || std::env::var_os("KEYFOB_CONFIG").is_some() {
        return None;
    }
    let call = parse(args)?;
    if crate::config::default_config_path().is_some_and(|p| p.symlink_metadata().is_ok()) {
        return None;
    }
    let vault = match call.vault {
        Some(vault) => vault,
        None => std::env::var_os("KEYFOB_VAULT")
            .map(PathBuf::from)
            .or_else(crate::config::default_vault_path)?,
    };
    let Connect::Agent(mut agent) = client::connect(&vault) else {
        return None;
    };
    let now = super::Context::now(call.at);
    let result = match agent.code(&call.query, now, true) {
        Ok((found, warnings)) => {
            super::reach::warn_all(&warnings);
            super::reach::found_view(found, &call.query)
        }
        Err(e) if e.unserved() => return None,
        Err(e) => Err(e.failure()),
    };
    Some(match result {
        Ok(view) => {
            super::show::check_clock(call.at);
            match outln!("{}", view.code()) {
                Ok(()) => 0,
                Err(failure) => report(&failure),
            }
        }
        Err(failure) => report(&failure),
    })
}

fn report(failure: &Failure) -> u8 {
    errln!("{failure}");
    failure.exit
}

/// The call this path takes.
#[derive(Debug, PartialEq, Eq)]
struct Call {
    vault: Option<PathBuf>,
    query: String,
    at: Option<u64>,
}

/// `[--vault PATH] code QUERY [--at UNIX]` (either option also as `--opt=value`, in either
/// place); anything else is `None`.
fn parse(args: &[OsString]) -> Option<Call> {
    let mut vault = None;
    let mut query = None;
    let mut at = None;
    let mut seen_code = false;
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let text = arg.to_str()?;
        let mut value = |name: &str| -> Option<Option<String>> {
            if text == name {
                return Some(rest.next().and_then(|v| v.to_str()).map(str::to_string));
            }
            text.strip_prefix(name)
                .and_then(|t| t.strip_prefix('='))
                .map(|v| Some(v.to_string()))
        };
        if let Some(given) = value("--vault") {
            if vault.replace(PathBuf::from(given?)).is_some() {
                return None;
            }
        } else if let Some(given) = value("--identity").or_else(|| value("--passphrase-file")) {
            // How to unlock: nothing to unlock when the agent answers (the ordinary path does
            // not read them either then).
            given?;
        } else if let Some(given) = value("--at") {
            if !seen_code || at.replace(given?.parse::<u64>().ok()?).is_some() {
                return None;
            }
        } else if text.starts_with('-') {
            return None;
        } else if !seen_code {
            if text != "code" {
                return None;
            }
            seen_code = true;
        } else if query.replace(text.to_string()).is_some() {
            return None;
        }
    }
    let query = query.filter(|q| !q.is_empty())?;
    Some(Call { vault, query, at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(args: &[&str]) -> Option<Call> {
        let args: Vec<OsString> = std::iter::once("keyfob")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        parse(&args)
    }

    #[test]
    fn only_the_plain_code_call_is_taken() {
        assert_eq!(
            call(&["code", "github"]),
            Some(Call {
                vault: None,
                query: "github".into(),
                at: None
            })
        );
        assert_eq!(
            call(&["--vault", "v.age", "code", "git hub", "--at", "59"]),
            Some(Call {
                vault: Some("v.age".into()),
                query: "git hub".into(),
                at: Some(59)
            })
        );
        assert_eq!(
            call(&["code", "--at=59", "github", "--vault=v.age"]).map(|c| c.at),
            Some(Some(59))
        );
        assert_eq!(
            call(&[
                "--identity",
                "k.txt",
                "code",
                "github",
                "--passphrase-file=-"
            ])
            .map(|c| c.query),
            Some("github".into())
        );
        for other in [
            &["code"][..],
            &["code", "a", "b"],
            &["code", "github", "--json"],
            &["code", "github", "--copy"],
            &["code", "github", "--at", "-5"],
            &["code", "github", "--at"],
            &["--at", "59", "code", "github"],
            &["--identity", "code", "github"],
            &["--config", "c.ron", "code", "github"],
            &["list"],
            &["code", "--", "github"],
            &["--vault", "a", "--vault", "b", "code", "x"],
            &["code", ""],
        ] {
            assert_eq!(call(other), None, "{other:?}");
        }
    }
}
