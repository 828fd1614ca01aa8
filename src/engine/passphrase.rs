//! New passphrases: a rough strength check and generated ones.
//!
//! Promises: [`estimate_bits`] is a deliberately simple, conservative estimate (length times
//! the bits of the character classes used; a passphrase of one repeated character counts as
//! one character), good enough to catch the one-character or `password`-length passphrases
//! the review found `init` accepting silently; it is not a dictionary check. [`generate`]
//! draws from the operating system's random generator, as `age -p` offers to.

use age::secrecy::SecretString;

/// Below this many (estimated) bits a new passphrase is called weak: scrypt at 2^18 makes
/// each guess cost about a second of one core, but an offline attacker has many cores.
pub const WEAK_BELOW_BITS: u32 = 60;

/// Characters of generated passphrases: lower-case letters and digits without `l`, `o`, `0`
/// and `1`, which read alike (32 characters, 5 bits each).
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A rough estimate of the bits of a passphrase.
pub fn estimate_bits(text: &str) -> u32 {
    let mut distinct: Vec<char> = text.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let length = if distinct.len() <= 1 {
        distinct.len()
    } else {
        text.chars().count()
    };
    let mut classes = 0u32;
    if text.chars().any(|c| c.is_ascii_lowercase()) {
        classes += 26;
    }
    if text.chars().any(|c| c.is_ascii_uppercase()) {
        classes += 26;
    }
    if text.chars().any(|c| c.is_ascii_digit()) {
        classes += 10;
    }
    if text.chars().any(|c| !c.is_ascii_alphanumeric()) {
        classes += 33;
    }
    let per_char = f64::from(classes.max(1)).log2();
    // Whole bits, rounded down; lengths past u32 are not passphrases anyone types.
    (per_char * length as f64).floor() as u32
}

/// Whether a new passphrase is weak (see [`WEAK_BELOW_BITS`]).
pub fn is_weak(text: &str) -> bool {
    estimate_bits(text) < WEAK_BELOW_BITS
}

/// A fresh passphrase of six groups of four characters (120 bits), e.g.
/// `k7qa-3mzp-ux4f-9hbe-tw2c-ny8d`.
pub fn generate() -> Result<SecretString, getrandom::Error> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 24]);
    getrandom::fill(&mut *bytes)?;
    let mut text = zeroize::Zeroizing::new(String::with_capacity(29));
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            text.push('-');
        }
        text.push(char::from(ALPHABET[usize::from(b & 31)]));
    }
    Ok(SecretString::from(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    fn short_and_repetitive_passphrases_are_weak() {
        for weak in [
            "a",
            "pw",
            "password",
            "aaaaaaaaaaaaaaaaaaaa",
            "hunter22",
            "Tr0ub4dor",
        ] {
            assert!(is_weak(weak), "{weak}: {}", estimate_bits(weak));
        }
        for strong in [
            "correct horse battery staple",
            "k7qa-3mzp-ux4f-9hbe-tw2c-ny8d",
        ] {
            assert!(!is_weak(strong), "{strong}: {}", estimate_bits(strong));
        }
    }

    #[test]
    fn generated_passphrases_are_strong_and_differ() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 29);
        assert!(!is_weak(a.expose_secret()));
    }
}
