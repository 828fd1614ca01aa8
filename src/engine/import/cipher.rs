//! The decryption that encrypted exports need: key derivation (scrypt, PBKDF2) and AES-GCM.
//!
//! Promises: a failed authentication tag is [`ImportError::WrongPassword`] (with GCM it is
//! the only sign of a wrong password); a missing password is [`ImportError::NeedsPassword`];
//! keys and plaintexts are zeroized on drop; absurd work factors are refused before any work.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::ImportError;

/// The password, or `NeedsPassword`.
pub(crate) fn password(password: Option<&SecretString>) -> Result<&[u8], ImportError> {
    password
        .map(|p| p.expose_secret().as_bytes())
        .ok_or(ImportError::NeedsPassword)
}

fn malformed(text: &str) -> ImportError {
    ImportError::Malformed(text.to_string())
}

/// AES-256-GCM with a 12-byte nonce; `sealed` is the ciphertext followed by the 16-byte tag.
pub(crate) fn open_gcm(
    key: &[u8],
    nonce: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    if nonce.len() != 12 {
        return Err(malformed("the encryption nonce is not 12 bytes long"));
    }
    if sealed.len() < 16 {
        return Err(malformed("the encrypted data is too short"));
    }
    let cipher =
        Aes256Gcm::new_from_slice(key).map_err(|_| malformed("the key is not 32 bytes long"))?;
    cipher
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map(Zeroizing::new)
        .map_err(|_| ImportError::WrongPassword)
}

/// scrypt to a 32-byte key. `n` must be a power of two; parameters beyond what any app uses
/// (n > 2^20, r > 32, p > 16) are refused rather than ground through.
pub(crate) fn scrypt(
    password: &[u8],
    salt: &[u8],
    n: u64,
    r: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    if !n.is_power_of_two() || !(2..=1 << 20).contains(&n) || r == 0 || r > 32 || p == 0 || p > 16 {
        return Err(malformed("the export's scrypt parameters are out of range"));
    }
    let log_n = u8::try_from(n.trailing_zeros()).unwrap_or(0);
    let params = scrypt::Params::new(log_n, r, p, 32)
        .map_err(|_| malformed("the export's scrypt parameters are invalid"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, key.as_mut_slice())
        .map_err(|_| malformed("the export's scrypt parameters are invalid"))?;
    Ok(key)
}

/// Most PBKDF2 rounds accepted: far above what apps use, low enough to answer in seconds.
pub const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;

/// PBKDF2-HMAC-SHA256 to a 32-byte key.
pub(crate) fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, key.as_mut_slice());
    key
}

/// PBKDF2-HMAC-SHA1 to a 32-byte key.
pub(crate) fn pbkdf2_sha1(password: &[u8], salt: &[u8], rounds: u32) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, rounds, key.as_mut_slice());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcm_round_trip_and_wrong_key() {
        let key = [7u8; 32];
        let nonce = [1u8; 12];
        let sealed = Aes256Gcm::new_from_slice(&key)
            .unwrap()
            .encrypt(Nonce::from_slice(&nonce), b"hello".as_slice())
            .unwrap();
        assert_eq!(
            open_gcm(&key, &nonce, &sealed).unwrap().as_slice(),
            b"hello"
        );
        assert_eq!(
            open_gcm(&[8u8; 32], &nonce, &sealed).unwrap_err(),
            ImportError::WrongPassword
        );
        assert!(matches!(
            open_gcm(&key, &[1u8; 8], &sealed),
            Err(ImportError::Malformed(_))
        ));
    }

    #[test]
    fn scrypt_refuses_absurd_parameters() {
        assert!(scrypt(b"pw", b"salt", 1 << 30, 8, 1).is_err());
        assert!(scrypt(b"pw", b"salt", 1000, 8, 1).is_err());
        assert!(scrypt(b"pw", b"salt", 1 << 4, 8, 1).is_ok());
    }

    #[test]
    fn no_password_means_needs_password() {
        assert_eq!(password(None).unwrap_err(), ImportError::NeedsPassword);
    }
}
