//! Settings and default places: `config.ron` (defaults in `assets/config.ron`) and where the
//! vault lives.
//!
//! Promises:
//! - Every setting is optional in the user's file. A problem (a typo, a setting from a newer
//!   keyfob, a bad value, a file that is not RON) is never silently ignored: it is reported
//!   naming the file, the setting and, where known, the line. [`Config::load`] keeps every
//!   good setting and the default for the others, so commands that use no setting (`list`,
//!   `code`) warn and go on; commands that use one refuse to guess ([`Loaded::needed`]).
//! - An explicitly given config file must exist (a command that uses no setting only warns);
//!   the default one may be absent. It is read through the capped, regular-files-only reader.

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
    /// Minutes without a code read or a change before the agent locks (0 = never start one).
    pub agent_idle_minutes: u64,
    /// Hours after unlocking at which the agent ends whatever happens.
    pub agent_max_hours: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            clipboard_clear_seconds: 30,
            idle_lock_minutes: 10,
            colors: true,
            clipboard: crate::clipboard::Setting::Auto,
            agent_idle_minutes: 15,
            agent_max_hours: 8,
        }
    }
}

/// The `clipboard` setting alone (every other field ignored), for the lenient reader.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ClipboardOnly {
    clipboard: crate::clipboard::Setting,
}

/// Every setting: its name and what it takes (for hints).
pub const SETTINGS: &[(&str, &str)] = &[
    (
        "clipboard_clear_seconds",
        "seconds before a copied code is cleared, 0 = never (default 30)",
    ),
    (
        "idle_lock_minutes",
        "minutes before the screen locks, 0 = never (default 10)",
    ),
    ("colors", "true or false (default true)"),
    ("clipboard", "auto, osc52, system or off (default auto)"),
    (
        "agent_idle_minutes",
        "minutes without use before the agent locks, 0 = never start an agent (default 15)",
    ),
    (
        "agent_max_hours",
        "hours after unlocking at which the agent ends, at least 1 (default 8)",
    ),
];

/// A config file, or a setting in it, that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Read(#[from] crate::engine::storage::ReadError),
    #[error("config file '{}', line {line}, column {column}: {problem}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        problem: String,
    },
    #[error("config file '{}'{}: unknown setting '{name}' (a typo, or from a newer keyfob); it is ignored", path.display(), at(*line))]
    Unknown {
        path: PathBuf,
        name: String,
        line: Option<usize>,
    },
    #[error("config file '{}'{}: '{name}' takes {takes}; the default is used", path.display(), at(*line))]
    BadValue {
        path: PathBuf,
        name: &'static str,
        takes: &'static str,
        line: Option<usize>,
    },
}

fn at(line: Option<usize>) -> String {
    line.map(|l| format!(", line {l}")).unwrap_or_default()
}

impl ConfigError {
    /// The setting it is about, if one.
    pub fn setting(&self) -> Option<&str> {
        match self {
            ConfigError::Unknown { name, .. } => Some(name),
            ConfigError::BadValue { name, .. } => Some(name),
            ConfigError::Read(_) | ConfigError::Parse { .. } => None,
        }
    }
}

/// Settings as loaded: what could be used, and what was wrong.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub problems: Vec<ConfigError>,
}

impl Loaded {
    /// The settings for a command that uses `used` (by name): the first problem that touches
    /// one of them (a bad value, or a file that could not be read at all) is an error; the
    /// others are for the caller to warn about.
    pub fn needed(self, used: &[&str]) -> Result<(Config, Vec<ConfigError>), ConfigError> {
        let mut rest = Vec::new();
        for problem in self.problems {
            let blocks = match &problem {
                ConfigError::Unknown { .. } => false,
                ConfigError::BadValue { name, .. } => used.contains(name),
                ConfigError::Read(_) | ConfigError::Parse { .. } => !used.is_empty(),
            };
            if blocks {
                return Err(problem);
            }
            rest.push(problem);
        }
        Ok((self.config, rest))
    }
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

