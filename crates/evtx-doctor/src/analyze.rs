//! The whole flow, input → scan → event → rules → diagnose → report, in one call.

use crate::diagnose::{build_findings, build_timeline, build_verdicts, drop_duplicates};
use crate::event::Event;
use crate::formats::sniff;
use crate::knowledge::Knowledge;
use crate::report::{
    AnalysisOptions, InputKind, InputReport, InputStatus, MAX_PROBLEMS_PER_INPUT, Problem, Report,
    SCHEMA_VERSION, Summary, Tool,
};
use crate::rules::Match;
use crate::scan::{
    CHUNK_SIZE, ChunkOutcome, ChunkState, Layout, Prefilter, ScanContext, Scratch, layout,
    scan_chunk, scan_export,
};
use crate::sources::{Source, collect, describe_io};
use evtx::ParserSettings;
use jiff::Timestamp;
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// How to analyze.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads; `None` uses one per core.
    pub threads: Option<usize>,
    /// Skip chunks and records that cannot match any rule (on by default; turning it off
    /// changes speed, never the report).
    pub prefilter: bool,
    /// Only events at or after this time count.
    pub since: Option<Timestamp>,
    /// Only events at or before this time count.
    pub until: Option<Timestamp>,
    /// Only events logged by these computers count (case-insensitive; empty: all).
    pub computers: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threads: None,
            prefilter: true,
            since: None,
            until: None,
            computers: Vec::new(),
        }
    }
}

