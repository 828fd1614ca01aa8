//! How wide text is on a terminal, in columns (`unicode-width`): CJK characters and most emoji
//! take two, combining marks none. For lining up names in the list and on the screen.
//!
//! Promises: [`fit`] never returns text wider than asked, and marks a cut with "…";
//! [`pad`] pads to a width in columns (not characters), so rows of mixed scripts line up.

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
    fn pads_by_columns() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("漢字", 6), "漢字  ");
        assert_eq!(pad("abcdef", 4), "abcdef");
        assert_eq!(width(&pad("🔑x", 5)), 5);
    }
}
