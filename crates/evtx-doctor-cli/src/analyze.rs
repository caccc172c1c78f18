//! `evtx-doctor analyze`: read the inputs, render the report, set the exit status.

use crate::cli::{AnalyzeArgs, write_stdout};
use crate::color::{self, ColorChoice};
use crate::formats;
use crate::outcome;
use crate::progress::Bar;
use anyhow::{Context, bail};
use evtx_doctor::render::{Format, RenderOptions, escape_controls, render};
use evtx_doctor::report::{InputStatus, Report};
use evtx_doctor::{
    Completion, Engine, Flow, InputDone, InputProblem, InputStart, Knowledge, Matched, Options,
    Progress, ReportBuilder, Sink, Source,
};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs `analyze` and returns its exit status.
pub fn run(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        bail!("--since {since} is after --until {until}: no event can be in that window");
    }
    let format =
        formats::choose(args.format, args.output.as_deref()).map_err(anyhow::Error::msg)?;
    let knowledge = Knowledge::with_rule_files(&args.rules)?;
    let options = Options {
        prefilter: !args.no_prefilter,
        since: args.since,
        until: args.until,
        computers: args.computers.clone(),
        timezone: args.timezone.clone(),
        ..Options::default()
    };
    let mut engine = Engine::new(knowledge, options);
    if let Some(threads) = args.threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(threads))
            .build()
            .context("cannot start the worker threads")?;
        engine = engine.with_pool(Arc::new(pool));
    }
    let bar = (!args.quiet && !args.no_progress && std::io::stderr().is_terminal()).then(Bar::new);
    let mut sink = WithBar {
        builder: ReportBuilder::new(&engine),
        bar: bar.as_ref(),
    };
    // `-` is standard input (`Get-Clipboard | evtx-doctor analyze -`).
    let sources = args.paths.iter().map(|path| {
        if path.as_os_str() == "-" {
            Source::stdin()
        } else {
            Source::path(path.clone())
        }
    });
    engine.run(sources, &mut sink);
    if let Some(bar) = &bar {
        bar.finish();
    }
    let report = sink.builder.finish();

    match &args.output {
        Some(path) => {
            let color = format == Format::Text && args.color == ColorChoice::Always;
            let options = RenderOptions { color, width: None };
            let rendered = render(&report, format, options);
            std::fs::write(path, rendered)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None if args.quiet => {}
        None => {
            let terminal = std::io::stdout().is_terminal();
            let color = format == Format::Text
                && color::enabled(args.color, terminal, |name| {
                    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
                })
                && (!terminal || color::terminal_shows_ansi());
            let width = Some(crate::terminal::stdout_width());
            write_stdout(render(&report, format, RenderOptions { color, width }).as_bytes())?;
        }
    }
    let outcome = outcome::decide(&report, &args.paths);
    if !args.quiet {
        warn_unreadable(&report);
        if let Some(note) = &outcome.note {
            eprintln!("evtx-doctor: {note}");
        }
    }
    Ok(ExitCode::from(outcome.status))
}

/// Builds the report and draws the progress bar.
struct WithBar<'b> {
    builder: ReportBuilder,
    bar: Option<&'b Bar>,
}

impl Sink for WithBar<'_> {
    fn input(&mut self, input: &InputStart) -> Flow {
        self.builder.input(input)
    }

    fn matched(&mut self, matched: Matched) -> Flow {
        self.builder.matched(matched)
    }

    fn problem(&mut self, problem: InputProblem) -> Flow {
        self.builder.problem(problem)
    }

    fn input_done(&mut self, done: InputDone) -> Flow {
        self.builder.input_done(done)
    }

    fn progress(&mut self, progress: Progress) -> Flow {
        if let Some(bar) = self.bar {
            bar.update(progress);
        }
        Flow::Continue
    }

    fn finished(&mut self, end: Completion) {
        self.builder.finished(end);
    }
}

/// Names the inputs that could not be read on standard error, so that they are seen even
/// when the report goes to a file or a pipe.
fn warn_unreadable(report: &Report) {
    for input in &report.inputs {
        if input.status == InputStatus::Unreadable {
            let why = input
                .problems
                .first()
                .map_or("cannot be read", |problem| problem.message.as_str());
            eprintln!(
                "evtx-doctor: {}: {}",
                escape_controls(&input.path),
                escape_controls(why)
            );
        }
    }
}
