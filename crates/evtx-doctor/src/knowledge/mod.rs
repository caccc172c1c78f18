//! The knowledge base as data: rule packs and the error-code table.

pub mod codes;
