//! What a command that unlocked the vault hands a new agent on its standard input (a pipe
//! between the two processes; never the arguments or the environment): the key, and the
//! document it already decrypted, so the agent starts without asking anyone or running scrypt
//! again.
//!
//! Promises:
//! - The key travels as what rebuilds it without a person: a passphrase, or the identities'
//!   [`Portable`] form (a protected identity's inner keys, so no second scrypt; a plugin's
//!   identity lines; an SSH key with the passphrase that opened it).
//! - The document comes with the SHA-256 of the vault file it was decrypted from: the agent
//!   uses it only if the file it reads has that hash (else it decrypts the file itself).
//! - Every field is length-prefixed and capped; the reader allocates exactly what each
//!   length says (within its cap) into buffers that are wiped, and the document into locked
//!   pages where allowed ([`Plaintext`]). A short or malformed handover is an error, never a
//!   panic.

use std::io::{Read, Write};

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::engine::crypto::{self, Key, Plaintext, Portable};
use crate::engine::storage::read::{IDENTITY_CAP, VAULT_CAP};

/// The first line of a handover.
const MAGIC: &[u8] = b"keyfob-handover 1\n";

/// The document a command already decrypted, and the hash of the file it came from.
pub struct Document {
    pub hash: [u8; 32],
    pub plaintext: Plaintext,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Document(<redacted>)")
    }
}

/// Why a handover could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    #[error("the key handed to the agent is incomplete or malformed")]
    Malformed,
    #[error("the key handed to the agent could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("the identities handed to the agent could not be used: {0}")]
    Identities(#[from] crypto::IdentityError),
}

fn field(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::other("a handover field is over 4 GiB"))?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(bytes)
}

/// Writes `key` and, if given, the decrypted `document` and its file's hash.
pub fn write(
    out: &mut impl Write,
    key: &Key,
    document: Option<(&[u8; 32], &[u8])>,
) -> std::io::Result<()> {
    out.write_all(MAGIC)?;
    match key {
        Key::Passphrase(passphrase) => {
            field(out, b"passphrase")?;
            field(out, passphrase.expose_secret().as_bytes())?;
        }
        Key::Identities(ids) => match ids.portable() {
            Portable::Lines(text) => {
                field(out, b"lines")?;
                field(out, text.as_bytes())?;
            }
            Portable::Ssh {
                file,
                passphrase,
                public,
            } => {
                field(out, b"ssh")?;
                field(out, &file)?;
                match &passphrase {
                    Some(p) => {
                        field(out, b"1")?;
                        field(out, p.expose_secret().as_bytes())?;
                    }
                    None => field(out, b"0")?,
                }
                field(out, public.join("\n").as_bytes())?;
            }
        },
    }
    match document {
        Some((hash, plaintext)) => {
            field(out, b"1")?;
            field(out, hash)?;
            field(out, plaintext)?;
        }
        None => field(out, b"0")?,
    }
    out.flush()
}

fn length(input: &mut impl Read, cap: usize) -> Result<usize, HandoverError> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let len = usize::try_from(u32::from_be_bytes(len)).map_err(|_| HandoverError::Malformed)?;
    if len > cap {
        return Err(HandoverError::Malformed);
    }
    Ok(len)
}