    /// Reads a config document setting by setting: every good setting is kept, every
    /// problem reported. `path` is only for messages.
    pub fn parse_lenient(text: &str, path: &Path) -> Loaded {
        let strict = match Config::parse(text, path) {
            Ok(mut config) => {
                let mut problems = Vec::new();
                // Read as a number like any other, but an agent that ends as it starts is no
                // agent: 0 hours is a bad value.
                if config.agent_max_hours == 0 {
                    config.agent_max_hours = Config::default().agent_max_hours;
                    problems.push(ConfigError::BadValue {
                        path: path.to_path_buf(),
                        name: "agent_max_hours",
                        takes: SETTINGS
                            .iter()
                            .find(|(n, _)| *n == "agent_max_hours")
                            .map_or("", |(_, t)| *t),
                        line: None,
                    });
                }
                return Loaded { config, problems };
            }
            Err(e) => e,
        };
        let line = match &strict {
            ConfigError::Parse { line, .. } => Some(*line),
            _ => None,
        };
        let mut config = Config::default();
        let map = match ron::from_str::<ron::Value>(text) {
            Ok(ron::Value::Map(map)) => map,
            _ => {
                return Loaded {
                    config,
                    problems: vec![strict],
                };
            }
        };
        let mut problems = Vec::new();
        for (key, value) in map.iter() {
            let ron::Value::String(name) = key else {
                problems.push(strict);
                return Loaded { config, problems };
            };
            let bad = |name: &'static str, takes| ConfigError::BadValue {
                path: path.to_path_buf(),
                name,
                takes,
                line,
            };
            let takes = |wanted: &str| {
                SETTINGS
                    .iter()
                    .find(|(n, _)| *n == wanted)
                    .map_or("", |(_, t)| *t)
            };
            let value = value.clone();
            match name.as_str() {
                "clipboard_clear_seconds" => match value.into_rust() {
                    Ok(v) => config.clipboard_clear_seconds = v,
                    Err(_) => problems.push(bad("clipboard_clear_seconds", takes(name))),
                },
                "idle_lock_minutes" => match value.into_rust() {
                    Ok(v) => config.idle_lock_minutes = v,
                    Err(_) => problems.push(bad("idle_lock_minutes", takes(name))),
                },
                "colors" => match value.into_rust() {
                    Ok(v) => config.colors = v,
                    Err(_) => problems.push(bad("colors", takes(name))),
                },
                "agent_idle_minutes" => match value.into_rust() {
                    Ok(v) => config.agent_idle_minutes = v,
                    Err(_) => problems.push(bad("agent_idle_minutes", takes(name))),
                },
                "agent_max_hours" => match value.into_rust() {
                    Ok(v) if v > 0 => config.agent_max_hours = v,
                    _ => problems.push(bad("agent_max_hours", takes(name))),
                },
                // An identifier (`auto`) reaches `ron::Value` as a bare unit, so this one is
                // read from the text on its own.
                "clipboard" => match ron::from_str::<ClipboardOnly>(text) {
                    Ok(only) => config.clipboard = only.clipboard,
                    Err(_) => problems.push(bad("clipboard", takes(name))),
                },
                other => problems.push(ConfigError::Unknown {
                    path: path.to_path_buf(),
                    name: crate::engine::printable::printable(other, 40),
                    line,
                }),
            }
        }
        if problems.is_empty() {
            problems.push(strict);
        }
        Loaded { config, problems }
    }

    /// The shipped defaults, with no problem (what an empty settings file gives, without
    /// parsing one).
    fn defaults() -> Loaded {
        Loaded {
            config: Config::default(),
            problems: Vec::new(),
        }
    }

    /// Loads `explicit` (which must exist) or the default file (which may not), setting by
    /// setting (see [`Config::parse_lenient`]).
    pub fn load(explicit: Option<&Path>) -> Loaded {
        use crate::engine::storage::{ReadError, read};
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match default_config_path() {
                Some(p) => (p, false),
                None => return Config::defaults(),
            },
        };
        let defaults = |problem| Loaded {
            config: Config::default(),
            problems: vec![problem],
        };
        match read::read_regular(&path, "config file", read::CONFIG_CAP) {
            Ok(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text) => Config::parse_lenient(text, &path),
                Err(_) => defaults(ConfigError::Parse {
                    path,
                    line: 1,
                    column: 1,
                    problem: "the file is not UTF-8 text".into(),
                }),
            },
            Err(ReadError::Missing { .. }) if !required => Config::defaults(),
            Err(e) => defaults(ConfigError::Read(e)),
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "keyfob")
}

/// Where keyfob keeps what this machine remembers about each vault (trust): the state dir
/// (Linux: `$XDG_STATE_HOME/keyfob`, else `~/.local/state/keyfob`), else the data dir.
pub fn state_dir() -> Option<PathBuf> {
    project_dirs().map(|d| {
        d.state_dir()
            .map_or_else(|| d.data_dir().to_path_buf(), Path::to_path_buf)
    })
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
mod tests;
