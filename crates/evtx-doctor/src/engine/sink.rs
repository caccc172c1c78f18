//! What a run hands out as it goes: the [`Sink`] trait and what it receives.

use crate::event::Event;
pub use crate::report::Completion;
use crate::report::{InputReport, Problem};
use crate::rules::Fields;

/// Whether a run goes on after a [`Sink`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop the run as soon as possible: no more inputs are opened, work under way ends at
    /// its next chunk.
    Stop,
}

/// Receives what a run finds, as it finds it.
///
/// Calls come from the run's worker threads, one at a time (the engine holds a lock around
/// the sink), in no particular order across inputs; every call about an input comes after
/// its [`Sink::input`] and before its [`Sink::input_done`]. Return [`Flow::Stop`] from any
/// call to end the run early; it then ends with [`Completion::Stopped`].
///
/// [`ReportBuilder`](crate::ReportBuilder) is a sink that builds the [`Report`](crate::Report).
pub trait Sink {
    /// An input is about to be read (a file, an archive entry, a stream).
    fn input(&mut self, _input: &InputStart) -> Flow {
        Flow::Continue
    }

    /// An event matched a rule (and the time window and computers of the run's options).
    fn matched(&mut self, matched: Matched) -> Flow;

    /// Something in an input could not be read.
    fn problem(&mut self, _problem: InputProblem) -> Flow {
        Flow::Continue
    }

    /// An input was read as far as it could be.
    fn input_done(&mut self, _done: InputDone) -> Flow {
        Flow::Continue
    }

    /// More bytes of the sources were read.
    fn progress(&mut self, _progress: Progress) -> Flow {
        Flow::Continue
    }

    /// The run is over; called once, last.
    fn finished(&mut self, _end: Completion) {}
}

/// Identifies an input within one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InputId(pub(crate) u64);

impl InputId {
    /// The id as a number (what [`Origin::input`](crate::event::Origin::input) holds while a
    /// run streams; a [`Report`](crate::Report) holds the index in its `inputs` instead).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Where an input stands among all the run's inputs: the position of its source among those
/// given, then of the file in its folder walk, then of the entry in each archive around it.
/// Sorting inputs by it gives the order a report lists them in, whatever the thread count.
pub type InputOrder = Vec<u32>;

/// An input about to be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputStart {
    /// Its id in this run.
    pub id: InputId,
    /// Where it stands among the run's inputs.
    pub order: InputOrder,
    /// Its name in the report (archive entries as `archive.zip!inner/path`), cleaned of
    /// control characters.
    pub name: String,
}

/// An event a rule matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    /// The input it was read from.
    pub input: InputId,
    /// Its position in the input (the byte offset of its record, in the decompressed bytes
    /// for archive entries): events of one input sort by it into reading order.
    pub position: u64,
    /// The event (its `origin.input` is [`InputId::get`]).
    pub event: Event,
    /// The index of the rule in [`RuleSet::rules`](crate::rules::RuleSet::rules).
    pub rule: usize,
    /// What the rule's extractors and patterns pulled out of the event.
    pub fields: Fields,
}

/// Something in an input that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    /// The input.
    pub input: InputId,
    /// Its position in the input, for sorting (problems of the file header first, then by
    /// chunk or byte).
    pub position: u64,
    /// What and where.
    pub problem: Problem,
}

/// An input read as far as it could be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputDone {
    /// The input.
    pub input: InputId,
    /// Where it stands among the run's inputs.
    pub order: InputOrder,
    /// What was read of it; `problems` is empty (they were handed out one by one),
    /// `problem_count` counts them, `status` is decided from both.
    pub report: InputReport,
    /// Events a rule matched that the time window or computer list left out.
    pub excluded: u64,
}

/// How much of the sources has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes read so far.
    pub done: u64,
    /// Bytes to read in all, when known (sources on disk and in memory; not streams).
    pub total: Option<u64>,
}
