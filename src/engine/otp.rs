//! One-time-password maths: TOTP (RFC 6238), HOTP (RFC 4226) and Steam Guard codes.
//!
//! Promises:
//! - Time is always a parameter (Unix seconds); nothing here reads the clock.
//! - SHA-1, SHA-256 and SHA-512; 6 to 10 digits (RFC 4226 names 6 to 8; Aegis, Stratum,
//!   andOTP and Bitwarden also make 9 and 10); any period of at least one second.
//! - Codes come from totp-rs 6. HOTP is TOTP with a one-second step evaluated at the counter,
//!   which is exactly RFC 4226's construction. A 10-digit code is RFC 4226's 31-bit truncated
//!   value written with 10 digits (totp-rs stops at 9 because 10^10 does not fit its `u32`);
//!   its last 8 digits are always the 8-digit code, as for every length.
//! - A [`Generator`] is built once per entry and then produces codes without allocating.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::secret::Secret;

/// Which HMAC the code is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Algorithm {
    #[default]
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    #[serde(rename = "SHA512")]
    Sha512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    fn to_totp_rs(self) -> totp_rs::Algorithm {
        match self {
            Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
            Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
            Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An algorithm name keyfob does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown algorithm '{0}' (use SHA1, SHA256 or SHA512)")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// Case-insensitive; `SHA-256` and `HmacSHA256` spellings are accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_uppercase();
        match norm.trim_start_matches("HMAC") {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            _ => Err(UnknownAlgorithm(super::printable::printable(s, 20))),
        }
    }
}

/// The kind of one-time password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Time-based (RFC 6238).
    #[default]
    Totp,
    /// Counter-based (RFC 4226).
    Hotp,
    /// Steam Guard: TOTP/SHA-1/30 s rendered as 5 characters of Steam's alphabet.
    Steam,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Totp => "totp",
            Kind::Hotp => "hotp",
            Kind::Steam => "steam",
        }
    }

    /// Whether codes change with time (and so have a period and a countdown).
    pub fn is_timed(self) -> bool {
        !matches!(self, Kind::Hotp)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MIN_DIGITS: u8 = 6;
pub const MAX_DIGITS: u8 = 10;
pub const STEAM_DIGITS: u8 = 5;
pub const DEFAULT_DIGITS: u8 = 6;
pub const DEFAULT_PERIOD: u32 = 30;
/// One day: anything longer is a typo, not a token.
pub const MAX_PERIOD: u32 = 86_400;

/// Why a set of OTP parameters is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("{0} digits is out of range: use 6 to 10 (6 is usual)")]
    Digits(u8),
    #[error("a period of {0} s is not allowed: use 1 to 86400 seconds (30 or 60 are usual)")]
    Period(u32),
}

/// Checks digits and period for a kind. Steam's digits are fixed and not checked here.
pub fn check_params(kind: Kind, digits: u8, period: u32) -> Result<(), ParamError> {
    if kind != Kind::Steam && !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
        return Err(ParamError::Digits(digits));
    }
    if kind.is_timed() && !(1..=MAX_PERIOD).contains(&period) {
        return Err(ParamError::Period(period));
    }
    Ok(())
}

/// The longest code, in characters.
const CODE_CAPACITY: usize = MAX_DIGITS as usize;

/// A generated code: at most 10 ASCII characters, on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Code {
    text: [u8; CODE_CAPACITY],
    len: u8,
}

impl Code {
    /// `value` written as `args` says, into a code.
    fn write(args: std::fmt::Arguments) -> Code {
        use std::io::Write;
        let mut text = [0u8; CODE_CAPACITY];
        let mut cursor = std::io::Cursor::new(&mut text[..]);
        // A code is at most 10 characters (digits are checked to be <= 10), so this fits.
        let _ = cursor.write_fmt(args);
        let len = u8::try_from(cursor.position()).unwrap_or(0);
        Code { text, len }
    }

    fn from_token(token: &totp_rs::Token) -> Code {
        Code::write(format_args!("{token}"))
    }

    /// RFC 4226's dynamic truncation of `mac` written with `digits` digits (for 10 digits:
    /// the 31-bit value is below 10^10, so it is written whole).
    fn truncated(mac: &[u8], digits: u8) -> Code {
        let offset = mac.last().map_or(0, |b| usize::from(b & 0x0f));
        let value = match mac.get(offset..offset + 4) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a & 0x7f, b, c, d]),
            _ => 0,
        };
        let modulus = 10u64.pow(u32::from(digits));
        let width = usize::from(digits);
        Code::write(format_args!("{:0width$}", u64::from(value) % modulus))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or("")
    }

    /// The code split once in the middle for reading (`123 456`, `1234 5678`, `123 4567`,
    /// `12345 67890`).
    pub fn grouped(&self) -> String {
        let s = self.as_str();
        if s.len() < 6 {
            return s.to_string();
        }
        let mid = s.len() / 2;
        format!("{} {}", &s[..mid], &s[mid..])
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({})", self.as_str())
    }
}

