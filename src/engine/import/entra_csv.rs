//! Microsoft Entra ID hardware-token CSV (`upn,serial number,secret key,time interval,
//! manufacturer,model`), as uploaded to Entra and as `keyfob generate --entra-csv` prints it.
//!
//! Promises (CONTRACT.md): header case and surrounding spaces do not matter, columns may come
//! in any order, a UTF-8 BOM and CRLF line ends are accepted, fields may be quoted; a file
//! separated by `;` or tabs (as spreadsheets save it in many locales) is read the same, and a
//! UTF-16 file with a byte-order mark is read as text. Rows with every field empty (Excel's
//! `,,,,,`) are skipped silently. A missing column fails the whole file, naming the column; a
//! bad row fails alone, naming its line and column ("line 4, column 'time interval': 45 is not
//! 30 or 60"). Two rows with one serial number are both imported, with a warning naming both
//! lines. Rows become entries through [`entra::entry_from_row`].

use std::collections::HashMap;

use age::secrecy::SecretString;

use super::lines::LineCounter;
use super::{Format, ImportError, Item, SecretEncoding};
use crate::engine::entra::{self, HEADER, TokenRow};

pub struct EntraCsv;

fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
}

fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

/// The separators spreadsheets use.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// The separator under which the first line names the most of Entra's columns, and how many.
fn delimiter(text: &str) -> (u8, usize) {
    let first_line = text.lines().next().unwrap_or("");
    let known = |delimiter: u8| {
        let Ok(header) = reader(first_line, delimiter).headers().cloned() else {
            return 0;
        };
        let names: Vec<String> = header.iter().map(normalise).collect();
        HEADER
            .iter()
            .filter(|h| names.iter().any(|n| n == *h))
            .count()
    };
    DELIMITERS
        .iter()
        .map(|d| (*d, known(*d)))
        .max_by_key(|(d, count)| (*count, *d == b','))
        .unwrap_or((b',', 0))
}

