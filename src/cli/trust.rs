//! `keyfob trust`: shows the vault's recipients and records them as trusted on this machine;
//! a vault older than one this machine saw (rolled back) is accepted as it is.

use super::Context;
use crate::engine::store::Notice;
use crate::engine::trust::Trusted;
use crate::failure::Failure;

pub fn trust(context: &Context) -> Result<u8, Failure> {
    super::reach::note_direct(
        context,
        "the recipients are reviewed on the vault opened here, not through the agent",
    );
    let mut session = context.access.open()?;
    super::reach::autostart_session(context, &session);
    let own = session.own_keys();
    let rolled = session.notices().iter().find_map(|n| match n {
        Notice::RolledBack { rolled, .. } => Some(*rolled),
        _ => None,
    });
    let trusted = session.trust()?;
    let path = session.path().display().to_string();
    match &trusted {
        Trusted::Passphrase => {
            outln!("vault '{path}' is protected by a passphrase (no recipients)")?;
        }
        Trusted::Recipients(list) => {
            outln!("vault '{path}' is sealed to {} recipient(s):", list.len())?;
            for key in list {
                let yours = if own.contains(key) {
                    "  (your identity)"
                } else {
                    ""
                };
                outln!("  {key}{yours}")?;
            }
        }
    }
    outln!("recorded as trusted on this machine: saves may seal to exactly this from now on")?;
    if let Some(rolled) = rolled {
        outln!(
            "accepted the vault as it is (generation {}), older than the one this machine saw (generation {}); HOTP counters issued here stay used",
            rolled.generation,
            rolled.seen
        )?;
    }
    Ok(0)
}
