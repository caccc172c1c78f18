//! Renderers: pure functions from a [`Report`] to text in one of the output formats.
//!
//! Every renderer is deterministic: the same report gives the same bytes. Text taken from
//! events (domains, computers, host names, sample lines, input paths) is customer data and
//! may be hostile; each format escapes it for its own syntax. The formats are described in
//! `docs/report.md`.
//!
//! ```
//! use evtx_doctor::render::{Format, RenderOptions, render};
//! # fn show(report: &evtx_doctor::report::Report) {
//! let format = Format::from_name("markdown").unwrap_or(Format::Text);
//! print!("{}", render(report, format, RenderOptions::default()));
//! # }
//! ```

mod clean;
mod csv;
mod html;
mod json;
mod jsonl;
mod links;
mod markdown;
mod text;

use crate::report::{AnalysisOptions, Finding, Report, SeriesKind, Verdict, VerdictState};
use jiff::Timestamp;
use std::fmt;

pub use clean::escape_controls;

/// `text` laid out for a terminal: lines of at most `first` characters for the first line and
/// `rest` for the others, broken at spaces (a time or a glued phrase stays whole; a dotted name
/// or a path longer than a line breaks after its dots and separators; a URL stays whole).
/// Control characters are shown escaped (`\n`), so text from an input cannot start a line of
/// its own. The text report lays out its own lines with it.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    text::wrap_hanging(text, first, rest)
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// For people at a terminal: verdict first, then evidence.
    Text,
    /// The report as one JSON document (docs/report.schema.json).
    Json,
    /// JSON Lines for pipelines: a summary line, then one line per verdict, finding and
    /// input, each tagged with `"type"`.
    Jsonl,
    /// One CSV row per finding, with a header row (RFC 4180).
    Csv,
    /// Markdown to paste into a ticket: verdict table, then one section per finding.
    Markdown,
    /// One self-contained HTML page with an inline SVG timeline chart.
    Html,
}

impl Format {
    /// Every format, in the order they are listed to users.
    pub const ALL: &'static [Format] = &[
        Format::Text,
        Format::Json,
        Format::Jsonl,
        Format::Csv,
        Format::Markdown,
        Format::Html,
    ];

    /// The name users type (`text`, `json`, `jsonl`, `csv`, `markdown`, `html`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// The format called `name` (as returned by [`Format::name`], ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .iter()
            .copied()
            .find(|format| format.name().eq_ignore_ascii_case(name))
    }

    /// The usual file extension, without the dot (`txt`, `json`, `jsonl`, `csv`, `md`, `html`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            other => other.name(),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The columns of the CSV format, in order. Columns are only ever appended.
pub const CSV_COLUMNS: &[&str] = &csv::COLUMNS;

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Use ANSI colours (text format only; the CLI sets it for a terminal without `NO_COLOR`).
    pub color: bool,
    /// Columns the text format lays prose out for (the terminal's width); `None` is
    /// [`DEFAULT_WIDTH`]. Widths under 40 are taken as 40.
    pub width: Option<usize>,
}

/// The text format's width when [`RenderOptions::width`] is `None`: what is written to a file
/// or a pipe does not depend on the terminal of whoever wrote it.
pub const DEFAULT_WIDTH: usize = 100;

/// Most findings a verdict names (why, fix) before "and N more": the rest are in the findings.
pub const VERDICT_REASONS: usize = 3;

/// Renders `report` in `format`. The result ends with a newline.
pub fn render(report: &Report, format: Format, options: RenderOptions) -> String {
    match format {
        Format::Text => text::render(
            report,
            options.color,
            options.width.unwrap_or(DEFAULT_WIDTH).max(40),
        ),
        Format::Json => {
            let mut json = json::pretty(report).unwrap_or_default();
            json.push('\n');
            json
        }
        Format::Jsonl => jsonl::render(report),
        Format::Csv => csv::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}

/// Why a report has nothing to judge password hash sync by, for people: the filters left
/// out every event a rule matched, or the inputs hold no password sync event at all. Shown
/// for a [`VerdictState::NotEnoughData`] verdict (and by the CLI with its exit status).
pub fn nothing_to_judge(report: &Report) -> String {
    let summary = &report.summary;
    if summary.events_excluded > 0 && summary.events_matched == 0 {
        let filters = filters(&report.options, |name| escape_controls(name).into_owned());
        let filters = if filters.is_empty() {
            String::new()
        } else {
            format!(" ({})", filters.join(", "))
        };
        return format!(
            "the filters{filters} removed all {} password sync event(s) the rules matched: \
             nothing is left to judge by",
            summary.events_excluded
        );
    }
    if summary.inputs == 0 {
        return "no event log was found in the paths given".into();
    }
    if summary.events_matched > 0 {
        return format!(
            "{} event(s) matched a rule, but none is a heartbeat or sync result that shows \
             whether password sync works",
            summary.events_matched
        );
    }
    format!(
        "the logs hold no password sync events in {} record(s) from {} input(s) (is this \
         the sync server's Application log?)",
        summary.records_read + summary.records_skipped,
        summary.inputs
    )
}

/// The filters that narrowed what counted, for people: `since 2024-03-04 08:00:00 UTC`,
/// `until …`, `computer A or B` (each name as `name` shows it in the format).
fn filters(options: &AnalysisOptions, name: impl Fn(&str) -> String) -> Vec<String> {
    let mut filters = Vec::new();
    if let Some(since) = options.since {
        filters.push(format!("since {}", human_time(Some(since))));
    }
    if let Some(until) = options.until {
        filters.push(format!("until {}", human_time(Some(until))));
    }
    if !options.computers.is_empty() {
        let names: Vec<String> = options.computers.iter().map(|c| name(c)).collect();
        filters.push(format!("computer {}", names.join(" or ")));
    }
    filters
}

/// A time for people: UTC, to the second.
fn human_time(time: Option<Timestamp>) -> String {
    match time {
        Some(time) => time.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "unknown time".into(),
    }
}

/// A time for machines: RFC 3339 UTC, or empty.
fn rfc3339(time: Option<Timestamp>) -> String {
    time.map(|t| t.to_string()).unwrap_or_default()
}

/// What a verdict is about, for people.
fn verdict_subject(verdict: &Verdict) -> &str {
    verdict
        .domain
        .as_deref()
        .unwrap_or("Entra ID connection (all domains)")
}

/// The verdict state in capitals, as every human format shows it.
fn state_word(state: VerdictState) -> &'static str {
    match state {
        VerdictState::Failing => "FAILING",
        VerdictState::Recovered => "RECOVERED",
        VerdictState::Healthy => "HEALTHY",
        VerdictState::Stalled => "STALLED",
        VerdictState::NotEnoughData => "NOT ENOUGH DATA",
    }
}

