//! Inputs: what the user named, turned into readable sources.

mod collect;
mod export;
mod sniff;
mod source;

pub(crate) use collect::describe_io;
pub use collect::{Found, collect};
pub use export::{ExportRead, read_export};
pub use sniff::sniff;
pub use source::Source;
