//! Microsoft Entra ID hardware-token seeds: the upload CSV's rows and rules.
//!
//! Promises:
//! - The CSV header is exactly `upn,serial number,secret key,time interval,manufacturer,model`.
//! - A row becomes a totp entry: SHA1, 6 digits, period = time interval, account = upn,
//!   issuer = manufacturer (or "Microsoft Entra ID" when empty), serial/manufacturer/model/upn
//!   kept as metadata; [`row_from_entry`] is the inverse and checks Entra's rules.

use zeroize::Zeroizing;

use super::entry::Entry;
use super::otp::{Algorithm, Kind};
use super::secret::Secret;

pub const HEADER: [&str; 6] = [
    "upn",
    "serial number",
    "secret key",
    "time interval",
    "manufacturer",
    "model",
];
pub const DEFAULT_ISSUER: &str = "Microsoft Entra ID";
/// Entra refuses longer Base32 secrets.
pub const MAX_SECRET_CHARS: usize = 128;

/// One token as Entra's upload CSV describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub upn: String,
    pub serial: String,
    pub secret: Secret,
    pub period: u32,
    pub manufacturer: String,
    pub model: String,
}

/// The vault entry for a token row.
pub fn entry_from_row(row: &TokenRow) -> Entry {
    let issuer = if row.manufacturer.trim().is_empty() {
        DEFAULT_ISSUER.to_string()
    } else {
        row.manufacturer.trim().to_string()
    };
    let account = if row.upn.trim().is_empty() {
        row.serial.trim().to_string()
    } else {
        row.upn.trim().to_string()
    };
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let mut entry = Entry::new(issuer, account, row.secret.clone());
    entry.period = row.period;
    entry.serial = non_empty(&row.serial);
    entry.manufacturer = non_empty(&row.manufacturer);
    entry.model = non_empty(&row.model);
    entry.upn = non_empty(&row.upn);
    // Control characters in any column become U+FFFD, as for every other importer.
    entry.normalize();
    entry
}

/// The CSV row for an entry, or why Entra would refuse it.
pub fn row_from_entry(entry: &Entry) -> Result<TokenRow, String> {
    if entry.kind != Kind::Totp {
        return Err(format!(
            "Entra takes only TOTP tokens, this is {}",
            entry.kind
        ));
    }
    if entry.algorithm != Algorithm::Sha1 {
        return Err(format!(
            "Entra takes only SHA1, this uses {}",
            entry.algorithm
        ));
    }
    if entry.digits != 6 {
        return Err(format!(
            "Entra takes only 6 digits, this has {}",
            entry.digits
        ));
    }
    if entry.period != 30 && entry.period != 60 {
        return Err(format!(
            "Entra takes a 30 or 60 s period, this has {} s",
            entry.period
        ));
    }
    if entry.secret.base32_len() > MAX_SECRET_CHARS {
        return Err(format!(
            "the secret is {} Base32 characters; Entra takes at most {MAX_SECRET_CHARS}",
            entry.secret.base32_len()
        ));
    }
    let serial = entry.serial.clone().unwrap_or_default();
    if serial.is_empty() {
        return Err("it has no serial number (set one with `keyfob edit --serial`)".into());
    }
    Ok(TokenRow {
        upn: entry.upn.clone().unwrap_or_else(|| {
            if entry.account.contains('@') {
                entry.account.clone()
            } else {
                String::new()
            }
        }),
        serial,
        secret: entry.secret.clone(),
        period: entry.period,
        manufacturer: entry.manufacturer.clone().unwrap_or_default(),
        model: entry.model.clone().unwrap_or_default(),
    })
}

/// The upload file: header and one line per row, secrets as unpadded upper-case Base32.
pub fn write_csv(rows: &[TokenRow]) -> Zeroizing<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(HEADER);
    for row in rows {
        let period = row.period.to_string();
        let secret = row.secret.to_base32();
        let _ = writer.write_record([
            row.upn.as_str(),
            row.serial.as_str(),
            secret.as_str(),
            period.as_str(),
            row.manufacturer.as_str(),
            row.model.as_str(),
        ]);
    }
    Zeroizing::new(writer.into_inner().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> TokenRow {
        TokenRow {
            upn: "helga@contoso.com".into(),
            serial: "1234567".into(),
            secret: Secret::parse_base32("2234567abcdef2234567abcdef").unwrap(),
            period: 60,
            manufacturer: "Contoso".into(),
            model: "HardwareKey".into(),
        }
    }

    #[test]
    fn row_entry_row_round_trip() {
        let entry = entry_from_row(&row());
        assert_eq!(entry.issuer, "Contoso");
        assert_eq!(entry.account, "helga@contoso.com");
        assert_eq!(entry.period, 60);
        assert_eq!(row_from_entry(&entry).unwrap(), row());
    }

    #[test]
    fn empty_manufacturer_gets_the_default_issuer() {
        let mut r = row();
        r.manufacturer.clear();
        assert_eq!(entry_from_row(&r).issuer, DEFAULT_ISSUER);
    }

    #[test]
    fn csv_matches_the_upload_format() {
        let text = String::from_utf8(write_csv(&[row()]).to_vec()).unwrap();
        assert_eq!(
            text,
            "upn,serial number,secret key,time interval,manufacturer,model\r\nhelga@contoso.com,1234567,2234567ABCDEF2234567ABCDEF,60,Contoso,HardwareKey\r\n"
        );
    }

    #[test]
    fn entra_rules_are_checked() {
        let mut e = entry_from_row(&row());
        e.period = 45;
        assert!(row_from_entry(&e).unwrap_err().contains("30 or 60"));
        let mut e = entry_from_row(&row());
        e.digits = 8;
        assert!(row_from_entry(&e).unwrap_err().contains("6 digits"));
        let mut e = entry_from_row(&row());
        e.serial = None;
        assert!(row_from_entry(&e).unwrap_err().contains("serial"));
    }
}
