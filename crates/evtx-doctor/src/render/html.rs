//! One self-contained HTML page: verdicts, summary, a timeline chart (inline SVG), findings
//! and inputs. No external assets and no script; a Content-Security-Policy forbids both, so
//! even an escaping mistake could not run anything. Every piece of report text is escaped.
//! The markup is well-formed XML (void elements self-closed, only XML's five entities).

use super::clean::{is_unsafe, push_escaped};
use super::{bucket_start, bucket_width, human_time, one_line, state_word, verdict_subject};
use crate::report::{Finding, InputReport, Report, Series, SeriesKind, Verdict, VerdictState};
use std::fmt::Write;

const STYLE: &str = r#"
:root { --fail: #c62828; --warn: #b26a00; --ok: #2e7d32; --muted: #5f6368; --line: #d7dbe0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1f2328; background: #f6f8fa; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 0 0 8px; }
.meta, .muted { color: var(--muted); }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f2f4;
       padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary { width: auto; min-width: 420px; }
table.summary th { background: none; font-weight: 500; color: var(--muted); padding-right: 32px; }
table.summary td { text-align: right; font-variant-numeric: tabular-nums; }
table.inputs td:first-child { min-width: 220px; }
table.fields th { width: 190px; background: none; color: var(--muted); font-weight: 500; }
.verdict { border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 6px;
           padding: 10px 16px; margin: 10px 0; }
.verdict.failing { border-left-color: var(--fail); background: #fdf3f3; }
.verdict.recovered, .verdict.stalled { border-left-color: var(--warn); background: #fff8e6; }
.verdict.unknown { background: #f6f8fa; }
.verdict.healthy, .verdict.none { border-left-color: var(--ok); background: #f1f8f1; }
.verdict p { margin: 4px 0; }
.badge { display: inline-block; font-size: 12px; font-weight: 700; letter-spacing: .04em; color: #fff;
         background: var(--muted); border-radius: 4px; padding: 1px 8px; margin-right: 8px; vertical-align: 2px; }
.badge.failing, .badge.error, .badge.unreadable { background: var(--fail); }
.badge.recovered, .badge.stalled, .badge.warning, .badge.damaged { background: var(--warn); }
.badge.healthy, .badge.ok, .badge.none { background: var(--ok); }
.subject { font-size: 18px; font-weight: 600; }
article.finding { border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin: 14px 0; }
ul.samples { padding-left: 20px; margin: 4px 0; }
details { margin: 8px 0 0; }
details > summary { cursor: pointer; color: var(--muted); }
details[open] > summary { margin-bottom: 6px; }
.notice { border-left: 4px solid var(--warn); background: #fff8e6; padding: 6px 12px; }
ul.samples li { margin: 3px 0; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 13px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1f2328; }
svg.chart .axis { stroke: #57606a; stroke-width: 1; }
svg.chart .grid { stroke: #e5e8eb; stroke-width: 1; }
footer { margin-top: 32px; color: var(--muted); font-size: 13px; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  .verdict, article.finding, figure, tr { break-inside: avoid; }
  .verdict, .badge, svg.chart { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; }
}
"#;

/// Colours of the failure series, one per domain in order (repeating past the last).
const FAILURE_COLOURS: [&str; 6] = [
    "#d32f2f", "#f57c00", "#8e24aa", "#6d4c41", "#c2185b", "#455a64",
];
const HEARTBEAT_COLOUR: &str = "#2e7d32";
const SUCCESS_COLOUR: &str = "#1565c0";

/// The most buckets drawn, whatever a report holds.
const MAX_DRAWN_BUCKETS: usize = 2_000;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"/>\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    let _ = writeln!(
        out,
        "<title>{}</title>",
        esc(&format!(
            "Password hash sync diagnosis — {}",
            title_subject(report)
        ))
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(
        out,
        "<header>\n<h1>Password hash sync diagnosis</h1>\n<p class=\"meta\">{} {} · all times UTC</p>\n</header>",
        esc(&report.tool.name),
        esc(&report.tool.version),
    );
    overview(&mut out, report);
    verdicts(&mut out, report);
    timeline(&mut out, report);
    findings(&mut out, report);
    technical_details(&mut out, report);
    let _ = writeln!(
        out,
        "<footer>Generated by {} {} from {} input(s). Times are UTC.</footer>\n</main>\n</body>\n</html>",
        esc(&report.tool.name),
        esc(&report.tool.version),
        report.summary.inputs
    );
    out
}

/// What the page title names: the failing domains, or that all is well.
fn title_subject(report: &Report) -> String {
    let failing: Vec<&str> = report
        .verdicts
        .iter()
        .filter(|v| v.state == VerdictState::Failing)
        .map(verdict_subject)
        .collect();
    if failing.is_empty() {
        "no failing domain".into()
    } else {
        format!("FAILING: {}", failing.join(", "))
    }
}

/// What was looked at, in words for the customer: every event of the logs counts (those the
/// prefilter passed over were looked at too, just not parsed), and how many concern password
/// sync. How the reading went in detail is under Technical details.
fn overview(out: &mut String, report: &Report) {
    let totals = &report.summary;
    let span = match (totals.first_event, totals.last_event) {
        (Some(first), Some(last)) => format!(
            ", from {} to {}",
            human_time(Some(first)),
            human_time(Some(last))
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<p>Checked {} event(s) in {} log file(s){span}; {} of them concern password hash sync.</p>",
        totals.records_read.saturating_add(totals.records_skipped),
        totals.inputs,
        totals.events_matched
    );
    let filters = super::filters(&report.options, code);
    if !filters.is_empty() {
        let _ = writeln!(
            out,
            "<p>Only the events the filters kept were counted: {}.</p>",
            filters.join(", ")
        );
    }
    if totals.unreadable_inputs > 0 || totals.problems > 0 {
        let _ = writeln!(
            out,
            "<p class=\"notice\"><strong>Not everything could be read:</strong> {} of {} log file(s) could not be read at all, and {} problem(s) were found while reading (see <a href=\"#details\">Technical details</a>).</p>",
            totals.unreadable_inputs, totals.inputs, totals.problems
        );
    }
}

fn verdicts(out: &mut String, report: &Report) {
    let _ = writeln!(out, "<section id=\"verdict\">\n<h2>Verdict</h2>");
    if report.verdicts.is_empty() {
        let summary = &report.summary;
        let _ = writeln!(
            out,
            "<div class=\"verdict none\"><p><span class=\"badge none\">NO PROBLEM FOUND</span>No password hash sync failure in {} records from {} input(s).</p></div>",
            summary.records_read + summary.records_skipped,
            summary.inputs
        );
    }
    for verdict in &report.verdicts {
        verdict_card(out, report, verdict);
    }
    out.push_str("</section>\n");
}

fn verdict_card(out: &mut String, report: &Report, verdict: &Verdict) {
    let class = state_class(verdict.state);
    let _ = writeln!(
        out,
        "<div class=\"verdict {class}\">\n<p><span class=\"badge {class}\">{}</span><span class=\"subject\">{}</span></p>",
        state_word(verdict.state),
        esc(verdict_subject(verdict))
    );
    let when = match verdict.state {
        VerdictState::Failing => format!(
            "Failing since <strong>{}</strong>; last failure {}.",
            human_time(verdict.failing_since),
            human_time(verdict.last_failure)
        ),
        VerdictState::Recovered => format!(
            "Recovered at <strong>{}</strong> after failing from {} to {}.",
            human_time(verdict.recovered_at),
            human_time(verdict.failing_since),
            human_time(verdict.last_failure)
        ),
        VerdictState::Healthy => match verdict.last_healthy {
            Some(last) => format!("Syncs ran; last healthy {}.", human_time(Some(last))),
            None => "Syncs ran and nothing failed.".into(),
        },
        VerdictState::Stalled => match verdict.last_healthy {
            Some(last) => format!(
                "The password sync agent went quiet: no heartbeat since <strong>{}</strong>.",
                human_time(Some(last))
            ),
            None => "The password sync agent went quiet: no heartbeat.".into(),
        },
        VerdictState::NotEnoughData => {
            format!(
                "Nothing to judge by: {}.",
                esc(&super::nothing_to_judge(report))
            )
        }
    };
    let _ = writeln!(out, "<p>{when}</p>");
    if !verdict.servers.is_empty() {
        let servers: Vec<String> = verdict.servers.iter().map(|s| code(s)).collect();
        let _ = writeln!(
            out,
            "<p class=\"muted\">Sync server(s): {}</p>",
            servers.join(", ")
        );
    }
    if matches!(
        verdict.state,
        VerdictState::Failing | VerdictState::Recovered
    ) && let Some(last) = verdict.last_healthy
    {
        let _ = writeln!(
            out,
            "<p class=\"muted\">Last sign of a working sync: {}.</p>",
            human_time(Some(last))
        );
    }
    let (reasons, more) = super::verdict_reasons(report, verdict);
    let mut last_fix = None;
    for finding in reasons {
        let _ = writeln!(out, "<p><strong>Why:</strong> {}</p>", esc(&finding.title));
        // Several errors often share one fix: say it once.
        if last_fix != Some(&finding.resolution) {
            let _ = writeln!(
                out,
                "<p><strong>Fix:</strong> {}</p>",
                esc(&finding.resolution)
            );
        }
        last_fix = Some(&finding.resolution);
    }
    if more > 0 {
        let _ = writeln!(
            out,
            "<p class=\"muted\">… and {more} more: see <a href=\"#findings\">Findings</a>.</p>"
        );
    }
    out.push_str("</div>\n");
}

fn state_class(state: VerdictState) -> &'static str {
    match state {
        VerdictState::Failing => "failing",
        VerdictState::Recovered => "recovered",
        VerdictState::Healthy => "healthy",
        VerdictState::Stalled => "stalled",
        VerdictState::NotEnoughData => "unknown",
    }
}

/// How the logs were read, for whoever digs deeper: counts, then each input with its
/// problems. Collapsed: prefilter, chunks and paths mean nothing to most readers.
fn technical_details(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "<section id=\"details\">\n<h2>Technical details</h2>\n<details>\n<summary>What was read, input by input</summary>"
    );
    summary_table(out, report);
    inputs(out, report);
    let _ = writeln!(
        out,
        "<p class=\"muted\">Report schema {}.</p>\n</details>\n</section>",
        report.schema
    );
}

fn summary_table(out: &mut String, report: &Report) {
    let s = &report.summary;
    out.push_str("<table class=\"summary\">\n");
    let rows: [(&str, String); 10] = [
        ("Inputs", s.inputs.to_string()),
        ("Unreadable inputs", s.unreadable_inputs.to_string()),
        ("Records parsed and checked", s.records_read.to_string()),
        (
            "Records not parsed (the prefilter showed no rule can match them)",
            s.records_skipped.to_string(),
        ),
        ("Events matched", s.events_matched.to_string()),
        ("Duplicates dropped", s.duplicates_dropped.to_string()),
        (
            "Unreadable chunks / records",
            format!("{} / {}", s.chunks_unreadable, s.records_unreadable),
        ),
        ("Problems in inputs", s.problems.to_string()),
        ("First event", human_or_dash(s.first_event)),
        ("Last event", human_or_dash(s.last_event)),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "<tr><th>{name}</th><td>{}</td></tr>", esc(&value));
    }
    out.push_str("</table>\n");
}

fn timeline(out: &mut String, report: &Report) {
    let _ = writeln!(out, "<section id=\"timeline\">\n<h2>Timeline</h2>");
    match chart(report) {
        Some(svg) => {
            let _ = writeln!(
                out,
                "<figure>\n{svg}<figcaption>Events per {} (UTC): failures stacked per domain, heartbeats and successful syncs as lines.</figcaption>\n</figure>",
                bucket_width(report.timeline.bucket_seconds)
            );
        }
        None => out.push_str("<p class=\"muted\">No timeline in this report.</p>\n"),
    }
    out.push_str("</section>\n");
}

/// The colour and legend label of a series; `failure_index` counts failure series.
fn series_style(series: &Series, failure_index: usize) -> (&'static str, String) {
    let named = |kind: &str| {
        if series.label.is_empty() || series.label.eq_ignore_ascii_case(kind) {
            kind.to_owned()
        } else {
            format!("{kind} — {}", series.label)
        }
    };
    match series.kind {
        SeriesKind::Failure => (
            FAILURE_COLOURS[failure_index % FAILURE_COLOURS.len()],
            named("Failures"),
        ),
        SeriesKind::Heartbeat => (HEARTBEAT_COLOUR, named("Heartbeats")),
        SeriesKind::Success => (SUCCESS_COLOUR, named("Successful syncs")),
    }
}

/// The timeline as an SVG bar-and-line chart, or `None` when there is nothing to draw.
fn chart(report: &Report) -> Option<String> {
    let timeline = &report.timeline;
    timeline.start?;
    let buckets = timeline
        .series
        .iter()
        .map(|s| s.counts.len())
        .max()
        .unwrap_or(0)
        .min(MAX_DRAWN_BUCKETS);
    if buckets == 0 || timeline.bucket_seconds == 0 {
        return None;
    }
    let count = |s: &Series, i: usize| u64::from(s.counts.get(i).copied().unwrap_or(0));
    let failures: Vec<&Series> = timeline
        .series
        .iter()
        .filter(|s| s.kind == SeriesKind::Failure)
        .collect();
    let lines: Vec<&Series> = timeline
        .series
        .iter()
        .filter(|s| s.kind != SeriesKind::Failure)
        .collect();
    let mut peak = 0u64;
    for i in 0..buckets {
        peak = peak.max(failures.iter().map(|s| count(s, i)).sum());
        for s in &lines {
            peak = peak.max(count(s, i));
        }
    }
    let step = nice_step(peak.div_ceil(4).max(1));
    let top = peak.div_ceil(step).max(1) * step;

    // Geometry.
    let width = 1000.0_f64;
    let (left, right, top_margin) = (56.0, 16.0, 16.0);
    let plot_height = 240.0;
    let plot_width = width - left - right;
    let axis_y = top_margin + plot_height;
    let slot = plot_width / buckets as f64;
    let y_of = |value: u64| axis_y - plot_height * value as f64 / top as f64;

    // Legend rows, laid out left to right and wrapped.
    let mut legend = Vec::new();
    let mut failure_index = 0;
    for s in &timeline.series {
        let (colour, label) = series_style(s, failure_index);
        if s.kind == SeriesKind::Failure {
            failure_index += 1;
        }
        legend.push((colour, label, s.kind));
    }
    let legend_top = axis_y + 52.0;
    let mut placed = Vec::new();
    let (mut x, mut row) = (left, 0usize);
    for (colour, label, kind) in &legend {
        let item_width = 28.0 + 7.0 * label.chars().count() as f64 + 24.0;
        if x + item_width > width - right && x > left {
            x = left;
            row += 1;
        }
        placed.push((
            x,
            legend_top + 22.0 * row as f64,
            *colour,
            label.clone(),
            *kind,
        ));
        x += item_width;
    }
    let height = legend_top + 22.0 * (row as f64 + 1.0);

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height:.0}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">"
    );
    let _ = writeln!(
        svg,
        "<title id=\"chart-title\">Password hash sync events over time</title>\n<desc id=\"chart-desc\">{} buckets of {} from {} (UTC); peak {} events per bucket.</desc>",
        buckets,
        esc(&bucket_width(timeline.bucket_seconds)),
        esc(&human_time(timeline.start)),
        peak
    );
    // Y grid and labels.
    let mut tick = 0;
    while tick <= top {
        let y = y_of(tick);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{tick}</text>",
            width - right,
            left - 6.0,
            y + 4.0
        );
        tick += step;
    }
    // Failure bars, stacked per bucket.
    let gap = if slot > 4.0 { 1.0 } else { 0.0 };
    for i in 0..buckets {
        let mut base = 0u64;
        let x = left + slot * i as f64 + gap;
        let when = bucket_label(report, i);
        for (index, s) in failures.iter().enumerate() {
            let value = count(s, i);
            if value == 0 {
                continue;
            }
            let (y_top, y_bottom) = (y_of(base + value), y_of(base));
            base += value;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.2}\" y=\"{y_top:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{}\"><title>{}</title></rect>",
                (slot - 2.0 * gap).max(0.5),
                y_bottom - y_top,
                FAILURE_COLOURS[index % FAILURE_COLOURS.len()],
                esc(&format!("{}: {value} failure(s), {when}", s.label))
            );
        }
    }
    // Heartbeat and success lines through the bucket centres.
    for s in &lines {
        let (colour, label) = series_style(s, 0);
        let points: Vec<String> = (0..buckets)
            .map(|i| {
                format!(
                    "{:.2},{:.2}",
                    left + slot * (i as f64 + 0.5),
                    y_of(count(s, i))
                )
            })
            .collect();
        let dash = if s.kind == SeriesKind::Success {
            " stroke-dasharray=\"6 3\""
        } else {
            ""
        };
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" stroke-linejoin=\"round\"{dash} points=\"{}\"><title>{}</title></polyline>",
            points.join(" "),
            esc(&label)
        );
    }
    // X axis with date labels at round times (every 1 h, 6 h, 1 day, ...), at most about
    // eight of them.
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{axis_y}\" x2=\"{:.1}\" y2=\"{axis_y}\"/><line class=\"axis\" x1=\"{left}\" y1=\"{top_margin}\" x2=\"{left}\" y2=\"{axis_y}\"/>",
        width - right
    );
    for i in x_ticks(report, buckets) {
        let x = left + slot * i as f64;
        // Whole-day buckets start at midnight: the date says it all.
        let days = report.timeline.bucket_seconds.is_multiple_of(86_400);
        let (date, clock) = match bucket_start(report, i) {
            Some(t) if days => (t.strftime("%Y-%m-%d").to_string(), String::new()),
            Some(t) => (
                t.strftime("%Y-%m-%d").to_string(),
                t.strftime("%H:%M").to_string(),
            ),
            None => (String::new(), String::new()),
        };
        let anchor = if i == 0 {
            "start"
        } else if i == buckets {
            "end"
        } else {
            "middle"
        };
        let _ = writeln!(
            svg,
            "<line class=\"axis\" x1=\"{x:.1}\" y1=\"{axis_y}\" x2=\"{x:.1}\" y2=\"{:.1}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\"><tspan x=\"{x:.1}\">{date}</tspan><tspan x=\"{x:.1}\" dy=\"15\">{clock}</tspan></text>",
            axis_y + 5.0,
            axis_y + 19.0
        );
    }
    // Legend.
    for (x, y, colour, label, kind) in placed {
        let dash = if kind == SeriesKind::Success {
            " stroke-dasharray=\"6 3\""
        } else {
            ""
        };
        let swatch = if kind == SeriesKind::Failure {
            format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"20\" height=\"12\" fill=\"{colour}\"/>",
                y - 10.0
            )
        } else {
            format!(
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"3\"{dash}/>",
                y - 4.0,
                x + 20.0,
                y - 4.0
            )
        };
        let _ = writeln!(
            svg,
            "<g class=\"legend\">{swatch}<text x=\"{:.1}\" y=\"{y:.1}\">{}</text></g>",
            x + 28.0,
            esc(&label)
        );
    }
    svg.push_str("</svg>\n");
    Some(svg)
}

