//! The architecture's boundaries, enforced: reads the source and fails when a layer names what
//! it must not (STYLE.md: a pure engine, two faces that do not import each other).
//!
//! - `src/engine/` names no terminal, argument-parsing or clipboard crate, no edge module, and
//!   never reads the clock (`SystemTime::now`, `Instant::now`): time is a parameter.
//! - `src/ui/` never imports `crate::cli`; `src/cli/` reaches the screen only through the
//!   documented entry `crate::ui::run`.
//! - `ui/app.rs` and `ui/import_flow.rs` do not import each other (only app → import_flow).
//! - `src/agent/` (an edge over the engine) imports neither face; the engine does not name it;
//!   the screen reaches it as a client (never its server or handover).
//!
//! Comment lines and test modules (`tests.rs` files, and an inline `mod tests { … }` to the end
//! of its file) are not checked: tests may freeze or read the clock as they like.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir` (and `dir.rs` beside it, the module's own file).
fn sources(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let own = root().join(format!("{dir}.rs"));
    if own.is_file() {
        out.push(own);
    }
    let mut stack = vec![root().join(dir)];
    while let Some(dir) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in read {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// The checked lines of a file: (line number, text), without comment lines and test modules.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return Vec::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed == "#[cfg(test)]" {
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            if next.contains("mod tests") && next.ends_with('{') {
                break;
            }
        }
        if trimmed.starts_with("//") {
            continue;
        }
        out.push((i + 1, (*line).to_string()));
    }
    out
}

/// Whether `line` names `word` as a whole path or identifier (`crate::cli` is not in
/// `crate::clipboard`, `clap` is not in `clapped`).
fn names(line: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Lines of `dir` that contain any of `words` (unless the line also contains an allowed text).
fn offences(dir: &str, words: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in sources(dir) {
        for (number, line) in code_lines(&path) {
            if allowed.iter().any(|a| line.contains(a)) {
                continue;
            }
            for word in words {
                if names(&line, word) {
                    let shown = path.strip_prefix(root()).unwrap_or(&path).display();
                    found.push(format!("{shown}:{number}: names `{word}`: {}", line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_engine_names_no_terminal_clap_or_clipboard_crate_and_reads_no_clock() {
    let found = offences(
        "src/engine",
        &[
            "ratatui",
            "crossterm",
            "clap",
            "arboard",
            "SystemTime::now",
            "Instant::now",
            "crate::ui",
            "crate::cli",
            "crate::clipboard",
            "crate::config",
            "crate::context",
            "crate::unlock",
            "crate::failure",
        ],
        &[],
    );
    assert!(
        found.is_empty(),
        "src/engine must stay pure (time is a parameter; no terminal, clap or clipboard; no edge \
         module):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_screen_and_the_command_line_do_not_import_each_other() {
    let ui = offences("src/ui", &["crate::cli", "keyfob::cli"], &[]);
    assert!(
        ui.is_empty(),
        "src/ui must not import the command line; move what both need below them (context, \
         clipboard, unlock):\n{}",
        ui.join("\n")
    );
    let cli = offences("src/cli", &["crate::ui"], &["crate::ui::run("]);
    assert!(
        cli.is_empty(),
        "src/cli reaches the screen only through `crate::ui::run`:\n{}",
        cli.join("\n")
    );
}

#[test]
fn the_agent_is_an_edge_the_faces_reach_only_as_clients() {
    let agent = offences(
        "src/agent",
        &["crate::cli", "crate::ui", "keyfob::cli", "keyfob::ui"],
        &[],
    );
    assert!(
        agent.is_empty(),
        "src/agent must not import the command line or the screen:\n{}",
        agent.join("\n")
    );
    let engine = offences("src/engine", &["crate::agent"], &[]);
    assert!(
        engine.is_empty(),
        "src/engine must not name the agent (move shared pure pieces into the engine):\n{}",
        engine.join("\n")
    );
    // The screen may ask an agent (client, protocol) and start one (spawn), never serve.
    let ui = offences(
        "src/ui",
        &["crate::agent::server", "crate::agent::handover"],
        &[],
    );
    assert!(
        ui.is_empty(),
        "src/ui reaches the agent as a client only:\n{}",
        ui.join("\n")
    );
}

#[test]
fn the_screen_state_and_the_import_dialog_do_not_import_each_other() {
    let path = root().join("src/ui/import_flow.rs");
    let back: Vec<String> = code_lines(&path)
        .into_iter()
        .filter(|(_, line)| line.contains("super::app") || line.contains("ui::app"))
        .map(|(n, line)| format!("src/ui/import_flow.rs:{n}: {}", line.trim()))
        .collect();
    assert!(
        back.is_empty(),
        "import_flow must not import app (app holds the dialog; shared types go below both):\n{}",
        back.join("\n")
    );
}

/// The checker itself: a forbidden name is found, comments and test modules are not.
#[test]
fn the_checker_sees_code_and_skips_comments_and_tests() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.rs");
    std::fs::write(
        &file,
        "//! reads Instant::now in a comment\nfn a() { let t = Instant::now(); }\n\
         #[cfg(test)]\nmod tests {\n    fn b() { Instant::now(); }\n}\n",
    )
    .unwrap();
    let lines = code_lines(&file);
    let hits: Vec<usize> = lines
        .iter()
        .filter(|(_, l)| l.contains("Instant::now"))
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(hits, [2]);
    assert!(names("use crate::cli::Context;", "crate::cli"));
    assert!(!names("use crate::clipboard::Route;", "crate::cli"));
    assert!(!names("let clapped = 1;", "clap"));
    assert!(names("#[derive(clap::Args)]", "clap"));
}
