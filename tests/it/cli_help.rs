//! The command line's own help: every option described, exit codes where they matter, global
//! options apart, formats completed from the importer registry, a man page.

use clap::CommandFactory;

use crate::common::*;

/// Every visible subcommand, built (its deferred options set up), with its name path.
fn commands() -> Vec<(String, clap::Command)> {
    let mut root = keyfob::cli::Cli::command();
    root.build();
    let mut out = vec![("keyfob".to_string(), root.clone())];
    for sub in root.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let mut sub = sub.clone();
        sub.build();
        out.push((format!("keyfob {}", sub.get_name()), sub));
    }
    out
}

#[test]
fn every_option_and_argument_of_every_command_has_a_description() {
    let mut missing = Vec::new();
    for (name, command) in commands() {
        if command.get_about().is_none() && name != "keyfob" {
            missing.push(format!("{name}: the command itself"));
        }
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") || arg.is_hide_set() {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{name}: {id}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "without a description:\n{}",
        missing.join("\n")
    );
}

fn help(args: &[&str]) -> String {
    let out = keyfob().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn code_help_lists_the_exit_codes() {
    let text = help(&["code", "--help"]);
    for line in [
        "Exit status:",
        "0  the code was printed",
        "2  no entry matches QUERY",
        "3  several entries match",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    for command in ["remove", "edit"] {
        let text = help(&[command, "--help"]);
        assert!(
            text.contains("2 no entry matches QUERY"),
            "{command}\n{text}"
        );
    }
}

#[test]
fn global_options_stand_apart_from_each_commands_own() {
    for command in ["code", "edit", "import", "list"] {
        let text = help(&[command, "--help"]);
        let own = text
            .find("\nOptions:")
            .unwrap_or_else(|| panic!("{command}\n{text}"));
        let global = text
            .find("\nGlobal options:")
            .unwrap_or_else(|| panic!("{command}\n{text}"));
        assert!(own < global, "{command}\n{text}");
        for flag in ["--vault", "--config", "--identity", "--passphrase-file"] {
            let at = text.find(flag).unwrap();
            assert!(
                at > global,
                "{command}: {flag} is not under Global options\n{text}"
            );
        }
        assert!(!text[own..global].contains("--vault"), "{command}\n{text}");
    }
}

#[test]
fn edit_and_remove_describe_every_argument() {
    let text = help(&["edit", "--help"]);
    for flag in [
        "--issuer <ISSUER>",
        "--account <ACCOUNT>",
        "--digits <DIGITS>",
    ] {
        let line = text.lines().find(|l| l.contains(flag)).unwrap();
        assert!(
            line.trim().len() > flag.len() + 4,
            "no description: {line:?}\n{text}"
        );
    }
    let text = help(&["remove", "--help"]);
    let line = text
        .lines()
        .find(|l| l.contains("<QUERY>") && !l.starts_with("Usage"))
        .unwrap();
    assert!(line.contains("same matching as `code`"), "{line:?}");
}

/// `import --format` takes exactly the importer registry's names (and auto): shell completion
/// offers them, and a wrong one is refused with the list.
#[test]
fn import_formats_come_from_the_registry_and_complete_in_bash() {
    let names: Vec<&str> = std::iter::once("auto")
        .chain(keyfob::engine::import::formats().iter().map(|f| f.name()))
        .collect();
    let script = help(&["completions", "bash"]);
    let import = script
        .find("keyfob__subcmd__import)")
        .expect("an import case in the bash script");
    let format_case = script[import..]
        .find("--format)")
        .map(|at| &script[import + at..import + at + 600])
        .expect("a --format case for import");
    for name in &names {
        assert!(
            format_case.contains(name),
            "{name} not completed:\n{format_case}"
        );
    }
    let bash = std::process::Command::new("bash").arg("--version").output();
    if !bash.is_ok_and(|o| o.status.success()) {
        eprintln!("note: bash is not installed; skipped driving the completion with compgen");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyfob.bash");
    std::fs::write(&path, &script).unwrap();
    let drive = format!(
        "source '{}'\nCOMP_WORDS=(keyfob import --format '')\nCOMP_CWORD=3\n\
         COMP_LINE='keyfob import --format '\nCOMP_POINT=${{#COMP_LINE}}\n\
         _keyfob keyfob '' --format\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n\
         COMP_WORDS=(keyfob import --format en)\nCOMP_LINE='keyfob import --format en'\n\
         COMP_POINT=${{#COMP_LINE}}\n_keyfob keyfob en --format\necho ---\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(drive)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let (all, prefixed) = text.split_once("---\n").unwrap();
    let mut got: Vec<&str> = all.lines().collect();
    got.sort_unstable();
    let mut want = names.clone();
    want.sort_unstable();
    assert_eq!(got, want, "{text}");
    let mut en: Vec<&str> = prefixed.lines().collect();
    en.sort_unstable();
    assert_eq!(en, ["ente", "entra-csv"]);
    // A wrong format is a usage error naming the formats.
    let tv = TestVault::new();
    let out = tv
        .cmd()
        .args(["import", "--format", "keepass", "x.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid value 'keepass' for '--format"),
        "{stderr}"
    );
    assert!(stderr.contains("entra-csv"), "{stderr}");
    assert_eq!(
        stderr.lines().count(),
        2,
        "one error line and a hint: {stderr}"
    );
}

#[test]
fn the_man_page_is_generated_from_the_same_definitions() {
    let page = help(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH keyfob 1"),
        "{}",
        &page[..200]
    );
    for needle in ["keyfob\\-import", "keyfob\\-code", "\\-\\-vault"] {
        assert!(page.contains(needle), "{needle}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = keyfob()
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for name in [
        "keyfob.1",
        "keyfob-code.1",
        "keyfob-import.1",
        "keyfob-edit.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(text.contains(".TH"), "{name}");
    }
    let import = std::fs::read_to_string(dir.path().join("keyfob-import.1")).unwrap();
    assert!(import.contains("entra\\-csv"), "{import}");
    let code = std::fs::read_to_string(dir.path().join("keyfob-code.1")).unwrap();
    assert!(
        code.contains("several entries match"),
        "the exit codes are in it"
    );
    assert!(!dir.path().join("keyfob-__hold-clipboard.1").exists());
}
