//! The text report: the verdict first (which domain fails, since when, why, what to do), then
//! the evidence, then what was read.

use super::clean::push_escaped;
use super::{
    bucket_start, bucket_width, escape_controls as one, human_time, state_word, verdict_failures,
    verdict_reasons, verdict_subject,
};
use crate::report::{InputKind, InputReport, InputStatus, Report, Severity, Verdict, VerdictState};
use jiff::Timestamp;
use std::fmt::Write;

struct Style {
    color: bool,
    /// Columns to lay prose out for.
    width: usize,
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

/// Most columns a sparkline takes; longer timelines merge neighbouring buckets.
const SPARK_COLUMNS: usize = 60;

/// Renders the text report.
pub(super) fn render(report: &Report, color: bool, width: usize) -> String {
    let style = Style { color, width };
    // Text from the logs and file names must not drive the terminal or forge report lines:
    // every string is cleaned where it is written (`one`, and `wrap` for prose), so that a
    // control character, line break or bidirectional override is shown as an escape.
    let mut out = String::new();
    verdicts(&mut out, report, &style);
    findings(&mut out, report, &style);
    inputs(&mut out, report, &style);
    out.replace(GLUE, " ")
}

fn verdicts(out: &mut String, report: &Report, style: &Style) {
    let summary = &report.summary;
    let _ = writeln!(out, "{}", style.bold("VERDICT"));
    if report.verdicts.is_empty() {
        let span = span_text(summary.first_event, summary.last_event);
        let text = format!(
            "no problem found: no password hash sync failure in {} records from {} input(s){span}.",
            summary.records_read + summary.records_skipped,
            summary.inputs,
        );
        hang(
            out,
            style,
            &format!("  {}  ", style.green("OK")),
            6,
            &text,
            6,
        );
    }
    let width = report
        .verdicts
        .iter()
        .map(|v| one(verdict_subject(v)).chars().count())
        .max()
        .unwrap_or(0);
    for verdict in &report.verdicts {
        verdict_block(out, report, verdict, width, style);
    }
    if summary.unreadable_inputs > 0
        || summary.chunks_unreadable > 0
        || summary.records_unreadable > 0
    {
        let text = unreadable_note(summary);
        hang(
            out,
            style,
            &format!("  {} ", style.yellow("!")),
            4,
            &text,
            4,
        );
    }
    out.push('\n');
}

/// What could not be read, naming only what there was: `1 input(s) could not be read; 3
/// record(s) were skipped as unreadable (see INPUTS).` (an export has no chunks to name).
fn unreadable_note(summary: &crate::report::Summary) -> String {
    let mut parts = Vec::new();
    if summary.unreadable_inputs > 0 {
        parts.push(format!(
            "{} input(s) could not be read",
            summary.unreadable_inputs
        ));
    }
    let mut skipped = Vec::new();
    if summary.chunks_unreadable > 0 {
        skipped.push(format!("{} chunk(s)", summary.chunks_unreadable));
    }
    if summary.records_unreadable > 0 {
        skipped.push(format!("{} record(s)", summary.records_unreadable));
    }
    if !skipped.is_empty() {
        parts.push(format!(
            "{} were skipped as unreadable",
            skipped.join(" and ")
        ));
    }
    format!("{} (see INPUTS).", parts.join("; "))
}

fn verdict_block(
    out: &mut String,
    report: &Report,
    verdict: &Verdict,
    width: usize,
    style: &Style,
) {
    let subject = pad(&one(verdict_subject(verdict)), width);
    let states = report
        .verdicts
        .iter()
        .map(|v| state_word(v.state).chars().count())
        .max()
        .unwrap_or(0);
    let word = pad(state_word(verdict.state), states);
    let (state, when) = match verdict.state {
        VerdictState::Failing => (
            style.red(&word),
            format!(
                "since {} {}",
                time(verdict.failing_since),
                glued(&format!("(last failure {})", time(verdict.last_failure)))
            ),
        ),
        VerdictState::Recovered => (
            style.yellow(&word),
            format!(
                "at {} {} {}",
                time(verdict.recovered_at),
                glued(&format!("(failing {}", time(verdict.failing_since))),
                glued(&format!("→ {})", time(verdict.last_failure)))
            ),
        ),
        VerdictState::Healthy => (
            style.green(&word),
            match verdict.last_healthy {
                Some(last) => format!("last healthy {}", time(Some(last))),
                None => "no failure seen".into(),
            },
        ),
        VerdictState::Stalled => (
            style.yellow(&word),
            match verdict.last_healthy {
                Some(last) => format!("no heartbeat since {}", time(Some(last))),
                None => "no heartbeat".into(),
            },
        ),
        VerdictState::NotEnoughData => (style.yellow(&word), super::nothing_to_judge(report)),
    };
    // The time goes under itself when the line would be too long, or on lines of its own
    // when the subject leaves it too little room.
    let lead = format!("  {}  {state}  ", style.bold(&subject));
    let lead_width = 2 + subject.chars().count() + 2 + word.chars().count() + 2;
    let indent = if style.width.saturating_sub(lead_width) >= 30 {
        lead_width
    } else {
        14
    };
    hang(out, style, &lead, lead_width, &when, indent);
    if matches!(
        verdict.state,
        VerdictState::Failing | VerdictState::Recovered
    ) && let Some(last) = verdict.last_healthy
    {
        prose(
            out,
            style,
            "    ",
            "healthy",
            &format!("last healthy {}", time(Some(last))),
        );
    }
    if !verdict.servers.is_empty() {
        prose(out, style, "    ", "servers", &verdict.servers.join(", "));
    }
    let (reasons, more) = verdict_reasons(report, verdict);
    let mut last_fix = None;
    for finding in reasons {
        prose(out, style, "    ", "why", &finding.title);
        // Several errors often share one fix: say it once.
        if last_fix != Some(&finding.resolution) {
            prose(out, style, "    ", "fix", &finding.resolution);
        }
        last_fix = Some(&finding.resolution);
    }
    if more > 0 {
        prose(
            out,
            style,
            "    ",
            "",
            &format!("… and {more} more (see FINDINGS)"),
        );
    }
    if let Some(counts) = verdict_failures(report, verdict) {
        // The sparkline fits the width left of its label; its legend follows it, or goes on
        // the next line when the line would be too long.
        let room = style.width.saturating_sub(14).clamp(20, SPARK_COLUMNS);
        let columns = (counts.len().div_ceil(room)).max(1);
        let merged = merge_buckets(counts, columns);
        let peak = merged.iter().copied().max().unwrap_or(0);
        let first = bucket_start(report, 0);
        let last = bucket_start(report, counts.len());
        let spark = sparkline(&merged);
        let legend = format!(
            "{} → {} · {} per column · peak {peak}",
            short_time(first),
            short_time(last),
            bucket_width(
                report
                    .timeline
                    .bucket_seconds
                    .saturating_mul(columns as u64)
            ),
        );
        let label = style.dim(&pad("failures", 8));
        if 14 + spark.chars().count() + 2 + legend.chars().count() <= style.width {
            let _ = writeln!(out, "    {label}  {spark}  {legend}");
        } else {
            let _ = writeln!(out, "    {label}  {spark}\n{}{legend}", " ".repeat(14));
        }
    }
}

/// Sums `counts` in groups of `size`.
fn merge_buckets(counts: &[u32], size: usize) -> Vec<u32> {
    counts
        .chunks(size.max(1))
        .map(|group| group.iter().fold(0u32, |a, &b| a.saturating_add(b)))
        .collect()
}

/// One block character per count: `▁` for none, `▂`..`█` scaled to the peak.
fn sparkline(counts: &[u32]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let peak = u64::from(counts.iter().copied().max().unwrap_or(0));
    counts
        .iter()
        .map(|&count| {
            if count == 0 || peak == 0 {
                BLOCKS[0]
            } else {
                let level = (u64::from(count) * 7).div_ceil(peak).clamp(1, 7);
                BLOCKS[level as usize]
            }
        })
        .collect()
}

/// A labelled line of prose, wrapped at the style's width under its first column.
fn prose(out: &mut String, style: &Style, indent: &str, label: &str, text: &str) {
    let lead = indent.chars().count() + 10;
    let mut lines = wrap(text, style.width.saturating_sub(lead).max(30)).into_iter();
    let first = lines.next().unwrap_or_default();
    let _ = writeln!(out, "{indent}{}  {first}", style.dim(&pad(label, 8)));
    for line in lines {
        let _ = writeln!(out, "{}{line}", " ".repeat(lead));
    }
}

/// Writes `lead` (already styled; `lead_width` columns on screen), then `text` wrapped to the
/// style's width, its further lines indented by `indent` columns.
fn hang(out: &mut String, style: &Style, lead: &str, lead_width: usize, text: &str, indent: usize) {
    hang_painted(out, style, lead, lead_width, text, indent, str::to_owned);
}

/// [`hang`], each line of `text` styled by `paint`.
fn hang_painted(
    out: &mut String,
    style: &Style,
    lead: &str,
    lead_width: usize,
    text: &str,
    indent: usize,
    paint: impl Fn(&str) -> String,
) {
    let room = |used: usize| style.width.saturating_sub(used).max(20);
    let lines = wrap_hanging(text, room(lead_width), room(indent));
    for (index, line) in lines.iter().enumerate() {
        if index == 0 {
            let _ = writeln!(out, "{lead}{}", paint(line));
        } else {
            let _ = writeln!(out, "{}{}", " ".repeat(indent), paint(line));
        }
    }
}

/// Splits `text` into lines of at most `width` characters at spaces (longer words stay
/// whole). Line breaks, tabs and other controls in `text` are shown escaped (`\n`), so that
/// text from an input cannot start a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_hanging(text, width, width)
}

