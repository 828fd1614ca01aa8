//! Identity files: what `--identity` names, read into keys that open (and re-seal) a vault.
//!
//! Promises:
//! - Accepted: age identity files (`AGE-SECRET-KEY-1…` lines, `AGE-PLUGIN-…` lines for
//!   hardware keys, `#` comments), the same passphrase-protected (`age -p`, binary or armored;
//!   see [`protected`](super::protected)), and one OpenSSH private key (ed25519 or RSA,
//!   encrypted or not).
//! - A passphrase is asked for through the caller's `ask` (never from a terminal here), at
//!   most three times, and only when the file needs one.
//! - Public keys are derived only when asked for; a plugin identity's public key is taken from
//!   the `# recipient:` / `# public key:` comment its plugin writes beside it.
//! - Plugin identities talk to the person through the [`PluginUi`] the edge gives them
//!   ([`Identities::with_plugin_ui`]); by default nobody is asked.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use age::secrecy::SecretString;
use data_encoding::BASE64;
use zeroize::Zeroizing;

use super::plugin::{self, PluginUi};
use super::{CryptoError, protected};

mod portable;

pub use portable::{Portable, rebuild};

/// Identities read from one file, with the recipients (public keys) they answer to.
pub struct Identities {
    /// X25519 identities, kept by type so that their public keys can be derived on demand.
    x25519: Vec<age::x25519::Identity>,
    /// Hardware keys and other plugin identities (`AGE-PLUGIN-…`).
    plugins: Vec<age::plugin::Identity>,
    /// Everything else (an OpenSSH key).
    other: Vec<Box<dyn age::Identity + Send + Sync>>,
    /// Public keys that came with the file (an OpenSSH key carries its own; a plugin's are in
    /// comments).
    known: Vec<String>,
    /// The X25519 public keys followed by `known`, computed when first asked for: deriving one
    /// is a scalar multiplication (~50 µs), and reading a code never needs it.
    public: OnceLock<Vec<String>>,
    /// How plugins reach the person.
    ui: PluginUi,
    /// What a passphrase was typed for to read the file, if anything.
    lock: Option<KeyLock>,
    /// An OpenSSH key's file and the passphrase that opened it, for [`Identities::portable`]
    /// (its decrypted form cannot be written out again).
    ssh_source: Option<(Zeroizing<Vec<u8>>, Option<SecretString>)>,
}

impl Identities {
    /// The public keys of these identities, as recipient strings.
    pub fn recipients(&self) -> &[String] {
        self.public.get_or_init(|| {
            self.x25519
                .iter()
                .map(|k| k.to_public().to_string())
                .chain(self.known.iter().cloned())
                .collect()
        })
    }

    /// Whether no public key is known (an old PEM RSA key without its `.pub`, a plugin
    /// identity without its recipient comment), without deriving any.
    pub fn lacks_recipients(&self) -> bool {
        self.x25519.is_empty() && self.known.is_empty()
    }

    /// Adds a public key found elsewhere (an old PEM key's `.pub` file).
    pub fn with_recipient(mut self, recipient: String) -> Identities {
        self.known.push(recipient);
        self.public = OnceLock::new();
        self
    }

    /// Routes plugin prompts (PIN, touch) to `ui`.
    pub fn with_plugin_ui(mut self, ui: PluginUi) -> Identities {
        self.ui = ui;
        self
    }

    /// Whether any identity is a plugin's (opening runs the plugin, which may ask for a PIN
    /// or a touch).
    pub fn has_plugins(&self) -> bool {
        !self.plugins.is_empty()
    }

    /// Whether using these identities involved a person: a passphrase was typed to read them,
    /// or a hardware key's plugin opens the vault (PIN, touch).
    pub fn involve_person(&self) -> bool {
        self.lock.is_some() || self.has_plugins()
    }

    /// What a passphrase was typed for to read these identities: a protected identity file,
    /// an encrypted SSH key, or nothing.
    pub fn locked_by(&self) -> Option<KeyLock> {
        self.lock
    }

    /// How many keys the file held (for `Debug`; never the keys themselves).
    pub fn key_count(&self) -> usize {
        self.x25519.len() + self.plugins.len() + self.other.len()
    }

    fn all(&self) -> impl Iterator<Item = &dyn age::Identity> {
        let x25519 = self.x25519.iter().map(|i| i as &dyn age::Identity);
        x25519.chain(self.other.iter().map(|i| i.as_ref() as &dyn age::Identity))
    }

