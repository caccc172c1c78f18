//! Event Viewer exports: "Save as XML" / `wevtutil qe /f:xml`, and CSV / tab-separated text.
//! Each record becomes the same [`Event`] an .evtx record would.

use super::text::{LoneCr, TextReader, Window};
use crate::event::Event;
use crate::report::ProblemKind;
use crate::report::{InputKind, Problem};
use std::io::Read;

/// What reading an export gave, all at once ([`read_export`]; tests only).
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct ExportRead {
    /// The events, in file order.
    pub events: Vec<Event>,
    /// Records that could not be read.
    pub records_unreadable: u64,
    /// What went wrong, and where.
    pub problems: Vec<Problem>,
}

/// ExportTally of a streamed export read ([`for_each_export_event`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportStats {
    /// Events handed out.
    pub records_read: u64,
    /// Records that could not be read.
    pub records_unreadable: u64,
}

/// The largest single event (XML element or CSV row) read; a larger one is skipped as a
/// problem, so that a file without the expected end tag or closing quote cannot make the
/// reader hold the whole file.
pub const MAX_EXPORT_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// Reads every event and problem of an export of `kind` held in `bytes`; `input` is the
/// input's index in the report.
#[cfg(test)]
pub(crate) fn read_export(bytes: &[u8], kind: InputKind, input: usize) -> ExportRead {
    let mut events = Vec::new();
    let mut problems = Vec::new();
    let stats = for_each_export_event(
        bytes,
        kind,
        input,
        None,
        &mut |event| events.push(event),
        &mut |problem| problems.push(problem),
    );
    ExportRead {
        events,
        records_unreadable: stats.records_unreadable,
        problems,
    }
}

/// Reads an export of `kind` event by event, handing each event to `on_event` and each problem
/// to `on_problem` as they are found (memory does not grow with the file); `input` is the
/// input's index in the report; `zone` is the exporting machine's time zone for the local
/// times of CSV and text exports (`None`: UTC, noted once).
///
/// At most [`MAX_EXPORT_PROBLEMS`] problems are handed on; one `too_many_problems` then
/// says how many more there were.
pub fn for_each_export_event<R: Read>(
    reader: R,
    kind: InputKind,
    input: usize,
    zone: Option<&jiff::tz::TimeZone>,
    on_event: &mut dyn FnMut(Event),
    on_problem: &mut dyn FnMut(Problem),
) -> ExportStats {
    let mut stats = ExportStats::default();
    let (reader, encoding, bom) = match TextReader::new(reader) {
        Ok(opened) => opened,
        Err(err) => {
            on_problem(problem(
                ProblemKind::CannotRead,
                Some(0),
                format!("cannot read the export: {err}"),
            ));
            return stats;
        }
    };
    let mut window = Window::new(LoneCr::new(reader), encoding, bom);
    let mut emit = |mut event: Event| {
        event.origin.input = input;
        stats.records_read += 1;
        on_event(event);
    };
    let mut counts = ExportTally::new(on_problem);
    match kind {
        InputKind::XmlExport => super::xml::read(&mut window, &mut counts, &mut emit),
        InputKind::CsvExport => super::csv::read(&mut window, zone, &mut counts, &mut emit),
        InputKind::TextExport => super::listing::read(&mut window, zone, &mut counts, &mut emit),
        _ => counts.push(problem(
            ProblemKind::NotAnExport,
            None,
            "not an XML or CSV export".into(),
        )),
    }
    if let Some(err) = window.take_error() {
        counts.push(problem(
            super::archive::kind_of(&err, ProblemKind::CannotRead),
            Some(window.offset()),
            format!("reading stopped at line {}: {err}", window.line()),
        ));
    }
    stats.records_unreadable = counts.finish();
    stats
}

/// How many problems of one export are handed on; past it they are only counted, so that a
/// file of a million broken rows does not make a million problems.
pub const MAX_EXPORT_PROBLEMS: u64 = 1000;

/// Problems and unreadable records, as the export readers find them: problems are handed on
/// at once, up to [`MAX_EXPORT_PROBLEMS`].
pub(crate) struct ExportTally<'a> {
    pub(crate) unreadable: u64,
    problems: u64,
    on_problem: &'a mut dyn FnMut(Problem),
}

impl<'a> ExportTally<'a> {
    fn new(on_problem: &'a mut dyn FnMut(Problem)) -> Self {
        ExportTally {
            unreadable: 0,
            problems: 0,
            on_problem,
        }
    }

    /// Hands `problem` on (past [`MAX_EXPORT_PROBLEMS`], only counts it).
    pub(crate) fn push(&mut self, problem: Problem) {
        if self.problems < MAX_EXPORT_PROBLEMS {
            (self.on_problem)(problem);
        }
        self.problems += 1;
    }

    /// A record that could not be read, and why.
    pub(crate) fn unreadable(&mut self, problem: Problem) {
        self.unreadable += 1;
        self.push(problem);
    }

    /// Says how many problems were not handed on; returns the unreadable records.
    fn finish(self) -> u64 {
        let more = self.problems.saturating_sub(MAX_EXPORT_PROBLEMS);
        if more > 0 {
            (self.on_problem)(problem(
                ProblemKind::TooManyProblems,
                None,
                format!("{more} more problems in this export are not listed"),
            ));
        }
        self.unreadable
    }
}

/// A problem at a byte offset of an export (exports have no chunks or record ids).
pub(crate) fn problem(kind: ProblemKind, offset: Option<u64>, message: String) -> Problem {
    Problem {
        kind,
        chunk: None,
        offset,
        record_id: None,
        message,
    }
}
