//! keyfob's integration tests: one test binary, one module per area.
//! Every test runs the real `keyfob` binary or the library's public API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod cli;
mod common;
mod concurrency;
mod crash;
mod entra_files;
mod export;
mod faults;
mod fixture_maker;
mod fuzz_bodies;
mod hygiene;
mod import;
mod import_status;
mod long_codes;
mod new_formats;
mod output_files;
mod peer_exports;
mod robustness;
mod scripts;
mod seed_text;
mod tui_pty;
