//! Command-line arguments and the commands they run.

use crate::progress::Bar;
use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::render::{Format, RenderOptions, render};
use evtx_doctor::report::Report;
use evtx_doctor::{NoProgress, Options, Progress, analyze};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Diagnoses why Entra Connect (Azure AD Connect, DirSync) password hash sync stopped, from
/// exported Windows event logs, offline.
#[derive(Debug, Parser)]
#[command(name = "evtx-doctor", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze .evtx files and folders; exit status 0: nothing found, 1: findings, 2: an input
    /// could not be read or the command was wrong.
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// Files and folders (searched recursively for .evtx files).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Do not draw a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Parse every chunk, even those that cannot match (for checking; same report, slower).
    #[arg(long)]
    no_prefilter: bool,
    /// Add or override rules from a rule pack file (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

/// Runs the command and returns the exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Analyze(args) => run_analyze(args),
    }
}

fn run_analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let knowledge = Knowledge::with_rule_files(&args.rules)?;
    let options = Options {
        threads: args.threads.map(usize::from),
        prefilter: !args.no_prefilter,
        ..Options::default()
    };
    let bar;
    let progress: &dyn Progress = if !args.no_progress && std::io::stderr().is_terminal() {
        bar = Bar::new();
        &bar
    } else {
        &NoProgress
    };
    let report = analyze(&args.paths, &knowledge, &options, progress)?;
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
    };
    let rendered = render(&report, format, RenderOptions { color });
    write_output(args.output.as_ref(), &rendered)?;
    Ok(exit_code(&report))
}

fn write_output(path: Option<&PathBuf>, text: &str) -> anyhow::Result<()> {
    match path {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A closed pipe (`| head`) is not an error worth a message.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
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
