//! keyfob: a terminal authenticator over one age-encrypted vault.
//!
//! `engine` is the pure core; `cli` and `ui` are the two faces; `agent` is the process that
//! keeps a vault unlocked for both (they reach it through `agent::client`, and it imports
//! neither); `context`, `config`, `clipboard`, `clock`, `unlock`, `prompt` and `failure` are
//! the edges they share. `cli` reaches the screen only through `ui::run`; `ui` never imports
//! `cli`.

#![forbid(unsafe_code)]

pub mod agent;
pub mod cli;
pub mod clipboard;
pub mod clock;
pub mod config;
pub mod context;
pub mod engine;
pub mod failure;
pub mod hardening;
pub mod prompt;
pub mod start;
pub mod ui;
pub mod unlock;
