//! Files the person names in the form's first field or the import dialog: read (capped,
//! regular files only), decoded (a QR picture's search can take a while), decrypted, and
//! sorted against the vault — on the vault thread, never while drawing.
//!
//! Promise: the bytes read and the password typed live in wiped buffers; an import's
//! duplicates are found against the vault as it is held (here, or by the agent in a dry run
//! that saves nothing).

use std::path::Path;

use zeroize::Zeroizing;

use crate::agent::client::{Applied, ClientError};
use crate::agent::protocol::Problem;
use crate::engine::import::{Duplicate, DuplicateOf, Item, Plan};
use crate::engine::ops::{Op, OpError, Outcome};
use crate::ui::app::{Msg, ReadPurpose};
use crate::ui::form;
use crate::ui::hidden::Hidden;
use crate::ui::import_flow::{self, Decoded, Read};

/// Largest file the screen reads for an import (exports are small; QR images are not huge).
const MAX_FILE: u64 = crate::engine::storage::read::IMPORT_CAP;

/// Reads `path` for `purpose`; an import's entries are sorted by `plan`.
pub(super) fn read(
    path: &str,
    purpose: ReadPurpose,
    plan: impl FnOnce(Vec<Item>) -> Result<Plan, String>,
) -> Msg {
    let bytes = read_file(path);
    match purpose {
        ReadPurpose::Form => Msg::FormRead(bytes.and_then(|b| form::parse_file(&b))),
        ReadPurpose::Import => Msg::ImportRead(match bytes {
            Ok(bytes) => preview(path, import_flow::decode(path, bytes, None), plan),
            Err(e) => Read::Failed(e),
        }),
    }
}

/// Decrypts an export with `password`; its entries are sorted by `plan`.
pub(super) fn decrypt(
    path: &str,
    format: &'static str,
    bytes: Hidden<Zeroizing<Vec<u8>>>,
    password: &Zeroizing<String>,
    plan: impl FnOnce(Vec<Item>) -> Result<Plan, String>,
) -> Msg {
    let decoded = import_flow::decode(path, bytes.0, Some((format, password.as_str())));
    Msg::ImportRead(preview(path, decoded, plan))
}

fn preview(
    path: &str,
    decoded: Decoded,
    plan: impl FnOnce(Vec<Item>) -> Result<Plan, String>,
) -> Read {
    match decoded {
        Decoded::Items { format, items } => match plan(items) {
            Ok(plan) => Read::Preview {
                path: path.to_string(),
                format,
                rows: import_flow::rows(plan),
            },
            Err(e) => Read::Failed(e),
        },
        Decoded::Password { format, bytes } => Read::Password {
            path: path.to_string(),
            format,
            bytes: Hidden(bytes),
        },
        Decoded::WrongPassword => Read::WrongPassword,
        Decoded::Failed(e) => Read::Failed(e),
    }
}

/// The bytes of the file `path` names (`~/` expanded).
pub(super) fn read_file(path: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let expanded = crate::ui::first_run::expand_home(path.trim());
    let path = Path::new(&expanded);
    if path.is_dir() {
        return Err(format!(
            "'{}' is a folder; name a file in it (Tab completes)",
            path.display()
        ));
    }
    crate::engine::storage::read::read_regular(path, "import file", MAX_FILE)
        .map_err(|e| e.to_string())
}

/// Sorts `items` into new, duplicate, failed and warnings through `dry_run` (an add that
/// saves nothing; the agent's), as [`crate::engine::import::plan`] does against entries at
/// hand: the same duplicate rule, applied where the seeds are.
pub(super) fn plan_through(
    items: Vec<Item>,
    dry_run: impl FnOnce(&Op) -> Result<Applied, ClientError>,
) -> Result<Plan, ClientError> {
    let mut plan = Plan::default();
    let mut entries = Vec::new();
    for item in items {
        match item {
            Item::Entry(entry) => entries.push(*entry),
            Item::Failed { what, reason } => plan.failed.push((what, reason)),
            Item::Warning { what, text } => plan.warnings.push((what, text)),
        }
    }
    if entries.is_empty() {
        return Ok(plan);
    }
    let op = Op::Add(entries);
    // Per entry: None = new, Some(of) = a duplicate of what.
    let sorted: Vec<Option<DuplicateOf>> = match dry_run(&op) {
        Ok(Applied {
            outcome:
                Outcome::Added {
                    ids,
                    skipped,
                    warnings,
                },
            ..
        }) => {
            plan.warnings.extend(warnings);
            let mut sorted: Vec<Option<DuplicateOf>> = vec![None; ids.len()];
            for skip in skipped {
                if let Some(slot) = sorted.get_mut(skip.index) {
                    *slot = Some(skip.of);
                }
            }
            sorted
        }
        Ok(_) => return Err(ClientError::Unexpected),
        Err(ClientError::Refused(Problem {
            op: Some(OpError::Duplicate { .. }),
            ..
        })) => vec![Some(DuplicateOf::Vault)],
        Err(ClientError::Refused(Problem {
            op: Some(OpError::NothingNew { skipped }),
            ..
        })) => {
            let Op::Add(entries) = &op else {
                return Err(ClientError::Unexpected);
            };
            let mut sorted = vec![Some(DuplicateOf::Vault); entries.len()];
            for skip in skipped {
                if let Some(slot) = sorted.get_mut(skip.index) {
                    *slot = Some(skip.of);
                }
            }
            sorted
        }
        Err(e) => return Err(e),
    };
    let Op::Add(entries) = op else {
        return Err(ClientError::Unexpected);
    };
    for (entry, of) in entries.into_iter().zip(sorted) {
        match of {
            None => plan.added.push(entry),
            Some(of) => plan.duplicates.push(Duplicate { entry, of }),
        }
    }
    Ok(plan)
}
