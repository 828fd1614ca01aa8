//! FreeOTP backups made here the way FreeOTP makes them.

use aes_gcm::aead::{Aead, KeyInit, Payload};

use super::*;
use crate::engine::otp::Kind;

fn entries(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i {
            Item::Entry(e) => format!(
                "{}:{} {} {} {} {} {} {}",
                e.issuer,
                e.account,
                e.kind,
                e.algorithm,
                e.digits,
                e.period,
                e.counter,
                e.secret.base32()
            ),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn tokens_xml_in_token_order_with_counters_corrected() {
    let xml = r#"<?xml version='1.0' encoding='utf-8' standalone='yes' ?>
<map>
    <string name="WWE:Mason">{&quot;algo&quot;:&quot;SHA512&quot;,&quot;counter&quot;:10299,&quot;digits&quot;:8,&quot;issuerExt&quot;:&quot;WWE&quot;,&quot;issuerInt&quot;:&quot;WWE&quot;,&quot;label&quot;:&quot;Mason&quot;,&quot;period&quot;:30,&quot;secret&quot;:[72,101,108,108,111,33,-34,-83,-66,-17],&quot;type&quot;:&quot;HOTP&quot;}</string>
    <string name="Deno:Mason">{&quot;algo&quot;:&quot;SHA1&quot;,&quot;counter&quot;:0,&quot;digits&quot;:6,&quot;issuerExt&quot;:&quot;Deno&quot;,&quot;label&quot;:&quot;Mason&quot;,&quot;period&quot;:30,&quot;secret&quot;:[49,50,51,52,53,54,55,56,57,48],&quot;type&quot;:&quot;TOTP&quot;}</string>
    <string name="Broken">not json</string>
    <string name="tokenOrder">[&quot;Deno:Mason&quot;,&quot;WWE:Mason&quot;]</string>
</map>
"#;
    assert!(FreeOtp.sniff(xml.as_bytes()));
    assert_eq!(
        super::super::detect(xml.as_bytes()).unwrap().name(),
        "freeotp"
    );
    let items = FreeOtp.read(xml.as_bytes(), None).unwrap();
    assert_eq!(
        entries(&items),
        [
            "Deno:Mason totp SHA1 6 30 0 GEZDGNBVGY3TQOJQ",
            "WWE:Mason hotp SHA512 8 30 10300 JBSWY3DPEHPK3PXP",
            "Failed { what: \"token 'Broken'\", reason: \"its value is not JSON\" }",
        ]
    );
}

/// Seals `plain` as FreeOTP 2 does: AES-GCM, the nonce in DER parameters, `token` as
/// associated data; the JSON object FreeOTP keeps for it.
fn seal(key: &[u8], nonce: [u8; 12], token: &str, plain: &[u8]) -> Value {
    let sealed = aes_gcm::Aes256Gcm::new_from_slice(key)
        .unwrap()
        .encrypt(
            aes_gcm::Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: token.as_bytes(),
            },
        )
        .unwrap();
    let signed = |b: &[u8]| b.iter().map(|b| *b as i8).collect::<Vec<i8>>();
    let mut parameters = vec![0x30, 17, 0x04, 12];
    parameters.extend(nonce);
    parameters.extend([0x02, 0x01, 16]);
    serde_json::json!({
        "mCipher": "AES/GCM/NoPadding",
        "mCipherText": signed(&sealed),
        "mParameters": signed(&parameters),
        "mToken": token,
    })
}

/// A FreeOTP 2 backup of two tokens under `password` (PBKDF2-HMAC-`algo`, 1,000 rounds).
pub fn backup_v2(password: &str, algo: &str) -> Vec<u8> {
    backup_v2_with(password, algo, 1_000)
}

/// [`backup_v2`] with a master key description that says `rounds` (the key is made with
/// 1,000 rounds whatever it says, so a hostile count costs its maker nothing).
fn backup_v2_with(password: &str, algo: &str, rounds: u64) -> Vec<u8> {
    let salt = [7u8; 32];
    let made_with = kdf::Pbkdf2Rounds::constant(1_000);
    let pass_key = if algo == "SHA512" {
        cipher::pbkdf2_sha512(password.as_bytes(), &salt, made_with)
    } else {
        cipher::pbkdf2_sha1(password.as_bytes(), &salt, made_with)
    };
    let master = [42u8; 32];
    let master_json = serde_json::json!({
        "mAlgorithm": format!("PBKDF2withHmac{algo}"),
        "mEncryptedKey": seal(pass_key.as_slice(), [1; 12], "AES", &master),
        "mIterations": rounds,
        "mSalt": salt.iter().map(|b| *b as i8).collect::<Vec<i8>>(),
    });
    let secret = |text: &str| {
        serde_json::json!({ "key": seal(&master, [2; 12], "HmacSHA1", text.as_bytes()).to_string() })
            .to_string()
    };
    let pairs = [
        ("masterKey".to_string(), master_json.to_string()),
        ("id-1".to_string(), secret("1234567890")),
        (
            "id-1-token".to_string(),
            r#"{"algo":"SHA1","digits":6,"issuerExt":"Deno","label":"Mason","period":30,"type":"TOTP"}"#.to_string(),
        ),
        (
            "id-2-token".to_string(),
            r#"{"algo":"SHA256","counter":50,"digits":7,"issuerExt":"Air Canada","label":"Benjamin","type":"HOTP"}"#.to_string(),
        ),
        ("id-2".to_string(), secret("Hello!\u{de}\u{ad}")),
        (
            "id-3-token".to_string(),
            r#"{"algo":"SHA1","digits":6,"issuerExt":"Lost","label":"secret","type":"TOTP"}"#
                .to_string(),
        ),
    ];
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    java::tests::serialize(&refs)
}

#[test]
fn freeotp_2_backups_decrypt_with_their_password() {
    for algo in ["SHA512", "SHA1"] {
        let bytes = backup_v2("test", algo);
        assert!(FreeOtp.sniff(&bytes));
        assert_eq!(super::super::detect(&bytes).unwrap().name(), "freeotp");
        assert_eq!(
            FreeOtp.read(&bytes, None).unwrap_err(),
            ImportError::NeedsPassword
        );
        let wrong = SecretString::from("nope".to_string());
        assert_eq!(
            FreeOtp.read(&bytes, Some(&wrong)).unwrap_err(),
            ImportError::WrongPassword
        );
        let pw = SecretString::from("test".to_string());
        let items = FreeOtp.read(&bytes, Some(&pw)).unwrap();
        let got = entries(&items);
        assert_eq!(got[0], "Deno:Mason totp SHA1 6 30 0 GEZDGNBVGY3TQOJQ");
        assert!(
            got[1].starts_with("Air Canada:Benjamin hotp SHA256 7 30 50 "),
            "counters are real in FreeOTP 2: {got:?}"
        );
        assert!(got[2].contains("its secret is missing"), "{got:?}");
        let Item::Entry(e) = &items[1] else { panic!() };
        assert_eq!(e.kind, Kind::Hotp);
    }
}

#[test]
fn round_counts_beyond_freeotps_limit_are_refused_before_the_password() {
    let pw = SecretString::from("test".to_string());
    for rounds in [500_001u64, 10_000_000, u64::from(u32::MAX) + 1] {
        let bytes = backup_v2_with("test", "SHA512", rounds);
        for password in [None, Some(&pw)] {
            let started = std::time::Instant::now();
            let e = FreeOtp.read(&bytes, password).unwrap_err();
            assert!(started.elapsed() < std::time::Duration::from_millis(100));
            let ImportError::KdfRefused(refusal) = &e else {
                panic!("{e:?}")
            };
            assert_eq!(refusal.value, kdf::Amount::Count(rounds));
            assert!(e.to_string().contains("FreeOTP writes 100,000"), "{e}");
        }
    }
    let e = FreeOtp
        .read(&backup_v2_with("test", "SHA1", 0), None)
        .unwrap_err();
    assert!(matches!(e, ImportError::KdfRefused(_)), "{e:?}");
}

#[test]
fn der_parameters() {
    let mut der = vec![0x30, 17, 0x04, 12];
    der.extend([9u8; 12]);
    der.extend([0x02, 0x01, 16]);
    assert_eq!(der_nonce(&der), Some(&[9u8; 12][..]));
    assert_eq!(der_nonce(&[0x04, 2, 1, 2]), Some(&[1u8, 2][..]));
    assert_eq!(der_nonce(&[0x30, 3, 0x02, 0x01, 16]), None);
    assert_eq!(der_nonce(&[0x30, 0x81, 1]), None);
}
