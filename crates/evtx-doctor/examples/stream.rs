//! Prints each matched event as soon as it is found (`match<TAB>RULE<TAB>RECORD_ID<TAB>TIME`),
//! then the finding lines; with `--max N` it stops the run after N matches.
//!
//! ```sh
//! cargo run -p evtx-doctor --example stream -- --max 2 fixtures/kb2867278-rpc-8453.evtx
//! ```

mod common;

use evtx_doctor::{
    Completion, Engine, Flow, InputDone, InputProblem, Knowledge, Matched, Options, ReportBuilder,
    Sink, Source,
};
use std::io::Write;

/// Prints matches as they come, and builds the report too.
struct Printer {
    engine: Engine,
    builder: ReportBuilder,
    max: Option<usize>,
    seen: usize,
}

impl Sink for Printer {
    fn matched(&mut self, matched: Matched) -> Flow {
        let rule = self
            .engine
            .rule(matched.rule)
            .map_or("?", |rule| rule.id.as_str());
        let record = matched
            .event
            .record_id
            .map_or("-".into(), |id| id.to_string());
        let time = matched.event.time.map_or("-".into(), |t| t.to_string());
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is no reason to panic: the run just stops.
        if writeln!(out, "match\t{}\t{record}\t{time}", common::field(rule)).is_err() {
            return Flow::Stop;
        }
        self.seen += 1;
        self.builder.matched(matched);
        if self.max.is_some_and(|max| self.seen >= max) {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn problem(&mut self, problem: InputProblem) -> Flow {
        self.builder.problem(problem)
    }

    fn input_done(&mut self, done: InputDone) -> Flow {
        self.builder.input_done(done)
    }

    fn finished(&mut self, end: Completion) {
        self.builder.finished(end);
    }
}

fn main() -> std::process::ExitCode {
    common::run(analyze)
}

fn analyze() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).peekable();
    let mut max = None;
    if args.peek().is_some_and(|arg| arg == "--max") {
        args.next();
        let n = args.next().ok_or("--max needs a number")?;
        max = Some(n.to_str().ok_or("--max needs a number")?.parse::<usize>()?);
    }
    let files: Vec<_> = args.collect();
    if files.is_empty() {
        return Err("usage: stream [--max N] FILE...".into());
    }
    let engine = Engine::new(Knowledge::builtin()?, Options::default());
    let mut printer = Printer {
        builder: ReportBuilder::new(&engine),
        engine: engine.clone(),
        max,
        seen: 0,
    };
    engine.run(files.into_iter().map(Source::path), &mut printer);
    let report = printer.builder.finish();
    common::print(&common::finding_lines(&report))
}
