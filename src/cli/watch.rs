//! `watch`: each new code of one entry as its period starts, for scripts that type codes
//! unattended. Time comes from [`crate::clock`] (simulated in tests).
//!
//! Promises: the first line is the current code, then one line per period start, until the
//! process is interrupted or the reader goes away (a closed pipe ends it quietly, exit 0;
//! any other failure to write, such as a full disk, is an error as for every command).
//! A line is written only at or after the start of its period; a late wake-up (a suspended
//! machine) prints the code of the period it wakes in. HOTP entries are refused: their codes
//! change only when used.

use serde::Serialize;

use super::Context;
use super::entries::pick;
use super::output::{stdout_failure, write_out_io};
use crate::clock;
use crate::engine::otp::Kind;
use crate::failure::Failure;

/// One `--json` line.
#[derive(Serialize)]
struct Line<'a> {
    code: &'a str,
    remaining: u32,
    at: u64,
}

pub fn watch(context: &Context, query: &str, json: bool) -> Result<u8, Failure> {
    let session = context.access.open()?;
    let entry = session.vault().entries[pick(session.vault(), query)?].clone();
    drop(session);
    if entry.kind == Kind::Hotp {
        return Err(Failure::new(format!(
            "'{}' is a HOTP (counter) entry: its code changes only when used, so there is nothing to watch",
            entry.name()
        ))
        .with_hint("use `keyfob code` to take its next code"));
    }
    let generator = entry
        .generator()
        .map_err(|e| Failure::new(format!("'{}': {e}", entry.name())))?;
    let mut at = clock::now();
    loop {
        let code = generator.code_at(at);
        let remaining = generator.remaining(at);
        let written = if json {
            let line = Line {
                code: code.as_str(),
                remaining,
                at,
            };
            serde_json::to_string(&line)
                .map_err(std::io::Error::other)
                .and_then(|text| write_out_io(format_args!("{text}"), true))
        } else {
            write_out_io(format_args!("{code}"), true)
        };
        match written {
            Ok(()) => {}
            // The reader went away (a closed pipe): that is how a script stops watching.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
            Err(e) => return Err(stdout_failure(&e)),
        }
        let next = at + u64::from(remaining);
        clock::sleep_until(next);
        at = clock::now().max(next);
    }
}
