//! Passphrase-protected identity files: an age identity file encrypted with `age -p` (binary
//! or ASCII-armored), the form `age -d -i FILE` also accepts.
//!
//! Promises:
//! - Opening one costs one scrypt (its passphrase's); what it holds are ordinary X25519 (or
//!   plugin) identities, so every vault save afterwards is an X25519 exchange, not an scrypt.
//! - The decrypted identity text lives only in a wiped [`Plaintext`]; keyfob never writes the
//!   key in the clear ([`seal_new`] encrypts it before it leaves memory).
//! - A file that asks for more scrypt work than [`MAX_LOG_N`] is refused before any is done.
//! - age does the cryptography (its scrypt recipient and armor); nothing here is hand-rolled.
//!   (age's own `encrypted::Identity` type is not used: it hides which keys a file holds, and
//!   keyfob needs their public keys to seal the vault and to show them.)

use std::io::{Read, Write};

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::{CryptoError, Plaintext};

const MAGIC: &[u8] = b"age-encryption.org/";
const ARMOR_BEGIN: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// The largest scrypt work factor (log2 N) a protected identity may ask for: opening accepts
/// up to 2^22, as for a vault.
pub use super::MAX_LOG_N;

/// Whether `contents` is an age-encrypted file (binary or armored) rather than an identity
/// in the clear.
pub fn is_protected(contents: &[u8]) -> bool {
    let start = contents.trim_ascii_start();
    start.starts_with(MAGIC) || start.starts_with(ARMOR_BEGIN)
}

fn decryptor(contents: &[u8]) -> Result<age::Decryptor<impl Read + '_>, CryptoError> {
    let reader = age::armor::ArmoredReader::new(contents.trim_ascii_start());
    age::Decryptor::new(reader).map_err(|e| match e {
        age::DecryptError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            CryptoError::Truncated
        }
        _ => CryptoError::Tampered,
    })
}

/// Checks the header without a passphrase: a file encrypted to recipients (a vault passed by
/// mistake) is [`CryptoError::NeedsIdentity`], so nobody is asked for a passphrase in vain.
pub fn check(contents: &[u8]) -> Result<(), CryptoError> {
    if decryptor(contents)?.is_scrypt() {
        Ok(())
    } else {
        Err(CryptoError::NeedsIdentity)
    }
}

/// Decrypts a protected identity file with `passphrase`: the identity text inside.
pub fn open(contents: &[u8], passphrase: SecretString) -> Result<Plaintext, CryptoError> {
    let decryptor = decryptor(contents)?;
    if !decryptor.is_scrypt() {
        return Err(CryptoError::NeedsIdentity);
    }
    let mut identity = age::scrypt::Identity::new(passphrase);
    identity.set_max_work_factor(MAX_LOG_N);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed => CryptoError::WrongPassphrase,
            age::DecryptError::ExcessiveWork { required, .. } => {
                CryptoError::ExcessiveWork(required)
            }
            age::DecryptError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                CryptoError::Truncated
            }
            _ => CryptoError::Tampered,
        })?;
    // Identity files are small; the buffer is never regrown past this, so no copy is left
    // unwiped.
    let mut text = Plaintext::with_capacity(contents.len());
    text.fill(&mut reader).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            CryptoError::Truncated
        } else {
            CryptoError::Tampered
        }
    })?;
    Ok(text)
}

/// A new protected identity file for `identity`: what `age-keygen | age -p -a` writes (a
/// `# public key:` comment and the secret key line, passphrase-encrypted and armored).
/// `log_n` is the scrypt work factor (None: [`super::DEFAULT_LOG_N`]).
pub fn seal_new(
    identity: &age::x25519::Identity,
    passphrase: SecretString,
    log_n: Option<u8>,
) -> Result<Vec<u8>, CryptoError> {
    let secret = identity.to_string();
    let text = Zeroizing::new(format!(
        "# public key: {}\n{}\n",
        identity.to_public(),
        secret.expose_secret()
    ));
    let mut recipient = age::scrypt::Recipient::new(passphrase);
    // Fixed, never age's load-dependent calibration (a busy machine would seal weaker files).
    recipient.set_work_factor(log_n.unwrap_or(super::DEFAULT_LOG_N).clamp(1, 30));
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| CryptoError::Encrypt(e.to_string()))?;
    let mut out = Vec::with_capacity(512);
    let write = |out: &mut Vec<u8>| -> std::io::Result<()> {
        let armor = age::armor::ArmoredWriter::wrap_output(out, age::armor::Format::AsciiArmor)?;
        let mut writer = encryptor.wrap_output(armor)?;
        writer.write_all(text.as_bytes())?;
        writer.finish()?.finish()?;
        Ok(())
    };
    write(&mut out).map_err(|e| CryptoError::Encrypt(e.to_string()))?;
    Ok(out)
}