/// [`wrap`] with room for `first` characters on the first line and `rest` on the others.
pub(super) fn wrap_hanging(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut width = first;
    let mut line = String::new();
    let mut word = String::new();
    // Glued words (times, "(last failure …)") stay whole unless too long for any line.
    let narrowest = first.min(rest);
    let words = text.split(' ').flat_map(|raw| {
        if raw.chars().count() > narrowest {
            raw.split(GLUE).collect::<Vec<_>>()
        } else {
            vec![raw]
        }
    });
    for raw in words.filter(|word| !word.is_empty()) {
        word.clear();
        raw.chars().for_each(|c| push_escaped(&mut word, c));
        // A dotted name or a path longer than a line (a .NET type, a file) may break after
        // its dots and separators; a URL stays whole, so that the terminal sees one link.
        let pieces = if word.chars().count() > narrowest && !word.contains("://") {
            word.split_inclusive(['.', '/', '\\']).collect()
        } else {
            vec![word.as_str()]
        };
        for (index, piece) in pieces.into_iter().enumerate() {
            let glued = index > 0;
            let gap = usize::from(!glued && !line.is_empty());
            if !line.is_empty() && line.chars().count() + gap + piece.chars().count() > width {
                lines.push(std::mem::take(&mut line));
                width = rest;
            } else if gap == 1 {
                line.push(' ');
            }
            line.push_str(piece);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` padded with spaces to `width` characters.
fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

/// A short time for axis labels: `2024-03-04 08:00`.
fn short_time(time: Option<Timestamp>) -> String {
    match time {
        Some(time) => time.strftime("%Y-%m-%d %H:%M").to_string(),
        None => "?".into(),
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
        let number = format!("  {}. ", index + 1);
        let lead_width = number.chars().count() + finding.severity.as_str().len() + 3;
        hang_painted(
            out,
            style,
            &format!("{number}[{severity}] "),
            lead_width,
            &finding.title,
            lead_width,
            |line| style.bold(line),
        );
        let ids: Vec<String> = finding.event_ids.iter().map(u16::to_string).collect();
        let events = format!(
            "{} event(s) {} from {} · {} → {}",
            finding.count,
            ids.join(", "),
            finding.providers.join(", "),
            time(finding.first_seen),
            time(finding.last_seen),
        );
        hang(out, style, "     ", 5, &events, 7);
        field(out, style.width, "rule", Some(finding.rule.clone()));
        field(out, style.width, "domain", finding.domain.clone());
        field(
            out,
            style.width,
            "error",
            finding.error_code.map(
                |code| match (&finding.error_symbol, &finding.error_message) {
                    (Some(symbol), Some(message)) => format!("{code} {symbol}: {message}"),
                    _ => code.to_string(),
                },
            ),
        );
        field(out, style.width, "exception", finding.exception.clone());
        field(out, style.width, "drs call", finding.drs_call.clone());
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
            style.width,
            "dc",
            (!controllers.is_empty()).then(|| controllers.join(", ")),
        );
        field(
            out,
            style.width,
            "computers",
            (!finding.computers.is_empty()).then(|| finding.computers.join(", ")),
        );
        field(out, style.width, "objects", super::objects_summary(finding));
        field(out, style.width, "cause", Some(finding.cause.clone()));
        field(out, style.width, "fix", Some(finding.resolution.clone()));
        field(
            out,
            style.width,
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
            let place = sample.place();
            // `wrap` shows any control in the input's name or the event's text escaped.
            let line = format!(
                "{} [{place}] {}: {}",
                sample.input,
                time(sample.time),
                sample.line()
            );
            field(out, style.width, "sample", Some(line));
        }
        out.push('\n');
    }
}

fn field(out: &mut String, width: usize, name: &str, value: Option<String>) {
    if let Some(value) = value {
        let lead = 16;
        let mut lines = wrap(&value, width.saturating_sub(lead).max(24)).into_iter();
        let first = lines.next().unwrap_or_default();
        let _ = writeln!(out, "     {name:<10} {first}");
        for line in lines {
            let _ = writeln!(out, "{}{line}", " ".repeat(lead));
        }
    }
}

fn inputs(out: &mut String, report: &Report, style: &Style) {
    let _ = writeln!(out, "{}", style.bold("INPUTS"));
    for input in &report.inputs {
        input_line(out, input, style);
    }
    let summary = &report.summary;
    let text = format!(
        "{} input(s), {} records read, {} skipped by the prefilter, {} matched{}",
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
    hang(out, style, "  ", 2, &text, 4);
}

fn input_line(out: &mut String, input: &InputReport, style: &Style) {
    let word = status_word(input.status);
    let status = match input.status {
        InputStatus::Ok => style.green(word),
        InputStatus::Damaged => style.yellow(word),
        InputStatus::Unreadable => style.red(word),
    };
    // A path longer than the line breaks after its separators; the status follows it.
    let room = style.width.saturating_sub(4).max(20);
    let mut lines = wrap_hanging(&input.path, room, room);
    let last = lines.pop().unwrap_or_default();
    for line in lines {
        let _ = writeln!(out, "  {line}");
    }
    let status_width = status_word(input.status).len() + 3;
    if last.chars().count() + status_width + 2 <= style.width {
        let _ = writeln!(out, "  {last} [{status}]");
    } else {
        let _ = writeln!(out, "  {last}\n    [{status}]");
    }
    if input.status != InputStatus::Unreadable || input.counts.records_read > 0 {
        // Chunks are an .evtx notion: an export or a text file has none to count.
        let chunks = if input.kind == InputKind::Evtx || input.counts.chunks > 0 {
            glued(&format!(
                " · {} chunks: {} read, {} skipped, {} empty, {} unreadable",
                input.counts.chunks,
                input.counts.chunks_read,
                input.counts.chunks_skipped,
                input.counts.chunks_empty,
                input.counts.chunks_unreadable,
            ))
            .replace(&format!(",{GLUE}"), ", ")
        } else {
            String::new()
        };
        let skipped = if input.counts.records_skipped > 0 || input.kind == InputKind::Evtx {
            format!(
                ", {} skipped by the prefilter",
                input.counts.records_skipped
            )
        } else {
            String::new()
        };
        let text = format!(
            "{} records read{skipped}{chunks}",
            input.counts.records_read
        );
        hang(out, style, "      ", 6, &text, 8);
    }
    if let (Some(first), Some(last)) = (input.first_event, input.last_event) {
        let _ = writeln!(
            out,
            "      events {} → {}",
            time(Some(first)),
            time(Some(last))
        );
    }
    for problem in &input.problems {
        let place = super::place_suffix(problem);
        let text = format!("{}{place}: {}", problem.kind.as_str(), problem.message);
        hang(out, style, "      - ", 8, &text, 8);
    }
    let hidden = input.unlisted_problems();
    if hidden > 0 {
        let _ = writeln!(out, "      - ... and {hidden} more problem(s)");
    }
}

fn status_word(status: InputStatus) -> &'static str {
    match status {
        InputStatus::Ok => "ok",
        InputStatus::Damaged => "damaged",
        InputStatus::Unreadable => "unreadable",
    }
}

fn span_text(first: Option<Timestamp>, last: Option<Timestamp>) -> String {
    match (first, last) {
        (Some(first), Some(last)) => format!(" ({} → {})", time(Some(first)), time(Some(last))),
        _ => String::new(),
    }
}

/// A time for people: UTC, to the second; its spaces are [`GLUE`], so that wrapping never
/// splits it.
fn time(time: Option<Timestamp>) -> String {
    human_time(time).replace(' ', GLUE_STR)
}

/// `text` with its spaces made [`GLUE`]: wrapped as one word.
fn glued(text: &str) -> String {
    text.replace(' ', GLUE_STR)
}

/// A space that [`wrap`] does not break at: rendered as a plain space at the end.
const GLUE: char = '\u{a0}';
const GLUE_STR: &str = "\u{a0}";
