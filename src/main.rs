//! The `keyfob` binary: everything happens in `keyfob::cli`, started by `keyfob::start`.
//!
//! On GNU/Linux the binary has its own C `main` instead of Rust's start-up routine, which
//! reads /proc/self/maps on every start (see `keyfob::start` for why, and for what it keeps of
//! that routine). Naming a function `main` for the C library is keyfob's one `unsafe` word;
//! the function itself does nothing unsafe, and the library keeps `forbid(unsafe_code)`.

#![cfg_attr(all(target_os = "linux", target_env = "gnu", not(test)), no_main)]
#![deny(unsafe_code)]

/// Called by the C library's start-up code with the process's arguments, which Rust's
/// `std::env::args` reads by itself on GNU/Linux.
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
#[allow(unsafe_code)]
// SAFETY: no other `main` symbol exists (`no_main` above stops rustc from making one), and
// this is the signature the C library calls: `int main(int argc, char **argv)`.
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    keyfob::start::run(keyfob::cli::main)
}

// Elsewhere, and for `cargo test`'s harness of this file, Rust's usual start.
#[cfg(not(all(target_os = "linux", target_env = "gnu", not(test))))]
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(keyfob::cli::main())
}
