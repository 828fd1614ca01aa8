//! Test support (feature `corpus`): a deterministic corpus of the pictures people import —
//! screenshots drawn with the `qrcode` crate, then rescaled (nearest, bilinear, Lanczos),
//! blurred, JPEG-compressed, rotated, photographed off a screen (perspective, screen-door
//! moiré, uneven light, grain, JPEG), made noisy, light on dark, faint, tiny, transparent, or
//! several to a picture — and the worst pictures for the search's time (noise, walls of
//! finder patterns and of codes).
//!
//! Promises: the same payloads give the same pictures, byte for byte (fixed seeds, no clock).
//! Used by keyfob's tests/it/qr.rs (a fast subset every run, all of it with
//! `KEYFOB_SLOW_TESTS=1`) and benches/qr_corpus.rs (the README's table). It lives here so that
//! debug builds run it optimised, like the search.

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, Luma, Rgba, RgbaImage};
use imageproc::geometric_transformations::{
    Border, Interpolation, Projection, rotate_about_center, warp,
};
use qrcode::{Color, EcLevel, QrCode};

/// One picture of the corpus and the texts of the codes in it.
pub struct Case {
    /// The transformation (the README table's rows).
    pub family: &'static str,
    /// Its parameters, e.g. "90% lanczos".
    pub name: String,
    pub image: DynamicImage,
    pub texts: Vec<String>,
}

impl Case {
    /// The picture as a PNG file.
    pub fn png(&self) -> Vec<u8> {
        png(&self.image)
    }
}

/// `image` as a PNG file.
pub fn png(image: &DynamicImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("PNG encoding in memory");
    bytes
}

/// A small deterministic generator (SplitMix64) for secrets, noise and jitter.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }
}

/// A plausible `otpauth://` URI with a random 160-bit secret.
pub fn otpauth(rng: &mut Rng, n: usize) -> String {
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let secret: String = (0..32)
        .map(|_| char::from(BASE32[(rng.next_u64() % 32) as usize]))
        .collect();
    format!("otpauth://totp/Example{n}:user{n}%40example.com?secret={secret}&issuer=Example{n}")
}

fn modules(text: &str) -> (u32, Vec<bool>) {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .expect("corpus texts fit a QR code");
    let width = code.width() as u32;
    (
        width,
        code.to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    )
}

/// The code's width in modules.
pub fn code_width(text: &str) -> u32 {
    modules(text).0
}

/// Draws `text` as a code of `px` pixels a module with its first module at (`x`, `y`), and a
/// four-module quiet zone, in `dark` on `light`.
pub fn draw_code(
    img: &mut GrayImage,
    text: &str,
    (x, y): (u32, u32),
    px: u32,
    (dark, light): (u8, u8),
) {
    let (w, is_dark) = modules(text);
    let quiet = 4 * px;
    for yy in y.saturating_sub(quiet)..(y + w * px + quiet).min(img.height()) {
        for xx in x.saturating_sub(quiet)..(x + w * px + quiet).min(img.width()) {
            let inside = xx >= x && yy >= y && xx < x + w * px && yy < y + w * px;
            let on = inside && is_dark[(((yy - y) / px) * w + (xx - x) / px) as usize];
            img.put_pixel(xx, yy, Luma([if on { dark } else { light }]));
        }
    }
}

/// A phone's "scan this code" screen: a title, lines of text, the code and a button.
pub fn screenshot(text: &str, px: u32, dark_theme: bool) -> GrayImage {
    let (page, ink, code) = if dark_theme {
        (28, 225, (235, 28))
    } else {
        (246, 40, (0, 255))
    };
    let side = code_width(text) * px;
    let (width, height) = ((side + 160).max(540), side + 560);
    let mut img = GrayImage::from_pixel(width, height, Luma([page]));
    let mut bar = |x0: u32, y0: u32, x1: u32, y1: u32, v: u8| {
        for y in y0..y1.min(height) {
            for x in x0..x1.min(width) {
                img.put_pixel(x, y, Luma([v]));
            }
        }
    };
    for (row, y) in [(0u32, 110u32), (1, 190), (2, 220), (3, 250)] {
        let (h, mut x) = (if row == 0 { 24 } else { 12 }, 40 + row * 13 % 30);
        while x < width - 60 {
            let len = 20 + (x * 7 + row * 11) % 50;
            bar(x, y, x + len, y + h, ink);
            x += len + 12;
        }
    }
    bar(width - 190, height - 110, width - 40, height - 60, 60);
    draw_code(&mut img, text, ((width - side) / 2, 320), px, code);
    img
}

