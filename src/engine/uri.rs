//! `otpauth://` URIs (Google's Key Uri Format), in and out.
//!
//! Promises:
//! - Reads `otpauth://totp|hotp|steam/LABEL?secret=…` case-insensitively in scheme and type;
//!   the label is percent-decoded and split at its first colon into issuer and account.
//! - The `issuer` parameter wins over a label prefix when both are present (the label prefix
//!   then is dropped from the account, as Google's spec describes for a mismatch).
//! - Defaults: SHA1, 6 digits (5 for Steam), 30 s, counter 0. Unknown parameters
//!   (`image`, `color`, …) are ignored. `encoder=steam` on a totp URI means Steam.
//! - Errors name the parameter and the problem; they never contain the secret.
//! - Writing percent-encodes the label parts and the issuer, and always states algorithm,
//!   digits and period/counter so other apps need no defaults.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use zeroize::Zeroizing;

use super::entry::{Entry, EntryError};
use super::otp::{Algorithm, Kind, ParamError, UnknownAlgorithm};
use super::printable::printable;
use super::secret::{Secret, SecretError};

/// Characters left as they are in labels and parameter values.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// Why a URI could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error(
        "not an otpauth:// URI (it should start with 'otpauth://totp/', 'otpauth://hotp/' or 'otpauth://steam/')"
    )]
    NotOtpauth,
    #[error("unknown OTP type '{0}' in the URI (use totp, hotp or steam)")]
    UnknownType(String),
    #[error("the URI has no 'secret=' parameter")]
    MissingSecret,
    #[error("secret parameter: {0}")]
    Secret(#[from] SecretError),
    #[error("{name}='{value}' is not a whole number")]
    NotANumber { name: &'static str, value: String },
    #[error(transparent)]
    Algorithm(#[from] UnknownAlgorithm),
    #[error(transparent)]
    Params(#[from] ParamError),
    #[error("the URI names neither an issuer nor an account")]
    NoName,
    #[error("the URI's label is not valid UTF-8 after percent-decoding")]
    BadEncoding,
}

impl From<EntryError> for UriError {
    fn from(e: EntryError) -> Self {
        match e {
            EntryError::Params(p) => UriError::Params(p),
            EntryError::NoName => UriError::NoName,
        }
    }
}

/// Splits `scheme://rest` case-insensitively; returns `rest` when the scheme matches.
/// Compares bytes, not `str` slices: a multi-byte character straddling the scheme's length
/// must not panic (the importers' fuzz target found `otpaut\u{358}…` did).
pub(crate) fn strip_scheme<'a>(uri: &'a str, scheme: &str) -> Option<&'a str> {
    let bytes = uri.as_bytes();
    let n = scheme.len();
    let matches = bytes.len() >= n + 3
        && bytes[..n].eq_ignore_ascii_case(scheme.as_bytes())
        && &bytes[n..n + 3] == b"://";
    // What matched is ASCII, so `n + 3` is a character boundary.
    matches.then(|| &uri[n + 3..])
}

/// Parses one `otpauth://` URI into a validated entry.
pub fn parse(uri: &str) -> Result<Entry, UriError> {
    let rest = strip_scheme(uri.trim(), "otpauth").ok_or(UriError::NotOtpauth)?;
    let (type_and_label, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (type_text, label) = type_and_label
        .split_once('/')
        .unwrap_or((type_and_label, ""));
    let mut kind = match type_text.to_ascii_lowercase().as_str() {
        "totp" => Kind::Totp,
        "hotp" => Kind::Hotp,
        "steam" => Kind::Steam,
        _ => return Err(UriError::UnknownType(printable(type_text, 20))),
    };

    let label = percent_decode_str(label)
        .decode_utf8()
        .map_err(|_| UriError::BadEncoding)?;
    let mut secret: Option<Secret> = None;
    let mut issuer_param: Option<String> = None;
    let mut algorithm = Algorithm::Sha1;
    let mut digits: Option<u8> = None;
    let mut period: u32 = super::otp::DEFAULT_PERIOD;
    let mut counter: u64 = 0;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = Zeroizing::new(value.into_owned());
        match key.to_ascii_lowercase().as_str() {
            "secret" if secret.is_none() => secret = Some(Secret::parse_base32(&value)?),
            "issuer" if issuer_param.is_none() => issuer_param = Some(value.trim().to_string()),
            "algorithm" => algorithm = value.parse()?,
            "digits" => digits = Some(number("digits", &value)?),
            "period" => period = number("period", &value)?,
            "counter" => counter = number("counter", &value)?,
            "encoder" if value.eq_ignore_ascii_case("steam") => kind = Kind::Steam,
            _ => {}
        }
    }
    let secret = secret.ok_or(UriError::MissingSecret)?;
    let (issuer, account) = split_label(&label, issuer_param.as_deref());

    let mut entry = Entry::new(issuer, account, secret);
    entry.kind = kind;
    entry.algorithm = algorithm;
    entry.digits = digits.unwrap_or(super::otp::DEFAULT_DIGITS);
    entry.period = period;
    entry.counter = counter;
    entry.validate()?;
    Ok(entry)
}

/// Splits a decoded label into issuer and account. An `issuer` parameter wins; when the label
/// starts with exactly that issuer and a colon, the whole prefix is removed (so issuers that
/// contain colons survive), otherwise the label splits at its first colon.
fn split_label(label: &str, issuer_param: Option<&str>) -> (String, String) {
    let param = issuer_param.filter(|p| !p.is_empty());
    if let Some(param) = param {
        let after = label
            .strip_prefix(param)
            .and_then(|rest| rest.trim_start().strip_prefix(':'));
        if let Some(account) = after {
            return (param.to_string(), account.trim().to_string());
        }
    }
    let (prefix, account) = match label.split_once(':') {
        Some((prefix, account)) => (prefix.trim(), account.trim()),
        None => ("", label.trim()),
    };
    (param.unwrap_or(prefix).to_string(), account.to_string())
}

fn number<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, UriError> {
    value.trim().parse().map_err(|_| UriError::NotANumber {
        name,
        value: printable(value, 20),
    })
}

fn encode(text: &str) -> Cow<'_, str> {
    utf8_percent_encode(text, ENCODE).into()
}

