//! Markdown to paste into a ticket (GitHub-flavoured: tables, autolinks).
//!
//! A verdict table per domain first, then one section per finding (a small fields table,
//! cause, resolution, references, samples), then the inputs. Every piece of report text is
//! escaped: the Markdown metacharacters that can start markup mid-line get a backslash
//! (`` \ ` * _ [ ] < > | ~ & $ @ ``; no report text ever starts a line), identifiers and
//! sample lines go in code spans with a fence longer than any backtick run inside, and `|`
//! is escaped in tables. Text from an input never becomes a link: what starts a GFM autolink
//! is broken by a backslash (`https\://`, `www\.`, `mailto\:`, `user\@host`), and
//! bidirectional controls are shown as escapes (`\u{202e}`).

use super::clean::{is_unsafe, push_escaped};
use super::{human_time, one_line, state_word, verdict_subject};
use crate::report::{Finding, InputReport, Report, Verdict, VerdictState};
use std::fmt::Write;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Password hash sync diagnosis\n");
    verdicts(&mut out, report);
    findings(&mut out, report);
    inputs(&mut out, report);
    let _ = writeln!(
        out,
        "_Report by {} {}, schema {}. All times are UTC._",
        text(&report.tool.name),
        text(&report.tool.version),
        report.schema
    );
    out
}

fn verdicts(out: &mut String, report: &Report) {
    let summary = &report.summary;
    let _ = writeln!(out, "## Verdict\n");
    if report.verdicts.is_empty() {
        let _ = writeln!(
            out,
            "**No problem found:** no password hash sync failure in {} records from {} input(s).\n",
            summary.records_read + summary.records_skipped,
            summary.inputs
        );
    } else {
        let mut table = Table::new(&[
            "Domain",
            "State",
            "Failing since",
            "Last failure",
            "Last healthy",
            "Recovered at",
            "Servers",
            "Why",
        ]);
        for verdict in &report.verdicts {
            table.row(verdict_row(report, verdict));
        }
        table.write(out);
    }
    // Every event counts as checked: those the prefilter passed over were proved to match
    // no rule (the Inputs section tells how many were parsed).
    let mut read = format!(
        "Checked {} event(s) in {} input(s)",
        summary.records_read.saturating_add(summary.records_skipped),
        summary.inputs
    );
    if let (Some(first), Some(last)) = (summary.first_event, summary.last_event) {
        let _ = write!(
            read,
            ", events from {} to {}",
            human_time(Some(first)),
            human_time(Some(last))
        );
    }
    let _ = write!(read, "; {} event(s) matched a rule", summary.events_matched);
    if summary.unreadable_inputs > 0 || summary.problems > 0 {
        let _ = write!(
            read,
            "; **{} input(s) unreadable, {} problem(s) reading inputs** (see Inputs)",
            summary.unreadable_inputs, summary.problems
        );
    }
    let _ = writeln!(out, "{read}.\n");
}

fn verdict_row(report: &Report, verdict: &Verdict) -> Vec<String> {
    let (reasons, more) = super::verdict_reasons(report, verdict);
    let mut why: Vec<String> = reasons.iter().map(|f| text(&f.title)).collect();
    if more > 0 {
        why.push(format!("… and {more} more (see Findings)"));
    }
    vec![
        text(verdict_subject(verdict)),
        format!("**{}**", state_word(verdict.state)),
        time(verdict.failing_since),
        time(verdict.last_failure),
        time(verdict.last_healthy),
        time(verdict.recovered_at),
        if verdict.servers.is_empty() {
            "—".into()
        } else {
            let servers: Vec<String> = verdict.servers.iter().map(|s| code(s, true)).collect();
            servers.join(", ")
        },
        if why.is_empty() && verdict.state == VerdictState::NotEnoughData {
            text(&super::nothing_to_judge(report))
        } else if why.is_empty() {
            "—".into()
        } else {
            why.join("; ")
        },
    ]
}

fn findings(out: &mut String, report: &Report) {
    if report.findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Findings\n");
    for (index, finding) in report.findings.iter().enumerate() {
        finding_section(out, index + 1, finding);
    }
}

