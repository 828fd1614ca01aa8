//! Text files saved as UTF-16 ("Unicode text" in Excel and Notepad), turned into UTF-8 before
//! any format looks at them.
//!
//! Promises: a file that starts with a UTF-16 byte-order mark (`FF FE` little-endian, `FE FF`
//! big-endian) and decodes as UTF-16 is turned into UTF-8 (the mark dropped); anything else
//! — including bytes that only start like UTF-16 — is passed on untouched and uncopied, for
//! the formats to judge. The decoded copy is zeroized on drop (it may hold secrets).

use std::ops::Deref;

use zeroize::Zeroizing;

/// A file's bytes, decoded to UTF-8 when they were UTF-16.
pub enum Prepared<'a> {
    AsIs(&'a [u8]),
    Decoded(Zeroizing<Vec<u8>>),
}

impl Deref for Prepared<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Prepared::AsIs(bytes) => bytes,
            Prepared::Decoded(bytes) => bytes,
        }
    }
}

/// `bytes` as UTF-8 if they are UTF-16 with a byte-order mark, else as they are.
pub fn prepare(bytes: &[u8]) -> Prepared<'_> {
    let (body, little) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (rest, true),
        [0xFE, 0xFF, rest @ ..] => (rest, false),
        _ => return Prepared::AsIs(bytes),
    };
    let units = body.chunks(2).map(|pair| match pair {
        [a, b] if little => u16::from_le_bytes([*a, *b]),
        [a, b] => u16::from_be_bytes([*a, *b]),
        // An odd trailing byte is not a whole unit: make it decode as an error.
        _ => 0xDC00,
    });
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() / 2 * 3));
    for unit in char::decode_utf16(units) {
        let Ok(ch) = unit else {
            // Not UTF-16 after all: the formats will say what it is not.
            return Prepared::AsIs(bytes);
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    Prepared::Decoded(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        let mut out = if little {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            out.extend(if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    }

    #[test]
    fn both_byte_orders_and_plain_bytes() {
        for little in [true, false] {
            let bytes = utf16("upn;serial number\r\nännä;1\r\n", little);
            assert_eq!(
                &*prepare(&bytes),
                "upn;serial number\r\nännä;1\r\n".as_bytes()
            );
        }
        let plain = b"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP";
        assert!(matches!(prepare(plain), Prepared::AsIs(_)));
    }

    #[test]
    fn what_only_starts_like_utf16_is_left_as_it_is() {
        let mut bytes = utf16("ab", true);
        bytes.extend([0x00, 0xD8]); // a lone high surrogate
        assert!(matches!(prepare(&bytes), Prepared::AsIs(b) if b == bytes.as_slice()));
        let mut odd = utf16("ab", true);
        odd.push(0x41);
        assert!(matches!(prepare(&odd), Prepared::AsIs(_)));
    }
}
