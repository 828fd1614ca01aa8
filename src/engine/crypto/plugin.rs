//! age plugins — hardware keys such as age-plugin-yubikey, age-plugin-tpm and
//! age-plugin-se: how their prompts reach the person, and plugin recipients and identities for
//! sealing and opening a vault.
//!
//! Promises:
//! - The engine never talks to a terminal. A plugin's messages and questions (PIN, touch,
//!   "insert your key") go to the [`Prompt`] the edge puts in a [`PluginUi`]; with
//!   [`PluginUi::quiet`] messages are dropped and every question is declined, so a plugin that
//!   needs a PIN fails with its own error instead of hanging.
//! - Text from a plugin is shown only with its control characters replaced: a plugin is
//!   another program and must not be able to drive the terminal.
//! - age parses plugin keys ([`age::plugin`]); keyfob only sorts them by plugin name. The
//!   plugin binary (`age-plugin-NAME` on PATH) is looked up when a file is sealed or opened,
//!   never when a recipient is checked.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use age::secrecy::SecretString;

use super::CryptoError;

/// How a plugin reaches the person: implemented by the terminal (CLI) and by the screen.
pub trait Prompt: Send + Sync {
    /// Shows a message ("touch your YubiKey"); nobody answers.
    fn message(&self, text: &str);
    /// Asks a yes/no question with the plugin's labels; `None` when nobody can answer.
    fn confirm(&self, question: &str, yes: &str, no: Option<&str>) -> Option<bool>;
    /// Asks for text that is not secret; `None` when nobody can answer.
    fn public(&self, question: &str) -> Option<String>;
    /// Asks for a secret (a PIN) without showing it; `None` when nobody can answer.
    fn secret(&self, question: &str) -> Option<SecretString>;
}

/// The [`Prompt`] plugins talk to; cheap to clone (age hands a copy to every plugin).
#[derive(Clone)]
pub struct PluginUi(Arc<dyn Prompt>);

impl PluginUi {
    pub fn new(prompt: impl Prompt + 'static) -> PluginUi {
        PluginUi(Arc::new(prompt))
    }

    /// No person to ask: messages are dropped and questions declined.
    pub fn quiet() -> PluginUi {
        PluginUi::new(Quiet)
    }
}

impl Default for PluginUi {
    fn default() -> Self {
        PluginUi::quiet()
    }
}

impl fmt::Debug for PluginUi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PluginUi")
    }
}

struct Quiet;

impl Prompt for Quiet {
    fn message(&self, _: &str) {}
    fn confirm(&self, _: &str, _: &str, _: Option<&str>) -> Option<bool> {
        None
    }
    fn public(&self, _: &str) -> Option<String> {
        None
    }
    fn secret(&self, _: &str) -> Option<SecretString> {
        None
    }
}

/// A plugin's text as it may be shown: control characters replaced, length bounded, and
/// without the bidi isolation marks age's message catalogue puts around names.
fn shown(text: &str) -> String {
    let plain: String = text
        .chars()
        .filter(|c| !matches!(c, '\u{2068}' | '\u{2069}'))
        .collect();
    crate::engine::printable::printable(plain.trim(), 300)
}

impl age::Callbacks for PluginUi {
    fn display_message(&self, message: &str) {
        self.0.message(&shown(message));
    }

    fn confirm(&self, message: &str, yes_string: &str, no_string: Option<&str>) -> Option<bool> {
        self.0.confirm(
            &shown(message),
            &shown(yes_string),
            no_string.map(shown).as_deref(),
        )
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        self.0.public(&shown(description))
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        self.0.secret(&shown(description))
    }
}

/// Parses a plugin recipient (`age1NAME1…`, as age-plugin-yubikey prints `age1yubikey1…`).
pub(super) fn parse_recipient(text: &str) -> Option<age::plugin::Recipient> {
    age::plugin::Recipient::from_str(text).ok()
}

/// Parses a plugin identity line (`AGE-PLUGIN-NAME-1…`).
pub(super) fn parse_identity(line: &str) -> Option<age::plugin::Identity> {
    age::plugin::Identity::from_str(line).ok()
}

/// Plugin names in first-seen order, each once.
fn names<'a>(all: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for name in all {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// One age recipient per plugin for `recipients` (the plugin wraps for all of its own).
pub(super) fn recipient_plugins(
    recipients: &[age::plugin::Recipient],
    ui: &PluginUi,
) -> Result<Vec<Box<dyn age::Recipient + Send>>, CryptoError> {
    names(recipients.iter().map(age::plugin::Recipient::plugin))
        .into_iter()
        .map(|name| {
            age::plugin::RecipientPluginV1::new(name, recipients, &[], ui.clone())
                .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
                .map_err(|e| CryptoError::Encrypt(resolve_error(&e)))
        })
        .collect()
}

/// One age identity per plugin for `identities`, and the plugin binaries that are missing
/// (reported only if nothing else opens the file).
pub(super) fn identity_plugins(
    identities: &[age::plugin::Identity],
    ui: &PluginUi,
) -> (Vec<Box<dyn age::Identity>>, Vec<String>) {
    let mut found: Vec<Box<dyn age::Identity>> = Vec::new();
    let mut missing = Vec::new();
    for name in names(identities.iter().map(age::plugin::Identity::plugin)) {
        match age::plugin::IdentityPluginV1::new(name, identities, ui.clone()) {
            Ok(plugin) => found.push(Box::new(plugin)),
            Err(_) => missing.push(format!("age-plugin-{name}")),
        }
    }
    (found, missing)
}

pub(super) fn resolve_error(e: &age::plugin::ResolveError) -> String {
    match e {
        age::plugin::ResolveError::MissingPlugin { binary_name } => {
            format!("the age plugin '{binary_name}' is not on PATH")
        }
        other => shown(&other.to_string()),
    }
}

/// What a plugin said went wrong, one error after the other, control characters replaced.
/// (age's `PluginError` is not nameable outside age; its `Display` is all there is.)
pub(super) fn plugin_errors<E: fmt::Display>(errors: &[E]) -> String {
    let each = errors.iter().map(|e| shown(&e.to_string()));
    each.collect::<Vec<_>>().join("; ")
}

/// An encryption error in words, naming a missing plugin or what the plugin said.
pub(super) fn encrypt_error(e: age::EncryptError) -> CryptoError {
    CryptoError::Encrypt(match &e {
        age::EncryptError::Plugin(errors) => plugin_errors(errors),
        age::EncryptError::PluginResolve(resolve) => resolve_error(resolve),
        other => shown(&other.to_string()),
    })
}
