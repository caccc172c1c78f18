//! Shared by the examples: the line printed per finding.
//!
//! Not an example itself: a folder without `main.rs` is not one.

use evtx_doctor::Report;
use std::io::Write;

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
