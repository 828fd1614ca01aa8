//! keyfob: a terminal authenticator over one age-encrypted vault.
//!
//! `engine` is the pure core; `cli` and `ui` are the two faces; `config` and `clipboard` are
//! the edges they share.

#![forbid(unsafe_code)]

pub mod engine;