fn read_field(input: &mut impl Read, cap: usize) -> Result<Zeroizing<Vec<u8>>, HandoverError> {
    let len = length(input, cap)?;
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn text(bytes: &[u8]) -> Result<&str, HandoverError> {
    std::str::from_utf8(bytes).map_err(|_| HandoverError::Malformed)
}

fn secret(bytes: &[u8]) -> Result<SecretString, HandoverError> {
    Ok(SecretString::from(text(bytes)?.to_string()))
}

/// Reads what [`write`] wrote: the key (identities ask nobody anything) and the document.
pub fn read(input: &mut impl Read) -> Result<(Key, Option<Document>), HandoverError> {
    let mut magic = [0u8; MAGIC.len()];
    input.read_exact(&mut magic)?;
    if magic != MAGIC {
        return Err(HandoverError::Malformed);
    }
    let kind = read_field(input, 16)?;
    let key = match &kind[..] {
        b"passphrase" => Key::Passphrase(secret(&read_field(input, KEY_CAP)?)?),
        b"lines" => {
            let lines = read_field(input, KEY_CAP)?;
            let portable = Portable::Lines(Zeroizing::new(text(&lines)?.to_string()));
            Key::Identities(crypto::rebuild(&portable)?)
        }
        b"ssh" => {
            let file = read_field(input, KEY_CAP)?;
            let passphrase = match &read_field(input, 1)?[..] {
                b"1" => Some(secret(&read_field(input, KEY_CAP)?)?),
                b"0" => None,
                _ => return Err(HandoverError::Malformed),
            };
            let public = read_field(input, KEY_CAP)?;
            let public = text(&public)?
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            let portable = Portable::Ssh {
                file,
                passphrase,
                public,
            };
            Key::Identities(crypto::rebuild(&portable)?)
        }
        _ => return Err(HandoverError::Malformed),
    };
    let document = match &read_field(input, 1)?[..] {
        b"0" => None,
        b"1" => {
            let hash: [u8; 32] = read_field(input, 32)?[..]
                .try_into()
                .map_err(|_| HandoverError::Malformed)?;
            let len = length(input, VAULT_CAP_USIZE)?;
            let plaintext = Plaintext::read_exact(&mut *input, len)?;
            Some(Document { hash, plaintext })
        }
        _ => return Err(HandoverError::Malformed),
    };
    Ok((key, document))
}

/// The caps as lengths (they fit every target keyfob builds for).
const VAULT_CAP_USIZE: usize = VAULT_CAP as usize;
const KEY_CAP: usize = IDENTITY_CAP as usize;

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");

    #[test]
    fn a_passphrase_and_a_document_arrive_whole() {
        let key = Key::Passphrase(SecretString::from("correct horse".to_string()));
        let mut pipe = Vec::new();
        write(&mut pipe, &key, Some((&[7; 32], b"(version: 2)"))).unwrap();
        let (back, document) = read(&mut &pipe[..]).unwrap();
        match back {
            Key::Passphrase(p) => assert_eq!(p.expose_secret(), "correct horse"),
            Key::Identities(_) => panic!("not a passphrase"),
        }
        let document = document.unwrap();
        assert_eq!(document.hash, [7; 32]);
        assert_eq!(&document.plaintext[..], b"(version: 2)");
        assert!(!format!("{document:?}").contains("version"));
    }

    #[test]
    fn identities_arrive_ready_to_open() {
        let bytes = std::fs::read(format!("{KEYS}/ssh_ed25519_encrypted")).unwrap();
        let ids = crypto::read_identities(&bytes, "enc", &mut |_| {
            Some(SecretString::from("test".to_string()))
        })
        .unwrap();
        let want = ids.recipients().to_vec();
        let mut pipe = Vec::new();
        write(&mut pipe, &Key::Identities(ids), None).unwrap();
        let (back, document) = read(&mut &pipe[..]).unwrap();
        assert!(document.is_none());
        match back {
            Key::Identities(ids) => assert_eq!(ids.recipients(), want),
            Key::Passphrase(_) => panic!("not identities"),
        }
    }

    #[test]
    fn a_cut_or_foreign_handover_is_an_error() {
        let key = Key::Passphrase(SecretString::from("pw".to_string()));
        let mut pipe = Vec::new();
        write(&mut pipe, &key, Some((&[1; 32], b"doc"))).unwrap();
        for cut in 0..pipe.len() {
            assert!(read(&mut &pipe[..cut]).is_err(), "cut at {cut}");
        }
        assert!(matches!(
            read(&mut &b"something else entirely\n\0\0\0\0"[..]),
            Err(HandoverError::Malformed | HandoverError::Io(_))
        ));
        // A length past its cap is refused before anything is allocated.
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            read(&mut &huge[..]),
            Err(HandoverError::Malformed)
        ));
    }
}
