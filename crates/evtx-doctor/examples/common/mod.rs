//! Shared by the examples: the line printed per finding, and errors printed for people.
//!
//! Not an example itself: a folder without `main.rs` is not one.
// Each example uses part of it.
#![allow(dead_code)]

use evtx_doctor::Report;
use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

/// `RULE<TAB>DOMAIN<TAB>ERROR_CODE<TAB>COUNT` per finding, in report order (`-` for an empty
/// field); tabs and line breaks in a value become spaces.
pub fn finding_lines(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|finding| {
            let domain = finding.domain.as_deref().map_or("-".into(), field);
            let code = finding
                .error_code
                .map_or("-".into(), |code| code.to_string());
            format!(
                "{}\t{domain}\t{code}\t{}",
                field(&finding.rule),
                finding.count
            )
        })
        .collect()
}

/// A value fit for one tab-separated field.
pub fn field(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Prints `lines` on standard output; a reader that went away (`| head`) ends it quietly.
pub fn print(lines: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        match writeln!(out, "{line}") {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
    Ok(())
}

/// Runs an example's body; an error is printed as one line on standard error (not as Rust's
/// debug form) and the exit status is 1.
pub fn run(body: impl FnOnce() -> Result<(), Box<dyn Error>>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let program = std::env::args().next().unwrap_or_default();
            let program = std::path::Path::new(&program)
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            eprintln!("{program}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The bytes of the file at `path`; the error names the file.
pub fn read(path: &std::ffi::OsStr) -> Result<Vec<u8>, Box<dyn Error>> {
    std::fs::read(path).map_err(|err| format!("{}: {err}", path.display()).into())
}
