//! The fuzz targets' bodies (`fuzz_bodies.rs`) under proptest, so every `cargo test` feeds
//! each parser a bounded batch of random and near-valid inputs on stable Rust: 512 cases each
//! (64 damaged encrypted exports), the whole module in a few seconds of a debug build, since
//! no export can ask for more key derivation than its app's limit (`src/engine/import/kdf.rs`).
//! `KEYFOB_SLOW_TESTS=1` runs 20 times as many. The long, coverage-guided runs are the
//! cargo-fuzz targets in `fuzz/` (see its README text).

use proptest::prelude::*;

use crate::fuzz_bodies;

/// The thorough runs: `KEYFOB_SLOW_TESTS=1`.
fn slow() -> bool {
    std::env::var_os("KEYFOB_SLOW_TESTS").is_some_and(|v| v == "1")
}

/// `cases` per property, 20 times as many in the slow tests.
fn config_of(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: if slow() { cases * 20 } else { cases },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn config() -> ProptestConfig {
    config_of(512)
}

/// The encrypted exports among the fixtures, as their apps write them (small work factors).
const ENCRYPTED: [&str; 11] = [
    "aegis_encrypted.json",
    "twofas_encrypted.2fas",
    "andotp_encrypted.bin",
    "andotp_encrypted_old.bin",
    "bitwarden_protected_pbkdf2.json",
    "bitwarden_protected_argon2id.json",
    "ente_encrypted.json",
    "freeotp_backup.xml",
    "stratum_encrypted.bin",
    "stratum_encrypted_legacy.bin",
    "aegis_plain.json",
];

/// One of the encrypted exports with one byte inserted, deleted or replaced: damaged key
/// derivation parameters, salts, nonces, tags and ciphertexts.
fn damaged_export() -> impl Strategy<Value = Vec<u8>> {
    (0..ENCRYPTED.len(), any::<usize>(), 0u8..3, any::<u8>()).prop_map(|(file, at, op, byte)| {
        let mut bytes = std::fs::read(crate::import::fixture(ENCRYPTED[file])).unwrap();
        let at = at % bytes.len();
        match op {
            0 => bytes.insert(at, byte),
            1 => {
                bytes.remove(at);
            }
            _ => bytes[at] = byte,
        }
        bytes
    })
}

/// Random bytes.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..400)
}

/// Text that is almost Base32.
fn secretish() -> impl Strategy<Value = String> {
    "[A-Za-z2-7 =\\-\t0189!Ä]{0,70}"
}

/// URIs built from the parts real ones have, with odd values mixed in.
fn uriish() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![
        Just("otpauth://".to_string()),
        Just("OTPAUTH://".to_string()),
        Just("otpauth:/".to_string()),
        Just("http://".to_string()),
        "[otpauh:/\u{358}ö]{0,11}",
    ];
    let kind = prop_oneof!["totp", "hotp", "steam", "TOTP", "motp", ""];
    let label = "[a-zA-Z0-9%:@ .+&=?#/\\-]{0,24}";
    let param = prop_oneof![
        secretish().prop_map(|s| format!("secret={s}")),
        "[a-zA-Z0-9%:@ .+\\-]{0,12}".prop_map(|s| format!("issuer={s}")),
        "[0-9a-z\\-]{0,3}".prop_map(|s| format!("digits={s}")),
        "[0-9\\-]{0,6}".prop_map(|s| format!("period={s}")),
        "[0-9]{0,21}".prop_map(|s| format!("counter={s}")),
        prop_oneof!["SHA1", "sha256", "SHA512", "MD5", ""].prop_map(|s| format!("algorithm={s}")),
        Just("encoder=steam".to_string()),
        "[a-z]{0,6}=[a-z0-9%]{0,6}",
    ];
    (scheme, kind, label, proptest::collection::vec(param, 0..7)).prop_map(
        |(scheme, kind, label, params)| format!("{scheme}{kind}/{label}?{}", params.join("&")),
    )
}

