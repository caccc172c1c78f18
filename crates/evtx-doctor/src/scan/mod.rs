//! The hot path: chunk slots of .evtx files, read in parallel, prefiltered, parsed, and
//! turned into matched [`Event`](crate::event::Event)s.

mod binxml;
mod chunk;
mod export;
mod layout;
mod prefilter;
mod record;
mod select;
mod walk;

pub(crate) use chunk::{ChunkOutcome, ChunkState, ScanContext, Scratch, scan_chunk};
pub(crate) use export::scan_export;
pub use layout::{CHUNK_SIZE, FILE_HEADER_SIZE, Layout, NotEvtx, layout};
pub use prefilter::{Hits, Prefilter};
