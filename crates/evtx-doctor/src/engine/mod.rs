//! The engine: knowledge and options built once, then any number of runs over any sources,
//! results streamed to a [`Sink`] as they are found.
//!
//! ```text
//! Engine::run(sources, sink)
//!   source ─► formats (sniffed: .evtx, zip / gz / tar / 7z, XML / CSV / text exports)
//!          ─► scan (chunks in the caller's rayon pool, archives inflated as streams)
//!          ─► rules ─► Sink::matched / problem / progress ─► (ReportBuilder ─► Report)
//! ```

mod archive;
mod cancel;
mod evtx;
mod export;
mod meter;
mod run;
pub(crate) mod sink;

pub use cancel::Cancel;
pub use sink::{
    Completion, Flow, InputDone, InputId, InputOrder, InputProblem, InputStart, Matched, Progress,
    Sink,
};

use crate::event::Event;
use crate::knowledge::Knowledge;
use crate::rules::Rule;
use crate::scan::Prefilter;
use crate::sources::Source;
use ::evtx::ParserSettings;
use jiff::Timestamp;
use std::sync::Arc;

/// How to analyze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Skip chunks and records that cannot match any rule (on by default; turning it off
    /// changes speed, never the report).
    pub prefilter: bool,
    /// Only events at or after this time count.
    pub since: Option<Timestamp>,
    /// Only events at or before this time count.
    pub until: Option<Timestamp>,
    /// Only events logged by these computers count (case-insensitive; empty: all).
    pub computers: Vec<String>,
    /// Bounds on what archives may expand to.
    pub limits: Limits,
    /// The time zone of the machine that wrote the CSV and text exports, for the local times
    /// they hold (`None`: read as UTC, and each export says so once).
    pub timezone: Option<jiff::tz::TimeZone>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            prefilter: true,
            since: None,
            until: None,
            computers: Vec::new(),
            limits: Limits::default(),
            timezone: None,
        }
    }
}

impl Options {
    /// Whether `event` is inside the time window and computer list.
    pub(crate) fn keeps(&self, event: &Event) -> bool {
        let in_window = match event.time {
            Some(time) => {
                self.since.is_none_or(|since| time >= since)
                    && self.until.is_none_or(|until| time <= until)
            }
            None => self.since.is_none() && self.until.is_none(),
        };
        in_window
            && (self.computers.is_empty()
                || self
                    .computers
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&event.computer)))
    }
}

/// Bounds on archives: what they may expand to and how deep they nest. A bound that stops
/// reading is a named problem in the report; every other input is still read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes all archives of a run, nested ones included, may expand to.
    pub expansion_bytes: u64,
    /// The most an archive's content may expand relative to its compressed size (real logs
    /// compress 5 to 30 times; zip bombs a thousand), judged once it expanded past
    /// [`Limits::ratio_after`]; and the same for each compressed entry.
    pub expansion_ratio: u64,
    /// How many bytes an archive or entry may expand to before its ratio is judged.
    pub ratio_after: u64,
    /// How deep archives and compressed streams nest (`logs.zip!Application.evtx.gz` is 2).
    pub depth: u32,
    /// The most entries read from one archive.
    pub entries: usize,
    /// The most bytes of a stream held in memory for a format that must seek (7z).
    pub buffered_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            expansion_bytes: 64 << 30,
            expansion_ratio: 200,
            ratio_after: 64 << 20,
            depth: 5,
            entries: 100_000,
            buffered_bytes: 256 << 20,
        }
    }
}

/// What every run of an engine shares.
pub(crate) struct Inner {
    pub knowledge: Knowledge,
    pub options: Options,
    pub prefilter: Option<Prefilter>,
    pub settings: Arc<ParserSettings>,
}

/// Knowledge and options built once, used for any number of runs from any number of threads.
///
/// Cloning is cheap. Runs use the rayon pool they are called from (or the one given with
/// [`Engine::with_pool`]); an engine never builds a pool of its own.
///
/// ```
/// use evtx_doctor::{Engine, Knowledge, Options, Source};
///
/// let engine = Engine::new(Knowledge::builtin()?, Options::default());
/// let log = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/kb2867278-rpc-8453.evtx");
/// let report = engine.analyze([Source::path(log)]);
/// assert_eq!(report.findings[0].error_code, Some(8453));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.inner.knowledge.rules().rules().len())
            .field("options", &self.inner.options)
            .field("pool", &self.pool.as_ref().map(|p| p.current_num_threads()))
            .finish()
    }
}

impl Engine {
    /// An engine for `knowledge` and `options`: compiles the prefilter once.
    pub fn new(knowledge: Knowledge, options: Options) -> Self {
        let prefilter = if options.prefilter {
            knowledge
                .rules()
                .literal_plan()
                .as_ref()
                .and_then(Prefilter::new)
        } else {
            None
        };
        Engine {
            inner: Arc::new(Inner {
                knowledge,
                options,
                prefilter,
                settings: Arc::new(ParserSettings::default().indent(false).num_threads(1)),
            }),
            pool: None,
        }
    }

    /// Runs in `pool` instead of the pool the run is called from.
    pub fn with_pool(mut self, pool: Arc<rayon::ThreadPool>) -> Self {
        self.pool = Some(pool);
        self
    }

    /// The knowledge it diagnoses with.
    pub fn knowledge(&self) -> &Knowledge {
        &self.inner.knowledge
    }

    /// Its options.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// The rule a [`Matched`] names.
    pub fn rule(&self, index: usize) -> Option<&Rule> {
        self.inner.knowledge.rules().rules().get(index)
    }

    /// Reads `sources`, handing what it finds to `sink` as it goes; returns how the run ended
    /// (also given to [`Sink::finished`]).
    pub fn run<'s, S: Sink + Send>(
        &self,
        sources: impl IntoIterator<Item = Source<'s>>,
        sink: &mut S,
    ) -> Completion {
        self.run_inner(sources.into_iter().collect(), sink, None)
    }

    /// [`Engine::run`] that `cancel` can stop from another thread (within about a chunk's
    /// work, well under 100 ms); the run then ends with [`Completion::Cancelled`].
    pub fn run_cancellable<'s, S: Sink + Send>(
        &self,
        sources: impl IntoIterator<Item = Source<'s>>,
        sink: &mut S,
        cancel: &Cancel,
    ) -> Completion {
        self.run_inner(sources.into_iter().collect(), sink, Some(cancel))
    }

    fn run_inner(
        &self,
        sources: Vec<Source<'_>>,
        sink: &mut (dyn Sink + Send),
        cancel: Option<&Cancel>,
    ) -> Completion {
        let work = || run::Run::new(&self.inner, sink, cancel).go(sources);
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }
}
