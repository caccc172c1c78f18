//! Builds a rayon pool of 3 threads and analyzes each FILE from its own task inside it, with
//! one shared engine; prints the finding lines per file (`FILE<TAB>` first), in argument order.
//!
//! ```sh
//! cargo run -p evtx-doctor --example own_pool -- fixtures/kb*.evtx
//! ```

mod common;

use evtx_doctor::{Engine, Knowledge, Options, Source};
use rayon::prelude::*;

fn main() -> std::process::ExitCode {
    common::run(analyze)
}

fn analyze() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<_> = std::env::args_os().skip(1).collect();
    if files.is_empty() {
        return Err("usage: own_pool FILE...".into());
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build()?;
    // Built once, shared by every task: an engine is Send + Sync and cheap to clone.
    let engine = Engine::new(Knowledge::builtin()?, Options::default());
    // Each run uses the pool it is called from: the tasks' analyses share its 3 threads.
    let reports: Vec<_> = pool.install(|| {
        files
            .par_iter()
            .map(|file| engine.analyze([Source::path(file)]))
            .collect()
    });
    let mut lines = Vec::new();
    for (file, report) in files.iter().zip(&reports) {
        let file = common::field(&file.to_string_lossy());
        lines.extend(
            common::finding_lines(report)
                .into_iter()
                .map(|line| format!("{file}\t{line}")),
        );
    }
    common::print(&lines)
}
