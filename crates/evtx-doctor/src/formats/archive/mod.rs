//! Archives and compressed streams customers send logs in — zip (stored, deflate, deflate64),
//! gzip, tar, 7z — read entry by entry as streams, never extracted to disk nor held whole in
//! memory. The engine decides what to do with each entry (its content is sniffed in turn) and
//! meters what they expand to.

use crate::report::ProblemKind;

pub(crate) mod inflate;
pub(crate) mod sevenz;
pub(crate) mod tar;
pub(crate) mod zip;

/// Why an archive or one of its entries cannot be read: a problem kind and a plain message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntryError {
    /// The problem kind (e.g. `archive_entry_encrypted`).
    pub kind: ProblemKind,
    /// A plain explanation.
    pub message: String,
}

impl EntryError {
    pub(crate) fn new(kind: ProblemKind, message: String) -> Self {
        EntryError { kind, message }
    }
}

/// A bound on what archives may expand to was reached: carried inside an I/O error, so that
/// whatever reads the expanded bytes can name the problem.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub(crate) struct LimitError {
    /// The problem kind.
    pub kind: ProblemKind,
    /// A plain explanation.
    pub message: String,
}

/// The problem kind an I/O error stands for: the bound it carries, else `default`.
pub(crate) fn kind_of(err: &std::io::Error, default: ProblemKind) -> ProblemKind {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitError>())
        .map_or(default, |limit| limit.kind)
}

/// Entries that are never logs: macOS resource forks and metadata.
pub(crate) fn skipped_name(name: &str) -> bool {
    name.starts_with("__MACOSX/")
        || name
            .rsplit(['/', '\\'])
            .next()
            .is_some_and(|base| base.starts_with("._") || base == ".DS_Store")
}

/// An entry name fit for a report: control and bidirectional-override characters replaced
/// (a name is the attacker's to choose).
pub(crate) fn clean_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// The characters that reorder text when displayed (U+202A–202E, U+2066–2069, and the marks).
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Whether `name` ends with `.ext` (case-insensitive).
pub(crate) fn has_extension(name: &str, ext: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_forks_skipped() {
        assert_eq!(
            clean_name("a\u{1b}[2J\u{202e}b\n.evtx"),
            "a\u{fffd}[2J\u{fffd}b\u{fffd}.evtx"
        );
        assert!(skipped_name("__MACOSX/a/._Application.evtx"));
        assert!(skipped_name("logs/._Application.evtx"));
        assert!(!skipped_name("logs/Application.evtx"));
    }
}