    /// Unwraps a file's key with these identities: X25519 and SSH keys first, then each
    /// plugin (so a hardware key is touched only when no key on disk opens the file). A
    /// missing plugin binary is reported only when nothing else opened the file.
    pub(super) fn decrypt<R: std::io::Read>(
        &self,
        decryptor: age::Decryptor<R>,
    ) -> Result<age::stream::StreamReader<R>, age::DecryptError> {
        let (plugins, missing) = plugin::identity_plugins(&self.plugins, &self.ui);
        let all = self.all().chain(plugins.iter().map(|p| p.as_ref()));
        match decryptor.decrypt(all) {
            Err(age::DecryptError::NoMatchingKeys) if !missing.is_empty() => Err(
                age::DecryptError::PluginResolve(age::plugin::ResolveError::MissingPlugin {
                    binary_name: missing.join(", "),
                }),
            ),
            other => other,
        }
    }

    fn new(
        x25519: Vec<age::x25519::Identity>,
        other: Vec<Box<dyn age::Identity + Send + Sync>>,
        known: Vec<String>,
    ) -> Identities {
        Identities {
            x25519,
            plugins: Vec::new(),
            other,
            known,
            public: OnceLock::new(),
            ui: PluginUi::quiet(),
            lock: None,
            ssh_source: None,
        }
    }
}

/// Why an identity file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("holds no age identity (AGE-SECRET-KEY-1…, AGE-PLUGIN-…) or OpenSSH private key")]
    Empty,
    #[error("line {0} is not a valid age identity")]
    BadLine(usize),
    #[error("is an SSH key keyfob cannot use: {0}")]
    UnsupportedSsh(String),
    #[error("is an encrypted SSH key and its passphrase was wrong or not given")]
    SshPassphrase,
    #[error("is protected by a passphrase, and the passphrase was wrong or not given")]
    Passphrase,
    #[error(
        "is an age file encrypted to recipients, not a passphrase-protected identity (is it a vault?)"
    )]
    NotIdentity,
    /// A protected identity file that is damaged (truncated, modified, too much work).
    #[error("{0}")]
    Protected(CryptoError),
}

/// What keeps an identity file's keys locked, for the question the edge asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLock {
    /// An encrypted OpenSSH private key.
    SshKey,
    /// A passphrase-protected age identity file.
    AgeFile,
}

/// One request for the passphrase of an identity file: which kind, and the attempt (1–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ask {
    pub lock: KeyLock,
    pub attempt: u32,
}

/// Reads an identity file (see the module header). `ask` is called for a protected file's or
/// an encrypted SSH key's passphrase, up to three times; `None` gives up.
pub fn read_identities(
    contents: &[u8],
    source: &str,
    ask: &mut dyn FnMut(Ask) -> Option<SecretString>,
) -> Result<Identities, IdentityError> {
    if protected::is_protected(contents) {
        let inner = open_protected(contents, ask)?;
        let mut identities = read_lines(&String::from_utf8_lossy(&inner))?;
        identities.lock = Some(KeyLock::AgeFile);
        return Ok(identities);
    }
    let text = String::from_utf8_lossy(contents);
    if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
        || text.contains("-----BEGIN RSA PRIVATE KEY-----")
    {
        return read_ssh_identity(contents, source, ask);
    }
    read_lines(&text)
}

/// Whether an identity file is passphrase-protected (reading it will ask), from its bytes.
pub fn is_protected(contents: &[u8]) -> bool {
    protected::is_protected(contents)
}

fn open_protected(
    contents: &[u8],
    ask: &mut dyn FnMut(Ask) -> Option<SecretString>,
) -> Result<super::Plaintext, IdentityError> {
    let refuse = |e| match e {
        CryptoError::NeedsIdentity => IdentityError::NotIdentity,
        other => IdentityError::Protected(other),
    };
    protected::check(contents).map_err(refuse)?;
    for attempt in 1..=3 {
        let Some(passphrase) = ask(Ask {
            lock: KeyLock::AgeFile,
            attempt,
        }) else {
            break;
        };
        match protected::open(contents, passphrase) {
            Ok(text) => return Ok(text),
            Err(CryptoError::WrongPassphrase) => {}
            Err(other) => return Err(refuse(other)),
        }
    }
    Err(IdentityError::Passphrase)
}

/// age identity lines: X25519 keys, plugin identities, and the recipients their comments name.
fn read_lines(text: &str) -> Result<Identities, IdentityError> {
    let mut x25519 = Vec::new();
    let mut plugins = Vec::new();
    let mut commented = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            commented.extend(commented_recipient(comment));
        } else if line.starts_with("AGE-PLUGIN-") {
            plugins.push(plugin::parse_identity(line).ok_or(IdentityError::BadLine(index + 1))?);
        } else {
            let identity = age::x25519::Identity::from_str(line)
                .map_err(|_| IdentityError::BadLine(index + 1))?;
            x25519.push(identity);
        }
    }
    if x25519.is_empty() && plugins.is_empty() {
        return Err(IdentityError::Empty);
    }
    // A plugin identity's public key is only known from its comment; X25519 keys derive theirs.
    let known = if plugins.is_empty() {
        Vec::new()
    } else {
        commented
    };
    let mut identities = Identities::new(x25519, Vec::new(), known);
    identities.plugins = plugins;
    Ok(identities)
}

