//! Finding and decoding QR codes in a grey picture, within a fixed amount of work.
//!
//! The search runs passes, cheapest and likeliest first, and stops after the first pass that
//! decodes a code and leaves nothing code-like undecoded: local thresholds (screenshots,
//! photos), one global threshold (faint or noisy pictures), light-on-dark (dark themes), half
//! size (grain, halftone) and double size (tiny codes in a small picture).
//!
//! Each pass drives rxing's port of zxing-cpp's QR reader step by step — binarise, find finder
//! patterns, group them in threes, sample, decode — rather than through its one-call reader,
//! because every step needs a bound: [`census`](crate::census) caps the finder search's cost,
//! and [`MAX_PATTERNS`], `MAX_GROUPS` and [`MAX_ATTEMPTS`] cap the groups sampled. A group that
//! sampled but did not decode is retried on its own (a crop) with rxing's Java-port reader and
//! with quircs, which sample differently: up to [`MAX_CROPS`] of them, those with a code's
//! timing patterns first. Only those are reported as codes that cannot be decoded.
//!
//! Promises: the work is bounded by the picture's size alone (benches/qr_corpus.rs measures the
//! worst pictures we know: noise, walls of finder patterns, walls of codes); no clock is read.
//! A panic inside a decoder costs its pass, not the import. rxing's internal copies of the
//! picture are not wiped (keyfob's own are).

use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{
    FindFinderPatterns, FinderPatternSet, GenerateFinderPatternSets, SampleQR,
};
use rxing::{Binarizer, BinaryBitmap, DecodeHints, Luma8Source, LuminanceSource, Reader};
use zeroize::Zeroizing;

use crate::picture::{self, Picture};
use crate::{Code, Undecodable, census};

/// Finder patterns kept per pass (the largest): a wall of codes is not a screenshot.
pub const MAX_PATTERNS: usize = 1500;
/// Groups of three finder patterns sampled per pass (codes in the corpus and in ZXing's photos
/// decode within the first 9).
pub const MAX_ATTEMPTS: usize = 300;
/// Groups looked at per pass (most are passed over because a pattern is already in a code).
const MAX_GROUPS: usize = 30_000;
/// Groups retried on their own per search.
pub const MAX_CROPS: usize = 6;
/// Crops larger than this are scaled down before the retry.
const CROP_PIXELS: u64 = 1_000_000;
/// A crop with more finder look-alikes than this is not retried with the Java-port reader,
/// whose pattern matching grows with the cube of their number.
const CROP_HITS: u64 = 300;
/// Pictures up to this size are also searched at double size.
const DOUBLE_PIXELS: u64 = 1_000_000;
/// Undecodable codes reported at most.
const MAX_FAILURES: usize = 4;

/// A code's bounding box in the picture's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

impl Bounds {
    fn around(points: impl IntoIterator<Item = (f32, f32)>) -> Bounds {
        let mut b = Bounds {
            left: f32::MAX,
            top: f32::MAX,
            right: f32::MIN,
            bottom: f32::MIN,
        };
        for (x, y) in points {
            b.left = b.left.min(x);
            b.top = b.top.min(y);
            b.right = b.right.max(x);
            b.bottom = b.bottom.max(y);
        }
        b
    }

    fn overlaps(&self, other: &Bounds) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    fn scaled(&self, factor: f32) -> Bounds {
        Bounds {
            left: self.left * factor,
            top: self.top * factor,
            right: self.right * factor,
            bottom: self.bottom * factor,
        }
    }

