//! QR images (issue 12's "QR images", issue 9's noise PNG): the corpus of transformed
//! screenshots (a subset every run, all of it with `KEYFOB_SLOW_TESTS=1`, beside zbarimg when
//! it is installed), a real Google Authenticator export at the 39 scales that issue 12 found
//! failing, the time budget on the worst pictures we know, "no QR code", and several codes
//! in one picture.

use std::path::Path;
use std::time::{Duration, Instant};

use image::DynamicImage;
use keyfob::engine::import;
use keyfob_qrscan::corpus::{self, Case, Rng};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::common::TestVault;

/// A real picture from `../shared/fixtures/qr` beside the checkout (fetched from other
/// projects' test data and not committed here: see the README there for where each came
/// from), or `None`, saying so, when it is absent.
fn fixture(name: &str) -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/qr")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("note: {} is absent; skipping this check", path.display());
            None
        }
    }
}

fn slow() -> bool {
    std::env::var_os("KEYFOB_SLOW_TESTS").is_some_and(|v| v == "1")
}

/// A Google Authenticator transfer URI holding `count` accounts (valid, so it imports).
fn migration(rng: &mut Rng, count: usize) -> String {
    let entries: Vec<_> = (0..count)
        .map(|n| keyfob::engine::uri::parse(&corpus::otpauth(rng, 100 + n)).unwrap())
        .collect();
    let (uris, skipped) = keyfob::engine::migration::encode(&entries, 4242);
    assert!(skipped.is_empty());
    uris[0].to_string()
}

/// Texts for single-code pictures (an otpauth URI, a five-account transfer) and for pictures
/// with several codes.
fn payloads() -> (Vec<String>, Vec<String>) {
    let mut rng = Rng::new(0x6b65_7966_6f62);
    let singles = vec![corpus::otpauth(&mut rng, 1), migration(&mut rng, 5)];
    let several = (0..4).map(|n| corpus::otpauth(&mut rng, 10 + n)).collect();
    (singles, several)
}

/// How many of the case's texts keyfob decodes.
fn decoded(case: &Case) -> usize {
    let texts: Vec<String> = match import::qr_texts(&case.png()) {
        Ok(codes) => codes.into_iter().flatten().map(|t| t.to_string()).collect(),
        Err(_) => Vec::new(),
    };
    case.texts.iter().filter(|t| texts.contains(t)).count()
}

/// Beyond every decoder we compared (zbarimg, rqrr, quircs, rxing): blur of two-thirds of a
/// module, modules of 1.2 pixels.
const OUT_OF_REACH: [&str; 3] = ["σ 4 px", "1.2 px bilinear", "1.2 px lanczos"];

#[test]
fn the_corpus_subset_decodes() {
    let (singles, several) = payloads();
    let cases = corpus::corpus(&singles[..1], &several, false);
    let mut missed = Vec::new();
    for case in &cases {
        if OUT_OF_REACH.contains(&case.name.as_str()) {
            continue;
        }
        if decoded(case) != case.texts.len() {
            missed.push(format!("{} {}", case.family, case.name));
        }
    }
    assert!(missed.is_empty(), "not decoded: {missed:?}");
    assert!(cases.len() > 100, "{}", cases.len());
}

/// All of the corpus, both payloads and more seeds: at least 97 % of the codes decode (the
/// README's table has the rest), and with zbarimg installed, every picture it decodes decodes
/// here too.
#[test]
fn the_whole_corpus_decodes_at_least_what_zbarimg_does() {
    if !slow() {
        eprintln!("note: set KEYFOB_SLOW_TESTS=1 to run the whole QR corpus");
        return;
    }
    let (singles, several) = payloads();
    let zbar = zbarimg_available();
    if !zbar {
        eprintln!("note: zbarimg (zbar-tools) is missing; the corpus is checked without it");
    }
    let (mut codes, mut ours_total) = (0, 0);
    let mut missed = Vec::new();
    let mut behind_zbar = Vec::new();
    for case in corpus::corpus(&singles, &several, true) {
        let ours = decoded(&case);
        codes += case.texts.len();
        ours_total += ours;
        if ours < case.texts.len() {
            missed.push(format!("{} {}", case.family, case.name));
        }
        if zbar && zbarimg(&case) > ours {
            behind_zbar.push(format!("{} {}", case.family, case.name));
        }
    }
    assert!(
        behind_zbar.is_empty(),
        "zbarimg decodes more in: {behind_zbar:?}"
    );
    assert!(
        ours_total * 100 >= codes * 97,
        "{ours_total}/{codes}; not decoded: {missed:?}"
    );
    eprintln!("{ours_total}/{codes} codes; not decoded: {missed:?}");
}

