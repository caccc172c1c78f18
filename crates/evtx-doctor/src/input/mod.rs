//! Inputs: what the user named, turned into readable sources.

mod collect;
mod source;

pub(crate) use collect::describe_io;
pub use collect::{Found, collect};
pub use source::Source;