impl Code {
    /// A code from its text (what [`Code::as_str`] gives), if it is one: 1 to 10 ASCII letters
    /// or digits. For codes carried in an operation's outcome.
    pub fn from_text(text: &str) -> Option<Code> {
        let mut code = Code {
            text: Default::default(),
            len: 0,
        };
        let bytes = text.as_bytes();
        let fits = !bytes.is_empty() && bytes.len() <= code.text.len();
        if !fits || !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        code.text[..bytes.len()].copy_from_slice(bytes);
        code.len = u8::try_from(bytes.len()).ok()?;
        Some(code)
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Code::from_text(&text).ok_or_else(|| serde::de::Error::custom("not an OTP code"))
    }
}

/// Everything needed to compute codes for one entry, prepared once.
#[derive(Clone)]
pub struct Generator {
    totp: totp_rs::Totp,
    kind: Kind,
    period: u32,
    digits: u8,
}

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("kind", &self.kind)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

impl Generator {
    /// Prepares a generator. `period` is ignored for HOTP; `digits` for Steam.
    pub fn new(
        secret: &Secret,
        kind: Kind,
        algorithm: Algorithm,
        digits: u8,
        period: u32,
    ) -> Result<Self, ParamError> {
        check_params(kind, digits, period)?;
        let builder = match kind {
            Kind::Steam => totp_rs::Builder::new_steam(),
            Kind::Totp => totp_rs::Builder::new()
                .with_algorithm(algorithm.to_totp_rs())
                .with_digits(digits)
                .with_step_duration(u64::from(period)),
            Kind::Hotp => totp_rs::Builder::new()
                .with_algorithm(algorithm.to_totp_rs())
                .with_digits(digits)
                .with_step_duration(1),
        };
        // Secrets were validated by `Secret`; short ones are allowed on purpose, which
        // totp-rs's compliant `build()` refuses.
        let totp = builder
            .with_secret(secret.as_bytes().to_vec())
            .with_skew(0)
            .build_noncompliant();
        Ok(Generator {
            totp,
            kind,
            period,
            digits,
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The code at Unix time `unix` (TOTP/Steam) or at counter `unix` (HOTP).
    pub fn code_at(&self, unix_or_counter: u64) -> Code {
        if self.kind != Kind::Steam && self.digits > 9 {
            // totp-rs would panic: it reduces modulo 10^digits in a `u32`.
            return Code::truncated(self.totp.sign(unix_or_counter).as_ref(), self.digits);
        }
        Code::from_token(&self.totp.generate(unix_or_counter))
    }

    /// Seconds until the code changes (TOTP/Steam); 0 for HOTP.
    pub fn remaining(&self, unix: u64) -> u32 {
        if self.kind.is_timed() {
            remaining(self.period, unix)
        } else {
            0
        }
    }
}

/// Seconds left in the period that contains `unix` (1..=period).
pub fn remaining(period: u32, unix: u64) -> u32 {
    let period = u64::from(period.max(1));
    // The result is <= period, which came from a u32.
    u32::try_from(period - unix % period).unwrap_or(u32::MAX)
}

/// HOTP code for `counter` (RFC 4226).
pub fn hotp(
    secret: &Secret,
    algorithm: Algorithm,
    digits: u8,
    counter: u64,
) -> Result<Code, ParamError> {
    Ok(Generator::new(secret, Kind::Hotp, algorithm, digits, 1)?.code_at(counter))
}

/// TOTP code at Unix time `unix` (RFC 6238).
pub fn totp(
    secret: &Secret,
    algorithm: Algorithm,
    digits: u8,
    period: u32,
    unix: u64,
) -> Result<Code, ParamError> {
    Ok(Generator::new(secret, Kind::Totp, algorithm, digits, period)?.code_at(unix))
}

/// Steam Guard code at Unix time `unix`.
pub fn steam(secret: &Secret, unix: u64) -> Code {
    Generator::new(
        secret,
        Kind::Steam,
        Algorithm::Sha1,
        STEAM_DIGITS,
        DEFAULT_PERIOD,
    )
    .map(|g| g.code_at(unix))
    .unwrap_or_else(|_| unreachable!("Steam parameters are fixed and valid"))
}

#[cfg(test)]
mod tests;