/// The plugin recipient a comment names, as plugins write it beside their identities:
/// `# recipient: age1tpm1…` (age-plugin-tpm, age-plugin's `print_new_identity`),
/// `#    Recipient: age1yubikey1…` (age-plugin-yubikey), `# public key: age1se1…`.
fn commented_recipient(comment: &str) -> Option<String> {
    let (label, value) = comment.split_once(':')?;
    let label = label.trim().to_ascii_lowercase();
    if label != "recipient" && label != "public key" {
        return None;
    }
    let value = value.trim();
    plugin::parse_recipient(value).map(|_| value.to_string())
}

fn read_ssh_identity(
    contents: &[u8],
    source: &str,
    ask: &mut dyn FnMut(Ask) -> Option<SecretString>,
) -> Result<Identities, IdentityError> {
    use age::ssh::Identity as Ssh;
    let parsed = Ssh::from_buffer(contents, Some(source.to_string()))
        .map_err(|e| IdentityError::UnsupportedSsh(e.to_string()))?;
    let mut lock = None;
    let mut used = None;
    let identity = match parsed {
        Ssh::Unencrypted(_) => parsed,
        Ssh::Encrypted(encrypted) => {
            lock = Some(KeyLock::SshKey);
            let mut unlocked = None;
            for attempt in 1..=3 {
                let Some(passphrase) = ask(Ask {
                    lock: KeyLock::SshKey,
                    attempt,
                }) else {
                    break;
                };
                if let Ok(key) = encrypted.decrypt(passphrase.clone()) {
                    unlocked = Some((Ssh::Unencrypted(key), passphrase));
                    break;
                }
            }
            let (identity, passphrase) = unlocked.ok_or(IdentityError::SshPassphrase)?;
            used = Some(passphrase);
            identity
        }
        Ssh::Unsupported(kind) => {
            struct Show(age::ssh::UnsupportedKey);
            impl fmt::Display for Show {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    self.0.display(f, None)
                }
            }
            let text = Show(kind).to_string();
            return Err(IdentityError::UnsupportedSsh(
                text.lines()
                    .next()
                    .unwrap_or("unsupported key type")
                    .to_string(),
            ));
        }
    };
    let mut identities = Identities::new(
        Vec::new(),
        vec![Box::new(identity)],
        openssh_public_key(&String::from_utf8_lossy(contents))
            .into_iter()
            .collect(),
    );
    identities.lock = lock;
    identities.ssh_source = Some((Zeroizing::new(contents.to_vec()), used));
    Ok(identities)
}

/// The public key an `openssh-key-v1` private key file carries in the clear (even when the
/// private part is encrypted), as an `ssh-ed25519 AAAA…` line. None for other layouts (old
/// PEM RSA keys), whose public key the caller must find elsewhere (`KEY.pub`).
fn openssh_public_key(text: &str) -> Option<String> {
    fn string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let value = rest.get(4..4 + len)?;
        *rest = &rest[4 + len..];
        Some(value)
    }
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .map(str::trim)
        .collect();
    let raw = BASE64.decode(body.as_bytes()).ok()?;
    let mut rest = raw.strip_prefix(b"openssh-key-v1\0")?;
    for _ciphername_kdfname_kdfoptions in 0..3 {
        string(&mut rest)?;
    }
    let keys = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    rest = &rest[4..];
    if keys != 1 {
        return None;
    }
    let blob = string(&mut rest)?;
    let mut inner = blob;
    let key_type = std::str::from_utf8(string(&mut inner)?).ok()?;
    Some(format!("{key_type} {}", BASE64.encode(blob)))
}

/// A new X25519 identity and its protected identity file (see [`protected::seal_new`]): the
/// identities to open a vault sealed to it now, and the bytes to write.
pub fn generate_protected(
    passphrase: SecretString,
    log_n: Option<u8>,
) -> Result<(Identities, Vec<u8>), CryptoError> {
    let identity = age::x25519::Identity::generate();
    let file = protected::seal_new(&identity, passphrase, log_n)?;
    let mut identities = Identities::new(vec![identity], Vec::new(), Vec::new());
    identities.lock = Some(KeyLock::AgeFile);
    Ok((identities, file))
}

/// Builds identities from X25519 secret keys (tests, benchmarks).
pub fn x25519_identities(keys: &[age::x25519::Identity]) -> Identities {
    Identities::new(keys.to_vec(), Vec::new(), Vec::new())
}
