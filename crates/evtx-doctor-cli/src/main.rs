//! `evtx-doctor`: why did Entra Connect password hash sync stop? Read the event logs, offline.

mod cli;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Untrusted input must never reach a panic; if the parser panics anyway, the library turns
    // it into a reported problem, so keep the default hook from printing a backtrace too.
    std::panic::set_hook(Box::new(|_| {}));
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("evtx-doctor: {err:#}");
            ExitCode::from(2)
        }
    }
}
