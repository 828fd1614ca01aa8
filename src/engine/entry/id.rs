//! Entry ids: the stable name of one entry across edits, exports to Aegis and merges.
//!
//! Promises:
//! - An [`EntryId`] is a UUID, written as its lower-case hyphenated text
//!   (`5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94`); any form the `uuid` crate reads (upper case,
//!   braces, `urn:uuid:`, no hyphens) is accepted on input.
//! - New ids are version 4 (random) UUIDs from the operating system's CSPRNG; a failing
//!   generator is an error value, never a panic.
//! - Reading an id never quotes the text it refused (it sits next to secrets in the vault).

use std::fmt;

use uuid::Uuid;

/// The stable id of one entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(Uuid);

/// The operating system's random number generator failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomError(pub String);

impl EntryId {
    /// A fresh random (version 4) id.
    pub fn random() -> Result<EntryId, RandomError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
        Ok(EntryId(uuid::Builder::from_random_bytes(bytes).into_uuid()))
    }

    /// Reads an id in any form the `uuid` crate accepts.
    pub fn parse(text: &str) -> Option<EntryId> {
        Uuid::try_parse(text).ok().map(EntryId)
    }

    /// Reads an id only in the form keyfob writes (lower-case, hyphenated): what the fast
    /// vault reader accepts, so that it reads exactly what `ron` would.
    pub fn parse_canonical(text: &str) -> Option<EntryId> {
        if !EntryId::is_canonical(text) {
            return None;
        }
        EntryId::parse(text)
    }

    /// Whether `text` is an id in keyfob's written form: 36 characters, hyphens at 8, 13, 18
    /// and 23, lower-case hex digits elsewhere. (A byte check: the vault index runs it on
    /// every entry.)
    pub fn is_canonical(text: &str) -> bool {
        let bytes = text.as_bytes();
        if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|i| bytes[*i] != b'-') {
            return false;
        }
        // Hex digits or hyphens, and no hyphen but the four: one branch-free pass.
        let (all_allowed, hyphens) = bytes.iter().fold((true, 0u8), |(ok, hyphens), &b| {
            let hyphen = b == b'-';
            let hex = (b.wrapping_sub(b'0') < 10) | (b.wrapping_sub(b'a') < 6);
            (ok & (hex | hyphen), hyphens + u8::from(hyphen))
        });
        all_allowed && hyphens == 4
    }

    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl From<Uuid> for EntryId {
    fn from(uuid: Uuid) -> EntryId {
        EntryId(uuid)
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntryId({self})")
    }
}

impl serde::Serialize for EntryId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buffer = Uuid::encode_buffer();
        serializer.serialize_str(self.0.hyphenated().encode_lower(&mut buffer))
    }
}

impl<'de> serde::Deserialize<'de> for EntryId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = EntryId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an entry id (a UUID)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EntryId, E> {
                EntryId::parse(v).ok_or_else(|| E::custom("an entry id is not a valid UUID"))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// `Option<EntryId>` written as the bare id string (RON would otherwise write `Some("…")`),
/// for an entry's `id` field, which is left out when there is none.
pub(super) mod optional {
    use super::EntryId;

    // serde's `serialize_with` hands the field by reference.
    #[allow(clippy::ref_option)]
    pub fn serialize<S: serde::Serializer>(
        id: &Option<EntryId>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match id {
            Some(id) => serde::Serialize::serialize(id, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<EntryId>, D::Error> {
        <EntryId as serde::Deserialize>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_random_version_4() {
        let a = EntryId::random().unwrap();
        let b = EntryId::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_uuid().get_version_num(), 4);
        assert!(EntryId::is_canonical(&a.to_string()), "{a}");
    }

    #[test]
    fn reads_every_usual_form_and_writes_one() {
        let written = "5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94";
        let id = EntryId::parse_canonical(written).unwrap();
        assert_eq!(id.to_string(), written);
        for form in [
            "5F0C6B1E-0D3A-4C8E-9B7A-2F6D1C0E8A94",
            "{5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94}",
            "urn:uuid:5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94",
            "5f0c6b1e0d3a4c8e9b7a2f6d1c0e8a94",
        ] {
            assert_eq!(EntryId::parse(form), Some(id), "{form}");
            assert_eq!(EntryId::parse_canonical(form), None, "{form}");
        }
        for bad in ["", "5f0c6b1e", "5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a9g"] {
            assert_eq!(EntryId::parse(bad), None, "{bad}");
            assert!(!EntryId::is_canonical(bad), "{bad}");
        }
    }

    #[test]
    fn serialises_as_a_plain_string() {
        let id = EntryId::parse("5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94").unwrap();
        assert_eq!(
            ron::to_string(&id).unwrap(),
            "\"5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94\""
        );
        let back: EntryId = ron::from_str("\"5F0C6B1E-0D3A-4C8E-9B7A-2F6D1C0E8A94\"").unwrap();
        assert_eq!(back, id);
        let e = ron::from_str::<EntryId>("\"not-a-uuid-SECRETISH\"").unwrap_err();
        assert!(!e.to_string().contains("SECRETISH"), "{e}");
    }
}