/// Bucket boundaries (0..=buckets) to label: those at whole multiples of the smallest round
/// duration that gives at most eight labels; evenly spaced ones when none fits.
fn x_ticks(report: &Report, buckets: usize) -> Vec<usize> {
    const ROUND: [i64; 15] = [
        60, 300, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
        1_209_600, 2_419_200, 4_838_400,
    ];
    let bucket = i64::try_from(report.timeline.bucket_seconds).unwrap_or(i64::MAX);
    let span = bucket.saturating_mul(buckets as i64);
    let start = report.timeline.start.map_or(0, |t| t.as_second());
    let round = ROUND
        .iter()
        .copied()
        .find(|&d| d >= bucket && d % bucket.max(1) == 0 && span / d <= 8);
    match round {
        Some(d) => (0..=buckets)
            .filter(|&i| (start + bucket * i as i64).rem_euclid(d) == 0)
            .collect(),
        None => {
            let every = buckets.div_ceil(6).max(1);
            (0..=buckets).step_by(every).collect()
        }
    }
}

/// The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `at_least`.
fn nice_step(at_least: u64) -> u64 {
    let mut magnitude = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let step = magnitude.saturating_mul(factor);
            if step >= at_least || step == u64::MAX {
                return step;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// `2024-03-04 08:00–08:30 UTC` for bucket `index`.
fn bucket_label(report: &Report, index: usize) -> String {
    match (bucket_start(report, index), bucket_start(report, index + 1)) {
        (Some(from), Some(to)) => format!(
            "{}–{} UTC",
            from.strftime("%Y-%m-%d %H:%M"),
            to.strftime("%Y-%m-%d %H:%M")
        ),
        _ => String::new(),
    }
}

fn findings(out: &mut String, report: &Report) {
    let _ = writeln!(out, "<section id=\"findings\">\n<h2>Findings</h2>");
    if report.findings.is_empty() {
        out.push_str("<p class=\"muted\">No findings.</p>\n");
    }
    for (index, finding) in report.findings.iter().enumerate() {
        finding_article(out, index + 1, finding);
    }
    out.push_str("</section>\n");
}

fn finding_article(out: &mut String, number: usize, finding: &Finding) {
    let severity = finding.severity.as_str();
    let _ = writeln!(
        out,
        "<article class=\"finding {severity}\">\n<h3><span class=\"badge {severity}\">{}</span>{number}. {}</h3>\n<table class=\"fields\">",
        severity.to_uppercase(),
        esc(&finding.title)
    );
    let mut row = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            let _ = writeln!(out, "<tr><th>{name}</th><td>{value}</td></tr>");
        }
    };
    row("Domain", finding.domain.as_deref().map(esc));
    row(
        "Error",
        finding.error_code.map(|c| {
            let mut value = c.to_string();
            if let Some(symbol) = &finding.error_symbol {
                let _ = write!(value, " {}", code(symbol));
            }
            if let Some(message) = &finding.error_message {
                let _ = write!(value, ": {}", esc(message));
            }
            value
        }),
    );
    row("Exception", finding.exception.as_deref().map(code));
    row("DRS call", finding.drs_call.as_deref().map(code));
    let controllers: Vec<String> = finding
        .domain_controllers
        .iter()
        .filter_map(|dc| match (&dc.host, &dc.ip) {
            (Some(host), Some(ip)) => Some(format!("{} ({})", code(host), code(ip))),
            (Some(one), None) | (None, Some(one)) => Some(code(one)),
            (None, None) => None,
        })
        .collect();
    row(
        "Domain controllers",
        (!controllers.is_empty()).then(|| controllers.join(", ")),
    );
    let ids: Vec<String> = finding.event_ids.iter().map(u16::to_string).collect();
    row(
        "Events",
        Some(format!(
            "{} × event {} from {}",
            finding.count,
            ids.join(", "),
            esc(&finding.providers.join(", "))
        )),
    );
    row(
        "Seen",
        Some(format!(
            "{} → {}",
            human_time(finding.first_seen),
            human_time(finding.last_seen)
        )),
    );
    let computers: Vec<String> = finding.computers.iter().map(|c| code(c)).collect();
    row(
        "Computers",
        (!computers.is_empty()).then(|| computers.join(", ")),
    );
    row("Objects", super::objects_summary(finding).map(|s| esc(&s)));
    row(
        "Logged as",
        finding
            .samples
            .first()
            .map(|sample| code(one_line(sample.line()))),
    );
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<p><strong>Cause.</strong> {}</p>\n<p><strong>Resolution.</strong> {}</p>",
        esc(&finding.cause),
        esc(&finding.resolution)
    );
    if !finding.references.is_empty() {
        let links: Vec<String> = finding.references.iter().map(|r| reference(r)).collect();
        let _ = writeln!(
            out,
            "<p><strong>References:</strong> {}</p>",
            links.join(", ")
        );
    }
    finding_details(out, finding);
    out.push_str("</article>\n");
}

