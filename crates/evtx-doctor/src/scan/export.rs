//! Exports (XML, CSV): no chunks to skip, every event goes through the rules.

use super::chunk::{ChunkOutcome, Matched, ScanContext};
use crate::input::{Source, read_export};
use crate::report::InputKind;

/// Reads an export and keeps the events a rule matches.
pub(crate) fn scan_export(
    ctx: &ScanContext<'_>,
    source: &Source,
    kind: InputKind,
    input: usize,
) -> ChunkOutcome {
    let read = read_export(source, kind, input);
    let mut out = ChunkOutcome {
        records_read: read.events.len() as u64,
        records_unreadable: read.records_unreadable,
        problems: read.problems,
        ..ChunkOutcome::default()
    };
    for event in read.events {
        if let Some(time) = event.time {
            out.saw(time);
        }
        if let Some(found) = ctx.rules.evaluate(&event) {
            out.matches.push(Matched { event, found });
        }
    }
    out
}
