//! Bitwarden's password-protected JSON export (`"passwordProtected": true`), as Bitwarden's
//! clients write and read it (bitwarden-password-protected-importer.ts, the key-generation
//! service's `deriveVaultExportKey`):
//! - `kdfType` 0: PBKDF2-HMAC-SHA256 of the password over the `salt` string's UTF-8 bytes,
//!   `kdfIterations` rounds; `kdfType` 1: Argon2id (1.3) over the SHA-256 of that string,
//!   `kdfIterations` passes, `kdfMemory` MiB, `kdfParallelism` lanes. Either gives 32 bytes,
//!   stretched with HKDF-Expand (SHA-256) into an encryption key (info "enc") and a MAC key
//!   (info "mac").
//! - `encKeyValidation_DO_NOT_EDIT` and `data` are encrypted strings of type 2:
//!   `2.<iv>|<ciphertext>|<mac>` (Base64), AES-256-CBC with PKCS#7 padding, and an
//!   HMAC-SHA256 over IV and ciphertext, checked first: a wrong password fails there.
//! - `data` decrypts to the unencrypted JSON export.
//!
//! Promises: the KDF parameters are held to Bitwarden's own limits (`kdf.rs`: PBKDF2 5,000
//! to 2,000,000 rounds; Argon2id 2 to 10 passes, 16 to 1,024 MiB, 1 to 16 lanes) before the
//! password is asked for and before any work.

use age::secrecy::SecretString;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::super::json::{Fields, Object};
use super::super::{ImportError, cipher, kdf};

fn malformed(what: &str) -> ImportError {
    ImportError::Malformed(format!("the password-protected Bitwarden export's {what}"))
}

/// The two keys a password gives.
struct Keys {
    enc: Zeroizing<[u8; 32]>,
    mac: Zeroizing<[u8; 32]>,
}

/// The plaintext of `data` (the unencrypted export's JSON).
pub(super) fn decrypt(
    root: &Object,
    password: Option<&SecretString>,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let salt = root
        .text("salt")
        .ok()
        .flatten()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| malformed("'salt' is missing"))?;
    let number = |key: &str| {
        root.int(key)
            .ok()
            .flatten()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| malformed(&format!("'{key}' is not a positive number")))
    };
    let wide = |key: &str| {
        root.int(key)
            .ok()
            .flatten()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| malformed(&format!("'{key}' is not a positive number")))
    };
    // The parameters are checked against Bitwarden's limits before the password is needed.
    let seed = match number("kdfType")? {
        0 => {
            let rounds = kdf::bitwarden_pbkdf2(wide("kdfIterations")?)?;
            cipher::pbkdf2_sha256(cipher::password(password)?, salt.as_bytes(), rounds)
        }
        1 => {
            let cost = kdf::bitwarden_argon2(
                wide("kdfIterations")?,
                wide("kdfMemory")?,
                wide("kdfParallelism")?,
            )?;
            let salt = Sha256::digest(salt.as_bytes());
            cipher::argon2id(cipher::password(password)?, &salt, cost)?
        }
        other => {
            return Err(ImportError::Malformed(format!(
                "the Bitwarden export uses key derivation {other}, which keyfob does not know (0 PBKDF2, 1 Argon2id)"
            )));
        }
    };
    let keys = stretch(&seed)?;
    let text = |key: &str| {
        root.text(key)
            .ok()
            .flatten()
            .ok_or_else(|| malformed(&format!("'{key}' is missing")))
    };
    // The validation string is checked first: its MAC says whether the password is right.
    open(text("encKeyValidation_DO_NOT_EDIT")?, &keys)?;
    open(text("data")?, &keys)
}

/// HKDF-Expand (no extract step) of the derived key into the encryption and MAC keys.
fn stretch(seed: &[u8; 32]) -> Result<Keys, ImportError> {
    let hkdf = hkdf::Hkdf::<Sha256>::from_prk(seed)
        .map_err(|_| malformed("key could not be stretched"))?;
    let mut keys = Keys {
        enc: Zeroizing::new([0u8; 32]),
        mac: Zeroizing::new([0u8; 32]),
    };
    hkdf.expand(b"enc", keys.enc.as_mut_slice())
        .and_then(|()| hkdf.expand(b"mac", keys.mac.as_mut_slice()))
        .map_err(|_| malformed("key could not be stretched"))?;
    Ok(keys)
}

