//! QR codes of entries, for moving them to a phone: one `otpauth://` code per entry, or
//! Google Authenticator transfer batches (several accounts per code). Drawn as text with
//! Unicode half blocks (two module rows per line) or as one PNG holding all the codes one
//! under the other.
//!
//! Promises: an entry whose URI does not fit in a QR code is skipped with the reason; pixel
//! and text buffers that show the codes are zeroized.

use image::ImageEncoder;
use qrcode::{Color, EcLevel, QrCode};
use zeroize::{Zeroize, Zeroizing};

use super::{ExportError, Exported};
use crate::engine::entry::Entry;
use crate::engine::{migration, uri};

/// Modules of white border around each code (the QR standard asks for 4).
const QUIET: usize = 4;
/// Pixels per module in PNGs.
const SCALE: usize = 6;

/// What the codes will hold, each with a caption.
#[derive(Debug)]
pub struct QrCodes {
    pub codes: Vec<(String, Zeroizing<String>)>,
    pub skipped: Vec<(String, String)>,
}

/// One `otpauth://` code per entry, or (with a batch id) transfer batches.
pub fn qr_codes(entries: &[Entry], migration_batch: Option<i32>) -> QrCodes {
    match migration_batch {
        None => QrCodes {
            codes: entries.iter().map(|e| (e.name(), uri::to_uri(e))).collect(),
            skipped: Vec::new(),
        },
        Some(id) => {
            let (uris, skipped) = migration::encode(entries, id);
            let total = uris.len();
            let codes = uris
                .into_iter()
                .enumerate()
                .map(|(i, u)| {
                    (
                        format!(
                            "Google Authenticator transfer, QR code {} of {total}",
                            i + 1
                        ),
                        u,
                    )
                })
                .collect();
            QrCodes { codes, skipped }
        }
    }
}

/// A code's modules (true = dark), or why it cannot be made.
struct Matrix {
    width: usize,
    dark: Vec<bool>,
}

