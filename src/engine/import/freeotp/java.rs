//! The one Java serialization FreeOTP 2 writes: a `java.util.HashMap<String, String>`.
//!
//! Promises: reads the stream grammar for exactly that object (class descriptor, its field
//! values, the map's block data, then key/value strings or back-references to earlier
//! strings) and refuses anything else with a message; never allocates more than the input's
//! size (lengths are checked against what is left); strings are Java's modified UTF-8.

const MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_LONGSTRING: u8 = 0x7C;
/// The first handle a stream hands out.
const BASE_HANDLE: u32 = 0x7E_0000;

/// Whether `bytes` start a Java serialization stream.
pub(super) fn is_serialized(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Objects by handle; `None` for the ones that are not strings.
    handles: Vec<Option<String>>,
}

fn bad(what: &str) -> String {
    format!("the FreeOTP backup is not the Java map it should be ({what})")
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| bad("it ends early"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<usize, String> {
        let b = self.take(2)?;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn utf(&mut self, len: usize) -> Result<String, String> {
        modified_utf8(self.take(len)?).ok_or_else(|| bad("a string is not modified UTF-8"))
    }

    /// A string object (new or a back-reference), or null.
    fn string(&mut self) -> Result<Option<String>, String> {
        match self.u8()? {
            TC_STRING => {
                let len = self.u16()?;
                let text = self.utf(len)?;
                self.handles.push(Some(text.clone()));
                Ok(Some(text))
            }
            TC_LONGSTRING => {
                let b = self.take(8)?;
                let len = u64::from_be_bytes(b.try_into().map_err(|_| bad("a length"))?);
                let len = usize::try_from(len).map_err(|_| bad("a string is too long"))?;
                let text = self.utf(len)?;
                self.handles.push(Some(text.clone()));
                Ok(Some(text))
            }
            TC_REFERENCE => {
                let handle = self.u32()?;
                let index = handle
                    .checked_sub(BASE_HANDLE)
                    .and_then(|i| usize::try_from(i).ok());
                index
                    .and_then(|i| self.handles.get(i).cloned().flatten())
                    .map(Some)
                    .ok_or_else(|| bad("a reference points nowhere"))
            }
            TC_NULL => Ok(None),
            _ => Err(bad("an entry is not a string")),
        }
    }
}

/// The map's entries, in the order they were written.
pub(super) fn hash_map(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut r = Reader {
        bytes,
        pos: 0,
        handles: Vec::new(),
    };
    if r.take(4)? != MAGIC {
        return Err(bad("no serialization header"));
    }
    if r.u8()? != TC_OBJECT || r.u8()? != TC_CLASSDESC {
        return Err(bad("it does not start with an object"));
    }
    let name_len = r.u16()?;
    if r.utf(name_len)? != "java.util.HashMap" {
        return Err(bad("the object is not a java.util.HashMap"));
    }
    r.take(8)?; // serialVersionUID
    r.u8()?; // flags
    r.handles.push(None); // the class descriptor
    let mut field_bytes = 0usize;
    for _ in 0..r.u16()? {
        let kind = r.u8()?;
        let len = r.u16()?;
        r.take(len)?;
        field_bytes += match kind {
            b'B' | b'Z' => 1,
            b'C' | b'S' => 2,
            b'F' | b'I' => 4,
            b'D' | b'J' => 8,
            _ => return Err(bad("the map has an unexpected field")),
        };
    }
    if r.u8()? != TC_ENDBLOCKDATA || r.u8()? != TC_NULL {
        return Err(bad("the class description does not end as a map's does"));
    }
    r.handles.push(None); // the map itself
    r.take(field_bytes)?; // loadFactor, threshold
    if r.u8()? != TC_BLOCKDATA {
        return Err(bad("the map's sizes are missing"));
    }
    let block = usize::from(r.u8()?);
    if block < 8 {
        return Err(bad("the map's sizes are missing"));
    }
    r.u32()?; // capacity
    let size = r.u32()?;
    r.take(block - 8)?;
    let mut map = Vec::new();
    for _ in 0..size {
        let key = r.string()?;
        let value = r.string()?;
        if let (Some(key), Some(value)) = (key, value) {
            map.push((key, value));
        }
    }
    Ok(map)
}

/// Java's modified UTF-8: NUL as `C0 80`, characters beyond the BMP as two 3-byte
/// surrogates. Plain UTF-8 (all FreeOTP writes in practice) takes the fast path.
fn modified_utf8(bytes: &[u8]) -> Option<String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(text.to_string());
    }
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (unit, len) = match b {
            0x00..=0x7F => (u16::from(b), 1),
            0xC0..=0xDF => {
                let c = *bytes.get(i + 1)?;
                ((u16::from(b & 0x1F) << 6) | u16::from(c & 0x3F), 2)
            }
            0xE0..=0xEF => {
                let (c, d) = (*bytes.get(i + 1)?, *bytes.get(i + 2)?);
                (
                    (u16::from(b & 0x0F) << 12) | (u16::from(c & 0x3F) << 6) | u16::from(d & 0x3F),
                    3,
                )
            }
            _ => return None,
        };
        units.push(unit);
        i += len;
    }
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A map as Java's ObjectOutputStream writes one (Android's HashMap: one float field).
    pub fn serialize(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([TC_OBJECT, TC_CLASSDESC]);
        let name = b"java.util.HashMap";
        out.extend((name.len() as u16).to_be_bytes());
        out.extend(name);
        out.extend([0x05, 0x07, 0xDA, 0xC1, 0xC3, 0x16, 0x60, 0xD1, 0x03]);
        out.extend(1u16.to_be_bytes());
        out.push(b'F');
        out.extend(10u16.to_be_bytes());
        out.extend(b"loadFactor");
        out.extend([TC_ENDBLOCKDATA, TC_NULL]);
        out.extend(0.75f32.to_be_bytes());
        out.extend([TC_BLOCKDATA, 8]);
        out.extend(32u32.to_be_bytes());
        out.extend((pairs.len() as u32).to_be_bytes());
        for (key, value) in pairs {
            for text in [key, value] {
                out.push(TC_STRING);
                out.extend((text.len() as u16).to_be_bytes());
                out.extend(text.as_bytes());
            }
        }
        out.push(TC_ENDBLOCKDATA);
        out
    }

    #[test]
    fn reads_maps_and_refuses_the_rest() {
        let bytes = serialize(&[("a", "1"), ("b", "{\"x\":2}")]);
        let map = hash_map(&bytes).unwrap();
        assert_eq!(
            map,
            [
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "{\"x\":2}".to_string())
            ]
        );
        for cut in [3, 10, 40, bytes.len() - 3] {
            assert!(hash_map(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut other = bytes.clone();
        other[10] = b'X';
        assert!(hash_map(&other).unwrap_err().contains("java.util.HashMap"));
    }

    #[test]
    fn modified_utf8_nul_and_surrogates() {
        assert_eq!(modified_utf8(b"a\xC0\x80b").unwrap(), "a\0b");
        // U+1F600 as two 3-byte surrogates.
        assert_eq!(
            modified_utf8(b"\xED\xA0\xBD\xED\xB8\x80").unwrap(),
            "\u{1F600}"
        );
        assert!(modified_utf8(b"\xFF").is_none());
    }
}