/// `img` scaled to `percent` with `filter`.
pub fn resize(img: &GrayImage, percent: u32, filter: FilterType) -> GrayImage {
    let w = (img.width() * percent).div_ceil(100).max(1);
    let h = (img.height() * percent).div_ceil(100).max(1);
    image::imageops::resize(img, w, h, filter)
}

/// A JPEG round trip at `quality`.
pub fn jpeg(img: &GrayImage, quality: u8) -> GrayImage {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(img)
        .expect("JPEG encoding in memory");
    image::load_from_memory(&bytes)
        .expect("our own JPEG")
        .into_luma8()
}

/// A photo of the screen: its pixel grid (moiré), seen at an angle, out of focus, lit from one
/// side, grainy and JPEG-compressed. `strength` 0.02 is a careful photo, 0.16 a hasty one.
pub fn photo(img: &GrayImage, rng: &mut Rng, strength: f32) -> GrayImage {
    let mut screen = img.clone();
    for (x, y, p) in screen.enumerate_pixels_mut() {
        if x % 3 == 0 || y % 3 == 0 {
            p.0[0] = (u16::from(p.0[0]) * 4 / 5) as u8;
        }
    }
    let (w, h) = (img.width() as f32, img.height() as f32);
    let mut jitter = || rng.range(-strength, strength);
    let from = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let to = [
        (w * (0.08 + jitter()), h * (0.06 + jitter())),
        (w * (0.92 + jitter()), h * (0.04 + jitter())),
        (w * (0.94 + jitter()), h * (0.95 + jitter())),
        (w * (0.06 + jitter()), h * (0.93 + jitter())),
    ];
    let projection = Projection::from_control_points(from, to).expect("a proper quadrilateral");
    let seen = warp(
        &screen,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Luma([90])),
    );
    let mut out = imageproc::filter::gaussian_blur_f32(&seen, 0.8 + strength * 4.0);
    let (cx, cy) = (rng.range(0.0, w), rng.range(0.0, h));
    let falloff = 3.5 * strength;
    for (x, y, p) in out.enumerate_pixels_mut() {
        let d = (x as f32 - cx).hypot(y as f32 - cy) / w.hypot(h);
        let v = f32::from(p.0[0]) * (1.0 - falloff * d) + 20.0 * (1.0 - d);
        p.0[0] = v.clamp(0.0, 255.0) as u8;
    }
    imageproc::noise::gaussian_noise_mut(&mut out, 0.0, 6.0, rng.next_u64());
    jpeg(&out, 75)
}

