//! The normalised text that rules match: white space folded, so that CRLF, tabs and odd line
//! breaks in copies of a message do not matter.

use crate::event::Event;

/// Folds every run of white space into one space and trims the ends.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_words(&mut out, text);
    out
}

/// Appends the words of `text` (white space as [`char::is_whitespace`] says, the same as
/// `str::split_whitespace`) to `out`, one space before each unless `out` is empty.
///
/// Byte by byte for ASCII (most of an event's text), words copied whole: a quarter of the
/// instructions of `split_whitespace`, which decodes every character.
fn push_words(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut word_start: Option<usize> = None;
    while let Some(&byte) = bytes.get(at) {
        let (space, len) = if byte.is_ascii() {
            // U+0009..U+000D and U+0020: `u8::is_ascii_whitespace` leaves out U+000B.
            (matches!(byte, b'\t'..=b'\r' | b' '), 1)
        } else {
            match text.get(at..).and_then(|rest| rest.chars().next()) {
                Some(c) => (c.is_whitespace(), c.len_utf8()),
                // Not a character boundary: cannot be, `at` moves by whole characters.
                None => (false, 1),
            }
        };
        match (space, word_start) {
            (true, Some(start)) => {
                push_word(out, text.get(start..at).unwrap_or_default());
                word_start = None;
            }
            (false, None) => word_start = Some(at),
            _ => {}
        }
        at += len;
    }
    if let Some(start) = word_start {
        push_word(out, text.get(start..).unwrap_or_default());
    }
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// An event's text as the rules see it, made once per event: normalised ([`normalize`] of
/// [`Event::text`]), and the same ASCII-lowercased for keywords and literal checks.
#[derive(Debug, Default)]
pub(crate) struct EventText {
    /// The normalised text.
    pub(crate) text: String,
    /// `text` ASCII-lowercased (same length, same offsets).
    pub(crate) lower: Vec<u8>,
}

impl EventText {
    /// Fills the buffers from `event`, forgetting what they held (their memory is reused).
    ///
    /// `Event::text` joins the data values and the message with line breaks, which
    /// normalising turns into single spaces: the pieces are normalised straight into one
    /// buffer instead.
    pub(crate) fn fill(&mut self, event: &Event) {
        self.text.clear();
        for item in &event.data {
            push_words(&mut self.text, &item.value);
        }
        if let Some(message) = &event.message {
            push_words(&mut self.text, message);
        }
        self.lower.clear();
        self.lower.extend_from_slice(self.text.as_bytes());
        self.lower.make_ascii_lowercase();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_event;
    use proptest::prelude::*;

    #[test]
    fn folds_crlf_and_runs() {
        assert_eq!(normalize(" a\r\n   b\tc \n"), "a b c");
        assert_eq!(
            normalize("a\u{b}b\u{85}c\u{a0}d\u{3000}e\u{200b}f"),
            "a b c d e\u{200b}f"
        );
    }

    /// Characters that are white space or look like it, and others.
    fn piece() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            'a', 'Z', 'é', 'ß', 'İ', 'K', '\u{212a}', ' ', '\t', '\n', '\r', '\u{b}', '\u{c}',
            '\u{85}', '\u{a0}', '\u{2028}', '\u{3000}', '\u{200b}', '\u{feff}', '😀', '0',
        ]);
        prop::collection::vec(chars, 0..24).prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn same_as_split_whitespace(
            data in prop::collection::vec(piece(), 0..4),
            message in prop::option::of(piece()),
        ) {
            let refs: Vec<&str> = data.iter().map(String::as_str).collect();
            let event = test_event("", 0, &refs, message.as_deref());
            let reference = event.text().split_whitespace().collect::<Vec<_>>().join(" ");
            prop_assert_eq!(normalize(&event.text()), reference.clone());
            let mut text = EventText::default();
            text.fill(&event);
            prop_assert_eq!(&text.text, &reference);
            prop_assert_eq!(text.lower, reference.to_ascii_lowercase().into_bytes());
        }
    }
}
