//! OATH shared secrets: parsing what people paste, holding the bytes safely.
//!
//! Promises:
//! - Base32 is read case-insensitively; spaces (any whitespace), hyphens and `=` padding are
//!   ignored; any other character is an error naming it and its 1-based position in the input.
//! - Trailing bits that do not make a whole byte are ignored (as oathtool and the phone apps
//!   do), so Microsoft's 26-character samples are accepted.
//! - The Base32 text is kept as given, only upper-cased with spaces, hyphens and `=` removed:
//!   [`Secret::base32`] gives those characters back, never a re-encoding of the bytes, so an
//!   import followed by an export writes what was read (`2234567abcdef2234567abcdef` stays
//!   `2234567ABCDEF2234567ABCDEF`, although its last bits are not part of any byte). Secrets
//!   that arrive as bytes (binary exports, [`Secret::parse_hex`]) get the usual unpadded
//!   upper-case Base32 text.
//! - Hex is read on request ([`Secret::parse_hex`]), with the same forgiveness and errors.
//! - Two secrets are equal when their bytes are (the duplicate rule), whatever their text.
//! - Empty secrets are refused. Secrets under 128 bits are accepted; [`Secret::is_short`]
//!   lets the caller warn.
//! - Bytes and text are zeroized on drop and never appear in `Debug` output; there is no
//!   `Display`.

use std::fmt;
use std::sync::LazyLock;

use data_encoding::{BASE32_NOPAD, Encoding, Specification};
use zeroize::{Zeroize, Zeroizing};

/// RFC 4226 asks for at least 128 bits; shorter secrets work but earn a warning.
pub const RECOMMENDED_MIN_BITS: usize = 128;

/// Upper bound on decoded secret size, far above any real token (Entra allows 128 Base32
/// characters = 80 bytes). Stops a pasted novel from becoming a "secret".
pub const MAX_BYTES: usize = 1024;

/// Base32 (RFC 4648 alphabet) that ignores bits left over after the last whole byte.
static LENIENT_BASE32: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = Specification::new();
    spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    spec.check_trailing_bits = false;
    spec.encoding()
        .unwrap_or_else(|_| unreachable!("a fixed 32-symbol alphabet is a valid specification"))
});

/// Why a secret was refused. Never carries the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret is empty")]
    Empty,
    #[error(
        "{} at position {position} is not a Base32 character (use A-Z and 2-7){}",
        describe_char(*ch),
        lookalike_hint(*ch)
    )]
    InvalidChar { ch: char, position: usize },
    #[error(
        "the secret has {chars} Base32 characters, a length no whole secret has: a character is missing or extra"
    )]
    Length { chars: usize },
    #[error("the secret is {bytes} bytes long; keyfob accepts at most {MAX_BYTES}")]
    TooLong { bytes: usize },
    #[error(
        "{} at position {position} is not a hexadecimal digit (use 0-9 and A-F)",
        describe_char(*ch)
    )]
    InvalidHexChar { ch: char, position: usize },
    #[error("the secret has {digits} hexadecimal digits: a whole secret has an even number")]
    HexLength { digits: usize },
}

fn describe_char(ch: char) -> String {
    match ch {
        '\'' => "a quote (')".to_string(),
        c if c.is_control() => format!("control character U+{:04X}", u32::from(c)),
        c => format!("'{c}'"),
    }
}

fn lookalike_hint(ch: char) -> &'static str {
    match ch {
        '0' => " - did you mean the letter 'O'?",
        '1' => " - did you mean the letter 'I' or 'L'?",
        '8' => " - did you mean the letter 'B'?",
        '9' => " - did you mean the letter 'G'?",
        _ => "",
    }
}

/// A shared secret's raw bytes and its Base32 text. Zeroized on drop; redacted in `Debug`.
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct Secret {
    bytes: Vec<u8>,
    /// Upper-case Base32 without separators or padding: as given, or encoded from the bytes.
    text: String,
}

