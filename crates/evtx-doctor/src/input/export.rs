//! Event Viewer exports: "Save as XML" / `wevtutil qe /f:xml`, and CSV / tab-separated text.
//! Each record becomes the same [`Event`] an .evtx record would.

use super::Source;
use crate::event::Event;
use crate::report::{InputKind, Problem};

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

/// Reads every event of an export of `kind`; `input` is the input's index in the report.
pub fn read_export(_source: &Source, _kind: InputKind, _input: usize) -> ExportRead {
    ExportRead::default()
}
