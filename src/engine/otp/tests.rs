//! RFC vectors and a property test against an independent implementation of the RFCs.

use super::*;
use proptest::prelude::*;

const RFC_SHA1_KEY: &[u8] = b"12345678901234567890";
const RFC_SHA256_KEY: &[u8] = b"12345678901234567890123456789012";
const RFC_SHA512_KEY: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fn secret(bytes: &[u8]) -> Secret {
    Secret::from_bytes(bytes.to_vec()).unwrap()
}

#[test]
fn rfc4226_hotp_vectors() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    let key = secret(RFC_SHA1_KEY);
    for (counter, want) in expected.iter().enumerate() {
        let code = hotp(&key, Algorithm::Sha1, 6, counter as u64).unwrap();
        assert_eq!(code.as_str(), *want, "counter {counter}");
    }
}

#[test]
fn rfc6238_totp_vectors_all_algorithms() {
    // RFC 6238 Appendix B: time, SHA1, SHA256, SHA512 (8 digits, 30 s).
    let table: [(u64, &str, &str, &str); 6] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ];
    for (time, sha1, sha256, sha512) in table {
        let got = |alg, key| totp(&secret(key), alg, 8, 30, time).unwrap();
        assert_eq!(
            got(Algorithm::Sha1, RFC_SHA1_KEY).as_str(),
            sha1,
            "SHA1 @{time}"
        );
        assert_eq!(
            got(Algorithm::Sha256, RFC_SHA256_KEY).as_str(),
            sha256,
            "SHA256 @{time}"
        );
        assert_eq!(
            got(Algorithm::Sha512, RFC_SHA512_KEY).as_str(),
            sha512,
            "SHA512 @{time}"
        );
    }
}

#[test]
fn sixty_second_vectors() {
    // With a 60 s step, T = floor(t / 60); the RFC 4226 appendix gives HMAC-SHA-1 truncations
    // for counters 0..9, whose last 8 digits are the 8-digit codes.
    let truncated: [u64; 10] = [
        1_284_755_224,
        1_094_287_082,
        137_359_152,
        1_726_969_429,
        1_640_338_314,
        868_254_676,
        1_918_287_922,
        82_162_583,
        673_399_871,
        645_520_489,
    ];
    let key = secret(RFC_SHA1_KEY);
    for (counter, value) in truncated.iter().enumerate() {
        for offset in [0, 29, 59] {
            let t = counter as u64 * 60 + offset;
            let code = totp(&key, Algorithm::Sha1, 8, 60, t).unwrap();
            assert_eq!(
                code.as_str(),
                format!("{:08}", value % 100_000_000),
                "t={t}"
            );
            let code6 = totp(&key, Algorithm::Sha1, 6, 60, t).unwrap();
            assert_eq!(code6.as_str(), format!("{:06}", value % 1_000_000), "t={t}");
        }
    }
    assert_eq!(remaining(60, 0), 60);
    assert_eq!(remaining(60, 59), 1);
    assert_eq!(remaining(60, 60), 60);
}

#[test]
fn microsoft_sample_matches_oathtool() {
    // `oathtool --totp -b 2234567ABCDEF2234567ABCDEF -N @<t>` (oathtool 2.6.7).
    let key = Secret::parse_base32("2234567abcdef2234567abcdef").unwrap();
    for (t, want) in ORACLE_MICROSOFT {
        assert_eq!(
            totp(&key, Algorithm::Sha1, 6, 30, *t).unwrap().as_str(),
            *want,
            "t={t}"
        );
    }
}

/// Filled from oathtool; see `microsoft_sample_matches_oathtool`.
const ORACLE_MICROSOFT: &[(u64, &str)] = &[
    (0, "375195"),
    (59, "211120"),
    (1_111_111_109, "255807"),
    (1_700_000_000, "372551"),
    (1_763_890_000, "500000"),
    (2_000_000_000, "810099"),
];

#[test]
fn steam_codes_use_steams_alphabet() {
    let key = Secret::parse_base32("JRZCL47CMXVOQMNPZR2F7J4RGI").unwrap();
    for t in [0u64, 59, 1_700_000_000, 2_000_000_000] {
        let code = steam(&key, t);
        assert_eq!(code.as_str(), reference_steam(key.as_bytes(), t), "t={t}");
        assert_eq!(code.as_str().len(), 5);
    }
}

#[test]
fn grouping_splits_once_in_the_middle() {
    let key = secret(RFC_SHA1_KEY);
    assert_eq!(
        hotp(&key, Algorithm::Sha1, 6, 0).unwrap().grouped(),
        "755 224"
    );
    assert_eq!(
        totp(&key, Algorithm::Sha1, 8, 30, 59).unwrap().grouped(),
        "9428 7082"
    );
    let seven = hotp(&key, Algorithm::Sha1, 7, 0).unwrap();
    assert_eq!(seven.grouped(), "475 5224");
    assert_eq!(steam(&key, 0).grouped().len(), 5);
    assert_eq!(
        hotp(&key, Algorithm::Sha1, 9, 0).unwrap().grouped(),
        "2847 55224"
    );
    assert_eq!(
        hotp(&key, Algorithm::Sha1, 10, 0).unwrap().grouped(),
        "12847 55224"
    );
}

