//! Microsoft Entra ID hardware-token CSV (`upn,serial number,secret key,time interval,
//! manufacturer,model`), as uploaded to Entra and as `keyfob generate --entra-csv` prints it.
//!
//! Promises (CONTRACT.md): header case and surrounding spaces do not matter, columns may come
//! in any order, a UTF-8 BOM and CRLF line ends are accepted, fields may be quoted. A missing
//! column fails the whole file, naming the column; a bad row fails alone, naming its line and
//! column ("line 4, column 'time interval': 45 is not 30 or 60"). Rows become entries through
//! [`entra::entry_from_row`].

use age::secrecy::SecretString;

use super::lines::LineCounter;
use super::{Format, ImportError, Item, SecretEncoding};
use crate::engine::entra::{self, HEADER, TokenRow};

pub struct EntraCsv;

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes())
}

fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

impl Format for EntraCsv {
    fn name(&self) -> &'static str {
        "entra-csv"
    }

    /// At least three of the six column names in the first line (so a file with one column
    /// missing is still recognised, and then told which).
    fn sniff(&self, bytes: &[u8]) -> bool {
        let Ok(text) = super::text(bytes) else {
            return false;
        };
        let first_line = text.lines().next().unwrap_or("");
        let Ok(header) = reader(first_line).headers().cloned() else {
            return false;
        };
        let names: Vec<String> = header.iter().map(normalise).collect();
        HEADER
            .iter()
            .filter(|h| names.iter().any(|n| n == *h))
            .count()
            >= 3
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
        _: Option<&SecretString>,
        encoding: SecretEncoding,
    ) -> Result<Vec<Item>, ImportError> {
        let text = super::text(bytes)?;
        let mut reader = reader(text);
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
        let mut items = Vec::new();
        let mut lines = LineCounter::new(text);
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = lines.line_of(record.position().map_or(0, csv::Position::byte));
                    items.push(match row(&record, &columns, line, encoding) {
                        Ok(row) => Item::entry(entra::entry_from_row(&row)),
                        Err((what, reason)) => Item::failed(what, reason),
                    });
                }
                Err(e) => {
                    let line = lines.line_of(e.position().map_or(0, csv::Position::byte));
                    items.push(Item::failed(
                        format!("line {line}"),
                        "the CSV row cannot be read (a quote is not closed?)",
                    ));
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        break;
                    }
                }
            }
        }
        Ok(items)
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
