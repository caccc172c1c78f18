//! Formats: what a source's bytes are (sniffed by content, never by name), and the readers
//! that decode them: zip archives, Event Viewer XML / CSV / text exports, read into the same
//! [`Event`](crate::event::Event) an .evtx record gives. See `docs/inputs.md`.

mod csv;
mod export;
pub(crate) mod sniff;
mod text;
mod xml;
pub(crate) mod zip;

pub use export::{
    ExportRead, ExportStats, MAX_EXPORT_RECORD_BYTES, for_each_export_event, read_export,
};
pub use sniff::sniff;
pub use zip::{
    ArchiveLimits, MAX_ARCHIVE_BYTES, MAX_ARCHIVE_DEPTH, MAX_ARCHIVE_ENTRIES, MAX_ENTRY_BYTES,
};