/// Grey noise, every pixel random: the search's worst case for time with no code in it.
pub fn noise(side: u32, seed: u64) -> GrayImage {
    let mut rng = Rng::new(seed);
    let mut img = GrayImage::new(side, side);
    for chunk in img.chunks_mut(8) {
        let bytes = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    img
}

/// Black-and-white noise (a 1-bit PNG of 2000×2000 is 0.5 MB).
pub fn bw_noise(side: u32, seed: u64) -> GrayImage {
    let mut img = noise(side, seed);
    for p in img.iter_mut() {
        *p = if *p < 128 { 0 } else { 255 };
    }
    img
}

/// The slowest pictures we know of `side`×`side`: noise, fine checkerboards, walls of finder
/// patterns (2 and 4 pixels a module) and a wall of codes (2 pixels a module).
pub fn stress(side: u32) -> Vec<(String, GrayImage)> {
    let finder = |x: u32, y: u32, px: u32| {
        let (mx, my) = ((x / px) % 9, (y / px) % 9);
        let ring = mx
            .min(my)
            .min(6u32.saturating_sub(mx))
            .min(6u32.saturating_sub(my));
        if mx >= 7 || my >= 7 || ring == 1 {
            255
        } else {
            0
        }
    };
    let mut wall = GrayImage::from_pixel(side, side, Luma([255]));
    let text = otpauth(&mut Rng::new(5), 1);
    let cell = (code_width(&text) + 4) * 2;
    for y in (8..side.saturating_sub(cell)).step_by(cell as usize) {
        for x in (8..side.saturating_sub(cell)).step_by(cell as usize) {
            draw_code(&mut wall, &text, (x, y), 2, (0, 255));
        }
    }
    vec![
        (format!("grey noise {side}"), noise(side, 1)),
        (format!("black-and-white noise {side}"), bw_noise(side, 2)),
        (
            format!("checkerboard {side}"),
            GrayImage::from_fn(side, side, |x, y| {
                Luma([if (x / 3 + y / 3) % 2 == 0 { 0 } else { 255 }])
            }),
        ),
        (
            format!("finder wall 1 px {side}"),
            GrayImage::from_fn(side, side, |x, y| Luma([finder(x, y, 1)])),
        ),
        (
            format!("finder wall 2 px {side}"),
            GrayImage::from_fn(side, side, |x, y| Luma([finder(x, y, 2)])),
        ),
        (
            format!("finder wall 4 px {side}"),
            GrayImage::from_fn(side, side, |x, y| Luma([finder(x, y, 4)])),
        ),
        (format!("code wall {side}"), wall),
    ]
}

const FILTERS: [(FilterType, &str); 3] = [
    (FilterType::Nearest, "nearest"),
    (FilterType::Triangle, "bilinear"),
    (FilterType::Lanczos3, "lanczos"),
];

/// The scales issue 12 measured on a real screenshot, in percent.
pub const SCALES: [u32; 13] = [40, 50, 60, 67, 75, 80, 90, 100, 110, 125, 150, 175, 200];

/// `img` at each of [`SCALES`] with each filter (39 pictures).
pub fn rescaled(family: &'static str, img: &GrayImage, texts: &[String]) -> Vec<Case> {
    let mut out = Vec::new();
    for percent in SCALES {
        for (filter, fname) in FILTERS {
            out.push(Case {
                family,
                name: format!("{percent}% {fname}"),
                image: DynamicImage::ImageLuma8(resize(img, percent, filter)),
                texts: texts.to_vec(),
            });
        }
    }
    out
}

/// The corpus: for each of `singles` (one code a picture) every transformation; `several`
/// (at least four texts) drawn together in grids. `full` adds seeds and the harder levels'
/// neighbours.
pub fn corpus(singles: &[String], several: &[String], full: bool) -> Vec<Case> {
    let mut out = Vec::new();
    for text in singles {
        out.extend(transformed(text, full));
    }
    for (count, columns, percent) in [(2usize, 2u32, 100u32), (3, 3, 90), (4, 2, 75), (4, 2, 110)] {
        let texts = &several[..count.min(several.len())];
        let px = 5;
        let cell = texts.iter().map(|t| code_width(t)).max().unwrap_or(0) * px + 12 * px;
        let rows = (texts.len() as u32).div_ceil(columns);
        let mut img = GrayImage::from_pixel(cell * columns + 40, cell * rows + 40, Luma([250]));
        for (i, t) in texts.iter().enumerate() {
            let (c, r) = (i as u32 % columns, i as u32 / columns);
            let at = (20 + c * cell + 6 * px, 20 + r * cell + 6 * px);
            draw_code(&mut img, t, at, px, (0, 255));
        }
        for (filter, fname) in FILTERS {
            out.push(Case {
                family: "several codes",
                name: format!("{} codes at {percent}% {fname}", texts.len()),
                image: DynamicImage::ImageLuma8(resize(&img, percent, filter)),
                texts: texts.to_vec(),
            });
        }
    }
    out
}

fn transformed(text: &str, full: bool) -> Vec<Case> {
    let texts = vec![text.to_string()];
    let shot = screenshot(text, 6, false);
    let mut out = rescaled("rescaled", &shot, &texts);
    let mut case = |family, name: String, image: GrayImage| {
        out.push(Case {
            family,
            name,
            image: DynamicImage::ImageLuma8(image),
            texts: texts.clone(),
        });
    };
    for sigma in [1.0f32, 2.0, 2.5, 3.0, 3.5, 4.0] {
        case(
            "blurred",
            format!("σ {sigma} px"),
            imageproc::filter::gaussian_blur_f32(&shot, sigma),
        );
    }
    for (quality, percent) in [
        (5u8, 90u32),
        (10, 90),
        (20, 90),
        (50, 90),
        (10, 60),
        (20, 50),
        (30, 40),
    ] {
        let small = resize(&shot, percent, FilterType::Triangle);
        case(
            "JPEG",
            format!("quality {quality} at {percent}%"),
            jpeg(&small, quality),
        );
    }
    let mut framed = GrayImage::from_pixel(shot.width() + 300, shot.height() + 300, Luma([246]));
    image::imageops::overlay(&mut framed, &shot, 150, 150);
    for degrees in [4.0f32, 12.0, 30.0, 45.0, 90.0, 180.0, 200.0, 315.0] {
        let turned = rotate_about_center(
            &framed,
            degrees.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(Luma([246])),
        );
        if degrees == 12.0 || degrees == 30.0 {
            for percent in [60u32, 45] {
                let small = resize(&turned, percent, FilterType::Triangle);
                case("rotated", format!("{degrees}° at {percent}%"), small);
            }
        }
        case("rotated", format!("{degrees}°"), turned);
    }
    let seeds = if full { 18 } else { 6 };
    for seed in 0..seeds {
        let strength = [0.02f32, 0.05, 0.08, 0.1, 0.13, 0.16][seed % 6];
        let mut rng = Rng::new(seed as u64 * 7919 + text.len() as u64);
        case(
            "photographed",
            format!("seed {seed}, strength {strength}"),
            photo(&shot, &mut rng, strength),
        );
    }
    for sigma in [20.0f64, 40.0, 60.0, 80.0] {
        case(
            "noisy",
            format!("σ {sigma}"),
            imageproc::noise::gaussian_noise(&shot, 0.0, sigma, 17),
        );
    }
    let dark = screenshot(text, 6, true);
    for (percent, (filter, fname)) in [(100, FILTERS[0]), (90, FILTERS[1]), (125, FILTERS[2])] {
        case(
            "dark theme (light on dark)",
            format!("{percent}% {fname}"),
            resize(&dark, percent, filter),
        );
    }
    for px in [1u32, 2] {
        case(
            "small modules",
            format!("{px} px"),
            screenshot(text, px, false),
        );
    }
    let fine = screenshot(text, 4, false);
    for percent in [40u32, 33, 30] {
        for (filter, fname) in [FILTERS[1], FILTERS[2]] {
            let px = 4.0 * percent as f32 / 100.0;
            case(
                "small modules",
                format!("{px:.1} px {fname}"),
                resize(&fine, percent, filter),
            );
        }
    }
    for (low, high) in [(90u8, 160u8), (120, 160), (60, 90), (100, 120)] {
        let mut faint = shot.clone();
        for p in faint.iter_mut() {
            *p = (u32::from(low) + u32::from(*p) * u32::from(high - low) / 255) as u8;
        }
        case("low contrast", format!("grey {low} on {high}"), faint);
    }
    if full {
        for percent in [75u32, 110] {
            let small = resize(&shot, percent, FilterType::Lanczos3);
            case(
                "JPEG",
                format!("quality 15 at {percent}%"),
                jpeg(&small, 15),
            );
        }
    }
    // A code exported with a transparent background (its light modules have no colour).
    let (w, is_dark) = modules(text);
    let px = 5;
    let transparent = RgbaImage::from_fn((w + 8) * px, (w + 8) * px, |x, y| {
        let (mx, my) = ((x / px).wrapping_sub(4), (y / px).wrapping_sub(4));
        let on = mx < w && my < w && is_dark[(my * w + mx) as usize];
        if on {
            Rgba([0, 0, 0, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    out.push(Case {
        family: "transparent background",
        name: "black on transparent".into(),
        image: DynamicImage::ImageRgba8(transparent),
        texts: texts.clone(),
    });
    out
}