fn zbarimg_available() -> bool {
    std::process::Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// How many of the case's texts zbarimg decodes.
fn zbarimg(case: &Case) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.png");
    std::fs::write(&path, case.png()).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    case.texts
        .iter()
        .filter(|t| text.lines().any(|l| l == t.as_str()))
        .count()
}

/// Issue 12: a real Google Authenticator export screenshot (from scito/extract_otp_secrets'
/// tests) rescaled to 13 sizes with 3 filters; 90 %, 110 % and 125 % failed, as did 14 more.
#[test]
fn a_real_export_screenshot_decodes_at_every_scale() {
    let Some(bytes) = fixture("google_authenticator_export.png") else {
        return;
    };
    let expected = import::qr_texts(&bytes).unwrap();
    let expected = vec![expected[0].as_ref().unwrap().to_string()];
    assert!(expected[0].starts_with("otpauth-migration://offline?data="));
    let shot = image::load_from_memory(&bytes).unwrap().into_luma8();
    let mut missed = Vec::new();
    for case in corpus::rescaled("real screenshot", &shot, &expected) {
        if decoded(&case) != 1 {
            missed.push(case.name);
        }
    }
    assert!(missed.is_empty(), "not decoded at: {missed:?}");
}

/// Every run, without the fixtures: a transfer screen drawn like Google Authenticator's (a
/// three-account `otpauth-migration://` code on a phone-sized screenshot) decodes at the same
/// 13 sizes × 3 filters.
#[test]
fn a_drawn_transfer_screen_decodes_at_every_scale() {
    let mut rng = Rng::new(12);
    let text = migration(&mut rng, 3);
    // About the module size of the real screenshot (a 523-pixel-wide screen).
    let shot = corpus::screenshot(&text, 4, false);
    let mut missed = Vec::new();
    for case in corpus::rescaled("drawn transfer screen", &shot, std::slice::from_ref(&text)) {
        if decoded(&case) != 1 {
            missed.push(case.name);
        }
    }
    assert!(missed.is_empty(), "not decoded at: {missed:?}");
}

/// Two photos from ZXing's test images (Apache-2.0) that rxing's first reader misses and the
/// retry decodes: zbarimg reads the first, quircs the second.
#[test]
fn photos_that_need_the_retry_decode() {
    for (name, text) in [
        (
            "zxing_qrcode-4_09.png",
            "Google Print Ads - T.G.I.A.F. - January 31, 2008",
        ),
        ("zxing_qrcode-4_32.png", "http://code.google.com"),
    ] {
        let Some(bytes) = fixture(name) else {
            return;
        };
        let codes = import::qr_texts(&bytes).unwrap();
        let texts: Vec<String> = codes.into_iter().flatten().map(|t| t.to_string()).collect();
        assert_eq!(texts, [text], "{name}");
    }
}

/// Thread CPU time: the machine is shared, so wall time would measure the neighbours.
fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap(),
        u32::try_from(t.tv_nsec).unwrap(),
    )
}

