//! The text report: the verdict first (which domain fails, since when, why, what to do), then
//! the evidence, then what was read.

use crate::report::{Finding, InputReport, InputStatus, Report, Severity, Verdict, VerdictState};
use jiff::Timestamp;
use std::fmt::Write;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Renders the text report.
pub(super) fn render(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    verdicts(&mut out, report, &style);
    findings(&mut out, report, &style);
    inputs(&mut out, report, &style);
    out
}

fn verdicts(out: &mut String, report: &Report, style: &Style) {
    let summary = &report.summary;
    let _ = writeln!(out, "{}", style.bold("VERDICT"));
    if report.verdicts.is_empty() {
        let span = span_text(summary.first_event, summary.last_event);
        let _ = writeln!(
            out,
            "  {} No password hash sync failure found in {} records from {} input(s){span}.",
            style.green("OK"),
            summary.records_read + summary.records_skipped,
            summary.inputs,
        );
    }
    for verdict in &report.verdicts {
        verdict_line(out, report, verdict, style);
    }
    if summary.unreadable_inputs > 0
        || summary.chunks_unreadable > 0
        || summary.records_unreadable > 0
    {
        let _ = writeln!(
            out,
            "  {} {} input(s) could not be read; {} chunk(s) and {} record(s) were skipped as unreadable (see INPUTS).",
            style.yellow("!"),
            summary.unreadable_inputs,
            summary.chunks_unreadable,
            summary.records_unreadable,
        );
    }
    out.push('\n');
}

fn verdict_line(out: &mut String, report: &Report, verdict: &Verdict, style: &Style) {
    let domain = verdict
        .domain
        .as_deref()
        .unwrap_or("Entra ID connection (all domains)");
    let state = match verdict.state {
        VerdictState::Failing => style.red("FAILING"),
        VerdictState::Recovered => style.yellow("RECOVERED"),
        VerdictState::Healthy => style.green("HEALTHY"),
        VerdictState::Stalled => style.yellow("STALLED"),
    };
    let _ = writeln!(
        out,
        "  {} — password hash sync {state} since {} (last failure {})",
        style.bold(domain),
        time(verdict.failing_since),
        time(verdict.last_failure),
    );
    if let Some(recovered) = verdict.recovered_at {
        let _ = writeln!(out, "      recovered at {}", time(Some(recovered)));
    }
    for rule in &verdict.rules {
        let same_domain = |f: &&Finding| {
            &f.rule == rule
                && f.domain.as_ref().map(|d| d.to_lowercase())
                    == verdict.domain.as_ref().map(|d| d.to_lowercase())
        };
        if let Some(finding) = report.findings.iter().find(same_domain) {
            let _ = writeln!(out, "      why: {}", finding.title);
            let _ = writeln!(out, "      fix: {}", finding.resolution);
        }
    }
}

