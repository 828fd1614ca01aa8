//! Import speed: a 10,000-row Entra CSV into an identity vault including the save (target
//! ≤ 0.5 s), decoding a 1000×1000 screenshot holding one QR code (target ≤ 200 ms), and
//! rejecting 2000×2000 and 4000×4000 noise pictures (issue 9: ≤ 2 s; benches/qr_corpus.rs has
//! the other slow pictures). Run with `cargo bench --bench import`.

#![allow(clippy::unwrap_used)]

use image::{GrayImage, Luma};
use keyfob::engine::crypto::{self, Key, Seal};
use keyfob::engine::import;
use keyfob::engine::store::Store;
use keyfob::engine::vault::Vault;
use qrcode::{Color, EcLevel, QrCode};

fn main() {
    divan::main();
}

const ROWS: usize = 10_000;

/// An Entra upload file with `rows` tokens (160-bit secrets, as `keyfob generate` makes).
fn entra_csv(rows: usize) -> Vec<u8> {
    let mut text =
        String::from("upn,serial number,secret key,time interval,manufacturer,model\r\n");
    for i in 0..rows {
        let secret: Vec<u8> = (0..20).map(|b| (i * 31 + b * 7) as u8).collect();
        let secret = data_encoding::BASE32_NOPAD.encode(&secret);
        text.push_str(&format!(
            "user{i}@contoso.com,KF{i:06},{secret},30,Contoso,KF-1\r\n"
        ));
    }
    text.into_bytes()
}

/// A fresh, empty identity vault in a temporary folder.
fn empty_vault() -> (tempfile::TempDir, Store, age::x25519::Identity) {
    let dir = tempfile::tempdir().unwrap();
    let identity = age::x25519::Identity::generate();
    let ids = crypto::x25519_identities(std::slice::from_ref(&identity));
    let mut store = Store::new(dir.path().join("vault.age"));
    store
        .create(
            Vault::default(),
            &Seal::Recipients(ids.recipients().to_vec()),
        )
        .unwrap();
    (dir, store, identity)
}

/// What `keyfob import tokens.csv` does once the file is read: detect, parse, open the vault,
/// plan against it and save under the lock.
#[divan::bench(sample_count = 10)]
fn entra_csv_10k_rows_import_and_save(bencher: divan::Bencher) {
    let csv = entra_csv(ROWS);
    bencher
        .with_inputs(empty_vault)
        .bench_local_values(|(dir, store, identity)| {
            let format = import::detect(&csv).unwrap();
            let items = format.read(&csv, None).unwrap();
            let key = Key::Identities(crypto::x25519_identities(&[identity]));
            let mut session = store.open(key).unwrap();
            let added = session
                .update(|vault| {
                    let plan = import::plan(&vault.entries, items);
                    vault.entries.extend(plan.added.iter().cloned());
                    Ok::<_, keyfob::engine::store::VaultError>(plan.added.len())
                })
                .unwrap();
            assert_eq!(added, ROWS);
            drop(dir);
        });
}

/// A 1000×1000 "screenshot": a light page with text-like bars and one QR code.
fn screenshot() -> GrayImage {
    let mut img = GrayImage::from_pixel(1000, 1000, Luma([238]));
    for line in 0..30u32 {
        let y0 = 40 + line * 30;
        if (300..700).contains(&y0) {
            continue;
        }
        for x in 60..(940 - (line * 37) % 300) {
            if (x / 9) % 6 == 5 {
                continue;
            }
            for y in y0..y0 + 10 {
                img.put_pixel(x, y, Luma([70]));
            }
        }
    }
    let uri = "otpauth://totp/Microsoft:helga%40contoso.com?secret=OBQXG43XN5ZGIMJSGM2DKNRXOBQXG43X&issuer=Microsoft";
    let code = QrCode::with_error_correction_level(uri, EcLevel::M).unwrap();
    let (w, colors) = (code.width() as u32, code.to_colors());
    let scale = 6;
    let (ox, oy) = (380, 340);
    for y in 0..(w + 8) * scale {
        for x in 0..(w + 8) * scale {
            let (mx, my) = (x / scale, y / scale);
            let inside = (4..w + 4).contains(&mx) && (4..w + 4).contains(&my);
            let dark = inside && colors[((my - 4) * w + mx - 4) as usize] == Color::Dark;
            img.put_pixel(ox + x, oy + y, Luma([if dark { 25 } else { 255 }]));
        }
    }
    img
}

fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    screenshot()
        .write_to(&mut std::io::Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// Decoding the image file and the QR code in it, as `keyfob import shot.png` does.
#[divan::bench(args = ["png", "jpeg"], sample_count = 20)]
fn qr_screenshot_1000x1000(bencher: divan::Bencher, kind: &str) {
    let bytes = encoded(if kind == "png" {
        image::ImageFormat::Png
    } else {
        image::ImageFormat::Jpeg
    });
    let qr = import::by_name("qr").unwrap();
    bencher.bench_local(|| {
        let items = qr.read(divan::black_box(&bytes), None).unwrap();
        assert!(matches!(items.as_slice(), [import::Item::Entry(_)]));
    });
}

/// A noise picture with no code, as `keyfob import noise.png` reads it: the search's worst case.
#[divan::bench(args = [2000, 4000], sample_count = 5)]
fn qr_noise_rejected(bencher: divan::Bencher, side: u32) {
    let png = keyfob_qrscan::corpus::png(&image::DynamicImage::ImageLuma8(
        keyfob_qrscan::corpus::noise(side, 1),
    ));
    let qr = import::by_name("qr").unwrap();
    bencher.bench_local(|| {
        assert!(qr.read(divan::black_box(&png), None).is_err());
    });
}