/// A finding's rule, damaged-chunk count and sample events (input paths, chunks, record
/// ids), collapsed.
fn finding_details(out: &mut String, finding: &Finding) {
    let _ = writeln!(
        out,
        "<details>\n<summary>Technical details</summary>\n<table class=\"fields\">\n<tr><th>Rule</th><td>{}</td></tr>",
        code(&finding.rule)
    );
    if finding.from_damaged_chunks > 0 {
        let _ = writeln!(
            out,
            "<tr><th>From damaged chunks</th><td>{} (read although their checksum did not match)</td></tr>",
            finding.from_damaged_chunks
        );
    }
    out.push_str("</table>\n");
    if !finding.samples.is_empty() {
        out.push_str("<p>Sample events:</p>\n<ul class=\"samples\">\n");
        for sample in &finding.samples {
            let mut place = vec![code(&sample.input)];
            place.extend(Some(sample.place()).filter(|p| !p.is_empty()));
            place.push(human_time(sample.time));
            place.push(format!("event {}", sample.event_id));
            let _ = writeln!(
                out,
                "<li>{}: {}</li>",
                place.join(", "),
                code(one_line(sample.line()))
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</details>\n");
}

fn inputs(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "<table class=\"inputs\">\n<tr><th>Input</th><th>Kind</th><th>Status</th><th>Records read</th><th>Records skipped</th><th>Chunks read / skipped / empty / unreadable</th><th>Problems</th><th>Events</th></tr>"
    );
    for input in &report.inputs {
        input_row(out, input);
    }
    out.push_str("</table>\n");
    for input in report.inputs.iter().filter(|i| i.problem_count > 0) {
        let _ = writeln!(out, "<p>Problems in {}:</p>\n<ul>", code(&input.path));
        for problem in &input.problems {
            let place = super::place_suffix(problem);
            let _ = writeln!(
                out,
                "<li>{}{place}: {}</li>",
                code(problem.kind.as_str()),
                esc(&problem.message)
            );
        }
        let hidden = input.unlisted_problems();
        if hidden > 0 {
            let _ = writeln!(out, "<li>… and {hidden} more problem(s)</li>");
        }
        out.push_str("</ul>\n");
    }
}

fn input_row(out: &mut String, input: &InputReport) {
    let status = enum_name(&input.status);
    let events = match (input.first_event, input.last_event) {
        (Some(first), Some(last)) => {
            format!("{} → {}", human_time(Some(first)), human_time(Some(last)))
        }
        _ => "—".into(),
    };
    let _ = writeln!(
        out,
        "<tr><td>{}</td><td>{}</td><td><span class=\"badge {status}\">{status}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} / {} / {} / {}</td><td class=\"num\">{}</td><td>{}</td></tr>",
        code(&input.path),
        enum_name(&input.kind),
        input.counts.records_read,
        input.counts.records_skipped,
        input.counts.chunks_read,
        input.counts.chunks_skipped,
        input.counts.chunks_empty,
        input.counts.chunks_unreadable,
        input.problem_count,
        esc(&events)
    );
}

/// The serde name of a unit enum value (`evtx`, `damaged`), escaped.
fn enum_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => esc(&name),
        _ => String::new(),
    }
}

fn human_or_dash(time: Option<jiff::Timestamp>) -> String {
    match time {
        Some(_) => human_time(time),
        None => "—".into(),
    }
}

/// A reference: a link when it names a KB article, a web page or a Microsoft document
/// (`links::reference_url`, http and https only), else text. Both are escaped.
fn reference(raw: &str) -> String {
    match super::links::reference_url(raw) {
        Some(url) => format!("<a href=\"{}\">{}</a>", esc(&url), esc(raw)),
        None => esc(raw),
    }
}

/// `raw` escaped inside a `<code>` element.
fn code(raw: &str) -> String {
    format!("<code>{}</code>", esc(raw))
}

/// `raw` escaped for HTML text and attribute values; control characters become spaces and
/// bidirectional controls visible escapes (`\u{202e}`), so that nothing reorders the page.
fn esc(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c if is_unsafe(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}
