//! Quoting what people (or files) supplied inside error messages.
//!
//! Promise: [`printable`] returns text that is safe to print on one terminal line: control
//! characters (newlines, NULs, escape sequences) and bidirectional controls (which reorder
//! what a terminal shows) are shown escaped, never sent to the terminal, and overly long text
//! is cut with an ellipsis. Use it for every value an error
//! message echoes back (never for secrets: those are not echoed at all).

/// Whether `c` must not reach a terminal as it is: a control character (Cc), or a
/// bidirectional formatting character (U+061C, U+200E/F, U+202A..=U+202E, U+2066..=U+2069),
/// which can make a name display as another (Trojan Source, CVE-2021-42574).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with control characters escaped (`\n`, `\u{1b}`) and cut to `max_chars`.
pub fn printable(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    for (shown, ch) in text.chars().enumerate() {
        if shown == max_chars {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_debug());
        } else if is_unsafe(ch) {
            out.extend(ch.escape_unicode());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn escapes_controls_and_cuts() {
        assert_eq!(printable("totp", 20), "totp");
        assert_eq!(printable("t\n\0\x1b[2J", 20), "t\\n\\0\\u{1b}[2J");
        assert_eq!(printable("Pay\u{202e}laP", 20), "Pay\\u{202e}laP");
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable("Ωmega", 20), "Ωmega");
    }
}
