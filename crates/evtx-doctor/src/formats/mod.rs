//! Formats: what a source's bytes are (sniffed by content, never by name), and the readers
//! that decode them: archives and compressed streams (zip, gzip, tar, 7z), whose entries are
//! sniffed in turn, and Event Viewer XML / CSV / text exports, read into the same
//! [`Event`](crate::event::Event) an .evtx record gives. The .evtx format itself is the
//! [`scan`](crate::scan)ner's. See `docs/inputs.md`.

pub(crate) mod archive;
mod csv;
mod export;
mod listing;
mod locale;
pub(crate) mod sniff;
mod text;
mod xml;

pub use export::for_each_export_event;
#[cfg(test)]
pub(crate) use export::{ExportRead, read_export};
#[cfg(any(test, feature = "internals"))]
pub use export::{ExportStats, MAX_EXPORT_PROBLEMS, MAX_EXPORT_RECORD_BYTES};
