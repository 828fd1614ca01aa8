//! Frames and messages: round trips, caps, and any bytes at all decoded without a panic.

use proptest::prelude::*;

use super::*;
use crate::engine::entry::Entry;
use crate::engine::secret::Secret;

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn entry() -> Entry {
    Entry::new("GitHub", "me", Secret::parse_base32(SECRET).unwrap())
}

#[test]
fn requests_and_replies_round_trip() {
    let asks = [
        Ask::Status,
        Ask::List { at: 59 },
        Ask::Code {
            query: "git".into(),
            at: 59,
            advance_hotp: true,
        },
        Ask::Apply {
            sealed: "AAAA".into(),
            dry_run: false,
        },
        Ask::Lock,
    ];
    for ask in asks {
        let bytes = frame(&Request::new(ask.clone()));
        let body = read_frame(&mut &bytes[..], REQUEST_CAP).unwrap();
        let back: Request = decode(&body).unwrap();
        assert_eq!(back, Request::new(ask));
    }
    let view = crate::engine::view::EntryView::of(&entry(), 59).unwrap();
    let reply = Reply::Code {
        found: Found::One {
            view: Box::new(view),
            issued: None,
        },
        warnings: vec![],
    };
    let body = read_frame(&mut &frame(&reply)[..], REPLY_CAP).unwrap();
    assert_eq!(decode::<Reply>(&body).unwrap(), reply);
    let text = String::from_utf8(body).unwrap();
    assert!(
        !text.contains("JBSWY3DP"),
        "a view carries no secret: {text}"
    );
}

#[test]
fn an_operation_travels_sealed_and_opens_only_for_its_agent() {
    let agent = age::x25519::Identity::generate();
    let other = age::x25519::Identity::generate();
    let body = ApplyBody {
        op: Op::Add(vec![entry()]),
        at: 1_700_000_000,
    };
    let sealed = seal(&body, &agent.to_public().to_string()).unwrap();
    let request = String::from_utf8(frame(&Request::new(Ask::Apply {
        sealed: sealed.clone(),
        dry_run: false,
    })))
    .unwrap_or_default();
    assert!(!request.contains(SECRET) && !request.contains(&SECRET.to_lowercase()));
    assert_eq!(open(&sealed, &agent).unwrap(), body);
    assert_eq!(open(&sealed, &other), Err(SealError::Open));
    assert_eq!(open("not base64!", &agent), Err(SealError::Open));
    assert_eq!(seal(&body, "age1nope"), Err(SealError::Recipient));
}

#[test]
fn an_oversized_frame_is_refused_from_its_length_alone() {
    let mut bytes = u32::MAX.to_be_bytes().to_vec();
    bytes.extend_from_slice(b"{}");
    match read_frame(&mut &bytes[..], REQUEST_CAP) {
        Err(FrameError::TooLarge { len, cap }) => {
            assert_eq!(cap, REQUEST_CAP);
            assert!(len > cap);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn short_input_is_told_apart_from_a_closed_connection() {
    assert!(matches!(
        read_frame(&mut &b""[..], 100),
        Err(FrameError::Closed)
    ));
    assert!(matches!(
        read_frame(&mut &b"\0\0"[..], 100),
        Err(FrameError::Truncated)
    ));
    assert!(matches!(
        read_frame(&mut &b"\0\0\0\x05abc"[..], 100),
        Err(FrameError::Truncated)
    ));
}

#[test]
fn another_version_or_an_unknown_field_is_not_a_request() {
    let wrong: Request = decode(br#"{"v":2,"ask":{"type":"status"}}"#).unwrap();
    assert_ne!(wrong.v, VERSION);
    assert!(decode::<Request>(br#"{"v":1,"ask":{"type":"status"},"x":1}"#).is_err());
    assert!(decode::<Request>(br#"{"v":1,"ask":{"type":"list"}}"#).is_err());
    let e = decode::<Request>(b"{\"v\":1,\"ask\":{\"type\":\"SECRETWORD\"}}").unwrap_err();
    assert!(!e.to_string().contains("SECRETWORD"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any bytes: a frame or an error, and any frame body: a request or an error.
    #[test]
    fn any_bytes_decode_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut reader = &bytes[..];
        while let Ok(body) = read_frame(&mut reader, 64) {
            let _ = decode::<Request>(&body);
            let _ = decode::<Reply>(&body);
        }
        let _ = decode::<Request>(&bytes);
    }

    /// Frames of random JSON-ish text: decoded or refused, never a panic.
    #[test]
    fn any_frame_decodes_without_a_panic(text in r#"\{"v":[0-9]{1,3},"ask":\{"type":"[a-z_]{0,8}"(,"[a-z_]{1,12}":("[^"]{0,8}"|[0-9]{1,20}|true|null))*\}\}"#) {
        let mut bytes = u32::try_from(text.len()).unwrap().to_be_bytes().to_vec();
        bytes.extend_from_slice(text.as_bytes());
        let body = read_frame(&mut &bytes[..], REQUEST_CAP).unwrap();
        let _ = decode::<Request>(&body);
    }

    /// A frame split anywhere (as a slow writer sends it) reads the same.
    #[test]
    fn frames_survive_any_split(query in "[a-zA-Z0-9:@. ]{0,40}", at in any::<u64>(), split in 0usize..64) {
        let request = Request::new(Ask::Code { query, at, advance_hotp: false });
        let bytes = frame(&request);
        let split = split.min(bytes.len());
        let mut reader = std::io::Read::chain(&bytes[..split], &bytes[split..]);
        let body = read_frame(&mut reader, REQUEST_CAP).unwrap();
        prop_assert_eq!(decode::<Request>(&body).unwrap(), request);
    }
}
