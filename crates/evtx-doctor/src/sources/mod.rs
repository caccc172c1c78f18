//! Sources: where input bytes come from — files named by the user, folders walked, globs
//! expanded — and how they are read (by position, several threads at once).

mod blob;
mod walk;

pub use blob::Source;
pub(crate) use walk::describe_io;
pub use walk::{Found, collect, collect_with};
