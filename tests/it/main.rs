//! keyfob's integration tests: one test binary, one module per area.
//! Every test runs the real `keyfob` binary or the library's public API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod common;
mod tui_pty;