fn finding_section(out: &mut String, number: usize, finding: &Finding) {
    let _ = writeln!(out, "### {number}. {}\n", text(&finding.title));
    let mut table = Table::new(&["Field", "Value"]);
    let mut field = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            table.row(vec![name.to_owned(), value]);
        }
    };
    field("Severity", Some(finding.severity.as_str().to_owned()));
    field("Rule", Some(code(&finding.rule, true)));
    field("Domain", finding.domain.as_deref().map(text));
    field(
        "Error",
        finding.error_code.map(|c| {
            let mut value = format!("{c}");
            if let Some(symbol) = &finding.error_symbol {
                let _ = write!(value, " {}", code(symbol, true));
            }
            if let Some(message) = &finding.error_message {
                let _ = write!(value, ": {}", text(message));
            }
            value
        }),
    );
    field(
        "Exception",
        finding.exception.as_deref().map(|e| code(e, true)),
    );
    field(
        "DRS call",
        finding.drs_call.as_deref().map(|d| code(d, true)),
    );
    let controllers: Vec<String> = finding
        .domain_controllers
        .iter()
        .filter_map(|dc| match (&dc.host, &dc.ip) {
            (Some(host), Some(ip)) => Some(format!("{} ({})", code(host, true), code(ip, true))),
            (Some(one), None) | (None, Some(one)) => Some(code(one, true)),
            (None, None) => None,
        })
        .collect();
    field(
        "Domain controllers",
        (!controllers.is_empty()).then(|| controllers.join(", ")),
    );
    let ids: Vec<String> = finding.event_ids.iter().map(u16::to_string).collect();
    let providers: Vec<String> = finding.providers.iter().map(|p| text(p)).collect();
    field(
        "Events",
        Some(format!(
            "{} × event {} from {}",
            finding.count,
            ids.join(", "),
            providers.join(", ")
        )),
    );
    field("First seen", Some(time(finding.first_seen)));
    field("Last seen", Some(time(finding.last_seen)));
    let computers: Vec<String> = finding.computers.iter().map(|c| code(c, true)).collect();
    field(
        "Computers",
        (!computers.is_empty()).then(|| computers.join(", ")),
    );
    field("Objects", super::objects_summary(finding).map(|s| text(&s)));
    field(
        "From damaged chunks",
        (finding.from_damaged_chunks > 0).then(|| finding.from_damaged_chunks.to_string()),
    );
    table.write(out);
    let _ = writeln!(out, "**Cause.** {}\n", text(&finding.cause));
    let _ = writeln!(out, "**Resolution.** {}\n", text(&finding.resolution));
    if !finding.references.is_empty() {
        let links: Vec<String> = finding.references.iter().map(|r| reference(r)).collect();
        let _ = writeln!(out, "**References:** {}\n", links.join(", "));
    }
    if !finding.samples.is_empty() {
        let _ = writeln!(out, "**Samples:**\n");
        for sample in &finding.samples {
            let mut place = vec![code(&sample.input, false)];
            place.extend(Some(sample.place()).filter(|p| !p.is_empty()));
            place.push(time(sample.time));
            place.push(format!("event {}", sample.event_id));
            let _ = writeln!(
                out,
                "- {}: {}",
                place.join(", "),
                code(one_line(sample.line()), false)
            );
        }
        out.push('\n');
    }
}

fn inputs(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Inputs\n");
    if report.inputs.is_empty() {
        let _ = writeln!(out, "No inputs.\n");
        return;
    }
    let mut table = Table::new(&[
        "Input",
        "Kind",
        "Status",
        "Records read",
        "Records skipped",
        "Chunks read / skipped / empty / unreadable",
        "Problems",
        "Events",
    ]);
    for input in &report.inputs {
        table.row(input_row(input));
    }
    table.write(out);
    for input in report.inputs.iter().filter(|i| i.problem_count > 0) {
        let _ = writeln!(out, "Problems in {}:\n", code(&input.path, false));
        for problem in &input.problems {
            let place = super::place_suffix(problem);
            let _ = writeln!(
                out,
                "- {}{place}: {}",
                code(problem.kind.as_str(), false),
                text(&problem.message)
            );
        }
        let hidden = input.unlisted_problems();
        if hidden > 0 {
            let _ = writeln!(out, "- … and {hidden} more problem(s)");
        }
        out.push('\n');
    }
}

