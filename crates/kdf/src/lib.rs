//! PBKDF2-HMAC with SHA-1, SHA-256 and SHA-512, as plain functions: the generic
//! `pbkdf2::pbkdf2_hmac::<H>` instantiated here, in a crate that debug builds optimise, so
//! keyfob's tests and fuzz bodies pay release-like costs for encrypted exports' key
//! derivation. (Release builds are the same either way; the switch back is to call
//! `pbkdf2::pbkdf2_hmac` directly.)
//!
//! Promises: each fills `out` with the derived key, exactly as `pbkdf2::pbkdf2_hmac` does
//! (RFC 8018), whatever its length; the caller bounds `rounds` (keyfob's import limits).

#![forbid(unsafe_code)]

/// PBKDF2-HMAC-SHA1.
pub fn pbkdf2_hmac_sha1(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, rounds, out);
}

/// PBKDF2-HMAC-SHA256.
pub fn pbkdf2_hmac_sha256(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, out);
}

/// PBKDF2-HMAC-SHA512.
pub fn pbkdf2_hmac_sha512(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, rounds, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6070_and_rfc_7914_vectors() {
        // RFC 6070: "password", "salt", 4096 rounds, 20 bytes.
        let mut out = [0u8; 20];
        pbkdf2_hmac_sha1(b"password", b"salt", 4096, &mut out);
        assert_eq!(
            out,
            [
                0x4b, 0x00, 0x79, 0x01, 0xb7, 0x65, 0x48, 0x9a, 0xbe, 0xad, 0x49, 0xd9, 0x26, 0xf7,
                0x21, 0xd0, 0x65, 0xa4, 0x29, 0xc1
            ]
        );
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256, "passwd", "salt", 1 round (first 16 bytes).
        let mut out = [0u8; 16];
        pbkdf2_hmac_sha256(b"passwd", b"salt", 1, &mut out);
        assert_eq!(
            out,
            [
                0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25, 0x44,
                0xb6, 0x05
            ]
        );
        // SHA-512 agrees with the generic function it stands for.
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        pbkdf2_hmac_sha512(b"pw", b"salt", 1000, &mut a);
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(b"pw", b"salt", 1000, &mut b);
        assert_eq!(a, b);
    }
}