/// Writes an entry as an `otpauth://` URI. The result holds the secret: it is zeroized on drop.
pub fn to_uri(entry: &Entry) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(96 + entry.secret.base32_len()));
    out.push_str("otpauth://");
    out.push_str(entry.kind.as_str());
    out.push('/');
    // A colon in the account would be read as the issuer separator; an (empty) issuer
    // prefix keeps such accounts whole.
    if !entry.issuer.is_empty() || entry.account.contains(':') {
        out.push_str(&encode(&entry.issuer));
        out.push(':');
    }
    out.push_str(&encode(&entry.account));
    out.push_str("?secret=");
    out.push_str(&entry.secret.to_base32());
    if !entry.issuer.is_empty() {
        out.push_str("&issuer=");
        out.push_str(&encode(&entry.issuer));
    }
    out.push_str("&algorithm=");
    out.push_str(entry.algorithm.as_str());
    out.push_str("&digits=");
    out.push_str(&entry.digits.to_string());
    match entry.kind {
        Kind::Hotp => {
            out.push_str("&counter=");
            out.push_str(&entry.counter.to_string());
        }
        Kind::Totp | Kind::Steam => {
            out.push_str("&period=");
            out.push_str(&entry.period.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_full_totp_uri() {
        let e = parse("otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60").unwrap();
        assert_eq!(e.issuer, "ACME Co");
        assert_eq!(e.account, "john.doe@email.com");
        assert_eq!(e.kind, Kind::Totp);
        assert_eq!(e.algorithm, Algorithm::Sha256);
        assert_eq!((e.digits, e.period), (8, 60));
    }

    #[test]
    fn defaults_apply() {
        let e = parse("otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("", "alice"));
        assert_eq!((e.algorithm, e.digits, e.period), (Algorithm::Sha1, 6, 30));
        let h = parse("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!((h.kind, h.counter), (Kind::Hotp, 0));
    }

    #[test]
    fn issuer_parameter_wins_over_label_prefix() {
        let e = parse("otpauth://totp/Old:bob?secret=JBSWY3DPEHPK3PXP&issuer=New").unwrap();
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("New", "bob"));
        let e = parse("otpauth://totp/Only:bob?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("Only", "bob"));
        let e = parse("otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP&issuer=Param").unwrap();
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("Param", "bob"));
        // Encoded colon and spaces around it.
        let e = parse("otpauth://totp/Big%20Corp%3A%20bob?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("Big Corp", "bob"));
        // Only the first colon splits.
        let e = parse("otpauth://totp/A:b:c?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("A", "b:c"));
    }

    #[test]
    fn case_insensitive_scheme_type_and_keys() {
        let e = parse("OTPAUTH://TOTP/x?SECRET=jbswy3dpehpk3pxp&Digits=7").unwrap();
        assert_eq!(e.digits, 7);
    }

    #[test]
    fn steam_forms() {
        let e = parse("otpauth://steam/Steam:gabe?secret=JRZCL47CMXVOQMNPZR2F7J4RGI").unwrap();
        assert_eq!((e.kind, e.digits), (Kind::Steam, 5));
        let e = parse("otpauth://totp/Steam:gabe?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&encoder=steam")
            .unwrap();
        assert_eq!(e.kind, Kind::Steam);
    }

    #[test]
    fn errors_name_the_problem_without_the_secret() {
        let cases: [(&str, &str); 8] = [
            ("https://example.com", "not an otpauth://"),
            (
                "otpauth://motp/x?secret=JBSWY3DPEHPK3PXP",
                "unknown OTP type 'motp'",
            ),
            ("otpauth://totp/x?issuer=a", "no 'secret='"),
            ("otpauth://totp/x?secret=JBSW1Y3DP", "'1' at position 5"),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=ten",
                "digits='ten'",
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0",
                "period of 0 s",
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
                "unknown algorithm 'MD5'",
            ),
            (
                "otpauth://totp/?secret=JBSWY3DPEHPK3PXP",
                "neither an issuer nor an account",
            ),
        ];
        for (uri, needle) in cases {
            let text = parse(uri).unwrap_err().to_string();
            assert!(text.contains(needle), "{uri}: {text}");
            assert!(!text.contains("JBSW"), "{uri}: {text}");
        }
    }

    #[test]
    fn multi_byte_characters_near_the_scheme_do_not_panic() {
        for text in [
            "otpaut\u{358}://totp/x",
            "otpauth\u{358}//x",
            "o\u{358}",
            "ötpauth://x",
            "otpauth:/\u{358}",
        ] {
            assert_eq!(parse(text), Err(UriError::NotOtpauth), "{text}");
            assert_eq!(strip_scheme(text, "otpauth"), None);
        }
        assert_eq!(strip_scheme("OtPaUtH://rest", "otpauth"), Some("rest"));
        assert_eq!(strip_scheme("otpauth://", "otpauth"), Some(""));
    }

    #[test]
    fn echoed_values_stay_on_one_printable_line() {
        // Found by the otpauth_uri fuzz target: the type was echoed raw, newline and all.
        let text = parse("otpauth://t&ot\n\0\x1b[2J/x?secret=JBSWY3DPEHPK3PXP")
            .unwrap_err()
            .to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains("'t&ot\\n\\0\\u{1b}[2J'"), "{text}");
        let text = parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=1\r\n2")
            .unwrap_err()
            .to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        let text = parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=SHA\x07")
            .unwrap_err()
            .to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }

    #[test]
    fn writes_and_reads_back() {
        let mut e = Entry::new(
            "Big Corp & Co",
            "bob smith@x.com",
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        );
        e.algorithm = Algorithm::Sha512;
        e.digits = 8;
        e.period = 60;
        let uri = to_uri(&e);
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/Big%20Corp%20%26%20Co:bob%20smith@x.com?secret=JBSWY3DPEHPK3PXP&issuer=Big%20Corp%20%26%20Co&algorithm=SHA512&digits=8&period=60"
        );
        assert_eq!(parse(&uri).unwrap(), e);
        let h = Entry::new(
            "",
            "colon:inside",
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        )
        .with_hotp(7);
        let back = parse(&to_uri(&h)).unwrap();
        assert_eq!(back, h);
        let odd = Entry::new(
            "a:b",
            "c:d",
            Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap(),
        );
        assert_eq!(parse(&to_uri(&odd)).unwrap(), odd);
    }

    #[test]
    fn plus_in_query_is_a_space() {
        let e = parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&issuer=Big+Corp").unwrap();
        assert_eq!(e.issuer, "Big Corp");
    }
}
