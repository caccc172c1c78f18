//! Event Viewer exports: "Save as XML" / `wevtutil qe /f:xml`, and CSV / tab-separated text.
//! Each record becomes the same [`Event`] an .evtx record would.

use super::text::{LoneCr, TextReader, Window};
use crate::event::Event;
use crate::report::ProblemKind;
use crate::report::{InputKind, Problem};
use std::io::Read;

/// What reading an export gave.
#[derive(Debug, Default)]
pub struct ExportRead {
    /// The events, in file order.
    pub events: Vec<Event>,
    /// Records that could not be read.
    pub records_unreadable: u64,
    /// What went wrong, and where.
    pub problems: Vec<Problem>,
}

/// Counts of a streamed export read ([`for_each_export_event`]).
#[derive(Debug, Default)]
pub struct ExportStats {
    /// Events handed out.
    pub records_read: u64,
    /// Records that could not be read.
    pub records_unreadable: u64,
    /// What went wrong, and where.
    pub problems: Vec<Problem>,
}

/// The largest single event (XML element or CSV row) read; a larger one is skipped as a
/// problem, so that a file without the expected end tag or closing quote cannot make the
/// reader hold the whole file.
pub const MAX_EXPORT_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// Reads every event of an export of `kind` held in `bytes`; `input` is the input's index in
/// the report.
pub fn read_export(bytes: &[u8], kind: InputKind, input: usize) -> ExportRead {
    let mut events = Vec::new();
    let stats = for_each_export_event(bytes, kind, input, None, &mut |event| events.push(event));
    ExportRead {
        events,
        records_unreadable: stats.records_unreadable,
        problems: stats.problems,
    }
}

/// Reads an export of `kind` event by event, handing each to `sink` (memory does not grow with
/// the file); `input` is the input's index in the report; `zone` is the exporting machine's
/// time zone for the local times of CSV and text exports (`None`: UTC, noted once).
pub fn for_each_export_event<R: Read>(
    reader: R,
    kind: InputKind,
    input: usize,
    zone: Option<&jiff::tz::TimeZone>,
    sink: &mut dyn FnMut(Event),
) -> ExportStats {
    let mut stats = ExportStats::default();
    let (reader, encoding, bom) = match TextReader::new(reader) {
        Ok(opened) => opened,
        Err(err) => {
            stats.problems.push(problem(
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
        sink(event);
    };
    let mut counts = Counts::default();
    match kind {
        InputKind::XmlExport => super::xml::read(&mut window, &mut counts, &mut emit),
        InputKind::CsvExport => super::csv::read(&mut window, zone, &mut counts, &mut emit),
        InputKind::TextExport => match super::listing::shape_of(&mut window) {
            Some(shape) => super::listing::read(&mut window, shape, zone, &mut counts, &mut emit),
            None => counts.push(problem(
                ProblemKind::NotAnExport,
                None,
                "no event copied as text (Event Viewer, wevtutil or PowerShell) was found".into(),
            )),
        },
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
    if counts.dropped > 0 {
        counts.problems.push(problem(
            ProblemKind::TooManyProblems,
            None,
            format!(
                "{} more problems in this export are not listed",
                counts.dropped
            ),
        ));
    }
    stats.records_unreadable = counts.unreadable;
    stats.problems = counts.problems;
    stats
}

/// How many problems one export keeps (the report lists fewer; this bounds memory).
const MAX_EXPORT_PROBLEMS: usize = 1000;

/// Problems and unreadable records, as the export readers find them.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub(crate) unreadable: u64,
    problems: Vec<Problem>,
    dropped: u64,
}

impl Counts {
    /// Keeps `problem` (past [`MAX_EXPORT_PROBLEMS`], only counts it).
    pub(crate) fn push(&mut self, problem: Problem) {
        if self.problems.len() < MAX_EXPORT_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.dropped += 1;
        }
    }

    /// A record that could not be read, and why.
    pub(crate) fn unreadable(&mut self, problem: Problem) {
        self.unreadable += 1;
        self.push(problem);
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
