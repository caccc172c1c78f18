//! Exports (XML, CSV): no chunks to skip, every event goes through the rules, one at a time
//! (memory does not grow with the export).

use super::chunk::{ChunkOutcome, Matched, ScanContext};
use crate::formats::for_each_export_event;
use crate::report::InputKind;
use crate::sources::Source;

/// Reads an export and keeps the events a rule matches.
pub(crate) fn scan_export(
    ctx: &ScanContext<'_>,
    source: &Source,
    kind: InputKind,
    input: usize,
) -> ChunkOutcome {
    let mut out = ChunkOutcome::default();
    let stats = for_each_export_event(source.reader_at(0), kind, input, &mut |event| {
        if let Some(time) = event.time {
            out.saw(time);
        }
        if let Some(found) = ctx.rules.evaluate(&event) {
            out.matches.push(Matched { event, found });
        }
    });
    out.records_read = stats.records_read;
    out.records_unreadable = stats.records_unreadable;
    out.problems = stats.problems;
    out
}
