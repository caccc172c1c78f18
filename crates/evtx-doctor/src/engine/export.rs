//! Exports (XML, CSV, text): no chunks to skip, every event goes through the rules, one at a
//! time, as it is read (memory does not grow with the export).

use super::run::{Context, Input, Run};
use crate::formats::for_each_export_event;
use crate::formats::sniff::Content;
use crate::report::InputKind;
use crate::rules::RuleScratch;
use std::io::{self, Read};

/// Reads an export and hands on the events a rule matches.
pub(super) fn read<'r>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    content: Content,
    reader: &mut dyn Read,
    _ctx: &Context<'_>,
) {
    let kind = match content {
        Content::Xml => InputKind::XmlExport,
        Content::Text => InputKind::TextExport,
        _ => InputKind::CsvExport,
    };
    input.kind = kind;
    input.quiet = false;
    input.start();
    let rules = run.inner.knowledge.rules();
    let origin = input.origin();
    let mut position = 0u64;
    let input_ref: &Input<'_, '_> = input;
    let watched = Watched { inner: reader, run };
    let zone = run.inner.options.timezone.as_ref();
    // An export read is one task: one scratch (and memory of recent answers) for its events.
    let mut scratch = RuleScratch::default();
    // Problems are listed in the order the reader found them (file order).
    let mut problems = 0u64;
    let stats = for_each_export_event(
        watched,
        kind,
        origin,
        zone,
        &mut |event| {
            position += 1;
            if let Some(time) = event.time {
                input_ref.with_tally(|tally| tally.saw(time));
            }
            if let Some(found) = rules.evaluate_with(&event, &mut scratch) {
                input_ref.matched(position, event, found);
            }
        },
        &mut |problem| {
            input_ref.shared_problem(problems, problem);
            problems += 1;
        },
    );
    input.with_tally(|tally| {
        tally.counts.records_read += stats.records_read;
        tally.counts.records_unreadable += stats.records_unreadable;
    });
}

/// Stops reading once the run is stopped or cancelled (a large export is read in many
/// blocks: the run stops within one).
struct Watched<'a, 'r> {
    inner: &'a mut dyn Read,
    run: &'a Run<'r>,
}

impl Read for Watched<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.run.stopped() {
            return Ok(0);
        }
        self.inner.read(buf)
    }
}
