//! Fresh seeds for new tokens, and serial numbers for batches of them.
//!
//! Promises:
//! - Secrets come from the operating system's CSPRNG (getrandom); 160 bits unless asked
//!   otherwise, always a whole number of bytes between 80 and 640 bits (128 Base32 characters,
//!   Entra's limit).
//! - Serial numbers count up in their trailing digits and keep their width (`KF0009` →
//!   `KF0010`).

use super::secret::Secret;

pub const DEFAULT_BITS: u32 = 160;
pub const MIN_BITS: u32 = 80;
pub const MAX_BITS: u32 = 640;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    #[error("--bits {0} is not allowed: use a multiple of 8 from 80 to 640 (160 is usual)")]
    Bits(u32),
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error("serial '{0}' does not end in digits, so keyfob cannot count up from it")]
    SerialWithoutDigits(String),
    #[error("counting up from serial '{start}' overflows after {count} tokens")]
    SerialOverflow { start: String, count: usize },
}

/// A new random secret of `bits` bits.
pub fn random_secret(bits: u32) -> Result<Secret, GenerateError> {
    if !bits.is_multiple_of(8) || !(MIN_BITS..=MAX_BITS).contains(&bits) {
        return Err(GenerateError::Bits(bits));
    }
    let mut bytes = vec![0u8; (bits / 8) as usize];
    getrandom::fill(&mut bytes).map_err(|e| GenerateError::Random(e.to_string()))?;
    Secret::from_bytes(bytes).map_err(|e| GenerateError::Random(e.to_string()))
}

/// `count` serial numbers starting at `start`.
pub fn serials(start: &str, count: usize) -> Result<Vec<String>, GenerateError> {
    let digits_at = start
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)
        .ok_or_else(|| GenerateError::SerialWithoutDigits(start.to_string()))?;
    let (prefix, number) = start.split_at(digits_at);
    let width = number.len();
    let first: u128 = number
        .parse()
        .map_err(|_| GenerateError::SerialWithoutDigits(start.to_string()))?;
    (0..count)
        .map(|i| {
            first
                .checked_add(i as u128)
                .map(|n| format!("{prefix}{n:0width$}"))
                .ok_or_else(|| GenerateError::SerialOverflow {
                    start: start.to_string(),
                    count,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_have_the_asked_size_and_differ() {
        let a = random_secret(160).unwrap();
        let b = random_secret(160).unwrap();
        assert_eq!(a.bits(), 160);
        assert_ne!(a, b);
        assert_eq!(random_secret(640).unwrap().base32_len(), 128);
        assert_eq!(random_secret(12), Err(GenerateError::Bits(12)));
        assert_eq!(random_secret(648), Err(GenerateError::Bits(648)));
    }

    #[test]
    fn serials_count_up_keeping_width() {
        assert_eq!(
            serials("KF0009", 3).unwrap(),
            ["KF0009", "KF0010", "KF0011"]
        );
        assert_eq!(serials("99", 2).unwrap(), ["99", "100"]);
        assert_eq!(serials("A-1", 1).unwrap(), ["A-1"]);
        assert!(matches!(
            serials("ABC", 1),
            Err(GenerateError::SerialWithoutDigits(_))
        ));
    }
}
