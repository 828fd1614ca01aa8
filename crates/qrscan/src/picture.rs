//! Turning an image file into the grey picture the search works on.
//!
//! Promises: PNG and JPEG only; a picture over [`MAX_PIXELS`] is refused before it is
//! decoded (a one-line error giving its size), and one over [`SEARCH_PIXELS`] is scaled down
//! first, so the search never sees more than a 4000×4000 screenshot. Transparent pixels count
//! as white (a code exported on a transparent background reads as it looks). The grey levels
//! are stretched over the full range, so a faint code reads like a crisp one. Buffers keyfob
//! owns are wiped when dropped.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageBuffer, ImageReader, Limits, Luma};
use zeroize::Zeroizing;

use crate::LoadError;

/// Pictures larger than this are refused: 100 megapixels, more than any phone screen.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Pictures larger than this are scaled down before the search (a 4000×4000 screenshot).
pub const SEARCH_PIXELS: u64 = 16_000_000;

/// A grey picture whose pixels are wiped when it is dropped.
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub pixels: Zeroizing<Vec<u8>>,
}

impl Picture {
    pub fn from_gray(image: GrayImage) -> Picture {
        let (width, height) = image.dimensions();
        Picture {
            width,
            height,
            pixels: Zeroizing::new(image.into_raw()),
        }
    }

    pub fn pixel_count(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// The pixels as an `image` buffer (for resizing).
    fn view(&self) -> Option<ImageBuffer<Luma<u8>, &[u8]>> {
        ImageBuffer::from_raw(self.width, self.height, self.pixels.as_slice())
    }
}

/// Decodes `bytes` (PNG or JPEG) into a grey picture ready for the search.
pub fn load(bytes: &[u8]) -> Result<Picture, LoadError> {
    let cannot = |e: &dyn std::fmt::Display| LoadError::Undecodable(e.to_string());
    let reader = || {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| cannot(&e))
    };
    let (width, height) = reader()?.into_dimensions().map_err(|e| cannot(&e))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(LoadError::TooLarge { width, height });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    let mut reader = reader()?;
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| cannot(&e))?;
    let mut gray = Picture::from_gray(flatten(decoded));
    if gray.pixel_count() > SEARCH_PIXELS {
        gray = shrink(&gray, SEARCH_PIXELS);
    }
    stretch(&mut gray);
    Ok(gray)
}

/// Grey levels, with transparency composited over white.
fn flatten(decoded: DynamicImage) -> GrayImage {
    if !decoded.color().has_alpha() {
        return decoded.into_luma8();
    }
    let (width, height) = (decoded.width(), decoded.height());
    let pairs = Zeroizing::new(decoded.into_luma_alpha8().into_raw());
    let gray = pairs
        .chunks_exact(2)
        .map(|pair| {
            let (luma, alpha) = (u32::from(pair[0]), u32::from(pair[1]));
            let white = 255 * (255 - alpha);
            u8::try_from((luma * alpha + white) / 255).unwrap_or(u8::MAX)
        })
        .collect();
    GrayImage::from_raw(width, height, gray).unwrap_or_default()
}

/// `picture` scaled down (by averaging) to at most `max_pixels`.
pub fn shrink(picture: &Picture, max_pixels: u64) -> Picture {
    let factor = (picture.pixel_count() as f64 / max_pixels as f64).sqrt();
    let width = ((f64::from(picture.width) / factor) as u32).max(1);
    let height = ((f64::from(picture.height) / factor) as u32).max(1);
    scaled(picture, width, height)
}

/// `picture` resized to `width`×`height` (averaging when shrinking, bilinear when growing).
pub fn scaled(picture: &Picture, width: u32, height: u32) -> Picture {
    let Some(view) = picture.view() else {
        return Picture::from_gray(GrayImage::new(width, height));
    };
    Picture::from_gray(if width <= picture.width {
        image::imageops::thumbnail(&view, width, height)
    } else {
        image::imageops::resize(&view, width, height, image::imageops::FilterType::Triangle)
    })
}

/// Spreads the grey levels between the darkest and lightest 0.5 % over 0..=255, so a faint
/// code (light grey on white, grey on a dim photo) has the contrast the binarisers expect.
pub fn stretch(picture: &mut Picture) {
    let mut histogram = [0u64; 256];
    for &p in picture.pixels.iter() {
        histogram[usize::from(p)] += 1;
    }
    let cut = picture.pixel_count() / 200;
    let low = level_beyond(histogram.iter().enumerate(), cut);
    let high = level_beyond(histogram.iter().enumerate().rev(), cut);
    if high <= low || (low < 16 && high > 239) {
        return;
    }
    let span = high - low;
    let table: Vec<u8> = (0..256usize)
        .map(|v| u8::try_from(v.saturating_sub(low).min(span) * 255 / span).unwrap_or(u8::MAX))
        .collect();
    for p in picture.pixels.iter_mut() {
        *p = table[usize::from(*p)];
    }
}

/// The first grey level (in the iterator's order) with more than `cut` pixels before it.
fn level_beyond<'a>(levels: impl Iterator<Item = (usize, &'a u64)>, cut: u64) -> usize {
    let mut seen = 0;
    for (level, count) in levels {
        seen += count;
        if seen > cut {
            return level;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(image: &DynamicImage) -> Vec<u8> {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn transparent_pixels_are_white() {
        let mut rgba = image::RgbaImage::new(4, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, image::Rgba([0, 0, 0, 255]));
        rgba.put_pixel(2, 0, image::Rgba([255, 255, 255, 255]));
        rgba.put_pixel(3, 0, image::Rgba([0, 0, 0, 0]));
        let picture = load(&png(&DynamicImage::ImageRgba8(rgba))).unwrap();
        assert_eq!(picture.pixels.as_slice(), [255, 0, 255, 255]);
    }

    #[test]
    fn faint_pictures_are_stretched() {
        let gray = GrayImage::from_fn(10, 10, |x, _| image::Luma([if x < 5 { 100 } else { 120 }]));
        let picture = load(&png(&DynamicImage::ImageLuma8(gray))).unwrap();
        assert_eq!(picture.pixels[0], 0);
        assert_eq!(picture.pixels[9], 255);
    }

    #[test]
    fn huge_pictures_are_refused_before_decoding() {
        // A PNG claiming 20000×20000 pixels, with a token of data.
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            bytes.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
            let start = bytes.len();
            bytes.extend(kind);
            bytes.extend(data);
            let crc = crc32fast::hash(&bytes[start..]);
            bytes.extend(crc.to_be_bytes());
        };
        let mut header = Vec::new();
        header.extend(20_000u32.to_be_bytes());
        header.extend(20_000u32.to_be_bytes());
        header.extend([8, 0, 0, 0, 0]);
        chunk(b"IHDR", &header);
        chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00]);
        let e = load(&bytes).err().unwrap();
        assert_eq!(
            e,
            LoadError::TooLarge {
                width: 20_000,
                height: 20_000
            }
        );
        assert!(
            e.to_string()
                .starts_with("the image is 20000×20000 pixels, more than the 100 megapixels")
        );
    }

    #[test]
    fn big_pictures_are_shrunk_for_the_search() {
        let gray = GrayImage::from_pixel(5000, 4000, image::Luma([200]));
        let picture = load(&png(&DynamicImage::ImageLuma8(gray))).unwrap();
        assert!(picture.pixel_count() <= SEARCH_PIXELS);
        assert!(picture.width >= 4400, "{}", picture.width);
    }
}
