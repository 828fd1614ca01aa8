//! The QR decoders side by side on keyfob's corpus (keyfob_qrscan::corpus): the decode rate by
//! transformation for keyfob, zbarimg (the reference, if installed), rqrr (keyfob's decoder
//! before), quircs and rxing's one-call reader; keyfob's CPU time per picture; and the time
//! keyfob takes on the worst pictures we know. Prints the Markdown tables in README.md.
//!
//! `cargo bench --bench qr_corpus` (about two minutes). Optional: `KEYFOB_QR_PHOTOS=DIR` adds
//! real photos, one folder of `N.png` + `N.txt` (the expected text) per family — e.g. ZXing's
//! core/src/test/resources/blackbox with its qrcode-1 … qrcode-6 folders (Apache-2.0).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Duration;

use image::{DynamicImage, GrayImage};
use keyfob_qrscan::corpus::{self, Case, Rng};

type Decoder = (&'static str, fn(&Case) -> Vec<String>);

fn keyfob(case: &Case) -> Vec<String> {
    keyfob::engine::import::qr_texts(&case.png())
        .map(|codes| codes.into_iter().flatten().map(|t| t.to_string()).collect())
        .unwrap_or_default()
}

fn zbarimg(case: &Case) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.png");
    std::fs::write(&path, case.png()).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(&path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn gray(case: &Case) -> GrayImage {
    case.image.to_luma8()
}

/// rqrr as keyfob 0.1 used it, one pass.
fn rqrr(case: &Case) -> Vec<String> {
    let img = gray(case);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32).0[0],
    );
    prepared
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

fn quircs(case: &Case) -> Vec<String> {
    let img = gray(case);
    let mut decoder = quircs::Quirc::default();
    decoder
        .identify(img.width() as usize, img.height() as usize, img.as_raw())
        .flatten()
        .filter_map(|code| code.decode().ok())
        .filter_map(|data| String::from_utf8(data.payload).ok())
        .collect()
}

/// rxing's port of zxing-cpp's reader in one call (no bounds, no retries).
fn rxing(case: &Case) -> Vec<String> {
    use rxing::multi::MultipleBarcodeReader;
    let img = gray(case);
    let (w, h) = img.dimensions();
    let source = rxing::Luma8LuminanceSource::new(img.into_raw(), w, h).unwrap();
    let mut bitmap = rxing::BinaryBitmap::new(rxing::common::HybridBinarizer::new(source));
    let hints = rxing::DecodeHints {
        TryHarder: Some(true),
        ..Default::default()
    };
    rxing::qrcode::cpp_port::QrReader
        .decode_multiple_with_hints(&mut bitmap, &hints)
        .map(|results| results.iter().map(|r| r.getText().to_string()).collect())
        .unwrap_or_default()
}

fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The payloads tests/it/qr.rs uses: an otpauth URI and a five-account transfer for single
/// codes, four otpauth URIs for pictures with several.
fn payloads() -> (Vec<String>, Vec<String>) {
    let mut rng = Rng::new(0x6b65_7966_6f62);
    let singles = vec![corpus::otpauth(&mut rng, 1), {
        let entries: Vec<_> = (0..5)
            .map(|n| keyfob::engine::uri::parse(&corpus::otpauth(&mut rng, 100 + n)).unwrap())
            .collect();
        keyfob::engine::migration::encode(&entries, 4242).0[0].to_string()
    }];
    let several = (0..4).map(|n| corpus::otpauth(&mut rng, 10 + n)).collect();
    (singles, several)
}

/// Real photos: `dir/<family>/<n>.png` with the expected text in `<n>.txt`.
fn photos(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut families: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    families.sort();
    for family in families.iter().filter(|p| p.is_dir()) {
        let name: &'static str =
            format!("photos: {}", family.file_name().unwrap().to_string_lossy()).leak();
        let mut files: Vec<_> = std::fs::read_dir(family)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for png in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
        {
            let (Ok(text), Ok(image)) = (
                std::fs::read_to_string(png.with_extension("txt")),
                image::open(png),
            ) else {
                continue;
            };
            cases.push(Case {
                family: name,
                name: png.display().to_string(),
                image: DynamicImage::ImageLuma8(image.into_luma8()),
                texts: vec![text],
            });
        }
    }
    cases
}

fn main() {
    let (singles, several) = payloads();
    let mut cases = corpus::corpus(&singles, &several, true);
    let shot = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/qr/google_authenticator_export.png");
    let shot = image::open(shot).unwrap().into_luma8();
    let text = keyfob(&Case {
        family: "",
        name: String::new(),
        image: DynamicImage::ImageLuma8(shot.clone()),
        texts: vec![],
    });
    cases.extend(corpus::rescaled(
        "real export screenshot, rescaled",
        &shot,
        &text,
    ));
    if let Some(dir) = std::env::var_os("KEYFOB_QR_PHOTOS") {
        cases.extend(photos(Path::new(&dir)));
    }
    let zbar = std::process::Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok();
    let mut decoders: Vec<Decoder> = vec![("keyfob", keyfob)];
    if zbar {
        decoders.push(("zbarimg", zbarimg));
    }
    decoders.extend([
        ("rqrr", rqrr as fn(&Case) -> Vec<String>),
        ("quircs", quircs),
        ("rxing", rxing),
    ]);

    // family → decoder → codes decoded; and codes in total, keyfob's times.
    let mut rates: BTreeMap<&str, (usize, usize, BTreeMap<&str, usize>)> = BTreeMap::new();
    let mut times: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let mut behind: Vec<String> = Vec::new();
    let mut behind_any: Vec<String> = Vec::new();
    for case in &cases {
        let row = rates.entry(case.family).or_default();
        row.0 += 1;
        row.1 += case.texts.len();
        let mut got = BTreeMap::new();
        for (name, decode) in &decoders {
            let start = cpu_time();
            let texts = catch_unwind(AssertUnwindSafe(|| decode(case))).unwrap_or_default();
            if *name == "keyfob" {
                times
                    .entry(case.family)
                    .or_default()
                    .push(cpu_time() - start);
            }
            let n = case
                .texts
                .iter()
                .filter(|t| texts.iter().any(|x| x.trim() == t.trim()))
                .count();
            *row.2.entry(name).or_default() += n;
            got.insert(*name, n);
        }
        if got.get("zbarimg").is_some_and(|z| *z > got["keyfob"]) {
            behind.push(format!("{} {}", case.family, case.name));
        }
        let others: Vec<&str> = got
            .iter()
            .filter(|(n, c)| **n != "keyfob" && **c > got["keyfob"])
            .map(|(n, _)| *n)
            .collect();
        if !others.is_empty() {
            behind_any.push(format!(
                "{} {} ({})",
                case.family,
                case.name,
                others.join(", ")
            ));
        }
    }

    println!(
        "| transformation | pictures | {} |",
        decoders.iter().map(|d| d.0).collect::<Vec<_>>().join(" | ")
    );
    println!("|---|---:|{}", "---:|".repeat(decoders.len()));
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut all_cases, mut all_codes) = (0, 0);
    for (family, (count, codes, by)) in &rates {
        all_cases += count;
        all_codes += codes;
        let cells: Vec<String> = decoders
            .iter()
            .map(|(name, _)| {
                let n = by.get(name).copied().unwrap_or(0);
                *totals.entry(name).or_default() += n;
                format!("{n}/{codes}")
            })
            .collect();
        println!("| {family} | {count} | {} |", cells.join(" | "));
    }
    let cells: Vec<String> = decoders
        .iter()
        .map(|(name, _)| format!("**{}/{all_codes}**", totals[name]))
        .collect();
    println!("| **all** | {all_cases} | {} |", cells.join(" | "));
    println!("\nPictures zbarimg decodes and keyfob does not: {behind:?}");
    println!("Pictures another decoder decodes more of: {behind_any:?}");

    println!("\n| transformation | keyfob CPU time per picture: median | max |");
    println!("|---|---:|---:|");
    for (family, mut t) in times {
        t.sort();
        println!(
            "| {family} | {:.1?} | {:.1?} |",
            t[t.len() / 2],
            t[t.len() - 1]
        );
    }

    println!("\n| worst pictures (no code, or a wall of them) | keyfob CPU time |");
    println!("|---|---:|");
    for side in [2000, 4000] {
        for (name, picture) in corpus::stress(side) {
            let png = corpus::png(&DynamicImage::ImageLuma8(picture));
            let start = cpu_time();
            let found = keyfob::engine::import::qr_texts(&png)
                .map(|c| c.len())
                .unwrap_or(0);
            println!("| {name} ({found} found) | {:.0?} |", cpu_time() - start);
        }
    }
}
