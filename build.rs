//! Links GCC's unwinder statically (`libgcc_eh.a`) instead of loading `libgcc_s.so.1`, on
//! GNU/Linux when the C compiler has it.
//!
//! Why: `keyfob code` through an agent is a process start, a socket round trip and a line of
//! output, so process start is most of it. Loading `libgcc_s.so.1` costs a library load and
//! its start-up routine, which asks the CPU for its features twelve times (`cpuid`); in a
//! virtual machine each ask is a trip to the hypervisor (7.5 µs each on the machine README ›
//! Performance names). Linked statically, the unwinder is the same code without that routine:
//! panics unwind as before. This is what `gcc -static-libgcc` does for C and C++ programs;
//! rustc always asks for `-lgcc_s`, so a one-line linker script of that name, found first,
//! hands the linker `-lgcc_eh` instead.
//!
//! Promises: nothing changes where the probe fails (another target, a C compiler without
//! `libgcc_eh.a`, `KEYFOB_DYNAMIC_LIBGCC` set): rustc's usual `-lgcc_s` is used.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=KEYFOB_DYNAMIC_LIBGCC");
    println!("cargo::rerun-if-env-changed=CC");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("HOST") != var("TARGET")
        || std::env::var_os("KEYFOB_DYNAMIC_LIBGCC").is_some()
        || !static_unwinder_available()
    {
        return;
    }
    let out = PathBuf::from(var("OUT_DIR")).join("static-libgcc");
    let script = out.join("libgcc_s.so");
    if std::fs::create_dir_all(&out).is_ok()
        && std::fs::write(
            &script,
            "/* keyfob's build.rs: see there */\nINPUT(-lgcc_eh)\n",
        )
        .is_ok()
    {
        println!("cargo::rustc-link-search=native={}", out.display());
    }
}

/// Whether the C compiler (the linker rustc drives) has `libgcc_eh.a`: asked for a file it
/// lacks, `cc -print-file-name` prints the bare name back.
fn static_unwinder_available() -> bool {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .is_some_and(|path| {
            let path = Path::new(path.trim());
            path.is_absolute() && path.is_file()
        })
}
