//! Google Authenticator's transfer format: `otpauth-migration://offline?data=…` URIs, whose
//! data is a Base64 protobuf `MigrationPayload`. One QR code carries one batch; a transfer of
//! many accounts is several batches sharing a batch id.
//!
//! Promises:
//! - [`decode`] reads one URI into per-account results (one bad account never hides the
//!   others) and the batch it belongs to. Secrets are raw bytes; digits, algorithm and type
//!   are the format's enums (unspecified means 6 digits, SHA1, TOTP); HOTP keeps its counter.
//! - [`encode`] writes batches of at most [`BATCH_SIZE`] accounts; accounts the format cannot
//!   carry (Steam, periods other than 30 s, 7 digits) are returned with the reason instead.
//! - Buffers that hold secrets are zeroized; `Debug` never shows a secret.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use prost::Message;
use zeroize::{Zeroize, Zeroizing};

use super::entry::{Entry, display_name};
use super::otp::{self, Algorithm, Kind};
use super::secret::Secret;

/// Accounts per QR code when exporting (Google's own app uses about as many).
pub const BATCH_SIZE: usize = 10;

/// Standard Base64 that does not insist on padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The transfer message (field numbers are Google's).
#[derive(Clone, PartialEq, Message)]
pub struct Payload {
    #[prost(message, repeated, tag = "1")]
    pub otp_parameters: Vec<OtpParameters>,
    #[prost(int32, tag = "2")]
    pub version: i32,
    #[prost(int32, tag = "3")]
    pub batch_size: i32,
    #[prost(int32, tag = "4")]
    pub batch_index: i32,
    #[prost(int32, tag = "5")]
    pub batch_id: i32,
}

/// One account.
#[derive(Clone, PartialEq, Message)]
#[prost(skip_debug)]
pub struct OtpParameters {
    #[prost(bytes = "vec", tag = "1")]
    pub secret: Vec<u8>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub issuer: String,
    #[prost(enumeration = "MigrationAlgorithm", tag = "4")]
    pub algorithm: i32,
    #[prost(enumeration = "DigitCount", tag = "5")]
    pub digits: i32,
    #[prost(enumeration = "OtpType", tag = "6")]
    pub r#type: i32,
    #[prost(int64, tag = "7")]
    pub counter: i64,
}

impl fmt::Debug for OtpParameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtpParameters")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field(
                "secret",
                &format_args!("<redacted, {} bytes>", self.secret.len()),
            )
            .finish_non_exhaustive()
    }
}

impl Drop for OtpParameters {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum MigrationAlgorithm {
    Unspecified = 0,
    Sha1 = 1,
    Sha256 = 2,
    Sha512 = 3,
    Md5 = 4,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum DigitCount {
    Unspecified = 0,
    Six = 1,
    Eight = 2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum OtpType {
    Unspecified = 0,
    Hotp = 1,
    Totp = 2,
}

/// Why a whole URI could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    #[error("not an otpauth-migration:// URI")]
    NotMigration,
    #[error("the otpauth-migration URI has no 'data=' parameter")]
    NoData,
    #[error("the otpauth-migration data is not valid Base64")]
    Base64,
    #[error("the otpauth-migration data is not a Google Authenticator transfer (bad protobuf)")]
    Protobuf,
}

/// Which QR code of a transfer a URI was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    pub id: i32,
    /// 0-based.
    pub index: i32,
    pub size: i32,
}

/// One decoded URI: each account (or why it was refused, with its name) and its batch.
#[derive(Debug)]
pub struct Decoded {
    pub accounts: Vec<(String, Result<Entry, String>)>,
    pub batch: Batch,
}

/// Reads one `otpauth-migration://offline?data=…` URI.
pub fn decode(uri: &str) -> Result<Decoded, MigrationError> {
    let rest = super::uri::strip_scheme(uri.trim(), "otpauth-migration")
        .ok_or(MigrationError::NotMigration)?;
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    let raw = query
        .split('&')
        .find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.eq_ignore_ascii_case("data").then_some(value)
        })
        .ok_or(MigrationError::NoData)?;
    // Percent-decode only: a raw '+' is Base64, not a space. URL-safe Base64 is accepted too.
    let text: Zeroizing<String> = Zeroizing::new(
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| MigrationError::Base64)?
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect(),
    );
    let bytes = Zeroizing::new(
        LENIENT_BASE64
            .decode(text.as_bytes())
            .map_err(|_| MigrationError::Base64)?,
    );
    let payload = Payload::decode(bytes.as_slice()).map_err(|_| MigrationError::Protobuf)?;
    let accounts = payload
        .otp_parameters
        .iter()
        .map(|p| {
            let (issuer, account) = split_name(&p.name, &p.issuer);
            let name = display_name(&issuer, &account);
            (name, to_entry(p, issuer, account))
        })
        .collect();
    Ok(Decoded {
        accounts,
        batch: Batch {
            id: payload.batch_id,
            index: payload.batch_index,
            size: payload.batch_size.max(1),
        },
    })
}

/// Google writes the label as "Issuer:account" and the issuer apart as well.
fn split_name(name: &str, issuer: &str) -> (String, String) {
    let issuer = issuer.trim();
    if !issuer.is_empty() {
        let account = name
            .strip_prefix(issuer)
            .and_then(|rest| rest.strip_prefix(':'))
            .unwrap_or(name);
        return (issuer.to_string(), account.trim().to_string());
    }
    match name.split_once(':') {
        Some((i, a)) => (i.trim().to_string(), a.trim().to_string()),
        None => (String::new(), name.trim().to_string()),
    }
}

