//! Colours and text attributes by meaning, so the view never names a colour directly.
//!
//! Promise: with colours off (`NO_COLOR` set, or `colors: false` in the config) no style carries
//! a foreground or background colour; meaning is kept by text and attributes (bold, reverse).

use ratatui::style::{Color, Modifier, Style};

/// What a piece of text means on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Title,
    /// The marker and name of the selected row.
    Selected,
    Code,
    /// The countdown bar and seconds, plenty of time left.
    Bar,
    /// The countdown in its last seconds.
    BarLow,
    /// The empty part of the countdown bar.
    Track,
    /// The code that comes next (shown in the last seconds).
    Next,
    Dim,
    Error,
    Good,
    Warning,
    /// Key names in help and hints.
    Key,
    /// The frame of a dialog.
    Border,
}

/// Decides styles from the one question: colours or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set (to anything non-empty) or the config turns them off.
    pub fn from_env(config_colors: bool, no_color: Option<&str>) -> Theme {
        Theme {
            color: config_colors && no_color.is_none_or(str::is_empty),
        }
    }

    /// The symbols of the countdown bar's full and empty cells. In colour the bar is blank
    /// cells on a coloured background: one byte a cell to send instead of three, which is
    /// most of what an idle screen sends when a cell empties or the bar refills.
    pub fn bar_cells(self) -> (char, char) {
        if self.color {
            (' ', ' ')
        } else {
            ('█', '░')
        }
    }

    pub fn style(self, role: Role) -> Style {
        let plain = Style::new();
        let colored = |style: Style| if self.color { style } else { plain };
        match role {
            Role::Title => Style::new().add_modifier(Modifier::BOLD),
            Role::Selected => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            Role::Code => Style::new().add_modifier(Modifier::BOLD),
            Role::Bar => colored(Style::new().bg(Color::Green)),
            Role::BarLow => {
                if self.color {
                    Style::new().bg(Color::Red)
                } else {
                    Style::new().add_modifier(Modifier::BOLD)
                }
            }
            Role::Track => colored(Style::new().bg(Color::DarkGray)),
            Role::Next | Role::Dim => Style::new().add_modifier(Modifier::DIM),
            Role::Error => colored(Style::new().fg(Color::Red)).add_modifier(Modifier::BOLD),
            Role::Good => colored(Style::new().fg(Color::Green)),
            Role::Warning => colored(Style::new().fg(Color::Yellow)).add_modifier(Modifier::BOLD),
            Role::Key => colored(Style::new().fg(Color::Cyan)).add_modifier(Modifier::BOLD),
            Role::Border => colored(Style::new().fg(Color::Blue)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins() {
        assert!(Theme::from_env(true, None).color);
        assert!(Theme::from_env(true, Some("")).color);
        assert!(!Theme::from_env(true, Some("1")).color);
        assert!(!Theme::from_env(false, None).color);
        let t = Theme { color: false };
        for role in [
            Role::Bar,
            Role::BarLow,
            Role::Track,
            Role::Error,
            Role::Key,
            Role::Border,
        ] {
            let s = t.style(role);
            assert_eq!((s.fg, s.bg), (None, None), "{role:?}");
        }
    }
}
