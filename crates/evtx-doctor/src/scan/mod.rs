//! The hot path: chunk slots of .evtx files, read in parallel, prefiltered, parsed, and
//! turned into matched [`Event`](crate::event::Event)s.

mod binxml;
mod chunk;
mod decode;
mod layout;
mod prefilter;
mod record;
mod select;
mod walk;

pub(crate) use chunk::{ChunkOutcome, ScanContext, Scratch, Slot, SlotBytes, scan_chunk};
#[cfg(any(test, feature = "internals"))]
pub use decode::{Decline, DecodedTwice, decode_both_ways, decode_chunk};
pub(crate) use layout::{
    CHUNK_MAGIC, FILE_MAGIC, SIGNATURE_SEARCH, header_facts, layout, truncation,
};
pub use layout::{CHUNK_SIZE, FILE_HEADER_SIZE};
#[cfg(any(test, feature = "internals"))]
pub use prefilter::Hits;
pub use prefilter::Prefilter;
