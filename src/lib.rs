//! keyfob: a terminal authenticator over one age-encrypted vault.
//!
//! `engine` is the pure core; `cli` and `ui` are the two faces; `config`, `clipboard`,
//! `clock`, `unlock` and `failure` are the edges they share.

#![forbid(unsafe_code)]

pub mod cli;
pub mod clipboard;
pub mod clock;
pub mod config;
pub mod engine;
pub mod failure;
pub mod hardening;
pub mod ui;
pub mod unlock;
