//! Reads FILE whole into memory and analyzes the bytes: any kind the CLI reads (.evtx, .zip,
//! .7z, .gz, .tar, an XML / CSV / text export). Prints one line per finding:
//! `RULE<TAB>DOMAIN<TAB>ERROR_CODE<TAB>COUNT`.
//!
//! ```sh
//! cargo run -p evtx-doctor --example from_memory -- fixtures/kb2867278-rpc-8453.evtx
//! ```

mod common;

use evtx_doctor::{Engine, Knowledge, Options, Source};

fn main() -> std::process::ExitCode {
    common::run(analyze)
}

fn analyze() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args_os().nth(1) else {
        return Err("usage: from_memory FILE".into());
    };
    let bytes = common::read(&path)?;
    let name = std::path::Path::new(&path).display().to_string();
    let engine = Engine::new(Knowledge::builtin()?, Options::default());
    let report = engine.analyze([Source::bytes(name, bytes)]);
    common::print(&common::finding_lines(&report))
}