fn input_row(input: &InputReport) -> Vec<String> {
    let events = match (input.first_event, input.last_event) {
        (Some(first), Some(last)) => format!("{} → {}", time(Some(first)), time(Some(last))),
        _ => "—".into(),
    };
    vec![
        code(&input.path, true),
        enum_name(&input.kind),
        enum_name(&input.status),
        input.counts.records_read.to_string(),
        input.counts.records_skipped.to_string(),
        format!(
            "{} / {} / {} / {}",
            input.counts.chunks_read,
            input.counts.chunks_skipped,
            input.counts.chunks_empty,
            input.counts.chunks_unreadable
        ),
        input.problem_count.to_string(),
        events,
    ]
}

/// The serde name of a unit enum value (`evtx`, `damaged`).
fn enum_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => text(&name),
        _ => String::new(),
    }
}

/// A GitHub-flavoured Markdown table.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of cells that are already escaped for a table.
    fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
    }

    fn write(&self, out: &mut String) {
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            for cell in cells {
                let cell = if cell.is_empty() { " " } else { cell.as_str() };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        };
        line(out, &self.header);
        let rule: Vec<String> = self.header.iter().map(|_| "---".to_owned()).collect();
        line(out, &rule);
        for row in &self.rows {
            line(out, row);
        }
        out.push('\n');
    }
}

/// A time for a table cell, or a dash.
fn time(time: Option<jiff::Timestamp>) -> String {
    match time {
        Some(_) => human_time(time),
        None => "—".into(),
    }
}

/// Plain text on one line with every Markdown metacharacter escaped (safe in tables too).
fn text(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut last_space = false;
    for (at, &c) in chars.iter().enumerate() {
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if is_unsafe(c) {
            push_escaped(&mut out, c);
            continue;
        }
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$' | '@' => true,
            ':' | '.' => starts_autolink(&chars, at),
            // An underscore inside a word (ERROR_DS_...) never starts or ends emphasis.
            '_' => {
                let word = |i: Option<usize>| {
                    i.and_then(|i| chars.get(i))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                !(word(at.checked_sub(1)) && word(Some(at + 1)))
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out.trim().to_owned()
}

/// Whether the `:` or `.` at `at` would let GFM turn what surrounds it into a link: the `:`
/// of `https://`, `http://`, `ftp://`, `mailto:` or `xmpp:`, the `.` of `www.`.
fn starts_autolink(chars: &[char], at: usize) -> bool {
    let before = |n: usize| -> String {
        chars[at.saturating_sub(n)..at]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase()
    };
    match chars.get(at) {
        Some(':') => {
            let slashes = chars.get(at + 1) == Some(&'/') && chars.get(at + 2) == Some(&'/');
            let scheme = at > 0 && chars[at - 1].is_ascii_alphabetic();
            (slashes && scheme) || before(6) == "mailto" || before(4) == "xmpp"
        }
        Some('.') => at >= 3 && before(3) == "www",
        _ => false,
    }
}

/// `raw` as a code span on one line; `in_table` also escapes `|` (GFM splits cells on it
/// even inside code spans).
fn code(raw: &str, in_table: bool) -> String {
    let flat: String = raw
        .chars()
        .fold(String::with_capacity(raw.len()), |mut flat, c| {
            if c.is_whitespace() || c.is_control() {
                flat.push(' ');
            } else {
                push_escaped(&mut flat, c);
            }
            flat
        });
    let flat = flat.trim();
    if flat.is_empty() {
        return "—".into();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in flat.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    let body = if in_table {
        flat.replace('|', "\\|")
    } else {
        flat.to_owned()
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A reference: an autolink for a URL, a link for a KB id or a Microsoft document title
/// (`links::reference_url`), else text.
fn reference(raw: &str) -> String {
    match super::links::reference_url(raw) {
        Some(url) if url == raw.trim() => format!("<{url}>"),
        Some(url) => format!("[{}]({url})", text(raw.trim())),
        None => text(raw),
    }
}
