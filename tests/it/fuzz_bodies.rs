//! What every fuzz target checks, in one place: the cargo-fuzz targets in `fuzz/` include this
//! file (`#[path]`), and `tests/it/robustness.rs` runs the same bodies under proptest on stable
//! so CI exercises them on every `cargo test`.
//!
//! Each body takes arbitrary bytes and must never panic. Where a parser has a writer, what it
//! reads must survive a write and a re-read unchanged (an export/import round trip that
//! changes an entry is a lost or corrupted seed). Errors must not quote the secret they were
//! given.

#![allow(dead_code)]

use keyfob::engine::entry::Entry;
use keyfob::engine::import::{self, Item};
use keyfob::engine::secret::Secret;
use keyfob::engine::vault::Vault;
use keyfob::engine::{entra, export, uri};

/// The fields an `otpauth://` URI carries (notes, tags and token metadata are not in it).
fn uri_fields(e: &Entry) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        &e.issuer,
        &e.account,
        &e.secret,
        e.kind,
        e.algorithm,
        e.digits,
        e.period,
        e.counter,
    )
}

/// Base32 secrets as people paste them.
pub fn secret(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Secret::parse_base32(text) {
        Ok(secret) => {
            assert!(!secret.as_bytes().is_empty());
            let canonical = secret.to_base32();
            assert_eq!(canonical.len(), secret.base32_len());
            let again = Secret::parse_base32(&canonical).expect("canonical form re-parses");
            assert_eq!(again, secret, "canonical Base32 changed the secret");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            assert!(!message.contains('\n'), "one-line errors: {message:?}");
        }
    }
}

/// `otpauth://` URIs: parse, write, parse again; through the otpauth exporter and importer too.
pub fn otpauth_uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let entry = match uri::parse(text) {
        Ok(entry) => entry,
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "one-line errors: {message:?}");
            return;
        }
    };
    entry.code(0).expect("a parsed entry makes codes");
    let written = uri::to_uri(&entry);
    let back = uri::parse(&written)
        .unwrap_or_else(|e| panic!("our own URI does not parse ({e}): {}", *written));
    assert_eq!(
        uri_fields(&back),
        uri_fields(&entry),
        "URI round trip changed the entry: {}",
        *written
    );
    // The same through `export --format otpauth` and `import`.
    let exported = export::otpauth(std::slice::from_ref(&entry));
    assert!(exported.skipped.is_empty());
    let format = import::detect(&exported.bytes).expect("our export is recognised");
    let items = format
        .read(&exported.bytes, None)
        .expect("our export reads");
    match items.as_slice() {
        [Item::Entry(e)] => assert_eq!(uri_fields(e), uri_fields(&entry)),
        other => panic!("export/import of one entry gave {other:?}"),
    }
}

/// Every importer (`import::formats()`, so new ones are covered as they are added), with and
/// without a password, and format detection.
pub fn importers(data: &[u8]) {
    let password = age::secrecy::SecretString::from("fuzz-password".to_string());
    for format in import::formats() {
        let _ = format.sniff(data);
        for pass in [None, Some(&password)] {
            if let Ok(items) = format.read(data, pass) {
                for item in items {
                    match item {
                        Item::Entry(mut entry) => {
                            // What an importer hands over must be storable as it is.
                            let before = (*entry).clone();
                            entry.validate().expect("imported entries are valid");
                            assert_eq!(*entry, before, "{}: entry not normalised", format.name());
                            entry.code(0).expect("imported entries make codes");
                        }
                        Item::Failed { what, reason } => {
                            assert!(!what.is_empty() && !reason.is_empty());
                        }
                        Item::Warning { what, text } => {
                            assert!(!what.is_empty() && !text.is_empty());
                        }
                    }
                }
            }
        }
    }
    if let Ok(format) = import::detect(data) {
        assert!(format.sniff(data));
    }
}

/// The vault's RON document: read, write, read again.
pub fn vault_ron(data: &[u8]) {
    let vault = match Vault::from_bytes(data) {
        Ok(vault) => vault,
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "one-line errors: {message:?}");
            return;
        }
    };
    for entry in &vault.entries {
        entry.code(0).expect("entries of a valid vault make codes");
    }
    let text = vault.to_ron();
    let back = Vault::from_ron(&text)
        .unwrap_or_else(|e| panic!("our own RON does not read back ({e}):\n{}", *text));
    assert_eq!(back, vault, "RON round trip changed the vault");
}

/// Entra hardware-token CSV. The `entra-csv` importer when this build has one (it is also
/// reached through `import::formats()`), and the exporter: a token made from the input's
/// fields (lines: upn, serial, secret, manufacturer, model) is written as a CSV row, read back
/// with a CSV reader, and must give the same row again.
pub fn entra_csv(data: &[u8]) {
    if let Ok(format) = import::by_name("entra-csv") {
        let _ = format.sniff(data);
        let _ = format.read(data, None);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(5, '\n');
    let mut next = || parts.next().unwrap_or_default().to_string();
    let (upn, serial, secret, manufacturer, model) = (next(), next(), next(), next(), next());
    let Ok(secret) = Secret::parse_base32(&secret) else {
        return;
    };
    let row = entra::TokenRow {
        upn,
        serial,
        secret,
        period: if data.len().is_multiple_of(2) { 30 } else { 60 },
        manufacturer,
        model,
    };
    let mut entry = entra::entry_from_row(&row);
    if entry.validate().is_err() {
        return;
    }
    let Ok(row) = entra::row_from_entry(&entry) else {
        return;
    };
    let bytes = entra::write_csv(std::slice::from_ref(&row));
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
    let header = reader.headers().expect("our CSV has a header").clone();
    assert_eq!(header.iter().collect::<Vec<_>>(), entra::HEADER);
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("our CSV parses");
    assert_eq!(records.len(), 1, "one token, one row");
    let r = &records[0];
    let back = entra::TokenRow {
        upn: r[0].to_string(),
        serial: r[1].to_string(),
        secret: Secret::parse_base32(&r[2]).expect("the written secret parses"),
        period: r[3].parse().expect("the written period is a number"),
        manufacturer: r[4].to_string(),
        model: r[5].to_string(),
    };
    let mut again = entra::entry_from_row(&back);
    again
        .validate()
        .expect("a row we wrote makes a valid entry");
    assert_eq!(
        entra::row_from_entry(&again).as_ref(),
        Ok(&row),
        "CSV round trip changed the token"
    );
    if let Ok(format) = import::by_name("entra-csv") {
        let items = format.read(&bytes, None).expect("our CSV imports");
        match items.as_slice() {
            [Item::Entry(e)] => assert_eq!(entra::row_from_entry(e).as_ref(), Ok(&row)),
            other => panic!("Entra export/import of one token gave {other:?}"),
        }
    }
}
