//! JSON Lines: one JSON object per line, for pipelines (`jq`, log shippers, SIEMs).
//!
//! Every line carries `schema` (the report's schema version), `tool`, `tool_version` and
//! `type`, then the fields of the thing it describes, flattened:
//!
//! 1. one `"type":"summary"` line (the report's `summary` plus `verdicts` and `findings`
//!    counts),
//! 2. one `"type":"verdict"` line per verdict,
//! 3. one `"type":"finding"` line per finding,
//! 4. one `"type":"input"` line per input.
//!
//! The timeline is left out (it is a chart, not a record); use the JSON format for it.

use crate::report::{Report, Summary};
use serde::Serialize;

/// One line: the envelope, then the record's own fields.
#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    schema: u32,
    tool: &'a str,
    tool_version: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    record: &'a T,
}

/// The summary line's record.
#[derive(Serialize)]
struct SummaryRecord<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    verdicts: usize,
    findings: usize,
}

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let summary = SummaryRecord {
        summary: &report.summary,
        verdicts: report.verdicts.len(),
        findings: report.findings.len(),
    };
    push(&mut out, report, "summary", &summary);
    for verdict in &report.verdicts {
        push(&mut out, report, "verdict", verdict);
    }
    for finding in &report.findings {
        push(&mut out, report, "finding", finding);
    }
    for input in &report.inputs {
        push(&mut out, report, "input", input);
    }
    out
}

/// Appends one line for `record`.
fn push<T: Serialize>(out: &mut String, report: &Report, kind: &'static str, record: &T) {
    let line = Line {
        schema: report.schema,
        tool: &report.tool.name,
        tool_version: &report.tool.version,
        kind,
        record,
    };
    // Plain data with string keys always serializes; an empty object keeps one line per
    // record if it ever did not.
    out.push_str(&super::json::compact(&line).unwrap_or_else(|| "{}".into()));
    out.push('\n');
}