#[test]
fn nine_and_ten_digits_extend_the_rfc_4226_values() {
    // RFC 4226 appendix D lists the 31-bit truncated values for counters 0..9: a 10-digit
    // code is that value written with 10 digits, a 9-digit one its last 9 digits.
    let truncated: [u64; 10] = [
        1_284_755_224,
        1_094_287_082,
        137_359_152,
        1_726_969_429,
        1_640_338_314,
        868_254_676,
        1_918_287_922,
        82_162_583,
        673_399_871,
        645_520_489,
    ];
    let key = secret(RFC_SHA1_KEY);
    for (counter, value) in truncated.iter().enumerate() {
        let counter = counter as u64;
        let ten = hotp(&key, Algorithm::Sha1, 10, counter).unwrap();
        assert_eq!(ten.as_str(), format!("{value:010}"), "counter {counter}");
        let nine = hotp(&key, Algorithm::Sha1, 9, counter).unwrap();
        assert_eq!(nine.as_str(), format!("{:09}", value % 1_000_000_000));
        let eight = hotp(&key, Algorithm::Sha1, 8, counter).unwrap();
        assert!(ten.as_str().ends_with(eight.as_str()));
        assert!(nine.as_str().ends_with(eight.as_str()));
    }
    assert_eq!(
        check_params(Kind::Totp, 11, 30),
        Err(ParamError::Digits(11))
    );
    assert!(
        ParamError::Digits(5).to_string().contains("use 6 to 10"),
        "{}",
        ParamError::Digits(5)
    );
}

#[test]
fn bad_parameters_are_refused() {
    let key = secret(RFC_SHA1_KEY);
    assert_eq!(
        totp(&key, Algorithm::Sha1, 11, 30, 0),
        Err(ParamError::Digits(11))
    );
    assert_eq!(
        totp(&key, Algorithm::Sha1, 5, 30, 0),
        Err(ParamError::Digits(5))
    );
    assert_eq!(
        totp(&key, Algorithm::Sha1, 6, 0, 0),
        Err(ParamError::Period(0))
    );
    // HOTP ignores the period.
    assert!(Generator::new(&key, Kind::Hotp, Algorithm::Sha1, 6, 0).is_ok());
}

#[test]
fn algorithm_names_parse_leniently() {
    for (text, alg) in [
        ("sha1", Algorithm::Sha1),
        ("SHA-256", Algorithm::Sha256),
        ("HmacSHA512", Algorithm::Sha512),
        ("sha_512", Algorithm::Sha512),
    ] {
        assert_eq!(text.parse::<Algorithm>().unwrap(), alg);
    }
    assert!("md5".parse::<Algorithm>().is_err());
}

// ---- A second implementation, written from RFC 4226 section 5.3, for the property test ----

fn reference_hmac(alg: Algorithm, key: &[u8], msg: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    match alg {
        Algorithm::Sha1 => {
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha256 => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha512 => {
            let mut m = Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
    }
}

fn reference_truncate(mac: &[u8]) -> u32 {
    let offset = (mac[mac.len() - 1] & 0x0f) as usize;
    ((u32::from(mac[offset]) & 0x7f) << 24)
        | (u32::from(mac[offset + 1]) << 16)
        | (u32::from(mac[offset + 2]) << 8)
        | u32::from(mac[offset + 3])
}

fn reference_hotp(alg: Algorithm, key: &[u8], digits: u32, counter: u64) -> String {
    let value = reference_truncate(&reference_hmac(alg, key, &counter.to_be_bytes()));
    format!(
        "{:0width$}",
        u64::from(value) % 10u64.pow(digits),
        width = digits as usize
    )
}

fn reference_steam(key: &[u8], t: u64) -> String {
    const ALPHABET: &[u8] = b"23456789BCDFGHJKMNPQRTVWXY";
    let mut value = reference_truncate(&reference_hmac(
        Algorithm::Sha1,
        key,
        &(t / 30).to_be_bytes(),
    ));
    let mut out = String::new();
    for _ in 0..5 {
        out.push(ALPHABET[(value % 26) as usize] as char);
        value /= 26;
    }
    out
}

fn any_algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

proptest! {
    #[test]
    fn totp_agrees_with_reference(
        key in proptest::collection::vec(any::<u8>(), 1..=80),
        alg in any_algorithm(),
        digits in 6u8..=10,
        period in 1u32..=300,
        t in 0u64..=(1u64 << 40),
    ) {
        let got = totp(&secret(&key), alg, digits, period, t).unwrap();
        let want = reference_hotp(alg, &key, u32::from(digits), t / u64::from(period));
        prop_assert_eq!(got.as_str(), want.as_str());
    }

    #[test]
    fn hotp_agrees_with_reference(
        key in proptest::collection::vec(any::<u8>(), 1..=80),
        alg in any_algorithm(),
        digits in 6u8..=10,
        counter in any::<u64>(),
    ) {
        let got = hotp(&secret(&key), alg, digits, counter).unwrap();
        let want = reference_hotp(alg, &key, u32::from(digits), counter);
        prop_assert_eq!(got.as_str(), want.as_str());
    }

    #[test]
    fn steam_agrees_with_reference(key in proptest::collection::vec(any::<u8>(), 1..=40), t in 0u64..=(1u64 << 40)) {
        let got = steam(&secret(&key), t);
        let want = reference_steam(&key, t);
        prop_assert_eq!(got.as_str(), want.as_str());
    }
}