impl Matrix {
    fn new(text: &str, level: EcLevel) -> Result<Matrix, String> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), level)
            .map_err(|e| format!("it does not fit in a QR code ({e})"))?;
        Ok(Matrix {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Dark at (x, y) counting the quiet zone; outside is light.
    fn is_dark(&self, x: usize, y: usize) -> bool {
        let (Some(x), Some(y)) = (x.checked_sub(QUIET), y.checked_sub(QUIET)) else {
            return false;
        };
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    fn full_width(&self) -> usize {
        self.width + 2 * QUIET
    }
}

impl Drop for Matrix {
    fn drop(&mut self) {
        self.dark.zeroize();
    }
}

/// The codes as text: a caption line, then the code in half blocks. The text colour draws the
/// light modules (right for light-on-dark terminals); `invert` draws the dark ones instead.
pub fn qr_text(codes: &QrCodes, invert: bool) -> Exported {
    let mut out = Zeroizing::new(String::new());
    let mut skipped = codes.skipped.clone();
    for (label, text) in &codes.codes {
        let matrix = match Matrix::new(text, EcLevel::L) {
            Ok(m) => m,
            Err(reason) => {
                skipped.push((label.clone(), reason));
                continue;
            }
        };
        out.push_str(label);
        out.push('\n');
        let size = matrix.full_width();
        for y in (0..size).step_by(2) {
            for x in 0..size {
                let ink = |y: usize| y < size && matrix.is_dark(x, y) == invert;
                out.push(match (ink(y), ink(y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push('\n');
        }
        out.push('\n');
    }
    Exported {
        bytes: Zeroizing::new(std::mem::take(&mut *out).into_bytes()),
        skipped,
    }
}

/// All codes in one greyscale PNG, one under the other.
pub fn qr_png(codes: &QrCodes) -> Result<Exported, ExportError> {
    let mut skipped = codes.skipped.clone();
    let mut matrices = Vec::new();
    for (label, text) in &codes.codes {
        match Matrix::new(text, EcLevel::M) {
            Ok(m) => matrices.push(m),
            Err(reason) => skipped.push((label.clone(), reason)),
        }
    }
    if matrices.is_empty() {
        let why = skipped
            .first()
            .map(|(name, reason)| format!(": '{name}' {reason}"))
            .unwrap_or_default();
        return Err(ExportError::Nothing(why));
    }
    let cell = matrices.iter().map(Matrix::full_width).max().unwrap_or(0) * SCALE;
    // One column: rqrr (and some phone scanners) confuse the finder patterns of codes laid
    // out in a two-dimensional grid.
    let columns = 1;
    let rows = matrices.len().div_ceil(columns);
    let (width, height) = (columns * cell, rows * cell);
    let mut pixels = Zeroizing::new(vec![255u8; width * height]);
    for (i, matrix) in matrices.iter().enumerate() {
        let (left, top) = ((i % columns) * cell, (i / columns) * cell);
        for y in 0..matrix.full_width() * SCALE {
            let row = &mut pixels[(top + y) * width + left..][..matrix.full_width() * SCALE];
            for (x, px) in row.iter_mut().enumerate() {
                if matrix.is_dark(x / SCALE, y / SCALE) {
                    *px = 0;
                }
            }
        }
    }
    let mut bytes = Zeroizing::new(Vec::new());
    let too_big = |_| ExportError::Png("the image would be too large".into());
    image::codecs::png::PngEncoder::new(&mut *bytes)
        .write_image(
            &pixels,
            u32::try_from(width).map_err(too_big)?,
            u32::try_from(height).map_err(too_big)?,
            image::ExtendedColorType::L8,
        )
        .map_err(|e| ExportError::Png(e.to_string()))?;
    Ok(Exported { bytes, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::import::{self, Item};
    use crate::engine::secret::Secret;

    fn entries(n: usize) -> Vec<Entry> {
        (0..n)
            .map(|i| {
                Entry::new(
                    format!("Issuer {i}"),
                    format!("user{i}@example.com"),
                    Secret::from_bytes(vec![i as u8 + 1; 20]).unwrap(),
                )
            })
            .collect()
    }

    fn read_back(png: &[u8]) -> Vec<Entry> {
        let format = import::detect(png).unwrap();
        assert_eq!(format.name(), "qr");
        format
            .read(png, None)
            .unwrap()
            .into_iter()
            .map(|i| match i {
                Item::Entry(e) => *e,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn png_per_entry_reads_back_in_order() {
        let list = entries(5);
        let png = qr_png(&qr_codes(&list, None)).unwrap();
        assert!(png.skipped.is_empty());
        assert_eq!(read_back(&png.bytes), list);
    }

    #[test]
    fn png_migration_batches_read_back() {
        let list = entries(12);
        let codes = qr_codes(&list, Some(99));
        assert_eq!(codes.codes.len(), 2);
        assert_eq!(
            codes.codes[1].0,
            "Google Authenticator transfer, QR code 2 of 2"
        );
        let png = qr_png(&codes).unwrap();
        assert_eq!(read_back(&png.bytes), list);
    }

    #[test]
    fn text_uses_half_blocks_with_a_caption() {
        let list = entries(1);
        let out = qr_text(&qr_codes(&list, None), false);
        let text = String::from_utf8(out.bytes.to_vec()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("Issuer 0:user0@example.com"));
        let first = lines.next().unwrap();
        // The quiet zone is light: drawn with the text colour in the default mode.
        assert!(first.chars().all(|c| c == '█'), "{first}");
        let width = first.chars().count();
        assert!(
            text.lines()
                .skip(1)
                .take_while(|l| !l.is_empty())
                .all(|l| l.chars().count() == width)
        );
        let inverted = qr_text(&qr_codes(&list, None), true);
        let inverted = String::from_utf8(inverted.bytes.to_vec()).unwrap();
        assert!(inverted.lines().nth(1).unwrap().chars().all(|c| c == ' '));
    }

    /// The half-block drawing is a real QR code: paint it as a terminal would (text colour
    /// light, background dark) and decode it.
    #[test]
    fn text_drawing_decodes() {
        let list = entries(1);
        let out = qr_text(&qr_codes(&list, None), false);
        let text = String::from_utf8(out.bytes.to_vec()).unwrap();
        let rows: Vec<Vec<char>> = text
            .lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .map(|l| l.chars().collect())
            .collect();
        let scale = 4u32;
        let (w, h) = (rows[0].len() as u32, rows.len() as u32 * 2);
        let mut img = image::GrayImage::new(w * scale, h * scale);
        for (y, row) in rows.iter().enumerate() {
            for (x, c) in row.iter().enumerate() {
                let (top, bottom) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    _ => (false, false),
                };
                for (half, lit) in [(0, top), (1, bottom)] {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let py = (y as u32 * 2 + half) * scale + dy;
                            let v = if lit { 230 } else { 20 };
                            img.put_pixel(x as u32 * scale + dx, py, image::Luma([v]));
                        }
                    }
                }
            }
        }
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(read_back(&png), list);
    }

    #[test]
    fn nothing_to_draw_is_an_error() {
        let mut steam = entries(1);
        steam[0] = steam[0].clone().with_steam();
        let e = qr_png(&qr_codes(&steam, Some(1))).unwrap_err().to_string();
        assert!(e.contains("nothing to export"), "{e}");
        assert!(e.contains("Steam"), "{e}");
    }
}