/// A valid vault document with one random edit (insert, delete or replace a byte).
fn vaultish() -> impl Strategy<Value = Vec<u8>> {
    let entry = (
        "[a-zA-Z \"\\\\:#]{0,10}",
        "[a-z@. ]{0,10}",
        1u64..10_000,
        any::<bool>(),
    );
    (
        proptest::collection::vec(entry, 0..4),
        any::<usize>(),
        0u8..4,
        any::<u8>(),
    )
        .prop_map(|(entries, at, op, byte)| {
            let vault = keyfob::engine::vault::Vault {
                entries: entries
                    .into_iter()
                    .map(|(issuer, account, n, hotp)| {
                        let secret = keyfob::engine::secret::Secret::parse_base32(
                            &crate::common::nth_secret(n),
                        )
                        .unwrap();
                        let mut e = keyfob::engine::entry::Entry::new(
                            format!("i{issuer}"),
                            account,
                            secret,
                        );
                        if hotp {
                            e = e.with_hotp(n);
                        }
                        e
                    })
                    .collect(),
                ..Default::default()
            };
            let mut text = vault.to_ron().as_bytes().to_vec();
            let at = at % (text.len() + 1);
            match op {
                0 => text.insert(at, byte),
                1 if at < text.len() => {
                    text.remove(at);
                }
                2 if at < text.len() => text[at] = byte,
                _ => {}
            }
            text
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn secret_parser_never_panics(data in bytes()) {
        fuzz_bodies::secret(&data);
    }

    #[test]
    fn secret_parser_on_near_base32(text in secretish()) {
        fuzz_bodies::secret(text.as_bytes());
    }

    #[test]
    fn uri_parser_never_panics(data in bytes()) {
        fuzz_bodies::otpauth_uri(&data);
    }

    #[test]
    fn uri_parser_round_trips(text in uriish()) {
        fuzz_bodies::otpauth_uri(text.as_bytes());
        fuzz_bodies::importers(text.as_bytes());
    }

    #[test]
    fn importers_never_panic(data in bytes()) {
        fuzz_bodies::importers(&data);
    }

    #[test]
    fn vault_reader_never_panics(data in bytes()) {
        fuzz_bodies::vault_ron(&data);
    }

    #[test]
    fn vault_reader_on_damaged_documents(data in vaultish()) {
        fuzz_bodies::vault_ron(&data);
    }

    #[test]
    fn entra_csv_round_trips(
        upn in "[a-z@. ,\"]{0,12}",
        serial in "[A-Z0-9 ,\"]{0,10}",
        secret in secretish(),
        maker in "[A-Za-z ,\"\r]{0,10}",
        model in "[A-Za-z0-9 ,\"]{0,10}",
    ) {
        let text = format!("{upn}\n{serial}\n{secret}\n{maker}\n{model}");
        fuzz_bodies::entra_csv(text.as_bytes());
    }
}

proptest! {
    // Each case derives a key or two at the fixtures' work factors (Stratum's fixed 64 MiB
    // Argon2id the dearest, about 0.1 s): fewer cases.
    #![proptest_config(config_of(64))]

    #[test]
    fn importers_on_damaged_encrypted_exports(data in damaged_export()) {
        fuzz_bodies::importers(&data);
    }
}

/// The fuzz seeds (the project's fixtures) go through every body, whole and line by line,
/// and the ones meant to be valid are.
#[test]
fn fixtures_pass_every_body() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for item in std::fs::read_dir(dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("keys") {
                    dirs.push(path);
                }
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 3);
    let bodies: [fn(&[u8]); 5] = [
        fuzz_bodies::secret,
        fuzz_bodies::otpauth_uri,
        fuzz_bodies::importers,
        fuzz_bodies::vault_ron,
        fuzz_bodies::entra_csv,
    ];
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for body in bodies {
            body(&bytes);
            for line in bytes.split(|b| *b == b'\n') {
                body(line);
            }
        }
    }
    let vault = std::fs::read(root.join("vault/sample.ron")).unwrap();
    let vault = keyfob::engine::vault::Vault::from_bytes(&vault).unwrap();
    assert_eq!(vault.entries.len(), 4);
    let text = std::fs::read(root.join("otpauth/sample.txt")).unwrap();
    let format = keyfob::engine::import::detect(&text).unwrap();
    let items = format.read(&text, None).unwrap();
    assert_eq!(items.len(), 9);
    assert!(
        items
            .iter()
            .all(|i| matches!(i, keyfob::engine::import::Item::Entry(_))),
        "{items:?}"
    );
}