/// Issue 9 item 7 (a 2000×2000 noise PNG took 32 s, 3000×3000 over 5 minutes) and the other
/// pictures that cost decoders most: every one is searched in under 2 s of CPU, found or not.
#[test]
fn the_worst_pictures_take_under_two_seconds() {
    let mut pictures = corpus::stress(2000);
    pictures.push(("grey noise 4000".into(), corpus::noise(4000, 1)));
    pictures.push((
        "black-and-white noise 4000".into(),
        corpus::bw_noise(4000, 2),
    ));
    if slow() {
        pictures.extend(corpus::stress(4000));
    }
    let mut report = Vec::new();
    for (name, picture) in pictures {
        let png = corpus::png(&DynamicImage::ImageLuma8(picture));
        let start = cpu_time();
        let result = import::qr_texts(&png);
        let spent = cpu_time() - start;
        report.push(format!("{name}: {spent:.2?}"));
        assert!(spent < Duration::from_secs(2), "{report:?}");
        if name.contains("noise") {
            let e = match result {
                Err(e) => e.to_string(),
                Ok(c) => format!(
                    "{name}: {:?}",
                    c.iter()
                        .map(|t| t.as_ref().map(|s| s.len()))
                        .collect::<Vec<_>>()
                ),
            };
            assert_eq!(e, "no QR code was found in the image", "{name}");
        }
    }
    eprintln!("{report:?}");
}

/// Issue 9 item 7 through the binary: noise PNGs fail in one line naming the file, quickly
/// (about 0.2 s and 0.8 s here), and leave the vault as it was.
#[test]
fn noise_pngs_are_rejected_quickly_by_import() {
    let tv = TestVault::new();
    let before = tv.bytes();
    for (side, picture) in [
        (2000, corpus::bw_noise(2000, 3)),
        (4000, corpus::noise(4000, 4)),
    ] {
        let path = tv.dir.path().join(format!("noise{side}.png"));
        std::fs::write(&path, corpus::png(&DynamicImage::ImageLuma8(picture))).unwrap();
        let start = Instant::now();
        let out = tv
            .cmd()
            .args(["import", "--format", "qr"])
            .arg(&path)
            .output()
            .unwrap();
        let took = start.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&format!("noise{side}.png")), "{stderr}");
        assert!(
            stderr.contains("no QR code was found in the image"),
            "{stderr}"
        );
        // Wall time on a shared machine: the strict bound (2 s of CPU) is checked above.
        let limit = Duration::from_secs(if side == 2000 { 2 } else { 4 });
        assert!(took < limit, "{side}×{side} took {took:?}");
    }
    assert_eq!(tv.bytes(), before);
}

/// Several transfer codes in one picture (screenshots stitched together), rescaled: every
/// account of every code is imported.
#[test]
fn several_transfer_codes_in_one_picture_all_import() {
    let mut rng = Rng::new(77);
    let texts: Vec<String> = (0..3).map(|_| migration(&mut rng, 3)).collect();
    let px = 4;
    let cell = texts.iter().map(|t| corpus::code_width(t)).max().unwrap() * px + 10 * px;
    let mut picture = image::GrayImage::from_pixel(cell * 3 + 40, cell + 40, image::Luma([255]));
    for (i, text) in texts.iter().enumerate() {
        let at = (20 + i as u32 * cell + 5 * px, 20 + 5 * px);
        corpus::draw_code(&mut picture, text, at, px, (0, 255));
    }
    let picture = corpus::resize(&picture, 90, image::imageops::FilterType::Triangle);
    let tv = TestVault::new();
    let path = tv.dir.path().join("transfer.png");
    std::fs::write(&path, corpus::png(&DynamicImage::ImageLuma8(picture))).unwrap();
    tv.cmd()
        .arg("import")
        .arg(&path)
        .assert()
        .success()
        .stdout(contains("added 9, skipped 0 duplicates, failed 0"));
}

/// A picture with no code says so in one line, naming the file; an image keyfob cannot
/// decode says that instead.
#[test]
fn pictures_without_codes_say_so() {
    let tv = TestVault::new();
    let path = tv.dir.path().join("blank.png");
    let blank = image::GrayImage::from_pixel(300, 200, image::Luma([240]));
    std::fs::write(&path, corpus::png(&DynamicImage::ImageLuma8(blank))).unwrap();
    tv.cmd()
        .arg("import")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(contains("blank.png").and(contains("no QR code was found in the image")));
}