impl Format for EntraCsv {
    fn name(&self) -> &'static str {
        "entra-csv"
    }

    fn summary(&self) -> &'static str {
        "Entra ID hardware-token CSV"
    }

    /// At least three of the six column names in the first line (so a file with one column
    /// missing is still recognised, and then told which).
    fn sniff(&self, bytes: &[u8]) -> bool {
        let prepared = super::prepare(bytes);
        let Ok(text) = super::text(&prepared) else {
            return false;
        };
        delimiter(text).1 >= 3
    }

    fn read(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
    ) -> Result<Vec<Item>, ImportError> {
        self.read_encoded(bytes, password, SecretEncoding::Base32)
    }

    fn read_encoded(
        &self,
        bytes: &[u8],
        password: Option<&SecretString>,
        encoding: SecretEncoding,
    ) -> Result<Vec<Item>, ImportError> {
        let mut items = Vec::new();
        self.read_each(bytes, password, encoding, &mut |item| items.push(item))?;
        Ok(items)
    }

    fn read_each(
        &self,
        bytes: &[u8],
        _: Option<&SecretString>,
        encoding: SecretEncoding,
        each: &mut dyn FnMut(Item),
    ) -> Result<(), ImportError> {
        let prepared = super::prepare(bytes);
        let text = super::text(&prepared)?;
        let mut reader = reader(text, delimiter(text).0);
        let names: Vec<String> = reader
            .headers()
            .map_err(|_| ImportError::Malformed("the CSV header line cannot be read".into()))?
            .iter()
            .map(normalise)
            .collect();
        let mut columns = [0usize; 6];
        for (slot, wanted) in columns.iter_mut().zip(HEADER) {
            *slot = names.iter().position(|n| n == wanted).ok_or_else(|| {
                ImportError::Malformed(format!(
                    "the CSV header has no '{wanted}' column (Entra's header is: {})",
                    HEADER.join(",")
                ))
            })?;
        }
        let mut lines = LineCounter::new(text);
        let mut record = csv::StringRecord::new();
        // Serial number → the line it was first seen on.
        let mut serials: HashMap<String, u64> = HashMap::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    if record.iter().all(|field| field.trim().is_empty()) {
                        continue; // Excel's `,,,,,` rows
                    }
                    let line = lines.line_of(record.position().map_or(0, csv::Position::byte));
                    match row(&record, &columns, line, encoding) {
                        Ok(row) => {
                            if let Some(first) = serials.get(&row.serial) {
                                each(Item::warning(
                                    format!("line {line}"),
                                    format!(
                                        "serial number '{}' is also on line {first}: both are imported, and `keyfob code` with that serial will list both",
                                        crate::engine::printable::printable(&row.serial, 40)
                                    ),
                                ));
                            } else {
                                serials.insert(row.serial.clone(), line);
                            }
                            each(Item::entry(entra::entry_from_row(&row)));
                        }
                        Err((what, reason)) => each(Item::failed(what, reason)),
                    }
                }
                Err(e) => {
                    let line = lines.line_of(e.position().map_or(0, csv::Position::byte));
                    each(Item::failed(
                        format!("line {line}"),
                        "the CSV row cannot be read (a quote is not closed?)",
                    ));
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

/// One row, or (where, why).
fn row(
    record: &csv::StringRecord,
    columns: &[usize; 6],
    line: u64,
    encoding: SecretEncoding,
) -> Result<TokenRow, (String, String)> {
    let at = |column: &str| format!("line {line}, column '{column}'");
    let field = |i: usize| record.get(columns[i]).map(str::trim);
    let [upn, serial, secret, interval, manufacturer, model] = std::array::from_fn(field);
    let Some(secret) = secret else {
        return Err((
            format!("line {line}"),
            format!(
                "it has {} fields; the header has {}",
                record.len(),
                HEADER.len()
            ),
        ));
    };
    let serial = serial.unwrap_or("");
    if serial.is_empty() {
        return Err((
            at(HEADER[1]),
            "it is empty; Entra needs a serial number for every token".into(),
        ));
    }
    let secret = encoding
        .parse(secret)
        .map_err(|e| (at(HEADER[2]), e.to_string()))?;
    let interval = interval.unwrap_or("");
    let period = match interval {
        "30" => 30,
        "60" => 60,
        other => {
            let shown: String = other.chars().take(12).collect();
            let shown = if shown.is_empty() {
                "an empty value".to_string()
            } else {
                shown
            };
            return Err((at(HEADER[3]), format!("{shown} is not 30 or 60")));
        }
    };
    Ok(TokenRow {
        upn: upn.unwrap_or("").to_string(),
        serial: serial.to_string(),
        secret,
        period,
        manufacturer: manufacturer.unwrap_or("").to_string(),
        model: model.unwrap_or("").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::entry::Entry;

    fn entries(items: &[Item]) -> Vec<&Entry> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Entry(e) => Some(&**e),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn header_variants_bom_crlf_and_quotes() {
        let text = "\u{FEFF} UPN , Serial Number,SECRET KEY,time interval,manufacturer,model\r\n\
            helga@contoso.com,1234567,2234567abcdef2234567abcdef,60,Contoso,HardwareKey\r\n\
            \"lee@contoso.com\",\"KF 0002\",\"JBSW Y3DP EHPK 3PXP\",30,,\"Model, Mk II\"\r\n";
        assert!(EntraCsv.sniff(text.as_bytes()));
        let items = EntraCsv.read(text.as_bytes(), None).unwrap();
        let got = entries(&items);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].issuer, "Contoso");
        assert_eq!(got[0].period, 60);
        assert_eq!(got[1].issuer, entra::DEFAULT_ISSUER);
        assert_eq!(got[1].serial.as_deref(), Some("KF 0002"));
        assert_eq!(got[1].model.as_deref(), Some("Model, Mk II"));
    }

    #[test]
    fn columns_in_another_order() {
        let text = "serial number,upn,time interval,secret key,model,manufacturer\nS1,a@b.c,30,JBSWY3DPEHPK3PXP,M,Maker\n";
        let items = EntraCsv.read(text.as_bytes(), None).unwrap();
        let e = entries(&items)[0];
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("Maker", "a@b.c"));
    }

    #[test]
    fn row_errors_name_line_and_column() {
        let text = "upn,serial number,secret key,time interval,manufacturer,model\n\
            a@x,S1,JBSWY3DPEHPK3PXP,30,M,m\n\
            b@x,S2,JBSW0Y3DP,30,M,m\n\
            c@x,S3,JBSWY3DPEHPK3PXP,45,M,m\n\
            d@x,,JBSWY3DPEHPK3PXP,30,M,m\n\
            e@x,S5\n";
        let items = EntraCsv.read(text.as_bytes(), None).unwrap();
        let failures: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Item::Failed { what, reason } => Some(format!("{what}: {reason}")),
                _ => None,
            })
            .collect();
        assert_eq!(entries(&items).len(), 1);
        assert!(
            failures[0].starts_with("line 3, column 'secret key': '0' at position 5"),
            "{failures:?}"
        );
        assert_eq!(
            failures[1],
            "line 4, column 'time interval': 45 is not 30 or 60"
        );
        assert!(
            failures[2].starts_with("line 5, column 'serial number': it is empty"),
            "{failures:?}"
        );
        assert_eq!(failures[3], "line 6: it has 2 fields; the header has 6");
    }

    #[test]
    fn missing_column_fails_the_file() {
        let text = "upn,serial number,secret key,manufacturer,model\na,S1,JBSWY3DPEHPK3PXP,M,m\n";
        assert!(EntraCsv.sniff(text.as_bytes()));
        let e = EntraCsv
            .read(text.as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("the CSV header has no 'time interval' column"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod locale_tests {
    use super::*;

    fn summary(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Item::Entry(e) => {
                    format!("entry {} {}", e.account, e.serial.as_deref().unwrap_or(""))
                }
                Item::Failed { what, reason } => format!("failed {what}: {reason}"),
                Item::Warning { what, text } => format!("warning {what}: {text}"),
            })
            .collect()
    }

    #[test]
    fn semicolons_tabs_and_empty_rows() {
        for sep in [";", "\t", ","] {
            let text = format!(
                "upn{sep}serial number{sep}secret key{sep}time interval{sep}manufacturer{sep}model\r\n\
                 a@x{sep}S1{sep}JBSWY3DPEHPK3PXP{sep}30{sep}Maker, Inc.{sep}M\r\n\
                 {sep}{sep}{sep}{sep}{sep}\r\n\
                 b@x{sep}S2{sep}GEZDGNBVGY3TQOJQ{sep}60{sep}{sep}\r\n\
                 {sep}{sep}{sep}{sep}{sep}\r\n"
            );
            assert!(EntraCsv.sniff(text.as_bytes()), "{sep:?}");
            let items = EntraCsv.read(text.as_bytes(), None).unwrap();
            assert_eq!(summary(&items), ["entry a@x S1", "entry b@x S2"], "{sep:?}");
        }
    }

    #[test]
    fn utf16_files_are_text() {
        let text = "upn,serial number,secret key,time interval,manufacturer,model\r\nänn@x,S1,JBSWY3DPEHPK3PXP,30,M,m\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert!(EntraCsv.sniff(&bytes));
        assert_eq!(super::super::detect(&bytes).unwrap().name(), "entra-csv");
        let items = EntraCsv.read(&bytes, None).unwrap();
        assert_eq!(summary(&items), ["entry änn@x S1"]);
    }

    #[test]
    fn duplicate_serials_are_warned_naming_both_lines() {
        let text = "upn,serial number,secret key,time interval,manufacturer,model\n\
            a@x,S1,JBSWY3DPEHPK3PXP,30,M,m\n\
            b@x,S2,GEZDGNBVGY3TQOJQ,30,M,m\n\
            c@x,S1,KRSXG5CTMVRXEZLU,30,M,m\n";
        let items = EntraCsv.read(text.as_bytes(), None).unwrap();
        let got = summary(&items);
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(
            got[2].starts_with("warning line 4: serial number 'S1' is also on line 2"),
            "{got:?}"
        );
    }

    #[test]
    fn hex_secrets_on_request() {
        let text = "upn,serial number,secret key,time interval,manufacturer,model\n\
            a@x,S1,48656c6c6f21deadbeef,30,M,m\n\
            b@x,S2,48656c6c6f21deadbeeg,30,M,m\n";
        let items = EntraCsv
            .read_encoded(text.as_bytes(), None, SecretEncoding::Hex)
            .unwrap();
        let Item::Entry(e) = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(e.secret.base32(), "JBSWY3DPEHPK3PXP");
        let Item::Failed { what, reason } = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!(what, "line 3, column 'secret key'");
        assert!(
            reason.contains("'g' at position 20 is not a hexadecimal digit"),
            "{reason}"
        );
        // Base32 by default: the same hex is refused there, naming a character.
        let items = EntraCsv.read(text.as_bytes(), None).unwrap();
        assert!(matches!(&items[0], Item::Failed { reason, .. } if reason.contains("'8'")));
    }
}
