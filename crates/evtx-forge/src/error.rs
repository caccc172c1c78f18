//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong while reading a spec or writing an .evtx file.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// The spec is not valid TOML or does not match the spec format.
    #[error("invalid spec: {0}")]
    Toml(#[from] toml::de::Error),
    /// The spec parsed, but a value in it makes no sense.
    #[error("invalid spec: {0}")]
    Spec(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Writing to a stream failed.
    #[error("write failed: {0}")]
    Write(#[from] std::io::Error),
    /// A single record is larger than a chunk can hold.
    #[error("record {record_id} needs {size} bytes, more than a 64 KiB chunk can hold")]
    RecordTooLarge {
        /// The record's id.
        record_id: u64,
        /// Its size in bytes.
        size: usize,
    },
    /// A value does not fit its BinXML field (a string over 32767 UTF-16 units, say).
    #[error("value too large: {0}")]
    ValueTooLarge(String),
    /// The file would need more chunks than the header's 16-bit chunk count allows.
    #[error("too many chunks: an .evtx file holds at most 65535")]
    TooManyChunks,
    /// A damage entry points outside the file.
    #[error("cannot apply damage {damage}: {reason}")]
    Damage {
        /// The damage that was asked for.
        damage: String,
        /// Why it cannot be applied.
        reason: String,
    },
}

impl ForgeError {
    pub(crate) fn spec(msg: impl Into<String>) -> Self {
        ForgeError::Spec(msg.into())
    }
}
