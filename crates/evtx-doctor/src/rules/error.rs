//! Errors of rule files: each names the file and the line.

use std::path::PathBuf;

/// A rule file that cannot be used, with where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The rule file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or does not have the rule format (unknown key, wrong type).
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The rule file.
        path: PathBuf,
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A value is well-formed TOML but not acceptable (bad regex, empty id, ...).
    #[error("{path}:{line}: rule {rule:?}: {message}")]
    Invalid {
        /// The rule file.
        path: PathBuf,
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// The rule (or extractor) concerned.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(0, |head| head.iter().filter(|&&b| b == b'\n').count())
        + 1
}
