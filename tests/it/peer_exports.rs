//! Real exports from other apps (../shared/fixtures/peer-exports, beside the checkout): each
//! must be detected as its format and import to exactly the entries its README lists. Skips
//! with a note when the folder is absent (a plain clone).

use std::path::PathBuf;

use age::secrecy::SecretString;
use keyfob::engine::entry::Entry;
use keyfob::engine::import::{self, Item};

fn folder() -> Option<PathBuf> {
    // KEYFOB_PEER_EXPORTS points elsewhere (a folder with more of the apps' vectors).
    let dir = std::env::var_os("KEYFOB_PEER_EXPORTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/peer-exports"),
        PathBuf::from,
    );
    dir.is_dir().then_some(dir)
}

/// issuer, account, type, algorithm, digits, period or counter, secret.
type Expected = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u8,
    u64,
    &'static str,
);

const DENO: Expected = (
    "Deno",
    "Mason",
    "totp",
    "SHA1",
    6,
    30,
    "4SJHB4GSD43FZBAI7C2HLRJGPQ",
);
const SPDX: Expected = (
    "SPDX",
    "James",
    "totp",
    "SHA256",
    7,
    20,
    "5OM4WOOGPLQEF6UGN3CPEOOLWU",
);
const AIRBNB: Expected = (
    "Airbnb",
    "Elijah",
    "totp",
    "SHA512",
    8,
    50,
    "7ELGJSGXNCCTV3O6LKJWYFV2RA",
);
const ISSUU: Expected = (
    "Issuu",
    "James",
    "hotp",
    "SHA1",
    6,
    1,
    "YOOMIXWS5GN6RTBPUFFWKTW5M4",
);
const AIR_CANADA: Expected = (
    "Air Canada",
    "Benjamin",
    "hotp",
    "SHA256",
    7,
    50,
    "KUVJJOM753IHTNDSZVCNKL7GII",
);
const WWE: Expected = (
    "WWE",
    "Mason",
    "hotp",
    "SHA512",
    8,
    10300,
    "5VAML3X35THCEBVRLV24CGBKOY",
);
const BOEING: Expected = (
    "Boeing",
    "Sophia",
    "steam",
    "SHA1",
    5,
    30,
    "JRZCL47CMXVOQMNPZR2F7J4RGI",
);
const ALL: [Expected; 7] = [DENO, SPDX, AIRBNB, ISSUU, AIR_CANADA, WWE, BOEING];

/// 2FAS schema 1 has no parameters: every entry is TOTP/SHA1/6/30.
fn plain_totp(e: Expected) -> Expected {
    (e.0, e.1, "totp", "SHA1", 6, 30, e.6)
}

fn cases() -> Vec<(&'static str, &'static str, Vec<Expected>)> {
    let totp3 = vec![DENO, SPDX, AIRBNB];
    let steam_as = |issuer, account| (issuer, account, "steam", "SHA1", 5, 30, BOEING.6);
    vec![
        ("plain.txt", "otpauth", ALL.to_vec()),
        ("aegis_plain.json", "aegis", ALL.to_vec()),
        ("aegis_encrypted.json", "aegis", ALL.to_vec()),
        (
            "2fas_authenticator.json",
            "2fas",
            [DENO, SPDX, AIRBNB, ISSUU, AIR_CANADA, WWE]
                .map(plain_totp)
                .to_vec(),
        ),
        (
            "2fas_authenticator_plain_v4.2fas",
            "2fas",
            vec![DENO, ISSUU, AIR_CANADA, WWE, BOEING],
        ),
        (
            "2fas_authenticator_encrypted_v4.2fas",
            "2fas",
            vec![DENO, ISSUU, AIR_CANADA, WWE, BOEING],
        ),
        ("andotp_plain.json", "andotp", ALL.to_vec()),
        ("andotp_encrypted.bin", "andotp", ALL.to_vec()),
        // Bitwarden's `steam://SECRET` carries no names: issuer Steam, account = the item's name.
        (
            "bitwarden.json",
            "bitwarden",
            [totp3.clone(), vec![steam_as("Steam", "Test Steam")]].concat(),
        ),
        (
            "bitwarden.csv",
            "bitwarden",
            [totp3.clone(), vec![steam_as("Steam", "Test 4")]].concat(),
        ),
        (
            "freeotp_plus.json",
            "freeotp-plus",
            vec![DENO, SPDX, AIRBNB, ISSUU, AIR_CANADA, WWE],
        ),
        ("ente_auth.txt", "ente", ALL.to_vec()),
        ("proton_authenticator.json", "proton", totp3),
        ("stratum_plain.json", "stratum", ALL.to_vec()),
        ("steam.json", "steam", vec![steam_as("Steam", "Sophia")]),
        // More of Aegis's vectors, checked when they are in the folder (issue 12's
        // encrypted and original-FreeOTP formats; keyfob was checked against them).
        ("stratum_encrypted.bin", "stratum", ALL.to_vec()),
        ("stratum_encrypted_legacy.bin", "stratum", ALL.to_vec()),
        ("andotp_encrypted_old.bin", "andotp", ALL[..6].to_vec()),
        ("freeotp.xml", "freeotp", vec![DENO, AIRBNB, ISSUU, WWE]),
        ("freeotp_v2_api23.xml", "freeotp", ALL[..6].to_vec()),
        ("freeotp_v2_api25.xml", "freeotp", ALL[..6].to_vec()),
        ("freeotp_v2_api27.xml", "freeotp", ALL[..6].to_vec()),
        ("freeotp_v2_api34.xml", "freeotp", ALL[..6].to_vec()),
        ("freeotp_v2_null_algo.xml", "freeotp", vec![DENO]),
    ]
}

