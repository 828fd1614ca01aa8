//! Settings and default places: `config.ron` (defaults in `assets/config.ron`) and where the
//! vault lives.
//!
//! Promises:
//! - Every setting is optional in the user's file; unknown settings are an error naming the
//!   file, line and column, so a typo is never silently ignored.
//! - An explicitly given config file must exist; the default one may be absent.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The defaults, shipped with the binary.
pub const DEFAULT_RON: &str = include_str!("../assets/config.ron");

/// User settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Seconds before a copied code is cleared (0 = never).
    pub clipboard_clear_seconds: u64,
    /// Minutes of no input before the TUI locks (0 = never).
    pub idle_lock_minutes: u64,
    /// Colours in the TUI (NO_COLOR also turns them off).
    pub colors: bool,
    /// How copies leave keyfob: auto (OSC 52 over SSH or without a display, else the system
    /// clipboard), osc52, system, or off.
    pub clipboard: crate::clipboard::Setting,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            clipboard_clear_seconds: 30,
            idle_lock_minutes: 10,
            colors: true,
            clipboard: crate::clipboard::Setting::Auto,
        }
    }
}

/// A config file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file '{}': {}", path.display(), crate::engine::storage::describe_io(source))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file '{}', line {line}, column {column}: {problem}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        problem: String,
    },
}

impl Config {
    /// Parses a config document; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        ron::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            line: e.span.start.line,
            column: e.span.start.col,
            problem: e.code.to_string(),
        })
    }

    /// Loads `explicit` (which must exist) or the default file (which may not).
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match default_config_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "keyfob")
}

/// `<config dir>/config.ron` (Linux: `~/.config/keyfob/config.ron`).
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.ron"))
}

/// `<data dir>/identity.age` (Linux: `$XDG_DATA_HOME/keyfob/identity.age`): the protected
/// identity the first run (or `init --new-identity`) makes.
pub fn default_identity_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("identity.age"))
}

/// `<data dir>/vault.age` (Linux: `$XDG_DATA_HOME/keyfob/vault.age`).
pub fn default_vault_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("vault.age"))
}

#[cfg(test)]
mod tests {
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
    }

    #[test]
    fn explicit_file_must_exist() {
        let e = Config::load(Some(Path::new("/nonexistent/keyfob.ron"))).unwrap_err();
        assert!(e.to_string().contains("cannot read config file"), "{e}");
    }
}
