//! How the `keyfob` binary is linked on GNU/Linux: as a static PIE — glibc and GCC's unwinder
//! inside it, no dynamic loader — when the C compiler can link one; otherwise as rustc does.
//!
//! Why: `keyfob code` through an agent is a process start, a socket round trip and a line of
//! output, so process start is most of it, and a dynamically linked program spends most of
//! its start in the dynamic loader: mapping libc.so.6, libm.so.6 and libgcc_s.so.1, resolving
//! the ~150 C library functions keyfob calls (Rust binds them all at start), and running
//! libgcc_s's start-up routine, which asks the CPU for its features twelve times (`cpuid`, a
//! trip to the hypervisor in a virtual machine). A static PIE starts in the C library's own
//! start-up code; its addresses are still randomised (it is a PIE). The cost: a glibc security
//! fix reaches keyfob when keyfob is rebuilt, as for any statically linked program. Name
//! look-ups (a home folder from the password database, a host name for an X display over TCP)
//! still work: glibc builds its "files" and "dns" sources into static programs.
//!
//! How: rustc asks the linker for `-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc` as shared
//! libraries. One-line linker scripts of those names, in folders searched before the system's,
//! hand it the static archives instead, and `-static-pie` has the C compiler start the program
//! with `rcrt1.o` and no dynamic loader. The unwinder's script serves every target of this
//! package; the C library's and `-static-pie` only the `keyfob` binary (test programs stay
//! dynamic).
//!
//! Promises: where a probe fails — another OS or C library, a cross build, a C compiler that
//! cannot link a static PIE (Fedora without glibc-static, say) — the binary is linked as rustc
//! links it, with the unwinder static when `libgcc_eh.a` exists, and the build says so in a
//! warning. `KEYFOB_DYNAMIC=1` when building asks for rustc's usual linking outright. Tests
//! learn which it was from `KEYFOB_STATIC_PIE` (set to 1 for a static PIE).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The libraries rustc names besides `gcc_s`, each replaced by its archive when it has one.
const C_LIBRARIES: [&str; 5] = ["m", "pthread", "dl", "rt", "util"];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=KEYFOB_DYNAMIC");
    println!("cargo::rerun-if-env-changed=CC");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("HOST") != var("TARGET")
        || std::env::var_os("KEYFOB_DYNAMIC").is_some()
    {
        return;
    }
    let out = PathBuf::from(var("OUT_DIR"));
    let cc = Cc(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    let Some(unwinder) = cc.file("libgcc_eh.a") else {
        warn("GCC's libgcc_eh.a was not found: keyfob is linked dynamically (slower start-up)");
        return;
    };
    let all = out.join("static-libgcc");
    if write_script(&all, "gcc_s", &format!("INPUT({})", unwinder.display())).is_err() {
        return;
    }
    println!("cargo::rustc-link-search=native={}", all.display());
    match static_c_library(&cc, &out, &unwinder) {
        Ok(folder) => {
            println!("cargo::rustc-link-arg-bin=keyfob=-L{}", folder.display());
            println!("cargo::rustc-link-arg-bin=keyfob=-static-pie");
            println!("cargo::rustc-env=KEYFOB_STATIC_PIE=1");
        }
        Err(why) => warn(&format!(
            "keyfob is linked dynamically (slower start-up): {why}"
        )),
    }
}

/// The folder of linker scripts that hand the linker glibc's archives, after checking that
/// the C compiler links and runs a static PIE.
fn static_c_library(cc: &Cc, out: &Path, unwinder: &Path) -> Result<PathBuf, String> {
    let probe = out.join("static-pie-probe");
    std::fs::write(probe.with_extension("c"), "int main(void) { return 0; }\n")
        .map_err(|e| format!("cannot write the probe: {e}"))?;
    let linked = Command::new(&cc.0)
        .arg("-static-pie")
        .arg("-o")
        .arg(&probe)
        .arg(probe.with_extension("c"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !linked || !Command::new(&probe).status().is_ok_and(|s| s.success()) {
        return Err(format!(
            "`{} -static-pie` cannot link a C program (is glibc's static library installed? \
             Fedora: glibc-static; then `cargo clean -p keyfob` to link again)",
            cc.0
        ));
    }
    let c = cc.file("libc.a").ok_or("libc.a was not found")?;
    let gcc = cc.file("libgcc.a").ok_or("libgcc.a was not found")?;
    let folder = out.join("static-libc");
    let group = format!(
        "GROUP({} {} {})",
        c.display(),
        gcc.display(),
        unwinder.display()
    );
    write_script(&folder, "c", &group).map_err(|e| e.to_string())?;
    for name in C_LIBRARIES {
        match cc.file(&format!("lib{name}.a")) {
            Some(archive) => write_script(&folder, name, &format!("INPUT({})", archive.display()))
                .map_err(|e| e.to_string())?,
            // A shared one with no archive would be linked as shared: no static PIE then.
            None if cc.file(&format!("lib{name}.so")).is_some() => {
                return Err(format!("lib{name}.so has no static archive"));
            }
            None => {}
        }
    }
    Ok(folder)
}

/// Writes `lib<name>.so` in `folder`: a linker script, which the linker takes for the shared
/// library of that name because it finds it first.
fn write_script(folder: &Path, name: &str, body: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    std::fs::write(
        folder.join(format!("lib{name}.so")),
        format!("/* keyfob's build.rs: see there */\n{body}\n"),
    )
}

/// The C compiler rustc links with.
struct Cc(String);

impl Cc {
    /// Where the C compiler finds `name`: asked for a file it lacks, `cc -print-file-name`
    /// prints the bare name back.
    fn file(&self, name: &str) -> Option<PathBuf> {
        Command::new(&self.0)
            .arg(format!("-print-file-name={name}"))
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|path| PathBuf::from(path.trim()))
            .filter(|path| path.is_absolute() && path.is_file())
    }
}

fn warn(text: &str) {
    println!("cargo::warning={text}");
}
