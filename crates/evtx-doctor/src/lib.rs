//! evtx-doctor library.
