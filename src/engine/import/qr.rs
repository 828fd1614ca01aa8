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

    fn summary(&self) -> &'static str {
        "PNG or JPEG images holding QR codes"
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

/// A decoded code's text, or why it could not be read.
type Decoded = Result<Zeroizing<String>, String>;

/// Passes over the image at most: each pass blanks the codes it decoded and looks again.
const MAX_PASSES: usize = 6;

/// The text of every QR code in the image, in reading order (or why one could not be read).
///
/// rqrr groups finder patterns into codes; with several codes in a grid it can group patterns
/// of different codes and then fail on both. So each pass keeps what decoded, paints those
/// codes white and scans again; the failures of the last pass are the real ones.
pub(crate) fn scan(bytes: &[u8]) -> Result<Vec<Decoded>, ImportError> {
    let mut image = image::load_from_memory(bytes)
        .map_err(|e| ImportError::Malformed(format!("the image cannot be decoded: {e}")))?
        .into_luma8();
    let (width, height) = image.dimensions();
    let mut found: Vec<(Bounds, Decoded)> = Vec::new();
    for _ in 0..MAX_PASSES {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            usize::try_from(width).unwrap_or(0),
            usize::try_from(height).unwrap_or(0),
            |x, y| {
                image
                    .get_pixel(u32::try_from(x).unwrap_or(0), u32::try_from(y).unwrap_or(0))
                    .0[0]
            },
        );
        let (good, bad): (Vec<_>, Vec<_>) = prepared
            .detect_grids()
            .iter()
            .map(|grid| (Bounds::of(grid), decode(grid)))
            .partition(|(_, r)| r.is_ok());
        let again = !good.is_empty() && !bad.is_empty();
        for (bounds, _) in &good {
            bounds.paint_white(&mut image);
        }
        found.extend(good);
        if !again {
            found.extend(bad);
            break;
        }
    }
    if found.is_empty() {
        return Err(ImportError::Malformed(
            "no QR code was found in the image".into(),
        ));
    }
    Ok(reading_order(found))
}

fn decode<G: rqrr::BitGrid>(grid: &rqrr::Grid<G>) -> Decoded {
    let mut raw = Zeroizing::new(Vec::new());
    grid.decode_to(&mut *raw)
        .map_err(|e| format!("it cannot be decoded ({e})"))?;
    String::from_utf8(std::mem::take(&mut *raw))
        .map(Zeroizing::new)
        .map_err(|_| "it does not hold text".to_string())
}

/// A code's bounding box in pixels.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

impl Bounds {
    fn of<G>(grid: &rqrr::Grid<G>) -> Bounds {
        let xs = grid.bounds.iter().map(|p| p.x);
        let ys = grid.bounds.iter().map(|p| p.y);
        Bounds {
            left: xs.clone().min().unwrap_or(0),
            right: xs.max().unwrap_or(0),
            top: ys.clone().min().unwrap_or(0),
            bottom: ys.max().unwrap_or(0),
        }
    }

    /// Paints the box (with a small margin) white, so the next pass does not see the code.
    fn paint_white(&self, image: &mut image::GrayImage) {
        let margin = (self.right - self.left).max(self.bottom - self.top) / 16 + 2;
        let clamp = |v: i32, max: u32| u32::try_from(v.max(0)).unwrap_or(0).min(max);
        let (w, h) = image.dimensions();
        for y in clamp(self.top - margin, h)..clamp(self.bottom + margin, h) {
            for x in clamp(self.left - margin, w)..clamp(self.right + margin, w) {
                image.put_pixel(x, y, image::Luma([255]));
            }
        }
    }
}

/// Rows of codes (top edges within half a code's height of the row's first code), each row
/// left to right.
fn reading_order(mut found: Vec<(Bounds, Decoded)>) -> Vec<Decoded> {
    found.sort_by_key(|(b, _)| b.top);
    let mut start = 0;
    while start < found.len() {
        let first = found[start].0;
        let limit = first.top + (first.bottom - first.top) / 2;
        let end = found[start..]
            .iter()
            .position(|(b, _)| b.top > limit)
            .map_or(found.len(), |n| start + n);
        found[start..end].sort_by_key(|(b, _)| b.left);
        start = end;
    }
    found.into_iter().map(|(_, r)| r).collect()
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

    /// Four codes in a 2×2 grid: rqrr alone mixes up their finder patterns.
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
