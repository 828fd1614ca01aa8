//! The `keyfob` binary: everything happens in `keyfob::cli`.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    keyfob::cli::main()
}
