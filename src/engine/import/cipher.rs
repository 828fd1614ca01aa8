//! The decryption that encrypted exports need: key derivation (scrypt, PBKDF2 through
//! `crates/kdf`, Argon2id), AES-GCM, AES-CBC and libsodium's XChaCha20-Poly1305 secretstream.
//!
//! Promises: a failed authentication tag (or, for unauthenticated CBC, bad padding) is
//! [`ImportError::WrongPassword`] (it is the only sign of a wrong password); a missing
//! password is [`ImportError::NeedsPassword`]; keys and plaintexts are zeroized on drop;
//! the key derivations take only work factors that a format's limit let through (`kdf.rs`).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::ImportError;
use super::kdf::{Argon2Cost, Pbkdf2Rounds, ScryptCost};

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

/// scrypt to a 32-byte key, with parameters a format's limit let through (`kdf.rs`).
pub(crate) fn scrypt(
    password: &[u8],
    salt: &[u8],
    cost: ScryptCost,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let params = scrypt::Params::new(cost.log_n, cost.r, cost.p, 32)
        .map_err(|_| malformed("the export's scrypt parameters are invalid"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, key.as_mut_slice())
        .map_err(|_| malformed("the export's scrypt parameters are invalid"))?;
    Ok(key)
}

/// PBKDF2-HMAC-SHA256 to a 32-byte key.
pub(crate) fn pbkdf2_sha256(
    password: &[u8],
    salt: &[u8],
    rounds: Pbkdf2Rounds,
) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    keyfob_kdf::pbkdf2_hmac_sha256(password, salt, rounds.get(), key.as_mut_slice());
    key
}

/// Argon2id (version 1.3) to a 32-byte key, with parameters a format's limit let through
/// (`kdf.rs`).
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8],
    cost: Argon2Cost,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let params = argon2::Params::new(cost.kib, cost.passes, cost.lanes, Some(32))
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
pub(crate) fn pbkdf2_sha512(
    password: &[u8],
    salt: &[u8],
    rounds: Pbkdf2Rounds,
) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    keyfob_kdf::pbkdf2_hmac_sha512(password, salt, rounds.get(), key.as_mut_slice());
    key
}

/// PBKDF2-HMAC-SHA1 to a 32-byte key.
pub(crate) fn pbkdf2_sha1(
    password: &[u8],
    salt: &[u8],
    rounds: Pbkdf2Rounds,
) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    keyfob_kdf::pbkdf2_hmac_sha1(password, salt, rounds.get(), key.as_mut_slice());
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
    fn scrypt_matches_rfc7914() {
        // RFC 7914 section 12, the second vector (first 32 bytes): "password", "NaCl",
        // N = 1024, r = 8, p = 16.
        let cost = ScryptCost {
            log_n: 10,
            r: 8,
            p: 16,
        };
        let key = scrypt(b"password", b"NaCl", cost).unwrap();
        assert_eq!(
            *key,
            [
                0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00, 0x78, 0x56, 0xe7, 0x19, 0x0d, 0x01,
                0xe9, 0xfe, 0x7c, 0x6a, 0xd7, 0xcb, 0xc8, 0x23, 0x78, 0x30, 0xe7, 0x73, 0x76, 0x63,
                0x4b, 0x37, 0x31, 0x62
            ]
        );
    }

    #[test]
    fn argon2id_matches_bitwardens_sdk_vector() {
        // bitwarden/sdk, crates/bitwarden-crypto/src/keys/master_key.rs,
        // test_master_key_derive_argon2: Argon2id, 4 passes, 32 MiB, 2 lanes, over the
        // SHA-256 of the salt "test_key".
        let salt = <sha2::Sha256 as sha2::Digest>::digest(b"test_key");
        let cost = Argon2Cost::constant(32 * 1024, 4, 2);
        let key = argon2id(b"67t9b5g67$%Dh89n", &salt, cost).unwrap();
        assert_eq!(
            *key,
            [
                207, 240, 225, 177, 162, 19, 163, 76, 98, 106, 179, 175, 224, 9, 17, 240, 20, 147,
                237, 47, 246, 150, 141, 184, 62, 225, 131, 242, 51, 53, 225, 242
            ]
        );
        // What the limits let through can still be invalid for Argon2 (8 KiB per lane).
        let cost = Argon2Cost::constant(8, 1, 4);
        assert!(matches!(
            argon2id(b"pw", &salt, cost),
            Err(ImportError::Malformed(_))
        ));
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