fn describe(e: &Entry) -> (String, String, String, String, u8, u64, String) {
    let n = if e.kind.is_timed() {
        u64::from(e.period)
    } else {
        e.counter
    };
    (
        e.issuer.clone(),
        e.account.clone(),
        e.kind.to_string(),
        e.algorithm.to_string(),
        e.digits,
        n,
        e.secret.to_base32().to_string(),
    )
}

#[test]
fn every_peer_export_imports_exactly_its_entries() {
    let Some(dir) = folder() else {
        eprintln!(
            "note: ../shared/fixtures/peer-exports is absent; skipping the peer-export checks"
        );
        return;
    };
    let password = SecretString::from("test".to_string());
    let cases = cases();
    for listed in std::fs::read_dir(&dir).unwrap() {
        let name = listed.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name == "README.md" || cases.iter().any(|(file, ..)| *file == name),
            "{name} in the folder has no case"
        );
    }
    for (file, format, expected) in cases {
        let Ok(bytes) = std::fs::read(dir.join(file)) else {
            eprintln!("note: {file} is not among the peer exports; skipping it");
            continue;
        };
        let detected = import::detect(&bytes).unwrap();
        assert_eq!(detected.name(), format, "{file} is detected as {format}");
        let needs_password = detected.read(&bytes, None);
        let items = match needs_password {
            Err(import::ImportError::NeedsPassword) => {
                detected.read(&bytes, Some(&password)).unwrap()
            }
            other => other.unwrap(),
        };
        let mut got: Vec<_> = items
            .iter()
            .map(|item| match item {
                Item::Entry(e) => describe(e),
                other => panic!("{file}: {other:?}"),
            })
            .collect();
        let mut want: Vec<_> = expected
            .iter()
            .map(|e| {
                (
                    e.0.to_string(),
                    e.1.to_string(),
                    e.2.to_string(),
                    e.3.to_string(),
                    e.4,
                    e.5,
                    e.6.to_string(),
                )
            })
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn encrypted_peer_exports_refuse_a_wrong_password() {
    let Some(dir) = folder() else {
        eprintln!("note: ../shared/fixtures/peer-exports is absent; skipping");
        return;
    };
    let wrong = SecretString::from("nope".to_string());
    for (file, format) in [
        ("aegis_encrypted.json", "aegis"),
        ("2fas_authenticator_encrypted_v4.2fas", "2fas"),
        ("andotp_encrypted.bin", "andotp"),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let f = import::by_name(format).unwrap();
        assert_eq!(
            f.read(&bytes, None).unwrap_err(),
            import::ImportError::NeedsPassword,
            "{file}"
        );
        assert_eq!(
            f.read(&bytes, Some(&wrong)).unwrap_err(),
            import::ImportError::WrongPassword,
            "{file}"
        );
    }
}
