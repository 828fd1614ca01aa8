//! Settings: defaults, typos, bad values and the lenient reader.

use super::*;

#[test]
fn shipped_defaults_match_the_code() {
    assert_eq!(
        Config::parse(DEFAULT_RON, Path::new("assets/config.ron")).unwrap(),
        Config::default()
    );
}

#[test]
fn fields_are_optional_and_typos_are_named() {
    let c = Config::parse("(colors: false)", Path::new("c.ron")).unwrap();
    assert!(!c.colors);
    assert_eq!(c.clipboard_clear_seconds, 30);
    let e = Config::parse("(\n  colours: false,\n)", Path::new("c.ron")).unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("config file 'c.ron', line 2"), "{text}");
    assert!(text.contains("colours"), "{text}");
}

#[test]
fn the_clipboard_setting_reads_its_four_words() {
    use crate::clipboard::Setting;
    for (word, want) in [
        ("auto", Setting::Auto),
        ("osc52", Setting::Osc52),
        ("system", Setting::System),
        ("off", Setting::Off),
    ] {
        let c = Config::parse(&format!("(clipboard: {word})"), Path::new("c.ron")).unwrap();
        assert_eq!(c.clipboard, want);
    }
    let e = Config::parse("(clipboard: tmux)", Path::new("c.ron")).unwrap_err();
    assert!(e.to_string().contains("tmux"), "{e}");
    // Setting by setting: a good clipboard beside a typo is kept; a bad one is named.
    let loaded = Config::parse_lenient("(clipboard: system, colours: false)", Path::new("c"));
    assert_eq!(loaded.config.clipboard, Setting::System);
    assert_eq!(loaded.problems.len(), 1, "{:?}", loaded.problems);
    let loaded = Config::parse_lenient("(clipboard: tmux)", Path::new("c.ron"));
    assert_eq!(loaded.config.clipboard, Setting::Auto);
    assert_eq!(loaded.problems[0].setting(), Some("clipboard"));
    assert!(
        loaded.needed(&["clipboard"]).is_err(),
        "copying refuses to guess"
    );
}

#[test]
fn the_agent_settings_are_read_and_checked() {
    let c = Config::parse(
        "(agent_idle_minutes: 0, agent_max_hours: 2)",
        Path::new("c"),
    )
    .unwrap();
    assert_eq!((c.agent_idle_minutes, c.agent_max_hours), (0, 2));
    let loaded = Config::parse_lenient("(agent_max_hours: 0)", Path::new("c.ron"));
    assert_eq!(loaded.config.agent_max_hours, 8, "the default is used");
    assert_eq!(loaded.problems[0].setting(), Some("agent_max_hours"));
    let loaded = Config::parse_lenient("(agent_idle_minutes: -1)", Path::new("c.ron"));
    assert_eq!(loaded.config.agent_idle_minutes, 15);
    assert!(loaded.needed(&["agent_idle_minutes"]).is_err());
}

#[test]
fn explicit_file_must_exist() {
    let loaded = Config::load(Some(Path::new("/nonexistent/keyfob.ron")));
    let e = loaded.needed(&[]).unwrap().1.remove(0);
    assert!(e.to_string().contains("cannot read config file"), "{e}");
}

#[test]
fn good_settings_are_kept_beside_bad_ones() {
    let text = "(\n  colors: false,\n  idle_lock_minutes: \"ten\",\n  agent_idle_minuets: 5,\n)";
    let loaded = Config::parse_lenient(text, Path::new("c.ron"));
    assert!(!loaded.config.colors);
    assert_eq!(loaded.config.idle_lock_minutes, 10);
    let shown: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert_eq!(loaded.problems.len(), 2, "{shown:?}");
    assert!(
        shown
            .iter()
            .any(|s| s.contains("'idle_lock_minutes' takes minutes"))
    );
    assert!(
        shown
            .iter()
            .any(|s| s.contains("unknown setting 'agent_idle_minuets'"))
    );
    // `list` uses no setting; the screen uses them all.
    let loaded = Config::parse_lenient(text, Path::new("c.ron"));
    assert_eq!(loaded.needed(&[]).unwrap().1.len(), 2);
    let loaded = Config::parse_lenient(text, Path::new("c.ron"));
    let e = loaded.needed(&["idle_lock_minutes", "colors"]).unwrap_err();
    assert_eq!(e.setting(), Some("idle_lock_minutes"));
    let loaded = Config::parse_lenient("(colors: tru", Path::new("c.ron"));
    assert!(loaded.needed(&["colors"]).is_err());
}

#[test]
fn a_missing_file_gives_what_an_empty_one_would() {
    let empty = Config::parse_lenient("()", Path::new("c.ron"));
    let missing = Config::defaults();
    assert_eq!(empty.config, missing.config);
    assert!(empty.problems.is_empty() && missing.problems.is_empty());
}
