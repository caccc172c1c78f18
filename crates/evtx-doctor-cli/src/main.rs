//! `evtx-doctor`: why did Entra Connect password hash sync stop? Read the event logs, offline.
//!
//! Exit status (docs/cli.md): 0 password hash sync works or nothing is wrong with it; 1 a
//! problem (findings, a failing domain, a stalled agent); 2 a usage error, a bad rule file, an
//! input that could not be read (after every other input was reported) or no input at all; 3
//! nothing to judge by (no password sync event, or none left after the filters).

mod analyze;
mod cli;
mod color;
mod completions;
mod explain;
mod formats;
mod outcome;
mod progress;
mod rules;
mod terminal;
mod time;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc, for the events the worker threads build and the report builder frees: with the
/// system allocator of glibc, grouping and freeing 16k matched events took 40 ms after a
/// 150 ms scan (docs/performance.md). Transparent huge pages off: they tripled the resident
/// memory for nothing.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Untrusted input must never reach a panic; if the parser panics anyway, the library turns
    // it into a reported problem, so keep the default hook from printing a backtrace too.
    std::panic::set_hook(Box::new(|_| {}));
    // Usage errors exit with status 2 here (clap's default); --help and --version with 0.
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("evtx-doctor: {}", describe(&err));
            ExitCode::from(outcome::ERROR)
        }
    }
}

/// An error and its causes on one line (a cause its parent already quotes is not repeated),
/// with anything from an input (a path, a value) cleaned for the terminal: a line break in a
/// file name is shown as `\n`, so it cannot pass for a message of its own.
fn describe(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    evtx_doctor::render::escape_controls(&text).into_owned()
}
