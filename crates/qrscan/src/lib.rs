//! keyfob's QR code search: the text of every QR code in a PNG or JPEG — a screenshot that
//! was rescaled by the phone, the chat app and the desktop, blurred, JPEG-compressed,
//! rotated, photographed off a screen, light on dark, or several codes at once.
//!
//! [`scan`] decodes the file ([`picture`]: size-capped, transparency over white, grey levels
//! stretched), then [`search`] runs rxing's QR reader in passes, each step with a bound
//! ([`census`] keeps the finder search affordable), and puts the codes in reading order.
//!
//! Promises:
//! - The work depends on the picture's size alone: a 4000×4000 picture of anything takes well
//!   under 2 s on one core (keyfob's tests/it/qr.rs checks noise pictures through the binary;
//!   benches/qr_corpus.rs measures the decode rate beside zbarimg's and the worst pictures).
//! - No clock, no terminal, no unsafe code. Texts are returned in wiped-on-drop strings, and
//!   the picture buffers this crate owns are wiped; rxing's internal copies are not.
//! - It is a crate of its own only so that debug builds can optimise it (rxing's binarisers
//!   are generic, so they are compiled where they are used): keyfob's engine is its only user.

use zeroize::Zeroizing;

mod census;
#[cfg(feature = "corpus")]
pub mod corpus;
mod picture;
mod search;

pub use picture::{MAX_PIXELS, SEARCH_PIXELS};
pub use search::Bounds;

/// Why an image file could not be searched at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
    #[error(
        "the image is {width}×{height} pixels, more than the {} megapixels keyfob reads: scale it down or crop it to the code",
        MAX_PIXELS / 1_000_000
    )]
    TooLarge { width: u32, height: u32 },
}

/// Something that looks like a QR code of the size of the others, but could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "it looks like a QR code but cannot be decoded: try a sharper, larger or straighter picture"
)]
pub struct Undecodable;

/// A code found in the picture.
pub struct Code {
    pub text: Result<Zeroizing<String>, Undecodable>,
    /// Where it is, in the picture's pixels.
    pub bounds: Bounds,
}

/// Every code in the image file `bytes` (PNG or JPEG), in reading order: rows top to bottom
/// (codes whose tops are within half a code's height of the row's first), each left to right.
/// No code at all is an empty list.
pub fn scan(bytes: &[u8]) -> Result<Vec<Code>, LoadError> {
    let picture = picture::load(bytes)?;
    Ok(reading_order(search::search(&picture)))
}

fn reading_order(mut codes: Vec<Code>) -> Vec<Code> {
    codes.sort_by(|a, b| a.bounds.top.total_cmp(&b.bounds.top));
    let mut start = 0;
    while start < codes.len() {
        let first = codes[start].bounds;
        let limit = first.top + (first.bottom - first.top) / 2.0;
        let end = codes[start..]
            .iter()
            .position(|c| c.bounds.top > limit)
            .map_or(codes.len(), |n| start + n);
        codes[start..end].sort_by(|a, b| a.bounds.left.total_cmp(&b.bounds.left));
        start = end;
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(left: f32, top: f32, text: &str) -> Code {
        Code {
            text: Ok(Zeroizing::new(text.to_string())),
            bounds: Bounds {
                left,
                top,
                right: left + 100.0,
                bottom: top + 100.0,
            },
        }
    }

    #[test]
    fn codes_are_read_in_rows_left_to_right() {
        let codes = vec![
            code(300.0, 210.0, "e"),
            code(0.0, 230.0, "d"),
            code(200.0, 0.0, "b"),
            code(10.0, 20.0, "a"),
            code(400.0, 40.0, "c"),
        ];
        let order: Vec<String> = reading_order(codes)
            .into_iter()
            .map(|c| c.text.unwrap().to_string())
            .collect();
        assert_eq!(order, ["a", "b", "c", "d", "e"]);
    }
}
