use super::*;

/// A transfer URI as Google Authenticator writes it (one TOTP account, "Example:alice").
const SAMPLE: &str = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZSABKAEwAhABGAEgACjr4JKK%2Bv%2F%2F%2F%2F8B";

#[test]
fn reads_googles_sample() {
    let decoded = decode(SAMPLE).unwrap();
    assert_eq!(decoded.batch.size, 1);
    assert_eq!(decoded.batch.index, 0);
    assert_eq!(decoded.accounts.len(), 1);
    let (name, entry) = &decoded.accounts[0];
    assert_eq!(name, "Example:alice@google.com");
    let entry = entry.as_ref().unwrap();
    assert_eq!(entry.issuer, "Example");
    assert_eq!(entry.account, "alice@google.com");
    assert_eq!(&*entry.secret.to_base32(), "JBSWY3DPEHPK3PXP");
    assert_eq!(
        (entry.kind, entry.algorithm, entry.digits, entry.period),
        (Kind::Totp, Algorithm::Sha1, 6, 30)
    );
}

fn entry(issuer: &str, account: &str) -> Entry {
    Entry::new(
        issuer,
        account,
        Secret::parse_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap(),
    )
}

#[test]
fn encodes_batches_that_read_back() {
    let mut entries: Vec<Entry> = (0..23).map(|i| entry("Big Co", &format!("u{i}"))).collect();
    entries[1] = entry("", "colon:inside").with_hotp(42);
    entries[2].algorithm = Algorithm::Sha512;
    entries[2].digits = 8;
    let mut steam = entry("Steam", "gabe").with_steam();
    steam.validate().unwrap();
    entries.push(steam);
    let mut odd = entry("Odd", "period");
    odd.period = 60;
    entries.push(odd);

    let (uris, skipped) = encode(&entries, -5);
    assert_eq!(uris.len(), 3);
    assert_eq!(skipped.len(), 2);
    assert!(skipped[0].1.contains("Steam"), "{skipped:?}");
    assert!(skipped[1].1.contains("60 s"), "{skipped:?}");
    let mut back = Vec::new();
    for (i, uri) in uris.iter().enumerate() {
        let data = uri.split_once("data=").unwrap().1;
        assert!(!data.contains(['+', '/', '=']), "{}", uri.as_str());
        let d = decode(uri).unwrap();
        assert_eq!(
            d.batch,
            Batch {
                id: -5,
                index: i as i32,
                size: 3
            }
        );
        back.extend(d.accounts.into_iter().map(|(_, e)| e.unwrap()));
    }
    assert_eq!(back, entries[..23].to_vec());
}

#[test]
fn bad_uris_say_why() {
    assert_eq!(
        decode("otpauth://totp/x").unwrap_err(),
        MigrationError::NotMigration
    );
    assert_eq!(
        decode("otpauth-migration://offline?foo=1").unwrap_err(),
        MigrationError::NoData
    );
    assert_eq!(
        decode("otpauth-migration://offline?data=!!!").unwrap_err(),
        MigrationError::Base64
    );
    // Valid Base64 of bytes that are not a payload (field 1 with a length past the end).
    assert_eq!(
        decode("otpauth-migration://offline?data=Cgo=").unwrap_err(),
        MigrationError::Protobuf
    );
}

#[test]
fn bad_accounts_are_reported_alone() {
    let mut payload = Payload {
        otp_parameters: vec![
            params(b"12345678901234567890".to_vec(), "ok", 0),
            params(
                b"12345678901234567890".to_vec(),
                "Old:md5",
                MigrationAlgorithm::Md5 as i32,
            ),
            params(Vec::new(), "empty", 0),
        ],
        ..Payload::default()
    };
    payload.batch_size = 1;
    let uri = format!(
        "otpauth-migration://offline?data={}",
        general_purpose::URL_SAFE_NO_PAD.encode(payload.encode_to_vec())
    );
    let d = decode(&uri).unwrap();
    assert!(d.accounts[0].1.is_ok());
    assert_eq!(d.accounts[1].0, "Old:md5");
    assert!(d.accounts[1].1.as_ref().unwrap_err().contains("MD5"));
    assert!(d.accounts[2].1.as_ref().unwrap_err().contains("empty"));
    assert!(!format!("{:?}", payload.otp_parameters[0]).contains("1234"));
}

fn params(secret: Vec<u8>, name: &str, algorithm: i32) -> OtpParameters {
    let mut p = OtpParameters::default();
    p.secret = secret;
    p.name = name.to_string();
    p.algorithm = algorithm;
    p
}
