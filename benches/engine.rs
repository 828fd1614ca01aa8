//! Engine benchmarks (`cargo bench --bench engine`): code generation, and vault
//! parse/open/save at 1k, 10k and 100k entries. The figures in README's Performance section
//! come from here.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use keyfob::engine::crypto::{self, Key, Seal};
use keyfob::engine::entry::Entry;
use keyfob::engine::otp::{Algorithm, Generator, Kind};
use keyfob::engine::secret::Secret;
use keyfob::engine::storage;
use keyfob::engine::store::Store;
use keyfob::engine::vault::Vault;

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn vault(n: usize) -> Vault {
    let mut v = Vault::default();
    for i in 0..n {
        let mut secret = [0u8; 20];
        secret[..8].copy_from_slice(&(i as u64).to_be_bytes());
        let mut e = Entry::new(
            format!("Issuer {}", i % 97),
            format!("user{i}@example.com"),
            Secret::from_bytes(secret.to_vec()).unwrap(),
        );
        if i % 10 == 0 {
            e.period = 60;
        }
        e.changed = 1_700_000_000 + i as u64;
        v.entries.push(e);
    }
    // As a save leaves it: every entry has an id.
    v.prepare_save().unwrap();
    v
}

fn identity() -> (age::x25519::Identity, Seal) {
    let id = age::x25519::Identity::generate();
    let seal = Seal::Recipients(vec![id.to_public().to_string()]);
    (id, seal)
}

/// One code from a prepared generator: the engine's raw rate (codes per second = 1 / time).
#[divan::bench(args = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512])]
fn code_prepared(bencher: divan::Bencher, algorithm: Algorithm) {
    let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
    let generator = Generator::new(&secret, Kind::Totp, algorithm, 6, 30).unwrap();
    let mut t = 1_700_000_000u64;
    bencher.bench_local(|| {
        t += 30;
        black_box(generator.code_at(black_box(t)))
    });
}

/// One code straight from an entry (builds the generator each time), as `keyfob code` does.
#[divan::bench]
fn code_from_entry(bencher: divan::Bencher) {
    let entry = Entry::new(
        "A",
        "b",
        Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap(),
    );
    bencher.bench_local(|| black_box(entry.code(black_box(1_700_000_000)).unwrap()));
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn vault_parse(bencher: divan::Bencher, n: usize) {
    let text = vault(n).to_ron();
    bencher.bench_local(|| black_box(Vault::from_ron(&text).unwrap()));
}

/// `keyfob code`'s look-up in a decrypted document: check every entry, build only the match.
#[divan::bench(args = SIZES, sample_count = 10)]
fn vault_lookup(bencher: divan::Bencher, n: usize) {
    let text = vault(n).to_ron();
    let query = format!("user{}@example.com", n / 2);
    bencher.bench_local(|| black_box(Vault::lookup(text.as_bytes(), &query).unwrap()));
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn vault_serialize(bencher: divan::Bencher, n: usize) {
    let v = vault(n);
    bencher.bench_local(|| black_box(v.to_ron()));
}

/// Read the file, decrypt (X25519), parse and validate: what every command does first.
#[divan::bench(args = SIZES, sample_count = 10)]
fn vault_open(bencher: divan::Bencher, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let (id, seal) = identity();
    Store::new(&path).create(vault(n), &seal).unwrap();
    bencher.bench_local(|| {
        let key = Key::Identities(crypto::x25519_identities(std::slice::from_ref(&id)));
        black_box(Store::new(&path).open(key).unwrap())
    });
}

/// A whole locked save: lock, re-read check, serialise, encrypt, write + fsync, backup link,
/// rename, folder fsync.
#[divan::bench(args = SIZES, sample_count = 10)]
fn vault_save(bencher: divan::Bencher, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let (id, seal) = identity();
    Store::new(&path).create(vault(n), &seal).unwrap();
    let key = Key::Identities(crypto::x25519_identities(std::slice::from_ref(&id)));
    let mut session = Store::new(&path).open(key).unwrap();
    let mut counter = 0u64;
    bencher.bench_local(|| {
        counter += 1;
        session
            .update(|v| {
                v.entries[0].note = Some(counter.to_string());
                Ok::<_, keyfob::engine::store::VaultError>(())
            })
            .unwrap();
    });
}

/// The bytes-only part of a save (serialise + pad + encrypt), without the disk.
#[divan::bench(args = SIZES, sample_count = 10)]
fn vault_seal(bencher: divan::Bencher, n: usize) {
    let v = vault(n);
    let (_, seal) = identity();
    bencher.bench_local(|| black_box(seal.encrypt(&crypto::pad(&v.to_ron())).unwrap()));
}

#[divan::bench(sample_count = 10)]
fn storage_replace_1mb(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let bytes = vec![7u8; 1 << 20];
    bencher.bench_local(|| storage::replace(&path, &bytes, &mut storage::PlainWrite).unwrap());
}
