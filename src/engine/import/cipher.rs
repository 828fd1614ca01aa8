//! The decryption that encrypted exports need: key derivation (scrypt, PBKDF2, Argon2id),
//! AES-GCM, AES-CBC and libsodium's XChaCha20-Poly1305 secretstream.
//!
//! Promises: a failed authentication tag (or, for unauthenticated CBC, bad padding) is
//! [`ImportError::WrongPassword`] (it is the only sign of a wrong password); a missing
//! password is [`ImportError::NeedsPassword`]; keys and plaintexts are zeroized on drop;
//! absurd work factors are refused before any work.

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
    open_gcm_aad(key, nonce, &[], sealed)
}

/// [`open_gcm`] with associated data `aad` (authenticated, not encrypted).
pub(crate) fn open_gcm_aad(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    use aes_gcm::aead::Payload;
    if nonce.len() != 12 {
        return Err(malformed("the encryption nonce is not 12 bytes long"));
    }
    if sealed.len() < 16 {
        return Err(malformed("the encrypted data is too short"));
    }
    let cipher =
        Aes256Gcm::new_from_slice(key).map_err(|_| malformed("the key is not 32 bytes long"))?;
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
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

/// Most Argon2 memory accepted, in KiB: 1 GiB, libsodium's "sensitive" level (Ente's
/// default) and Bitwarden's maximum.
pub const MAX_ARGON2_KIB: u32 = 1 << 20;

/// Argon2id (version 1.3) to a 32-byte key: `kib` KiB of memory, `passes` passes over it,
/// `lanes` lanes. Parameters beyond what the apps use are refused before any memory is
/// taken: more than 1 GiB, or more than 8 GiB·passes of work (the slowest the apps make is
/// 4), or more than 16 lanes.
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8],
    kib: u32,
    passes: u32,
    lanes: u32,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let work = u64::from(kib) * u64::from(passes);
    if kib > MAX_ARGON2_KIB || passes == 0 || work > 8 * u64::from(MAX_ARGON2_KIB) || lanes > 16 {
        return Err(malformed("the export's Argon2 parameters are out of range"));
    }
    let params = argon2::Params::new(kib, passes, lanes, Some(32))
        .map_err(|_| malformed("the export's Argon2 parameters are invalid"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password, salt, key.as_mut_slice())
        .map_err(|_| malformed("the export's Argon2 parameters are invalid"))?;
    Ok(key)
}

/// AES-256-CBC with PKCS#7 padding. CBC has no tag: bad padding is taken for a wrong
/// password (the callers then also check that the plaintext is what they expect).
pub(crate) fn open_cbc(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
    let decryptor = cbc::Decryptor::<aes_gcm::aes::Aes256>::new_from_slices(key, iv)
        .map_err(|_| malformed("the key or IV has the wrong length"))?;
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return Err(malformed("the encrypted data is not whole AES blocks"));
    }
    let mut buffer = Zeroizing::new(data.to_vec());
    let len = decryptor
        .decrypt_padded_mut::<Pkcs7>(&mut buffer)
        .map_err(|_| ImportError::WrongPassword)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

/// libsodium's `crypto_secretstream_xchacha20poly1305`: the stream `header` (24 bytes),
/// then messages, each authenticated; `data` holds exactly one message (as Ente writes it),
/// tagged either "message" or "final".
pub(crate) fn open_secretstream(
    key: &[u8],
    header: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    use crypto_secretstream::{Header, Key, PullStream, Tag};
    let header = Header::try_from(header)
        .map_err(|_| malformed("the encryption header is not 24 bytes long"))?;
    let key = Key::try_from(key).map_err(|_| malformed("the key is not 32 bytes long"))?;
    let mut buffer = Zeroizing::new(data.to_vec());
    let tag = PullStream::init(header, &key)
        .pull(&mut *buffer, &[])
        .map_err(|_| ImportError::WrongPassword)?;
    match tag {
        Tag::Message | Tag::Final => Ok(buffer),
        Tag::Push | Tag::Rekey => Err(malformed(
            "the encrypted data is one part of a longer stream",
        )),
    }
}

/// PBKDF2-HMAC-SHA512 to a 32-byte key.
pub(crate) fn pbkdf2_sha512(password: &[u8], salt: &[u8], rounds: u32) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, rounds, key.as_mut_slice());
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
    fn argon2id_matches_bitwardens_sdk_vector() {
        // bitwarden/sdk, crates/bitwarden-crypto/src/keys/master_key.rs,
        // test_master_key_derive_argon2: Argon2id, 4 passes, 32 MiB, 2 lanes, over the
        // SHA-256 of the salt "test_key".
        let salt = <sha2::Sha256 as sha2::Digest>::digest(b"test_key");
        let key = argon2id(b"67t9b5g67$%Dh89n", &salt, 32 * 1024, 4, 2).unwrap();
        assert_eq!(
            *key,
            [
                207, 240, 225, 177, 162, 19, 163, 76, 98, 106, 179, 175, 224, 9, 17, 240, 20, 147,
                237, 47, 246, 150, 141, 184, 62, 225, 131, 242, 51, 53, 225, 242
            ]
        );
        assert!(argon2id(b"pw", &salt, MAX_ARGON2_KIB * 2, 1, 1).is_err());
        assert!(argon2id(b"pw", &salt, MAX_ARGON2_KIB, 9, 1).is_err());
        assert!(argon2id(b"pw", &salt, 64, 1, 17).is_err());
    }

    #[test]
    fn cbc_round_trip_and_bad_padding() {
        use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
        let (key, iv) = ([3u8; 32], [4u8; 16]);
        let sealed = cbc::Encryptor::<aes_gcm::aes::Aes256>::new_from_slices(&key, &iv)
            .unwrap()
            .encrypt_padded_vec_mut::<Pkcs7>(b"hello, world");
        assert_eq!(
            open_cbc(&key, &iv, &sealed).unwrap().as_slice(),
            b"hello, world"
        );
        // A wrong key almost always leaves bad padding.
        assert_eq!(
            open_cbc(&[5u8; 32], &iv, &sealed).unwrap_err(),
            ImportError::WrongPassword
        );
        assert!(matches!(
            open_cbc(&key, &iv, &sealed[..5]),
            Err(ImportError::Malformed(_))
        ));
    }

    #[test]
    fn secretstream_one_message() {
        use crypto_secretstream::{Key, PushStream, Tag};
        let key = [9u8; 32];
        for tag in [Tag::Message, Tag::Final] {
            let (header, mut push) = PushStream::init(aes_gcm::aead::OsRng, &Key::from(key));
            let mut data = b"otpauth://totp/A?secret=JBSWY3DPEHPK3PXP".to_vec();
            push.push(&mut data, &[], tag).unwrap();
            assert_eq!(
                open_secretstream(&key, header.as_ref(), &data)
                    .unwrap()
                    .as_slice(),
                b"otpauth://totp/A?secret=JBSWY3DPEHPK3PXP"
            );
            assert_eq!(
                open_secretstream(&[8u8; 32], header.as_ref(), &data).unwrap_err(),
                ImportError::WrongPassword
            );
        }
    }

    #[test]
    fn no_password_means_needs_password() {
        assert_eq!(password(None).unwrap_err(), ImportError::NeedsPassword);
    }
}