impl Secret {
    /// Wraps raw bytes (as importers get them). Refuses an empty or absurdly long secret.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, SecretError> {
        let secret = Self {
            text: String::new(),
            bytes,
        };
        Self::checked(secret).map(|mut secret| {
            secret.text = BASE32_NOPAD.encode(&secret.bytes);
            secret
        })
    }

    /// `secret` if its length is acceptable.
    fn checked(secret: Secret) -> Result<Self, SecretError> {
        if secret.bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        if secret.bytes.len() > MAX_BYTES {
            return Err(SecretError::TooLong {
                bytes: secret.bytes.len(),
            });
        }
        Ok(secret)
    }

    /// Parses Base32 as people paste it (see the module promises).
    pub fn parse_base32(input: &str) -> Result<Self, SecretError> {
        // Fast path for the canonical form (every secret in a vault): no cleaning pass.
        if !input.is_empty()
            && input
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        {
            let decoded = LENIENT_BASE32
                .decode(input.as_bytes())
                .map_err(|_| SecretError::Length { chars: input.len() })?;
            return Self::checked(Secret {
                bytes: decoded,
                text: input.to_string(),
            });
        }
        let mut cleaned = Zeroizing::new(String::with_capacity(input.len()));
        for (index, ch) in input.chars().enumerate() {
            match ch {
                'a'..='z' => cleaned.push(ch.to_ascii_uppercase()),
                'A'..='Z' | '2'..='7' => cleaned.push(ch),
                '-' | '=' => {}
                c if c.is_whitespace() => {}
                c => {
                    return Err(SecretError::InvalidChar {
                        ch: c,
                        position: index + 1,
                    });
                }
            }
        }
        if cleaned.is_empty() {
            return Err(SecretError::Empty);
        }
        let decoded =
            LENIENT_BASE32
                .decode(cleaned.as_bytes())
                .map_err(|_| SecretError::Length {
                    chars: cleaned.len(),
                })?;
        Self::checked(Secret {
            bytes: decoded,
            text: std::mem::take(&mut *cleaned),
        })
    }

    /// Parses hexadecimal (as some token vendors ship seeds): any case, an optional `0x`,
    /// spaces, hyphens and colons between digits ignored. Errors name the bad character and
    /// its 1-based position. The secret's text is the Base32 of its bytes.
    pub fn parse_hex(input: &str) -> Result<Self, SecretError> {
        let trimmed = input.trim_start();
        let skipped = input.len() - trimmed.len();
        let (body, offset) = match trimmed
            .strip_prefix("0x")
            .or_else(|| trimmed.strip_prefix("0X"))
        {
            Some(rest) => (rest, input[..skipped].chars().count() + 2),
            None => (trimmed, input[..skipped].chars().count()),
        };
        let mut nibbles = Zeroizing::new(Vec::with_capacity(body.len()));
        for (index, ch) in body.chars().enumerate() {
            match ch.to_digit(16) {
                // A hex digit is below 16.
                Some(n) => nibbles.push(u8::try_from(n).unwrap_or(0)),
                None if matches!(ch, '-' | ':') || ch.is_whitespace() => {}
                None => {
                    return Err(SecretError::InvalidHexChar {
                        ch,
                        position: offset + index + 1,
                    });
                }
            }
        }
        if nibbles.is_empty() {
            return Err(SecretError::Empty);
        }
        if !nibbles.len().is_multiple_of(2) {
            return Err(SecretError::HexLength {
                digits: nibbles.len(),
            });
        }
        let bytes = nibbles
            .chunks_exact(2)
            .map(|pair| (pair[0] << 4) | pair[1])
            .collect();
        Self::from_bytes(bytes)
    }

    /// Whether [`Secret::parse_base32`] would accept `input`, without decoding it or
    /// copying its text (the vault index checks every secret this way).
    pub fn is_valid_base32(input: &str) -> bool {
        let bytes = input.as_bytes();
        // Every secret keyfob writes is canonical (A-Z, 2-7): one vectorised pass says so.
        let canonical = bytes.iter().fold(true, |all, &b| {
            all & ((b.wrapping_sub(b'A') < 26) | (b.wrapping_sub(b'2') < 6))
        });
        let symbols = if canonical {
            bytes.len()
        } else if input.is_ascii() {
            // Branch-free, so that it runs on whole vectors of bytes.
            let (mut symbols, mut bad) = (0u32, false);
            for &b in bytes {
                let letter = (b | 0x20).wrapping_sub(b'a') < 26;
                let digit = b.wrapping_sub(b'2') < 6;
                // '-', '=', and the ASCII whitespace of `char::is_whitespace`: space and
                // tab, line feed, vertical tab, form feed, carriage return (9 to 13).
                let skipped = (b == b'-') | (b == b'=') | (b == b' ') | (b.wrapping_sub(9) < 5);
                symbols += u32::from(letter | digit);
                bad |= !(letter | digit | skipped);
            }
            if bad {
                return false;
            }
            symbols as usize
        } else {
            let mut symbols = 0usize;
            for ch in input.chars() {
                match ch {
                    'a'..='z' | 'A'..='Z' | '2'..='7' => symbols += 1,
                    '-' | '=' => {}
                    c if c.is_whitespace() => {}
                    _ => return false,
                }
            }
            symbols
        };
        // Unpadded Base32 ends with 0, 2, 4, 5 or 7 symbols of a group of 8; the rest
        // cannot make a whole byte.
        let whole = !matches!(symbols % 8, 1 | 3 | 6);
        whole && symbols > 0 && symbols * 5 / 8 <= MAX_BYTES
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn bits(&self) -> usize {
        self.bytes.len() * 8
    }

    /// Under the 128 bits RFC 4226 asks for (real hardware tokens often are).
    pub fn is_short(&self) -> bool {
        self.bits() < RECOMMENDED_MIN_BITS
    }

    /// The secret's text: upper-case Base32 without separators or padding, as it was given
    /// (or encoded from the bytes when it came as bytes).
    pub fn base32(&self) -> &str {
        &self.text
    }

    /// [`Self::base32`] as an owned, zeroized copy.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(self.text.clone())
    }

    /// Length of [`Self::base32`].
    pub fn base32_len(&self) -> usize {
        self.text.len()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} bits>)", self.bits())
    }
}

impl PartialEq for Secret {
    /// Constant-time in the content for secrets of equal length.
    fn eq(&self, other: &Self) -> bool {
        self.bytes.len() == other.bytes.len()
            && self
                .bytes
                .iter()
                .zip(&other.bytes)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl Eq for Secret {}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Base32 secret")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                // The error names the problem, never the value.
                Secret::parse_base32(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests;
