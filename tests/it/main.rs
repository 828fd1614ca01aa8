//! keyfob's integration tests: one test binary, one module per area.
//! Every test runs the real `keyfob` binary or the library's public API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent;
mod bad_input;
mod change_path;
mod cli;
mod cli_help;
mod clipboard;
mod common;
mod concurrency;
mod crash;
mod entra_files;
mod export;
mod faults;
mod files;
mod fixture_maker;
mod fuzz_bodies;
mod hostile;
mod hygiene;
mod import;
mod import_status;
mod kdf_limits;
mod layering;
mod long_codes;
mod new_formats;
mod output_files;
mod peer_exports;
mod qr;
mod robustness;
mod scripts;
mod seed_text;
mod team;
mod trust;
mod tui_pty;
mod unlocking;