fn to_entry(p: &OtpParameters, issuer: String, account: String) -> Result<Entry, String> {
    let secret = Secret::from_bytes(p.secret.clone()).map_err(|e| format!("secret: {e}"))?;
    let algorithm = match MigrationAlgorithm::try_from(p.algorithm) {
        Ok(MigrationAlgorithm::Unspecified | MigrationAlgorithm::Sha1) => Algorithm::Sha1,
        Ok(MigrationAlgorithm::Sha256) => Algorithm::Sha256,
        Ok(MigrationAlgorithm::Sha512) => Algorithm::Sha512,
        Ok(MigrationAlgorithm::Md5) => {
            return Err("it uses MD5, which keyfob does not support".into());
        }
        Err(_) => return Err(format!("unknown algorithm number {}", p.algorithm)),
    };
    let digits = match DigitCount::try_from(p.digits) {
        Ok(DigitCount::Unspecified | DigitCount::Six) => 6,
        Ok(DigitCount::Eight) => 8,
        Err(_) => return Err(format!("unknown digit count number {}", p.digits)),
    };
    let mut entry = Entry::new(issuer, account, secret);
    entry.algorithm = algorithm;
    entry.digits = digits;
    match OtpType::try_from(p.r#type) {
        Ok(OtpType::Unspecified | OtpType::Totp) => {}
        Ok(OtpType::Hotp) => {
            let counter = u64::try_from(p.counter)
                .map_err(|_| format!("the counter {} is negative", p.counter))?;
            entry = entry.with_hotp(counter);
        }
        Err(_) => return Err(format!("unknown OTP type number {}", p.r#type)),
    }
    entry.validate().map_err(|e| e.to_string())?;
    Ok(entry)
}

/// Why the format cannot carry an entry, if it cannot.
pub fn unsupported(entry: &Entry) -> Option<String> {
    if entry.kind == Kind::Steam {
        return Some("Google's transfer format has no Steam codes".into());
    }
    if entry.kind == Kind::Totp && entry.period != otp::DEFAULT_PERIOD {
        return Some(format!(
            "Google's transfer format has no period: only 30 s tokens (this one is {} s)",
            entry.period
        ));
    }
    if entry.digits != 6 && entry.digits != 8 {
        return Some(format!(
            "Google's transfer format carries 6 or 8 digits, not {}",
            entry.digits
        ));
    }
    None
}

/// Transfer URIs for `entries` in batches of [`BATCH_SIZE`], and the entries left out with the
/// reason. `batch_id` ties the batches together (any number; random is usual).
pub fn encode(entries: &[Entry], batch_id: i32) -> (Vec<Zeroizing<String>>, Vec<(String, String)>) {
    let mut skipped = Vec::new();
    let mut carried = Vec::new();
    for entry in entries {
        match unsupported(entry) {
            Some(reason) => skipped.push((entry.name(), reason)),
            None => carried.push(entry),
        }
    }
    let chunks: Vec<_> = carried.chunks(BATCH_SIZE).collect();
    let size = i32::try_from(chunks.len()).unwrap_or(i32::MAX);
    let uris = chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            let payload = Payload {
                otp_parameters: chunk.iter().map(|e| parameters(e)).collect(),
                version: 1,
                batch_size: size,
                batch_index: i32::try_from(index).unwrap_or(i32::MAX),
                batch_id,
            };
            let bytes = Zeroizing::new(payload.encode_to_vec());
            let b64 = Zeroizing::new(general_purpose::STANDARD.encode(bytes.as_slice()));
            let mut uri = Zeroizing::new(String::with_capacity(b64.len() * 5 / 4 + 40));
            uri.push_str("otpauth-migration://offline?data=");
            for c in b64.chars() {
                match c {
                    '+' => uri.push_str("%2B"),
                    '/' => uri.push_str("%2F"),
                    '=' => uri.push_str("%3D"),
                    c => uri.push(c),
                }
            }
            uri
        })
        .collect();
    (uris, skipped)
}

fn parameters(entry: &Entry) -> OtpParameters {
    // An account with a colon but no issuer keeps an empty prefix, so it is not split.
    let name = if entry.issuer.is_empty() && !entry.account.contains(':') {
        entry.account.clone()
    } else {
        format!("{}:{}", entry.issuer, entry.account)
    };
    OtpParameters {
        secret: entry.secret.as_bytes().to_vec(),
        name,
        issuer: entry.issuer.clone(),
        algorithm: match entry.algorithm {
            Algorithm::Sha1 => MigrationAlgorithm::Sha1,
            Algorithm::Sha256 => MigrationAlgorithm::Sha256,
            Algorithm::Sha512 => MigrationAlgorithm::Sha512,
        } as i32,
        digits: if entry.digits == 8 {
            DigitCount::Eight
        } else {
            DigitCount::Six
        } as i32,
        r#type: match entry.kind {
            Kind::Hotp => OtpType::Hotp,
            _ => OtpType::Totp,
        } as i32,
        counter: i64::try_from(entry.counter).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests;
