//! CSV: one row per finding under a header row, quoted as RFC 4180 says (CRLF line ends).
//!
//! Columns never change order; new ones are only appended. Lists are joined with `;`. A
//! text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
//! `'` so that a spreadsheet shows it instead of running it as a formula (the text comes
//! from customer logs). No cell holds a control character (CSV is printed on the terminal by
//! default): line breaks and tabs become spaces, other controls and bidirectional controls
//! visible escapes (`\x1b`, `\u{202e}`).

use super::clean::flatten;
use super::rfc3339;
use crate::report::{Finding, Report};

/// The header row, in order (re-exported as [`super::CSV_COLUMNS`]).
pub(super) const COLUMNS: [&str; 16] = [
    "rule",
    "severity",
    "title",
    "domain",
    "error_code",
    "error_symbol",
    "exception",
    "drs_call",
    "count",
    "first_seen",
    "last_seen",
    "computers",
    "event_ids",
    "cause",
    "resolution",
    "references",
];

pub(super) fn render(report: &Report) -> String {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory only fails on a bug; what was written so far is still returned.
    let _ = writer.write_record(COLUMNS);
    for finding in &report.findings {
        let _ = writer.write_record(row(finding));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn row(finding: &Finding) -> [String; 16] {
    let join = |items: &[String]| cell(&items.join(";"));
    let ids: Vec<String> = finding.event_ids.iter().map(u16::to_string).collect();
    [
        cell(&finding.rule),
        finding.severity.as_str().to_owned(),
        cell(&finding.title),
        cell(finding.domain.as_deref().unwrap_or("")),
        finding
            .error_code
            .map(|c| c.to_string())
            .unwrap_or_default(),
        cell(finding.error_symbol.as_deref().unwrap_or("")),
        cell(finding.exception.as_deref().unwrap_or("")),
        cell(finding.drs_call.as_deref().unwrap_or("")),
        finding.count.to_string(),
        rfc3339(finding.first_seen),
        rfc3339(finding.last_seen),
        join(&finding.computers),
        ids.join(";"),
        cell(&finding.cause),
        cell(&finding.resolution),
        join(&finding.references),
    ]
}

/// A text cell free of control characters that a spreadsheet will not run as a formula.
fn cell(text: &str) -> String {
    let text = flatten(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.into_owned()
    }
}
