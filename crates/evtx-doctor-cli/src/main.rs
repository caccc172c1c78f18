//! `evtx-doctor`: why did Entra Connect password hash sync stop? Read the event logs, offline.
//!
//! Exit status: 0 nothing found, 1 findings, 2 a usage error or an input that could not be
//! read (after every other input was reported).

mod analyze;
mod cli;
mod explain;
mod formats;
mod progress;
mod rules;
mod time;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Untrusted input must never reach a panic; if the parser panics anyway, the library turns
    // it into a reported problem, so keep the default hook from printing a backtrace too.
    std::panic::set_hook(Box::new(|_| {}));
    // Usage errors exit with status 2 here (clap's default); --help and --version with 0.
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("evtx-doctor: {err:#}");
            ExitCode::from(2)
        }
    }
}
