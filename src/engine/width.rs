//! How wide text is on a terminal, in columns (`unicode-width`): CJK characters and most emoji
//! take two, combining marks none. For lining up names in the list and on the screen.
//!
//! Promises: [`fit`] never returns text wider than asked, and marks a cut with "…";
//! [`wrap`] breaks text into lines no wider than asked and loses nothing; [`pad`] pads to a
//! width in columns (not characters), so rows of mixed scripts line up.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `text` takes.
pub fn width(text: &str) -> usize {
    text.width()
}

/// `text` if it fits in `columns`, else cut so that it and a final "…" do.
pub fn fit(text: &str, columns: usize) -> String {
    if text.width() <= columns {
        return text.to_string();
    }
    if columns == 0 {
        return String::new();
    }
    let mut out = String::with_capacity(columns * 3);
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > columns - 1 {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.push('…');
    out
}

/// `text` followed by spaces up to `columns` (nothing added if it is already as wide).
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = text.to_string();
    out.extend(std::iter::repeat_n(
        ' ',
        columns.saturating_sub(text.width()),
    ));
    out
}

/// `text` broken at spaces into lines at most `columns` wide (a word wider than that is cut
/// into pieces), so that nothing is lost.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let sep = usize::from(!line.is_empty());
        if width(&line) + sep + width(word) <= columns {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for ch in word.chars() {
            if width(&line) + ch.width().unwrap_or(0) > columns {
                lines.push(std::mem::take(&mut line));
            }
            line.push(ch);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_by_columns_with_an_ellipsis() {
        assert_eq!(fit("GitHub", 6), "GitHub");
        assert_eq!(fit("GitHub", 5), "GitH…");
        assert_eq!(fit("GitHub", 1), "…");
        assert_eq!(fit("GitHub", 0), "");
        // Two columns a character: 漢字 is 4 columns.
        assert_eq!(fit("漢字テスト", 5), "漢字…");
        assert_eq!(width(&fit("漢字テスト", 4)), 3, "no half characters");
        assert_eq!(width(&fit("🔑🔑🔑", 4)), 3);
    }

    #[test]
    fn wraps_without_losing_anything() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        let reason = "line 4, column 'time interval': 45 is not 30 or 60 seconds";
        let lines = wrap(reason, 20);
        assert!(lines.iter().all(|l| width(l) <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), reason);
    }

    #[test]
    fn pads_by_columns() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("漢字", 6), "漢字  ");
        assert_eq!(pad("abcdef", 4), "abcdef");
        assert_eq!(width(&pad("🔑x", 5)), 5);
    }
}
