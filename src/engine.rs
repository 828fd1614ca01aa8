//! The pure core: OTP maths, secrets, URIs, importers and exporters, the vault model and its
//! age-encrypted storage.
//!
//! Promises: no terminal, clipboard or argument-parsing crates here, and no clock — every
//! function that needs the time takes it as a parameter, so tests can freeze it.

pub mod clock;
pub mod crypto;
pub mod entra;
pub mod entry;
pub mod export;
pub mod generate;
pub mod import;
pub mod merge;
pub mod migration;
pub mod ops;
pub mod otp;
pub mod passphrase;
pub mod printable;
pub mod query;
pub mod secret;
pub mod storage;
pub mod store;
pub mod trust;
pub mod uri;
pub mod vault;
pub mod view;
pub mod width;
