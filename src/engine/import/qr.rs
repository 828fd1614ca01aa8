//! Images (PNG or JPEG) holding one or more QR codes, each an `otpauth://` URI or a Google
//! Authenticator `otpauth-migration://` batch: a screenshot of Entra's "Scan the QR code"
//! page, of a website's setup page, or of a phone's transfer screen — rescaled, blurred,
//! compressed, rotated, photographed, light on dark.
//!
//! Codes are numbered top to bottom, then left to right. A code that cannot be decoded, or
//! holds something else, fails alone without showing its content.
//!
//! The search is crates/qrscan (`keyfob_qrscan::scan`): bounded work on any picture (a
//! 4000×4000 one of anything in well under 2 s on one core), decode rate measured beside
//! zbarimg's in benches/qr_corpus.rs. The CLI's `import`, the screen's `i` import and its add
//! form all read images through [`Qr`].

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

    fn summary(&self) -> &'static str {
        "PNG or JPEG images holding QR codes"
    }

    fn sniff(&self, bytes: &[u8]) -> bool {
        bytes.starts_with(PNG) || bytes.starts_with(JPEG)
    }

    fn read(&self, bytes: &[u8], _: Option<&SecretString>) -> Result<Vec<Item>, ImportError> {
        let codes = qr_texts(bytes)?;
        let mut reader = UriReader::default();
        for (i, code) in codes.into_iter().enumerate() {
            let what = format!("QR code {}", i + 1);
            match code {
                Err(reason) => reader.push_item(Item::failed(what, reason)),
                Ok(text) => {
                    let text = text.trim();
                    let known = ["otpauth", "otpauth-migration"]
                        .iter()
                        .any(|s| crate::engine::uri::strip_scheme(text, s).is_some());
                    if known {
                        reader.push(&what, text);
                    } else {
                        reader.push_item(Item::failed(
                            what,
                            "it holds something other than an otpauth:// or otpauth-migration:// URI",
                        ));
                    }
                }
            }
        }
        Ok(reader.finish())
    }
}

/// A decoded code's text, or why it could not be read.
pub type QrText = Result<Zeroizing<String>, String>;

/// The text of every QR code in an image file (PNG or JPEG), in reading order; a place that
/// looks like a code but cannot be decoded is an `Err` saying so. An image without any code
/// is an error.
pub fn qr_texts(bytes: &[u8]) -> Result<Vec<QrText>, ImportError> {
    let codes = keyfob_qrscan::scan(bytes).map_err(|e| ImportError::Malformed(e.to_string()))?;
    if codes.is_empty() {
        return Err(ImportError::Malformed(
            "no QR code was found in the image".into(),
        ));
    }
    Ok(codes
        .into_iter()
        .map(|code| code.text.map_err(|e| e.to_string()))
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

    /// Four codes in a 2×2 grid (rqrr, keyfob's first decoder, mixed up their finder patterns).
    #[test]
    fn codes_in_a_grid_are_all_read_in_order() {
        use qrcode::{Color, QrCode};
        let texts: Vec<String> = (0..4)
            .map(|i| format!("otpauth://totp/Grid:user{i}?secret=JBSWY3DPEHPK3PXP&issuer=Grid"))
            .collect();
        let (scale, cell) = (4u32, 45u32);
        let mut img =
            image::GrayImage::from_pixel(cell * scale * 2, cell * scale * 2, image::Luma([255]));
        for (i, text) in texts.iter().enumerate() {
            let code = QrCode::new(text.as_bytes()).unwrap();
            let w = code.width() as u32;
            let colors = code.to_colors();
            let (ox, oy) = ((i as u32 % 2) * cell + 4, (i as u32 / 2) * cell + 4);
            for y in 0..w * scale {
                for x in 0..w * scale {
                    if colors[((y / scale) * w + x / scale) as usize] == Color::Dark {
                        img.put_pixel(ox * scale + x, oy * scale + y, image::Luma([0]));
                    }
                }
            }
        }
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let items = Qr.read(&png, None).unwrap();
        let names: Vec<String> = items
            .iter()
            .map(|i| match i {
                Item::Entry(e) => e.account.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(names, ["user0", "user1", "user2", "user3"]);
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