/// Whether two optional domains are the same (case-insensitive, as findings are grouped).
fn same_domain(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

/// The findings behind a verdict, in the verdict's rule order.
fn verdict_findings<'r>(report: &'r Report, verdict: &Verdict) -> Vec<&'r Finding> {
    verdict
        .rules
        .iter()
        .filter_map(|rule| {
            report.findings.iter().find(|f| {
                &f.rule == rule && same_domain(f.domain.as_deref(), verdict.domain.as_deref())
            })
        })
        .collect()
}

/// The findings a verdict shows (at most [`VERDICT_REASONS`]: errors before warnings before
/// infos, then the most frequent), and how many more there are.
fn verdict_reasons<'r>(report: &'r Report, verdict: &Verdict) -> (Vec<&'r Finding>, usize) {
    let mut findings = verdict_findings(report, verdict);
    findings.sort_by_key(|f| (f.severity, std::cmp::Reverse(f.count)));
    let more = findings.len().saturating_sub(VERDICT_REASONS);
    findings.truncate(VERDICT_REASONS);
    (findings, more)
}

/// The failure counts of a verdict's domain from the timeline, when there are any. A
/// verdict without a domain takes the failure series that no other verdict's domain names.
fn verdict_failures<'r>(report: &'r Report, verdict: &Verdict) -> Option<&'r [u32]> {
    report.timeline.start?;
    let named = |label: &str| {
        report
            .verdicts
            .iter()
            .filter_map(|v| v.domain.as_deref())
            .any(|domain| domain.eq_ignore_ascii_case(label))
    };
    report
        .timeline
        .series
        .iter()
        .filter(|s| s.kind == SeriesKind::Failure && s.counts.iter().any(|&c| c > 0))
        .find(|s| match verdict.domain.as_deref() {
            Some(domain) => s.label.eq_ignore_ascii_case(domain),
            None => !named(&s.label),
        })
        .map(|s| s.counts.as_slice())
}

/// A bucket width for people: `30 min`, `2 h`, `1 day`.
fn bucket_width(seconds: u64) -> String {
    match seconds {
        0 => "0 s".into(),
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The start of bucket `index` of the report's timeline.
fn bucket_start(report: &Report, index: usize) -> Option<Timestamp> {
    let start = report.timeline.start?;
    let offset = report
        .timeline
        .bucket_seconds
        .checked_mul(index as u64)
        .and_then(|s| i64::try_from(s).ok())?;
    start
        .checked_add(jiff::SignedDuration::from_secs(offset))
        .ok()
}

/// The first line of `text`, trimmed, for one-line displays.
fn one_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

/// The objects (distinguished names) behind a finding, for people: how many, whether the
/// failure is isolated, and the most frequent ones.
fn objects_summary(finding: &crate::report::Finding) -> Option<String> {
    if finding.objects.is_empty() {
        return None;
    }
    let scope = match finding.scope {
        Some(crate::report::Scope::Isolated) => ", isolated: other objects synced",
        Some(crate::report::Scope::General) => ", general: no object synced",
        None => "",
    };
    let top: Vec<String> = finding
        .objects
        .iter()
        .map(|o| format!("{} ×{}", o.dn, o.count))
        .collect();
    Some(format!(
        "{} distinct{scope}; most frequent: {}",
        finding.distinct_objects,
        top.join("; ")
    ))
}

/// Where a problem is, as ` (chunk 1, byte 69632)` after its kind; empty when unknown.
fn place_suffix(problem: &crate::report::Problem) -> String {
    match problem.place() {
        place if place.is_empty() => place,
        place => format!(" ({place})"),
    }
}
