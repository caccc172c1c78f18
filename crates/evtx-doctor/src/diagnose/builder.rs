//! [`ReportBuilder`]: the sink that turns what a run streams into the [`Report`].

use super::{build_findings, build_timeline, build_verdicts, drop_duplicates};
use crate::engine::Flow;
use crate::engine::{Engine, InputDone, InputId, InputProblem, Matched, Sink};
use crate::event::Event;
use crate::report::{
    AnalysisOptions, Completion, InputReport, InputStatus, MAX_PROBLEMS_PER_INPUT, ProblemLog,
    Report, SCHEMA_VERSION, Summary, Tool,
};
use crate::rules::Match;
use crate::sources::Source;
use jiff::Timestamp;
use std::collections::HashMap;

/// Builds the [`Report`] from a run, whatever order the run's threads hand things in: the
/// report is the same for any thread count, and the same as [`Engine::analyze`] gives.
///
/// ```
/// use evtx_doctor::{Engine, Knowledge, Options, ReportBuilder, Source};
///
/// let engine = Engine::new(Knowledge::builtin()?, Options::default());
/// let mut builder = ReportBuilder::new(&engine);
/// let log = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/kb2867278-rpc-8453.evtx");
/// engine.run([Source::path(log)], &mut builder);
/// let report = builder.finish();
/// assert_eq!(report.findings[0].rule, "phs.611.rpc-8453");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ReportBuilder {
    engine: Engine,
    inputs: Vec<InputDone>,
    matched: Vec<Matched>,
    /// Per input, the first [`MAX_PROBLEMS_PER_INPUT`] problems by position.
    problems: HashMap<InputId, ProblemLog>,
    excluded: u64,
    completion: Completion,
}

// Here, not in `engine`: the engine knows nothing of reports, the report builder is one of its
// sinks.
impl Engine {
    /// Reads `sources` and returns the report: [`Engine::run`] into a [`ReportBuilder`].
    pub fn analyze<'s>(&self, sources: impl IntoIterator<Item = Source<'s>>) -> Report {
        let mut builder = ReportBuilder::new(self);
        self.run(sources, &mut builder);
        builder.finish()
    }
}

impl ReportBuilder {
    /// A builder for runs of `engine`.
    pub fn new(engine: &Engine) -> Self {
        ReportBuilder {
            engine: engine.clone(),
            inputs: Vec::new(),
            matched: Vec::new(),
            problems: HashMap::new(),
            excluded: 0,
            completion: Completion::Complete,
        }
    }

    /// The report of what was received.
    pub fn finish(self) -> Report {
        let ReportBuilder {
            engine,
            mut inputs,
            mut matched,
            mut problems,
            excluded,
            completion,
        } = self;
        let rules = engine.knowledge().rules();
        let options = engine.options();
        inputs.sort_by(|a, b| a.order.cmp(&b.order));
        let index: HashMap<InputId, usize> = inputs
            .iter()
            .enumerate()
            .map(|(i, done)| (done.input, i))
            .collect();
        let reports: Vec<InputReport> = inputs
            .into_iter()
            .map(|done| with_problems(done, &mut problems))
            .collect();
        // Reading order: by input, then by position in it.
        matched.retain(|m| index.contains_key(&m.input));
        matched.sort_by_cached_key(|m| (index.get(&m.input).copied(), m.position));
        let mut events: Vec<(Event, Match)> = matched
            .into_iter()
            .map(|m| {
                let mut event = m.event;
                event.origin.input = index.get(&m.input).copied().unwrap_or_default();
                let found = Match {
                    rule: m.rule,
                    fields: m.fields,
                };
                (event, found)
            })
            .collect();
        let duplicates_dropped = drop_duplicates(&mut events);
        let paths: Vec<String> = reports.iter().map(|r| r.path.clone()).collect();
        let findings = build_findings(rules, &events, &paths);
        let verdicts = build_verdicts(rules, &events, &findings, &reports, options.until);
        let mut summary = summarize(&reports, events.len() as u64, duplicates_dropped);
        summary.events_excluded = excluded;
        let timeline = build_timeline(rules, &events, summary.first_event, summary.last_event);
        Report {
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
            completion,
            summary,
            verdicts,
            findings,
            timeline,
            inputs: reports,
        }
    }
}

fn with_problems(done: InputDone, problems: &mut HashMap<InputId, ProblemLog>) -> InputReport {
    let mut report = done.report;
    if let Some(log) = problems.remove(&done.input) {
        report.problem_count = log.count();
        report.problems = log.finish().0;
    }
    if report.status == InputStatus::Ok && report.problems.iter().any(|p| !p.is_note()) {
        report.status = InputStatus::Damaged;
    }
    report
}

impl Sink for ReportBuilder {
    fn matched(&mut self, matched: Matched) -> Flow {
        self.matched.push(matched);
        Flow::Continue
    }

    fn problem(&mut self, problem: InputProblem) -> Flow {
        self.problems
            .entry(problem.input)
            .or_insert_with(|| ProblemLog::new(MAX_PROBLEMS_PER_INPUT))
            .push_at(problem.position, problem.problem);
        Flow::Continue
    }

    fn input_done(&mut self, done: InputDone) -> Flow {
        self.excluded += done.excluded;
        self.inputs.push(done);
        Flow::Continue
    }

    fn finished(&mut self, completion: Completion) {
        self.completion = completion;
    }
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
        summary.records_read += report.counts.records_read;
        summary.records_skipped += report.counts.records_skipped;
        summary.chunks_unreadable += report.counts.chunks_unreadable;
        summary.records_unreadable += report.counts.records_unreadable;
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
