//! What kind of file an input is, from its first bytes.

use super::Source;
use crate::report::InputKind;

/// Decides the kind of `source` from its content (never from its name).
pub fn sniff(source: &Source) -> InputKind {
    let mut head = [0u8; 8];
    let n = source.read_at(0, &mut head).unwrap_or(0);
    match head.get(..n) {
        Some(b"ElfFile\0") | Some(b"ElfChnk\0") => InputKind::Evtx,
        _ => InputKind::Unknown,
    }
}
