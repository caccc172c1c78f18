//! Inputs: what the user named, turned into readable sources.
//!
//! Files as named, folders walked recursively, shell globs expanded, zip archives read in
//! memory (bounded), and Event Viewer XML / CSV / text exports read into the same
//! [`Event`](crate::event::Event) an .evtx record gives. See `docs/inputs.md`.

mod archive;
mod collect;
mod csv_export;
mod export;
mod sniff;
mod source;
mod text;
mod xml_export;

pub use archive::{
    ArchiveLimits, MAX_ARCHIVE_BYTES, MAX_ARCHIVE_DEPTH, MAX_ARCHIVE_ENTRIES, MAX_ENTRY_BYTES,
};
pub(crate) use collect::describe_io;
pub use collect::{Found, collect, collect_with};
pub use export::{
    ExportRead, ExportStats, MAX_EXPORT_RECORD_BYTES, for_each_export_event, read_export,
};
pub use sniff::sniff;
pub use source::Source;
