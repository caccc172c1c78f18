//! evtx-doctor library.

pub mod knowledge;