/// An encrypted string of type 2 (`2.iv|data|mac`).
fn open(encrypted: &str, keys: &Keys) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let body = encrypted
        .trim()
        .strip_prefix("2.")
        .ok_or_else(|| malformed("encrypted strings are not of type 2 (AES-CBC with HMAC)"))?;
    let parts: Vec<&str> = body.split('|').collect();
    let [iv, data, mac] = parts.as_slice() else {
        return Err(malformed("encrypted strings do not have three parts"));
    };
    let b64 = |t: &str| {
        STANDARD
            .decode(t)
            .map_err(|_| malformed("encrypted strings are not Base64"))
    };
    let (iv, data, mac) = (b64(iv)?, b64(data)?, b64(mac)?);
    let mut check = <Hmac<Sha256> as Mac>::new_from_slice(keys.mac.as_slice())
        .map_err(|_| malformed("MAC key has the wrong length"))?;
    check.update(&iv);
    check.update(&data);
    check
        .verify_slice(&mac)
        .map_err(|_| ImportError::WrongPassword)?;
    cipher::open_cbc(keys.enc.as_slice(), &iv, &data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretch_matches_bitwardens_sdk_vector() {
        // bitwarden/sdk, crates/bitwarden-crypto/src/keys/master_key.rs: the PBKDF2 vector
        // (test_master_key_derive_pbkdf2) and its stretch (test_stretch_master_key).
        let rounds = kdf::Pbkdf2Rounds::constant(10_000);
        let seed = cipher::pbkdf2_sha256(b"67t9b5g67$%Dh89n", b"test_key", rounds);
        assert_eq!(
            *seed,
            [
                31, 79, 104, 226, 150, 71, 177, 90, 194, 80, 172, 209, 17, 129, 132, 81, 138, 167,
                69, 167, 254, 149, 2, 27, 39, 197, 64, 42, 22, 195, 86, 75
            ]
        );
        let keys = stretch(&seed).unwrap();
        assert_eq!(
            *keys.enc,
            [
                111, 31, 178, 45, 238, 152, 37, 114, 143, 215, 124, 83, 135, 173, 195, 23, 142,
                134, 120, 249, 61, 132, 163, 182, 113, 197, 189, 204, 188, 21, 237, 96
            ]
        );
        assert_eq!(
            *keys.mac,
            [
                221, 127, 206, 234, 101, 27, 202, 38, 86, 52, 34, 28, 78, 28, 185, 16, 48, 61, 127,
                166, 209, 247, 194, 87, 232, 26, 48, 85, 193, 249, 179, 155
            ]
        );
    }

    /// A password-protected export whose KDF fields are `kdf` (JSON members) and whose
    /// encrypted strings open with nothing.
    fn export_with(kdf: &str) -> Object {
        let text = format!(
            r#"{{"encrypted":true,"passwordProtected":true,"salt":"c2FsdA==",{kdf},
            "encKeyValidation_DO_NOT_EDIT":"2.AAAA|AAAA|AAAA","data":"2.AAAA|AAAA|AAAA"}}"#
        );
        match serde_json::from_str(&text).unwrap() {
            serde_json::Value::Object(o) => o,
            _ => unreachable!(),
        }
    }

    #[test]
    fn kdf_beyond_bitwardens_range_is_refused_before_the_password() {
        let pw = SecretString::from("pw".to_string());
        for (fields, what) in [
            (
                r#""kdfType":0,"kdfIterations":10000000"#,
                "the PBKDF2 round count is 10,000,000; keyfob accepts 5,000 to 2,000,000",
            ),
            (
                r#""kdfType":0,"kdfIterations":1"#,
                "the PBKDF2 round count is 1; keyfob accepts 5,000",
            ),
            (
                r#""kdfType":1,"kdfIterations":3,"kdfMemory":65536,"kdfParallelism":4"#,
                "kdfMemory (Argon2 memory) is 64 GiB",
            ),
            (
                r#""kdfType":1,"kdfIterations":1000,"kdfMemory":64,"kdfParallelism":4"#,
                "kdfIterations (Argon2 passes) is 1,000",
            ),
            (
                r#""kdfType":1,"kdfIterations":3,"kdfMemory":64,"kdfParallelism":255"#,
                "kdfParallelism (Argon2 lanes) is 255",
            ),
        ] {
            let root = export_with(fields);
            for password in [None, Some(&pw)] {
                let e = decrypt(&root, password).unwrap_err();
                assert!(matches!(e, ImportError::KdfRefused(_)), "{e:?}");
                assert!(e.to_string().contains(what), "{e}");
            }
        }
        // Within the range, the password is asked for.
        let root = export_with(r#""kdfType":0,"kdfIterations":600000"#);
        assert_eq!(
            decrypt(&root, None).unwrap_err(),
            ImportError::NeedsPassword
        );
    }
}
