//! Parsing what people paste, the kept text, hex, and the cheap validity check.

use super::*;

#[test]
fn accepts_the_usual_paste_forms() {
    let canonical = Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap();
    for form in [
        "jbswy3dpehpk3pxp",
        "JBSW Y3DP EHPK 3PXP",
        "jbsw-y3dp-ehpk-3pxp",
        "JBSWY3DPEHPK3PXP====",
        " JBSWY3DP\tEHPK3PXP\n",
    ] {
        assert_eq!(Secret::parse_base32(form).unwrap(), canonical, "{form:?}");
    }
    assert_eq!(&*canonical.to_base32(), "JBSWY3DPEHPK3PXP");
}

#[test]
fn microsoft_sample_is_accepted_with_trailing_bits_ignored() {
    let secret = Secret::parse_base32("2234567abcdef2234567abcdef").unwrap();
    assert_eq!(secret.as_bytes().len(), 16);
    assert!(!secret.is_short());
}

#[test]
fn the_text_is_kept_as_given_not_re_encoded() {
    // The last character carries 2 bits that belong to no byte: re-encoding the bytes
    // would give ...ABCDEE.
    let secret = Secret::parse_base32("2234 567a-bcde f223 4567 abcd ef==").unwrap();
    assert_eq!(secret.base32(), "2234567ABCDEF2234567ABCDEF");
    let same_bytes = Secret::from_bytes(secret.as_bytes().to_vec()).unwrap();
    assert_eq!(same_bytes.base32(), "2234567ABCDEF2234567ABCDEE");
    assert_eq!(same_bytes, secret, "equal bytes are the same secret");
    let canonical = Secret::parse_base32("2234567ABCDEF2234567ABCDEF").unwrap();
    assert_eq!(canonical.base32(), "2234567ABCDEF2234567ABCDEF");
    let ron = ron::to_string(&secret).unwrap();
    assert_eq!(ron, "\"2234567ABCDEF2234567ABCDEF\"");
    let back: Secret = ron::from_str(&ron).unwrap();
    assert_eq!(back.base32(), "2234567ABCDEF2234567ABCDEF");
}

#[test]
fn hex_is_read_on_request() {
    let secret = Secret::parse_hex("48656c6c6f21deadbeef").unwrap();
    assert_eq!(secret.base32(), "JBSWY3DPEHPK3PXP");
    for form in [
        "0x48656C6C6F21DEADBEEF",
        " 48:65:6c:6c:6f:21:de:ad:be:ef",
        "4865 6c6c-6f21 dead beef",
    ] {
        assert_eq!(Secret::parse_hex(form).unwrap(), secret, "{form:?}");
    }
    assert_eq!(
        Secret::parse_hex("48656g"),
        Err(SecretError::InvalidHexChar {
            ch: 'g',
            position: 6
        })
    );
    assert_eq!(
        Secret::parse_hex("0x4865g"),
        Err(SecretError::InvalidHexChar {
            ch: 'g',
            position: 7
        })
    );
    let e = Secret::parse_hex("abc").unwrap_err();
    assert_eq!(e, SecretError::HexLength { digits: 3 });
    assert!(e.to_string().contains("even number"), "{e}");
    assert_eq!(Secret::parse_hex(" 0x "), Err(SecretError::Empty));
    assert!(
        Secret::parse_hex("zz")
            .unwrap_err()
            .to_string()
            .contains("'z' at position 1 is not a hexadecimal digit")
    );
}

#[test]
fn names_the_bad_character_and_its_position() {
    let err = Secret::parse_base32("JBSW0Y3DP").unwrap_err();
    assert_eq!(
        err,
        SecretError::InvalidChar {
            ch: '0',
            position: 5
        }
    );
    let text = err.to_string();
    assert!(text.contains("'0' at position 5"), "{text}");
    assert!(text.contains("letter 'O'"), "{text}");
    // Positions count characters, not bytes.
    let err = Secret::parse_base32("ÄBC!").unwrap_err();
    assert_eq!(
        err,
        SecretError::InvalidChar {
            ch: 'Ä',
            position: 1
        }
    );
}

#[test]
fn refuses_empty_and_impossible_lengths() {
    assert_eq!(Secret::parse_base32(""), Err(SecretError::Empty));
    assert_eq!(Secret::parse_base32(" - = "), Err(SecretError::Empty));
    assert_eq!(
        Secret::parse_base32("A"),
        Err(SecretError::Length { chars: 1 })
    );
    assert_eq!(
        Secret::parse_base32("JBSWY3DPE"),
        Err(SecretError::Length { chars: 9 })
    );
}

#[test]
fn short_secrets_are_flagged() {
    let s = Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap();
    assert_eq!(s.bits(), 80);
    assert!(s.is_short());
}

#[test]
fn debug_never_shows_the_secret() {
    let s = Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("JBSW"));
    assert!(!shown.contains("72"), "{shown}");
    assert_eq!(shown, "Secret(<redacted, 80 bits>)");
}

#[test]
fn deserialize_error_does_not_echo_the_value() {
    let err = ron::from_str::<Secret>("\"JBSWY3DP0HPK3PXP\"").unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("JBSWY3DP"), "{text}");
    assert!(text.contains("position 9"), "{text}");
}

#[test]
fn base32_len_matches_encoding() {
    for n in 1..40 {
        let s = Secret::from_bytes(vec![0xA5; n]).unwrap();
        assert_eq!(s.base32_len(), s.to_base32().len());
    }
}

mod validity {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            6 => prop::sample::select(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".chars().collect::<Vec<_>>()
            ),
            2 => prop::char::range('a', 'z'),
            1 => prop::sample::select(vec![
                ' ', '-', '=', '\t', '\n', '\u{a0}', '\u{2003}', '0', '1', '8', '9', 'é', '!',
                '\u{85}', '"',
            ]),
            1 => any::<char>(),
        ];
        let short = prop::collection::vec(ch.clone(), 0..40);
        let long = prop::collection::vec(ch, 1630..1660);
        prop_oneof![8 => short, 1 => long].prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// The cheap check accepts exactly what the decoder accepts.
        #[test]
        fn is_valid_base32_agrees_with_parse(input in text()) {
            prop_assert_eq!(
                Secret::is_valid_base32(&input),
                Secret::parse_base32(&input).is_ok(),
                "{:?}", input
            );
        }
    }

    #[test]
    fn at_the_edges() {
        let max = "A".repeat(MAX_BYTES * 8 / 5);
        for input in [
            "", " ", "-=", "A", "AB", "ABC", "ABCD", "ABCDEFGH", "A1", &max,
        ] {
            assert_eq!(
                Secret::is_valid_base32(input),
                Secret::parse_base32(input).is_ok(),
                "{input:?}"
            );
        }
        let over = format!("{max}AAAAAAAA");
        assert!(!Secret::is_valid_base32(&over));
        assert!(Secret::parse_base32(&over).is_err());
    }

    /// Every ASCII byte, in the ASCII path and beside a non-ASCII character
    /// (which takes the `char` path), is judged as the parser judges it.
    #[test]
    fn every_ascii_byte() {
        for b in 0..128u8 {
            let c = char::from(b);
            for input in [
                format!("AB{c}CD"),
                format!("AB{c}CDé"),
                format!("AB{c}CD\u{a0}"),
            ] {
                assert_eq!(
                    Secret::is_valid_base32(&input),
                    Secret::parse_base32(&input).is_ok(),
                    "byte {b:#04x} in {input:?}"
                );
            }
        }
    }
}
