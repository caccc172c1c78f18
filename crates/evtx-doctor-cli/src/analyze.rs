//! `evtx-doctor analyze`: read the inputs, render the report, set the exit status.

use crate::cli::{AnalyzeArgs, write_stdout};
use crate::progress::Bar;
use anyhow::{Context, bail};
use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::render::{Format, RenderOptions, render};
use evtx_doctor::report::{InputStatus, Report};
use evtx_doctor::{NoProgress, Options, Progress, analyze};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Runs `analyze` and returns its exit status.
pub fn run(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        bail!("--since {since} is after --until {until}: no event can be in that window");
    }
    let knowledge = Knowledge::with_rule_files(&args.rules)?;
    let options = Options {
        threads: args.threads.map(usize::from),
        prefilter: !args.no_prefilter,
        since: args.since,
        until: args.until,
        computers: args.computers.clone(),
    };
    let bar;
    let progress: &dyn Progress =
        if !args.quiet && !args.no_progress && std::io::stderr().is_terminal() {
            bar = Bar::new();
            &bar
        } else {
            &NoProgress
        };
    let report = analyze(&args.paths, &knowledge, &options, progress)?;

    match &args.output {
        Some(path) => {
            let rendered = render(&report, args.format, RenderOptions { color: false });
            std::fs::write(path, rendered)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None if args.quiet => {}
        None => {
            let color = args.format == Format::Text
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            write_stdout(render(&report, args.format, RenderOptions { color }).as_bytes())?;
        }
    }
    if !args.quiet {
        warn_unreadable(&report);
    }
    Ok(exit_code(&report))
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
            eprintln!("evtx-doctor: {}: {why}", input.path);
        }
    }
}

/// 2 when an input could not be read at all, else 1 when there are findings, else 0.
fn exit_code(report: &Report) -> ExitCode {
    if report.summary.unreadable_inputs > 0 {
        ExitCode::from(2)
    } else if !report.findings.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
