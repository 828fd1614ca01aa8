//! The limits: what the apps write passes, beyond is refused with its numbers, and (as a
//! property) nothing that passes exceeds a cap.

use super::*;

#[test]
fn amounts_read_like_people_write_them() {
    assert_eq!(Amount::Count(1_234_567).to_string(), "1,234,567");
    assert_eq!(Amount::Count(999).to_string(), "999");
    assert_eq!(Amount::Bytes(1 << 30).to_string(), "1 GiB");
    assert_eq!(Amount::Bytes(1536 << 20).to_string(), "1,536 MiB");
    assert_eq!(Amount::Bytes(8 << 10).to_string(), "8 KiB");
    assert_eq!(Amount::Bytes(1000).to_string(), "1,000 bytes");
}

#[test]
fn what_the_apps_write_passes() {
    assert_eq!(andotp_rounds(160_000).unwrap().get(), 160_000);
    assert_eq!(freeotp_rounds(100_000).unwrap().get(), 100_000);
    assert!(bitwarden_pbkdf2(600_000).is_ok());
    assert!(bitwarden_pbkdf2(2_000_000).is_ok());
    assert!(bitwarden_pbkdf2(5_000).is_ok());
    assert_eq!(
        bitwarden_argon2(10, 1024, 16).unwrap(),
        Argon2Cost::constant(1 << 20, 10, 16)
    );
    assert_eq!(
        ente_argon2(1 << 30, 4).unwrap(),
        Argon2Cost::constant(1 << 20, 4, 1)
    );
    assert!(ente_argon2(256 << 20, 16).is_ok());
    assert!(ente_argon2(8 << 10, 524_288).is_ok());
    assert_eq!(
        aegis_scrypt(1 << 15, 8, 1).unwrap(),
        ScryptCost {
            log_n: 15,
            r: 8,
            p: 1
        }
    );
}

#[test]
fn beyond_the_caps_is_refused_with_its_numbers() {
    let e = andotp_rounds(10_000_000).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the PBKDF2 round count is 10,000,000; keyfob accepts 1 to 500,000 \
         (andOTP writes 140,000 to 160,000)"
    );
    assert!(andotp_rounds(0).is_err());
    assert!(freeotp_rounds(500_001).is_err());
    assert!(freeotp_rounds(u64::MAX).is_err());
    let e = bitwarden_pbkdf2(4_999).unwrap_err();
    assert_eq!(e.min, Some(Amount::Count(5_000)));
    let e = bitwarden_argon2(3, 4096, 4).unwrap_err();
    assert_eq!(
        e.to_string(),
        "kdfMemory (Argon2 memory) is 4 GiB; keyfob accepts 16 MiB to 1 GiB \
         (Bitwarden's own range)"
    );
    assert!(bitwarden_argon2(11, 64, 4).is_err());
    assert!(bitwarden_argon2(3, 64, 17).is_err());
    assert!(bitwarden_argon2(3, u64::MAX, 4).is_err());
    let e = ente_argon2(1 << 30, 8).unwrap_err();
    assert_eq!(e.parameter, "memLimit × opsLimit (Argon2 work)");
    assert_eq!(e.value, Amount::Bytes(8 << 30));
    assert!(ente_argon2(2 << 30, 1).is_err());
    assert!(ente_argon2(1 << 30, 0).is_err());
    assert!(ente_argon2(1024, 1).is_err());
    assert!(ente_argon2(u64::MAX, u64::MAX).is_err());
}

#[test]
fn scrypt_limits_memory_and_work() {
    let e = aegis_scrypt(1 << 20, 8, 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "scrypt memory (128·N·r) is 1 GiB; keyfob accepts at most 256 MiB \
         (Aegis writes N = 32,768, r = 8, p = 1)"
    );
    assert!(aegis_scrypt(1 << 18, 8, 1).is_ok());
    let e = aegis_scrypt(1 << 15, 8, 16).unwrap_err();
    assert_eq!(e.parameter, "scrypt work (N·r·p)");
    assert!(aegis_scrypt(1000, 8, 1).is_err());
    assert!(aegis_scrypt(0, 8, 1).is_err());
    assert!(aegis_scrypt(1 << 15, 0, 1).is_err());
    assert!(aegis_scrypt(1 << 15, 8, 0).is_err());
    assert!(aegis_scrypt(1 << 62, u64::MAX, u64::MAX).is_err());
}

/// Any number, weighted towards the edges of the limits.
fn number() -> impl proptest::strategy::Strategy<Value = u64> {
    use proptest::prelude::*;
    prop_oneof![
        any::<u64>(),
        0u64..64,
        (0u32..64).prop_map(|shift| 1u64 << shift),
        (0u32..64, -2i64..=2).prop_map(|(shift, d)| (1u64 << shift).wrapping_add_signed(d)),
    ]
}

proptest::proptest! {
    #[test]
    fn whatever_passes_stays_within_the_caps(a in number(), b in number(), c in number()) {
        if let Ok(cost) = aegis_scrypt(a, b, c) {
            let (n, r, p) = (1u64 << cost.log_n, u64::from(cost.r), u64::from(cost.p));
            assert_eq!((n, r, p), (a, b, c));
            assert!(128 * n * r <= AEGIS_MAX_MEMORY && n * r * p <= AEGIS_MAX_WORK);
        }
        if let Ok(cost) = ente_argon2(a, b) {
            let bytes = u64::from(cost.kib) * 1024;
            assert!(bytes <= ENTE_MAX_MEMORY && bytes * u64::from(cost.passes) <= ENTE_MAX_WORK);
            assert_eq!(cost.lanes, 1);
        }
        if let Ok(cost) = bitwarden_argon2(a, b, c) {
            assert!(u64::from(cost.kib) <= 1 << 20 && cost.passes <= 10 && cost.lanes <= 16);
        }
        for rounds in [
            andotp_rounds(u32::try_from(a).unwrap_or(u32::MAX)).map(Pbkdf2Rounds::get),
            freeotp_rounds(a).map(Pbkdf2Rounds::get),
            bitwarden_pbkdf2(a).map(Pbkdf2Rounds::get),
        ] {
            match rounds {
                Ok(r) => assert!((1..=2_000_000).contains(&r)),
                // A refusal names the value it refused, as people write numbers.
                Err(e) => assert!(e.to_string().contains(" is "), "{e}"),
            }
        }
    }
}
