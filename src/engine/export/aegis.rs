//! Aegis's plain (unencrypted) vault JSON, as Aegis itself exports it and imports it:
//! `{"version":1,"header":{"slots":null,"params":null},"db":{"version":3,"entries":[…],
//! "groups":[…]}}`. Tags become Aegis groups; notes are kept; an entry's id is its Aegis
//! `uuid` (a fresh random one for an entry not stored yet), and every group gets a fresh one.

use serde::Serialize;
use zeroize::Zeroizing;

use super::{ExportError, Exported};
use crate::engine::entry::{Entry, EntryId};
use crate::engine::otp::Kind;

#[derive(Serialize)]
struct File<'a> {
    version: u32,
    header: Header,
    db: Db<'a>,
}

#[derive(Serialize)]
struct Header {
    slots: Option<()>,
    params: Option<()>,
}

#[derive(Serialize)]
struct Db<'a> {
    version: u32,
    entries: Vec<AegisEntry<'a>>,
    groups: Vec<Group<'a>>,
}

#[derive(Serialize)]
struct Group<'a> {
    uuid: String,
    name: &'a str,
}

#[derive(Serialize)]
struct AegisEntry<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    uuid: String,
    name: &'a str,
    issuer: &'a str,
    note: &'a str,
    favorite: bool,
    icon: Option<()>,
    info: Info<'a>,
    groups: Vec<String>,
}

#[derive(Serialize)]
struct Info<'a> {
    secret: &'a str,
    algo: &'static str,
    digits: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
}

/// A fresh random (version 4) UUID.
fn uuid() -> Result<String, ExportError> {
    EntryId::random()
        .map(|id| id.to_string())
        .map_err(|e| ExportError::Random(e.0))
}

/// The whole vault as an Aegis plain export. Every entry kind fits.
pub fn aegis(entries: &[Entry]) -> Result<Exported, ExportError> {
    let mut tag_names: Vec<&str> = entries
        .iter()
        .flat_map(|e| e.tags.iter().map(String::as_str))
        .collect();
    tag_names.sort_unstable();
    tag_names.dedup();
    let groups = tag_names
        .iter()
        .map(|name| {
            Ok(Group {
                uuid: uuid()?,
                name,
            })
        })
        .collect::<Result<Vec<_>, ExportError>>()?;
    let group_id = |tag: &str| {
        groups
            .iter()
            .find(|g| g.name == tag)
            .map(|g| g.uuid.clone())
    };
    let secrets: Vec<Zeroizing<String>> = entries.iter().map(|e| e.secret.to_base32()).collect();
    let mut out = Vec::with_capacity(entries.len());
    for (entry, secret) in entries.iter().zip(&secrets) {
        let (period, counter) = match entry.kind {
            Kind::Hotp => (None, Some(entry.counter)),
            Kind::Totp | Kind::Steam => (Some(entry.period), None),
        };
        out.push(AegisEntry {
            kind: entry.kind.as_str(),
            uuid: match entry.id {
                Some(id) => id.to_string(),
                None => uuid()?,
            },
            name: &entry.account,
            issuer: &entry.issuer,
            note: entry.note.as_deref().unwrap_or(""),
            favorite: false,
            icon: None,
            info: Info {
                secret: secret.as_str(),
                algo: entry.algorithm.as_str(),
                digits: entry.digits,
                period,
                counter,
            },
            groups: entry.tags.iter().filter_map(|t| group_id(t)).collect(),
        });
    }
    let file = File {
        version: 1,
        header: Header {
            slots: None,
            params: None,
        },
        db: Db {
            version: 3,
            entries: out,
            groups,
        },
    };
    let mut bytes = Zeroizing::new(Vec::with_capacity(256 + entries.len() * 300));
    // Serialising plain data into a Vec cannot fail.
    let _ = serde_json::to_writer_pretty(&mut *bytes, &file);
    bytes.push(b'\n');
    Ok(Exported {
        bytes,
        skipped: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::import::{self, Item};
    use crate::engine::otp::Algorithm;
    use crate::engine::secret::Secret;

    fn sample() -> Vec<Entry> {
        let s = || Secret::parse_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
        let mut totp = Entry::new("GitHub", "me", s());
        totp.algorithm = Algorithm::Sha256;
        totp.digits = 8;
        totp.period = 60;
        totp.note = Some("backup codes in the safe".into());
        totp.tags = vec!["work".into(), "dev".into()];
        let mut hotp = Entry::new("Bank", "acct", s()).with_hotp(7);
        hotp.id = EntryId::parse("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
        let steam = Entry::new("Steam", "gabe", s()).with_steam();
        let mut plain = Entry::new("", "no-issuer", s());
        plain.tags = vec!["work".into()];
        vec![totp, hotp, steam, plain]
    }

    #[test]
    fn round_trips_through_the_aegis_importer() {
        let entries = sample();
        let exported = aegis(&entries).unwrap();
        assert!(exported.skipped.is_empty());
        let format = import::detect(&exported.bytes).unwrap();
        assert_eq!(format.name(), "aegis");
        let back: Vec<Entry> = format
            .read(&exported.bytes, None)
            .unwrap()
            .into_iter()
            .map(|i| match i {
                Item::Entry(e) => *e,
                other => panic!("{other:?}"),
            })
            .collect();
        let mut expected = entries;
        expected[0].tags.sort();
        let mut back = back;
        back[0].tags.sort();
        // Entries without an id got fresh ones; the one with an id kept it.
        assert!(back.iter().all(|e| e.id.is_some()));
        assert_eq!(back[1].id, expected[1].id);
        for e in &mut back {
            e.id = None;
        }
        for e in &mut expected {
            e.id = None;
        }
        assert_eq!(back, expected);
    }

    #[test]
    fn the_entry_id_is_the_aegis_uuid() {
        let mut entries = sample();
        let id = EntryId::parse("5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94").unwrap();
        entries[0].id = Some(id);
        let exported = aegis(&entries).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&exported.bytes).unwrap();
        assert_eq!(
            v["db"]["entries"][0]["uuid"],
            "5f0c6b1e-0d3a-4c8e-9b7a-2f6d1c0e8a94"
        );
    }

    #[test]
    fn follows_aegis_plain_schema() {
        let exported = aegis(&sample()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&exported.bytes).unwrap();
        assert_eq!(v["version"], 1);
        assert!(v["header"]["slots"].is_null() && v["header"]["params"].is_null());
        assert_eq!(v["db"]["version"], 3);
        assert_eq!(v["db"]["groups"].as_array().unwrap().len(), 2);
        let first = &v["db"]["entries"][0];
        assert_eq!(first["type"], "totp");
        assert_eq!(first["info"]["algo"], "SHA256");
        assert_eq!(first["info"]["period"], 60);
        assert!(first["icon"].is_null());
        let uuid = first["uuid"].as_str().unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert_eq!(v["db"]["entries"][1]["info"]["counter"], 7);
        assert!(v["db"]["entries"][1]["info"].get("period").is_none());
        assert_eq!(v["db"]["entries"][2]["type"], "steam");
    }
}
