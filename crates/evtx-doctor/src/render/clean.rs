//! Text from logs and file names, made harmless for the reader: no character that can drive
//! a terminal (escape sequences, BEL, CR, C1 controls), break a line, or reorder what is
//! shown (bidirectional embeddings, overrides and isolates) survives.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a reader as it is: C0 and C1 controls (newline and tab too),
/// DEL, the Unicode line and paragraph separators, and the bidirectional controls U+202A–202E
/// and U+2066–2069.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` on one line with every character that could drive a terminal, break the line or
/// reorder the text shown as a visible escape: `\n`, `\r`, `\t`, `\x1b`, `\u{202e}`.
///
/// Borrowed when there was nothing to escape. Use it for anything from an input (a path, a
/// string from an event) printed on a terminal or written to a log:
///
/// ```
/// use evtx_doctor::render::escape_controls;
/// assert_eq!(escape_controls("a\nb\x1b[2J\u{202E}"), r"a\nb\x1b[2J\u{202e}");
/// assert_eq!(escape_controls("Contoso.com"), "Contoso.com");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// `text` with white space controls (line breaks, tabs) as single spaces and every other
/// unsafe character as a visible escape: for one-line cells and prose.
pub(crate) fn flatten(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() && is_unsafe(c) {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends `c`, or its visible escape when it is unsafe.
pub(crate) fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) && u32::from(c) <= 0xFF => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unsafe_character_is_escaped() {
        let hostile = "\x1b]52;c;cHduZWQ=\x07\x1b]0;title\x07\x1b[2J\r\u{9b}31m\u{85}\u{7f}\
                       \u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\
                       \u{2028}\u{2029}\0";
        let clean = escape_controls(hostile);
        assert!(!clean.chars().any(is_unsafe), "{clean}");
        assert!(clean.contains(r"\x1b]52;c;"), "{clean}");
        assert!(
            clean.contains(r"\x9b") && clean.contains(r"\u{202e}"),
            "{clean}"
        );
        assert_eq!(escape_controls("é ✓ 東京"), "é ✓ 東京");
    }
}
