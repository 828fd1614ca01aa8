//! Google Authenticator's "Transfer accounts" export as text: one
//! `otpauth-migration://offline?data=…` URI per line (what a QR scanner shows for each of the
//! export's QR codes). Batches split over several codes are checked for completeness.
//! Screenshots of the codes themselves are read by the `qr` format.

use age::secrecy::SecretString;

use super::otpauth::{first_line_is, read_lines};
use super::{Format, ImportError, Item};

pub struct GoogleMigration;

impl Format for GoogleMigration {
    fn name(&self) -> &'static str {
        "google-migration"
    }

    fn summary(&self) -> &'static str {
        "Google Authenticator transfer (otpauth-migration://)"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        first_line_is(bytes, "otpauth-migration")
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        read_lines(bytes)
    }
}