impl Options {
    /// Whether `event` is inside the time window and computer list.
    fn keeps(&self, event: &Event) -> bool {
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

/// Receives progress while inputs are read; called from worker threads.
pub trait Progress: Sync {
    /// Reading starts; `total_bytes` will be read in all.
    fn begin(&self, _total_bytes: u64) {}
    /// `bytes` more were read.
    fn advance(&self, _bytes: u64) {}
    /// Reading is over.
    fn finish(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Why an analysis could not run at all (problems with inputs are in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    ThreadPool(String),
}

/// One input being read.
struct Prepared {
    report: InputReport,
    source: Option<Source>,
    layout: Option<Layout>,
}

/// One unit of parallel work.
#[derive(Debug, Clone, Copy)]
enum Task {
    /// A chunk slot of an .evtx input.
    Chunk(usize, u64),
    /// A whole export (XML, CSV) input.
    Export(usize),
}

impl Task {
    fn input(self) -> usize {
        match self {
            Task::Chunk(input, _) | Task::Export(input) => input,
        }
    }
}

/// Analyzes the files and folders in `paths` with `knowledge`.
///
/// Every input gets an entry in the report, readable or not; the report is the same for any
/// thread count.
pub fn analyze(
    paths: &[PathBuf],
    knowledge: &Knowledge,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Report, AnalyzeError> {
    analyze_inputs(collect(paths), knowledge, options, progress)
}

/// Analyzes inputs already found: [`collect`]ed paths, or bytes in memory
/// ([`Found::source`](crate::sources::Found::source) set to a
/// [`Source::Memory`](crate::sources::Source::Memory)), as fuzzers and embedders have them.
pub fn analyze_inputs(
    found: Vec<crate::sources::Found>,
    knowledge: &Knowledge,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Report, AnalyzeError> {
    let mut inputs: Vec<Prepared> = found.into_iter().map(prepare).collect();

    let prefilter = if options.prefilter {
        knowledge
            .rules()
            .literal_plan()
            .as_ref()
            .and_then(Prefilter::new)
    } else {
        None
    };
    let ctx = ScanContext {
        rules: knowledge.rules(),
        prefilter: prefilter.as_ref(),
        settings: Arc::new(ParserSettings::default().indent(false).num_threads(1)),
    };
    let work: Vec<Task> = inputs
        .iter()
        .enumerate()
        .flat_map(|(index, input)| {
            let chunks = input.layout.as_ref().map_or(0, |layout| layout.slots);
            let export = input.source.is_some()
                && matches!(
                    input.report.kind,
                    InputKind::XmlExport | InputKind::CsvExport
                );
            (0..chunks)
                .map(move |slot| Task::Chunk(index, slot))
                .chain(export.then_some(Task::Export(index)))
        })
        .collect();
    let total: u64 = inputs
        .iter()
        .filter(|i| i.source.is_some())
        .map(|i| i.report.bytes)
        .sum();

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = options.threads {
        pool = pool.num_threads(threads);
    }
    let pool = pool
        .build()
        .map_err(|err| AnalyzeError::ThreadPool(err.to_string()))?;
    progress.begin(total);
    let outcomes: Vec<ChunkOutcome> = pool.install(|| {
        work.par_iter()
            .map_init(
                || Scratch::new(ctx.prefilter),
                |scratch, &task| {
                    let input = inputs.get(task.input());
                    let Some(source) = input.and_then(|i| i.source.as_ref()) else {
                        return ChunkOutcome::default();
                    };
                    match (task, input.and_then(|i| i.layout.as_ref())) {
                        (Task::Chunk(index, slot), Some(layout)) => {
                            let outcome = scan_chunk(&ctx, source, index, layout, slot, scratch);
                            let start = layout.base + slot * CHUNK_SIZE;
                            progress.advance(source.len().saturating_sub(start).min(CHUNK_SIZE));
                            outcome
                        }
                        (Task::Export(index), _) => {
                            let kind = input.map_or(InputKind::Unknown, |i| i.report.kind);
                            let outcome = scan_export(&ctx, source, kind, index);
                            progress.advance(source.len());
                            outcome
                        }
                        (Task::Chunk(..), None) => ChunkOutcome::default(),
                    }
                },
            )
            .collect()
    });
    progress.finish();

    let mut matched: Vec<(Event, Match)> = Vec::new();
    for (task, mut outcome) in work.iter().zip(outcomes) {
        outcome.matches.retain(|m| options.keeps(&m.event));
        if let Some(input) = inputs.get_mut(task.input()) {
            merge(
                &mut input.report,
                outcome,
                matches!(task, Task::Chunk(..)),
                &mut matched,
            );
        }
    }
    let reports: Vec<InputReport> = inputs.into_iter().map(finish_input).collect();
    let duplicates_dropped = drop_duplicates(&mut matched);
    let paths: Vec<String> = reports.iter().map(|r| r.path.clone()).collect();
    let findings = build_findings(knowledge.rules(), &matched, &paths);
    let verdicts = build_verdicts(
        knowledge.rules(),
        &matched,
        &findings,
        &reports,
        options.until,
    );
    let summary = summarize(&reports, matched.len() as u64, duplicates_dropped);
    let timeline = build_timeline(
        knowledge.rules(),
        &matched,
        summary.first_event,
        summary.last_event,
    );
    Ok(Report {
        schema: SCHEMA_VERSION,
        tool: Tool {
            name: "evtx-doctor".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        options: AnalysisOptions {
            since: options.since,
            until: options.until,
            computers: options.computers.clone(),
            prefilter: options.prefilter,
        },
        summary,
        verdicts,
        findings,
        timeline,
        inputs: reports,
    })
}

fn prepare(found: crate::sources::Found) -> Prepared {
    let mut report = InputReport {
        path: found.display,
        kind: InputKind::Unknown,
        status: InputStatus::Ok,
        bytes: 0,
        chunks: 0,
        chunks_read: 0,
        chunks_skipped: 0,
        chunks_empty: 0,
        chunks_unreadable: 0,
        chunks_crc_mismatch: 0,
        records_read: 0,
        records_skipped: 0,
        records_unreadable: 0,
        first_event: None,
        last_event: None,
        problems: Vec::new(),
        problem_count: 0,
    };
    let unreadable = |mut report: InputReport, kind: &str, message: String| {
        report.status = InputStatus::Unreadable;
        add_problem(
            &mut report,
            Problem {
                kind: kind.into(),
                chunk: None,
                offset: None,
                record_id: None,
                message,
            },
        );
        Prepared {
            report,
            source: None,
            layout: None,
        }
    };
    if let Some(error) = found.error {
        return unreadable(report, found.error_kind.unwrap_or("cannot_open"), error);
    }
    let source = match found.source {
        Some(source) => source,
        None => match Source::open(&found.path) {
            Ok(source) => source,
            Err(err) => return unreadable(report, "cannot_open", describe_io(&err)),
        },
    };
    report.bytes = source.len();
    report.kind = sniff(&source);
    if matches!(report.kind, InputKind::XmlExport | InputKind::CsvExport) {
        return Prepared {
            report,
            source: Some(source),
            layout: None,
        };
    }
    match layout(&source) {
        Ok(layout) => {
            report.kind = InputKind::Evtx;
            report.chunks = layout.slots;
            for problem in &layout.header_problems {
                add_problem(&mut report, problem.clone());
            }
            Prepared {
                report,
                source: Some(source),
                layout: Some(layout),
            }
        }
        Err(not_evtx) => unreadable(report, "not_evtx", not_evtx.0),
    }
}

fn merge(
    report: &mut InputReport,
    outcome: ChunkOutcome,
    is_chunk: bool,
    matched: &mut Vec<(Event, Match)>,
) {
    if is_chunk {
        match outcome.state {
            ChunkState::Read => report.chunks_read += 1,
            ChunkState::Skipped => report.chunks_skipped += 1,
            ChunkState::Empty => report.chunks_empty += 1,
            ChunkState::Unreadable => report.chunks_unreadable += 1,
        }
    }
    report.chunks_crc_mismatch += u64::from(outcome.crc_mismatch);
    report.records_read += outcome.records_read;
    report.records_skipped += outcome.records_skipped;
    report.records_unreadable += outcome.records_unreadable;
    report.first_event = earliest(report.first_event, outcome.first);
    report.last_event = report.last_event.max(outcome.last);
    for problem in outcome.problems {
        add_problem(report, problem);
    }
    matched.extend(outcome.matches.into_iter().map(|m| (m.event, m.found)));
}

fn add_problem(report: &mut InputReport, problem: Problem) {
    report.problem_count += 1;
    if report.problems.len() < MAX_PROBLEMS_PER_INPUT {
        report.problems.push(problem);
    }
}

fn finish_input(prepared: Prepared) -> InputReport {
    let mut report = prepared.report;
    if report.status != InputStatus::Unreadable {
        let nothing_read = report.chunks_read + report.chunks_skipped == 0;
        if nothing_read && report.chunks_unreadable > 0 {
            report.status = InputStatus::Unreadable;
        } else if report.problem_count
            > report.problems.iter().filter(|p| p.is_note()).count() as u64
        {
            report.status = InputStatus::Damaged;
        }
    }
    report
}

fn summarize(reports: &[InputReport], events_matched: u64, duplicates_dropped: u64) -> Summary {
    let mut summary = Summary {
        inputs: reports.len() as u64,
        events_matched,
        duplicates_dropped,
        ..Summary::default()
    };
    for report in reports {
        summary.unreadable_inputs += u64::from(report.status == InputStatus::Unreadable);
        summary.records_read += report.records_read;
        summary.records_skipped += report.records_skipped;
        summary.chunks_unreadable += report.chunks_unreadable;
        summary.records_unreadable += report.records_unreadable;
        summary.problems += report.problem_count;
        summary.first_event = earliest(summary.first_event, report.first_event);
        summary.last_event = summary.last_event.max(report.last_event);
    }
    summary
}

/// The earlier of two optional times (`Option::min` would prefer `None`).
fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