    fn side(&self) -> f32 {
        (self.right - self.left).max(self.bottom - self.top)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Threshold {
    /// rxing's HybridBinarizer: a threshold per 8×8 block from its neighbourhood.
    Local,
    /// rxing's GlobalHistogramBinarizer: one threshold from the histogram's two peaks.
    Global,
}

#[derive(Clone, Copy, PartialEq)]
enum Size {
    Full,
    Half,
    Double,
}

struct Pass {
    threshold: Threshold,
    inverted: bool,
    size: Size,
}

/// The passes, in the order they are tried. (One global threshold on the inverted picture
/// decoded nothing more on the corpus and cost a fifth of the time on noise.)
const PASSES: [Pass; 5] = [
    Pass::new(Threshold::Local, false, Size::Full),
    Pass::new(Threshold::Global, false, Size::Full),
    Pass::new(Threshold::Local, true, Size::Full),
    Pass::new(Threshold::Local, false, Size::Half),
    Pass::new(Threshold::Local, false, Size::Double),
];

impl Pass {
    const fn new(threshold: Threshold, inverted: bool, size: Size) -> Pass {
        Pass {
            threshold,
            inverted,
            size,
        }
    }
}

/// What one pass found, in its own picture's pixels.
#[derive(Default)]
struct Found {
    decoded: Vec<(Zeroizing<String>, Bounds)>,
    /// Groups that sampled but did not decode, none of their patterns in a code, and whether
    /// they look like a code (timing patterns); those that do come first.
    undecoded: Vec<(Bounds, bool)>,
}

/// Every code in `picture`: decoded ones, and (at most [`MAX_FAILURES`]) places that look like
/// a code of the same size but could not be decoded.
pub fn search(picture: &Picture) -> Vec<Code> {
    let mut decoded: Vec<(Zeroizing<String>, Bounds)> = Vec::new();
    let mut undecoded: Vec<Bounds> = Vec::new();
    let mut tried: Vec<Bounds> = Vec::new();
    let mut crops = 0;
    for pass in &PASSES {
        let resized;
        let (source, factor) = match pass.size {
            Size::Full => (picture, 1.0),
            Size::Half if picture.width >= 64 && picture.height >= 64 => {
                resized = picture::scaled(picture, picture.width / 2, picture.height / 2);
                (&resized, 2.0)
            }
            Size::Double if picture.pixel_count() <= DOUBLE_PIXELS => {
                resized = picture::scaled(picture, picture.width * 2, picture.height * 2);
                (&resized, 0.5)
            }
            Size::Half | Size::Double => continue,
        };
        let found = catch_unwind(AssertUnwindSafe(|| run(source, pass))).unwrap_or_default();
        for (text, bounds) in found.decoded {
            let bounds = bounds.scaled(factor);
            if !decoded.iter().any(|(_, b)| b.overlaps(&bounds)) {
                decoded.push((text, bounds));
            }
        }
        for (place, code_like) in found.undecoded {
            let bounds = place.scaled(factor);
            if decoded.iter().any(|(_, b)| b.overlaps(&bounds))
                || tried.iter().any(|b| b.overlaps(&bounds))
            {
                continue;
            }
            tried.push(bounds);
            if crops < MAX_CROPS {
                crops += 1;
                let retried = catch_unwind(AssertUnwindSafe(|| retry(source, place, pass)));
                if let Ok(Some(text)) = retried {
                    decoded.push((text, bounds));
                    continue;
                }
            }
            if code_like {
                undecoded.push(bounds);
            }
        }
        undecoded.retain(|u| !decoded.iter().any(|(_, b)| b.overlaps(u)));
        if !decoded.is_empty() && undecoded.is_empty() {
            break;
        }
    }
    let mut codes: Vec<Code> = Vec::new();
    let mut sides: Vec<f32> = decoded.iter().map(|(_, b)| b.side()).collect();
    sides.sort_by(f32::total_cmp);
    let typical = sides.get(sides.len() / 2).copied();
    for bounds in undecoded {
        // Beside decoded codes, only a place of their size is taken for a code.
        let plausible = typical.is_none_or(|t| (t / 2.0..=t * 2.0).contains(&bounds.side()));
        if plausible && codes.len() < MAX_FAILURES {
            codes.push(Code {
                text: Err(Undecodable),
                bounds,
            });
        }
    }
    codes.extend(decoded.into_iter().map(|(text, bounds)| Code {
        text: Ok(text),
        bounds,
    }));
    codes
}

/// One pass over `picture`.
fn run(picture: &Picture, pass: &Pass) -> Found {
    let Ok(mut source) =
        Luma8Source::new_with_slice(&picture.pixels, picture.width, picture.height)
    else {
        return Found::default();
    };
    if pass.inverted {
        source.invert();
    }
    let bits = match pass.threshold {
        Threshold::Local => HybridBinarizer::new(source)
            .get_black_matrix()
            .ok()
            .cloned(),
        Threshold::Global => GlobalHistogramBinarizer::new(source)
            .get_black_matrix()
            .ok()
            .cloned(),
    };
    bits.map(|bits| read(&bits)).unwrap_or_default()
}

/// Finds, groups, samples and decodes the codes in a black-and-white picture.
fn read(bits: &BitMatrix) -> Found {
    let min_module = census::min_module(&census::census(bits));
    let mut patterns = FindFinderPatterns(bits, true, min_module);
    patterns.sort_by_key(|p| std::cmp::Reverse(p.size));
    patterns.truncate(MAX_PATTERNS);
    let mut used = Vec::new();
    let mut found = Found::default();
    let mut failed: Vec<(FinderPatternSet, bool)> = Vec::new();
    let unused = |set: &FinderPatternSet, used: &Vec<_>| {
        ![set.bl, set.tl, set.tr].iter().any(|p| used.contains(p))
    };
    let mut attempts = 0;
    for set in GenerateFinderPatternSets(&mut patterns)
        .into_iter()
        .take(MAX_GROUPS)
    {
        if !unused(&set, &used) {
            continue;
        }
        attempts += 1;
        if attempts > MAX_ATTEMPTS {
            break;
        }
        let Ok(sampled) = SampleQR(bits, &set) else {
            continue;
        };
        match Decode(sampled.getBits()) {
            Ok(result) if result.isValid() => {
                used.extend([set.bl, set.tl, set.tr]);
                let corners = sampled.getPoints().iter().map(|p| (p.x, p.y));
                found
                    .decoded
                    .push((Zeroizing::new(result.text()), Bounds::around(corners)));
            }
            _ => failed.push((set, has_timing_patterns(sampled.getBits()))),
        }
    }
    failed.sort_by_key(|(_, code_like)| !code_like);
    for (set, code_like) in failed.iter().filter(|(s, _)| unused(s, &used)) {
        // The fourth corner mirrors the top-left pattern; a margin keeps the whole code.
        let fourth = set.bl.p + set.tr.p - set.tl.p;
        let points = [set.bl.p, set.tl.p, set.tr.p, fourth].map(|p| (p.x, p.y));
        let core = Bounds::around(points);
        let margin = core.side() * 0.3 + set.tl.size as f32;
        let place = Bounds {
            left: (core.left - margin).max(0.0),
            top: (core.top - margin).max(0.0),
            right: (core.right + margin).min(bits.getWidth() as f32),
            bottom: (core.bottom + margin).min(bits.getHeight() as f32),
        };
        if !found.undecoded.iter().any(|(b, _)| b.overlaps(&place)) {
            found.undecoded.push((place, *code_like));
        }
    }
    found
}

/// Whether a sampled grid has a QR code's timing patterns (row and column 6 alternate between
/// the finder patterns) in at least four of five modules: what sets a damaged code apart
/// from three finder look-alikes in noise or text.
fn has_timing_patterns(grid: &BitMatrix) -> bool {
    let size = grid.getWidth();
    if size < 21 || grid.getHeight() != size {
        return false;
    }
    let (mut right, mut total) = (0u32, 0u32);
    for i in 8..size - 8 {
        let dark = i % 2 == 0;
        right += u32::from(grid.get(i, 6) == dark) + u32::from(grid.get(6, i) == dark);
        total += 2;
    }
    right * 5 >= total * 4
}

/// Decodes the code at `place` on its own, with readers that sample differently.
fn retry(picture: &Picture, place: Bounds, pass: &Pass) -> Option<Zeroizing<String>> {
    let (left, top) = (place.left as u32, place.top as u32);
    let width = (place.right as u32).min(picture.width).checked_sub(left)?;
    let height = (place.bottom as u32).min(picture.height).checked_sub(top)?;
    if width < 21 || height < 21 {
        return None;
    }
    let mut crop = Zeroizing::new(Vec::with_capacity(width as usize * height as usize));
    for y in top..top + height {
        let start = y as usize * picture.width as usize + left as usize;
        crop.extend_from_slice(picture.pixels.get(start..start + width as usize)?);
    }
    if pass.inverted {
        crop.iter_mut().for_each(|p| *p = 255 - *p);
    }
    let mut crop = Picture {
        width,
        height,
        pixels: crop,
    };
    if crop.pixel_count() > CROP_PIXELS {
        crop = picture::shrink(&crop, CROP_PIXELS);
    }
    java_port(&crop).or_else(|| quirc(&crop))
}

/// rxing's port of ZXing's Java reader, if the crop has few finder look-alikes.
fn java_port(crop: &Picture) -> Option<Zeroizing<String>> {
    let source = Luma8Source::new_with_slice(&crop.pixels, crop.width, crop.height).ok()?;
    let binarizer = HybridBinarizer::new(source);
    let hits: u64 = census::census(binarizer.get_black_matrix().ok()?)
        .iter()
        .sum();
    if hits > CROP_HITS {
        return None;
    }
    let hints = DecodeHints {
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    let result = rxing::qrcode::QRCodeReader
        .decode_with_hints(&mut BinaryBitmap::new(binarizer), &hints)
        .ok()?;
    Some(Zeroizing::new(result.getText().to_string()))
}

/// quircs (a port of quirc), which bounds its own work (at most 254 regions).
fn quirc(crop: &Picture) -> Option<Zeroizing<String>> {
    let mut decoder = quircs::Quirc::default();
    let codes = decoder.identify(crop.width as usize, crop.height as usize, &crop.pixels);
    for code in codes.flatten() {
        if let Ok(data) = code.decode() {
            let payload = Zeroizing::new(data.payload);
            if let Ok(text) = std::str::from_utf8(&payload) {
                return Some(Zeroizing::new(text.to_string()));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 25×25 grid with finder-pattern corners and, if `timing`, alternating row and column 6.
    fn grid(timing: bool) -> BitMatrix {
        let mut bits = BitMatrix::new(25, 25).unwrap();
        for i in 8..17 {
            if timing && i % 2 == 0 {
                bits.set(i, 6);
                bits.set(6, i);
            }
        }
        bits
    }

    #[test]
    fn timing_patterns_tell_codes_from_look_alikes() {
        assert!(has_timing_patterns(&grid(true)));
        assert!(!has_timing_patterns(&grid(false)));
        assert!(!has_timing_patterns(&BitMatrix::new(15, 15).unwrap()));
    }

    #[test]
    fn blank_pictures_hold_no_code() {
        let picture = Picture {
            width: 300,
            height: 200,
            pixels: Zeroizing::new(vec![200; 300 * 200]),
        };
        assert!(search(&picture).is_empty());
    }
}