fn findings(out: &mut String, report: &Report, style: &Style) {
    if report.findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", style.bold("FINDINGS"));
    for (index, finding) in report.findings.iter().enumerate() {
        let severity = match finding.severity {
            Severity::Error => style.red("error"),
            Severity::Warning => style.yellow("warning"),
            Severity::Info => style.dim("info"),
        };
        let _ = writeln!(
            out,
            "  {}. [{severity}] {}",
            index + 1,
            style.bold(&finding.title)
        );
        let ids: Vec<String> = finding.event_ids.iter().map(u16::to_string).collect();
        let _ = writeln!(
            out,
            "     {} event(s) {} from {} · {} → {}",
            finding.count,
            ids.join(", "),
            finding.providers.join(", "),
            time(finding.first_seen),
            time(finding.last_seen),
        );
        field(out, "rule", Some(finding.rule.clone()));
        field(out, "domain", finding.domain.clone());
        field(
            out,
            "error",
            finding.error_code.map(
                |code| match (&finding.error_symbol, &finding.error_message) {
                    (Some(symbol), Some(message)) => format!("{code} {symbol}: {message}"),
                    _ => code.to_string(),
                },
            ),
        );
        field(out, "exception", finding.exception.clone());
        field(out, "drs call", finding.drs_call.clone());
        let controllers: Vec<String> = finding
            .domain_controllers
            .iter()
            .map(|dc| match (&dc.host, &dc.ip) {
                (Some(host), Some(ip)) => format!("{host} ({ip})"),
                (Some(one), None) | (None, Some(one)) => one.clone(),
                (None, None) => String::new(),
            })
            .collect();
        field(
            out,
            "dc",
            (!controllers.is_empty()).then(|| controllers.join(", ")),
        );
        field(
            out,
            "computers",
            (!finding.computers.is_empty()).then(|| finding.computers.join(", ")),
        );
        field(out, "cause", Some(finding.cause.clone()));
        field(out, "fix", Some(finding.resolution.clone()));
        field(
            out,
            "see",
            (!finding.references.is_empty()).then(|| finding.references.join(", ")),
        );
        if finding.from_damaged_chunks > 0 {
            let _ = writeln!(
                out,
                "     {} {} of these events come from chunks whose CRC did not match",
                style.yellow("!"),
                finding.from_damaged_chunks
            );
        }
        for sample in &finding.samples {
            let place = match (sample.chunk, sample.record_id) {
                (Some(chunk), Some(record)) => format!("chunk {chunk}, record {record}"),
                (None, Some(record)) => format!("record {record}"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "     {} {} [{place}] {}: {}",
                style.dim("sample"),
                sample.input,
                time(sample.time),
                sample.first_line
            );
        }
        out.push('\n');
    }
}

fn field(out: &mut String, name: &str, value: Option<String>) {
    if let Some(value) = value {
        let _ = writeln!(out, "     {name:<10} {value}");
    }
}

fn inputs(out: &mut String, report: &Report, style: &Style) {
    let _ = writeln!(out, "{}", style.bold("INPUTS"));
    for input in &report.inputs {
        input_line(out, input, style);
    }
    let summary = &report.summary;
    let _ = writeln!(
        out,
        "  {} input(s), {} records read, {} skipped by the prefilter, {} matched{}",
        summary.inputs,
        summary.records_read,
        summary.records_skipped,
        summary.events_matched,
        if summary.duplicates_dropped > 0 {
            format!(", {} duplicate(s) dropped", summary.duplicates_dropped)
        } else {
            String::new()
        }
    );
}

fn input_line(out: &mut String, input: &InputReport, style: &Style) {
    let status = match input.status {
        InputStatus::Ok => style.green("ok"),
        InputStatus::Damaged => style.yellow("damaged"),
        InputStatus::Unreadable => style.red("unreadable"),
    };
    let _ = writeln!(
        out,
        "  {} [{status}] {} records ({} read, {} skipped), {} chunks: {} read, {} skipped by prefilter, {} empty, {} unreadable{}",
        input.path,
        input.records_read + input.records_skipped,
        input.records_read,
        input.records_skipped,
        input.chunks,
        input.chunks_read,
        input.chunks_skipped,
        input.chunks_empty,
        input.chunks_unreadable,
        span_text(input.first_event, input.last_event),
    );
    for problem in &input.problems {
        let mut place = Vec::new();
        if let Some(chunk) = problem.chunk {
            place.push(format!("chunk {chunk}"));
        }
        if let Some(record) = problem.record_id {
            place.push(format!("record {record}"));
        }
        if let Some(offset) = problem.offset {
            place.push(format!("byte {offset}"));
        }
        let _ = writeln!(
            out,
            "      - [{}] {}: {}",
            place.join(", "),
            problem.kind,
            problem.message
        );
    }
    let hidden = input
        .problem_count
        .saturating_sub(input.problems.len() as u64);
    if hidden > 0 {
        let _ = writeln!(out, "      - ... and {hidden} more problem(s)");
    }
}

fn span_text(first: Option<Timestamp>, last: Option<Timestamp>) -> String {
    match (first, last) {
        (Some(first), Some(last)) => format!(" ({} → {})", time(Some(first)), time(Some(last))),
        _ => String::new(),
    }
}

/// A time for people: UTC, to the second.
fn time(time: Option<Timestamp>) -> String {
    match time {
        Some(time) => time.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "unknown time".into(),
    }
}
