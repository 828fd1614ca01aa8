//! Images (PNG or JPEG) holding one or more QR codes, each an `otpauth://` URI or a Google
//! Authenticator `otpauth-migration://` batch: a screenshot of Entra's "Scan the QR code"
//! page, of a website's setup page, or of a phone's transfer screen.
//!
//! Codes are numbered top to bottom, then left to right. A code that cannot be decoded, or
//! holds something else, fails alone without showing its content.

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::otpauth::UriReader;
use super::{Format, ImportError, Item};

pub struct Qr;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG: &[u8] = b"\xFF\xD8\xFF";

impl Format for Qr {
    fn name(&self) -> &'static str {
        "qr"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        bytes.starts_with(PNG) || bytes.starts_with(JPEG)
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        let codes = scan(bytes)?;
        let mut reader = UriReader::default();
        for (i, code) in codes.into_iter().enumerate() {
            let what = format!("QR code {}", i + 1);
            match code {
                Err(reason) => reader_fail(&mut reader, &what, &reason),
                Ok(text) => {
                    let text = text.trim();
                    let known = ["otpauth", "otpauth-migration"]
                        .iter()
                        .any(|s| crate::engine::uri::strip_scheme(text, s).is_some());
                    if known {
                        reader.push(&what, text);
                    } else {
                        reader_fail(
                            &mut reader,
                            &what,
                            "it holds something other than an otpauth:// or otpauth-migration:// URI",
                        );
                    }
                }
            }
        }
        Ok(reader.finish())
    }
}

fn reader_fail(reader: &mut UriReader, what: &str, reason: &str) {
    reader.push_item(Item::failed(what, reason));
}

/// The text of every QR code in the image, in reading order (or why one could not be read).
pub(crate) fn scan(bytes: &[u8]) -> Result<Vec<Result<Zeroizing<String>, String>>, ImportError> {
    let image = image::load_from_memory(bytes)
        .map_err(|e| ImportError::Malformed(format!("the image cannot be decoded: {e}")))?
        .into_luma8();
    let (width, height) = image.dimensions();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        usize::try_from(width).unwrap_or(0),
        usize::try_from(height).unwrap_or(0),
        |x, y| {
            image
                .get_pixel(u32::try_from(x).unwrap_or(0), u32::try_from(y).unwrap_or(0))
                .0[0]
        },
    );
    let mut grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(ImportError::Malformed(
            "no QR code was found in the image".into(),
        ));
    }
    // Reading order: rows of codes (by top edge, in bands of the code's height), then columns.
    grids.sort_by_key(|g| {
        let top = g.bounds.iter().map(|p| p.y).min().unwrap_or(0);
        let left = g.bounds.iter().map(|p| p.x).min().unwrap_or(0);
        (top / 64, left)
    });
    Ok(grids
        .iter()
        .map(|grid| {
            let mut raw = Zeroizing::new(Vec::new());
            grid.decode_to(&mut *raw)
                .map_err(|e| format!("it cannot be decoded ({e})"))?;
            String::from_utf8(std::mem::take(&mut *raw))
                .map(Zeroizing::new)
                .map_err(|_| "it does not hold text".to_string())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_sniffed_by_signature() {
        assert!(Qr.sniff(b"\x89PNG\r\n\x1a\n...."));
        assert!(Qr.sniff(b"\xFF\xD8\xFF\xE0...."));
        assert!(!Qr.sniff(b"otpauth://totp/x"));
    }

    #[test]
    fn broken_images_say_so() {
        let e = Qr
            .read(b"\x89PNG\r\n\x1a\nbroken", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("the image cannot be decoded"), "{e}");
    }
}
