//! `keyfob trust`: shows the vault's recipients and records them as trusted on this machine.

use super::Context;
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
    Ok(0)
}
