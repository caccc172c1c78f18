//! Every output format, rendered from reports of real analyses (EVTX files written by
//! evtx-forge) and parsed back: JSON (and its schema), JSON Lines, CSV, Markdown, HTML, text.

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::render::{CSV_COLUMNS, Format, RenderOptions, render};
use evtx_doctor::report::{
    Counts, DomainController, Finding, InputKind, InputReport, InputStatus, ObjectCount, Problem,
    Report, Sample, Series, SeriesKind, Severity, Timeline, Verdict, VerdictState,
};
use jiff::Timestamp;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Event data that tries to break out of every format.
const HOSTILE_HOST: &str = "<script>alert(1)</script>|`x`*_[a](b)&amp;";
const HOSTILE_COMPUTER: &str = "=SYNC02<script>alert('pwn')</script>|";

/// 611 failures for two domains (old and new message forms), heartbeats, noise; one
/// series logged by a computer with a hostile name and naming a hostile DC host.
fn spec_text() -> String {
    format!(
        r#"
computer = "SYNC01.contoso.com"
channel = "Application"

[[series]]
provider = "Directory Synchronization"
event_id = 611
qualifiers = 0
level = "Error"
layout = "provider-literal"
every = "30m"
from = "2024-03-04T08:00:00Z"
count = 6
data = """Password synchronization failed for domain: Contoso.com. Details: \
\r\nMicrosoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8453 : Replication access was denied. There was an error calling _IDL_DRSGetNCChanges.\
\r\n   at Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsRpcConnection.OnGetChanges(ReplicationState syncState)"""

[[series]]
provider = "Directory Synchronization"
event_id = 611
qualifiers = 0
level = "Error"
layout = "provider-literal"
computer = "{HOSTILE_COMPUTER}"
every = "1h"
from = "2024-03-05T10:00:00Z"
count = 3
data = """Password hash synchronization failed for domain: Fabrikam.com, domain controller hostname: {HOSTILE_HOST}, domain controller IP address: 10.0.0.12.\
\r\nDetails: Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8453 : Replication access was denied. There was an error calling _IDL_DRSGetNCChanges.\
\r\n   at Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsRpcConnection.OnGetChanges(ReplicationState syncState)"""

[[series]]
provider = "Directory Synchronization"
event_id = 653
qualifiers = 0
level = "Information"
every = "30m"
from = "2024-03-04T06:00:00Z"
count = 60
data = "Provision credentials ping start."

[[noise]]
seed = 611
count = 300
between = ["2024-03-04T06:00:00Z", "2024-03-05T14:00:00Z"]
"#
    )
}

const QUIET_SPEC: &str = r#"
computer = "SYNC01.contoso.com"
channel = "Application"
[[noise]]
seed = 7
count = 200
between = ["2024-07-01T00:00:00Z", "2024-07-02T00:00:00Z"]
"#;

fn write_spec(dir: &Path, name: &str, spec: &str) -> PathBuf {
    let spec = evtx_forge::Spec::from_toml(spec).expect("spec parses");
    let bytes = evtx_forge::write_evtx(&spec).expect("spec writes");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("evtx written");
    path
}

fn analyze(paths: &[PathBuf]) -> Report {
    evtx_doctor::analyze(
        paths,
        &Knowledge::builtin().expect("built-in knowledge"),
        &evtx_doctor::Options::default(),
    )
}

/// A report of two failing domains from a real analysis, plus an input that is not EVTX.
fn failing_report() -> Report {
    let dir = tempfile::tempdir().expect("temp dir");
    let evtx = write_spec(dir.path(), "Application.evtx", &spec_text());
    let junk = dir.path().join("notes<b>.txt");
    std::fs::write(&junk, "not an event log | <script>").expect("junk written");
    let mut report = analyze(&[evtx, junk]);
    // Paths differ per run (temp dir); keep only the file names so renders are comparable.
    for input in &mut report.inputs {
        input.path = file_name(&input.path);
    }
    for finding in &mut report.findings {
        for sample in &mut finding.samples {
            sample.input = file_name(&sample.input);
        }
    }
    report
}

fn quiet_report() -> Report {
    let dir = tempfile::tempdir().expect("temp dir");
    let evtx = write_spec(dir.path(), "quiet.evtx", QUIET_SPEC);
    analyze(&[evtx])
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

/// Fills the timeline by hand from the report's findings: 30-minute buckets, one failure
/// series per domain, heartbeats every bucket but a gap, a few successes.
fn with_timeline(mut report: Report) -> Report {
    let start = ts("2024-03-04T06:00:00Z");
    let bucket = 1800u64;
    let buckets = 64usize;
    let mut series = Vec::new();
    for verdict in &report.verdicts {
        let mut counts = vec![0u32; buckets];
        for finding in report.findings.iter().filter(|f| {
            f.domain.as_deref().map(str::to_lowercase)
                == verdict.domain.as_deref().map(str::to_lowercase)
        }) {
            for sample in &finding.samples {
                if let Some(time) = sample.time {
                    let index = (time.as_second() - start.as_second()) as u64 / bucket;
                    if let Some(count) = counts.get_mut(index as usize) {
                        *count += 1;
                    }
                }
            }
        }
        // Samples are only the first and last events; make a realistic hump as well.
        if let Some(peak) = counts.iter().position(|&c| c > 0) {
            for (offset, extra) in [1u32, 3, 2].into_iter().enumerate() {
                if let Some(count) = counts.get_mut(peak + offset + 1) {
                    *count += extra;
                }
            }
        }
        series.push(Series {
            kind: SeriesKind::Failure,
            label: verdict.domain.clone().unwrap_or_default(),
            counts,
        });
    }
    let heartbeats: Vec<u32> = (0..buckets)
        .map(|i| if (40..46).contains(&i) { 0 } else { 1 })
        .collect();
    series.push(Series {
        kind: SeriesKind::Heartbeat,
        label: "SYNC01.contoso.com".into(),
        counts: heartbeats,
    });
    series.push(Series {
        kind: SeriesKind::Success,
        label: "SYNC01.contoso.com".into(),
        counts: (0..buckets).map(|i| u32::from(i % 16 == 3)).collect(),
    });
    report.timeline = Timeline {
        start: Some(start),
        bucket_seconds: bucket,
        series,
    };
    report
}

/// A report with every optional field set and every enum value used, built by hand.
fn full_report() -> Report {
    let mut report = with_timeline(failing_report());
    let time = Some(ts("2024-03-04T08:00:00.5Z"));
    report.verdicts.push(Verdict {
        domain: None,
        state: VerdictState::Recovered,
        failing_since: time,
        last_failure: time,
        last_healthy: time,
        recovered_at: time,
        rules: vec!["phs.tenant".into()],
        servers: vec!["SYNC01".into()],
    });
    for (state, domain) in [
        (VerdictState::Healthy, "healthy.example"),
        (VerdictState::Stalled, "stalled.example"),
        (VerdictState::Failing, "failing.example"),
    ] {
        report.verdicts.push(Verdict {
            domain: Some(domain.into()),
            state,
            failing_since: None,
            last_failure: None,
            last_healthy: time,
            recovered_at: None,
            rules: Vec::new(),
            servers: Vec::new(),
        });
    }
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        report.findings.push(Finding {
            rule: format!("test.{}", severity.as_str()),
            title: "A test finding with `code` and | pipes".into(),
            severity,
            provider: "Directory Synchronization".into(),
            providers: vec!["Directory Synchronization".into()],
            event_ids: vec![611, 65535],
            domain: None,
            error_code: Some(u32::MAX),
            error_symbol: Some("ERROR_TEST".into()),
            error_message: Some("A test.".into()),
            exception: Some("System.Test.TestException".into()),
            drs_call: Some("_IDL_DRSBind".into()),
            domain_controllers: vec![
                DomainController {
                    host: Some("DC1".into()),
                    ip: None,
                },
                DomainController {
                    host: None,
                    ip: Some("::1".into()),
                },
            ],
            count: 2,
            first_seen: time,
            last_seen: time,
            computers: vec!["-cmd|' /C calc'!A0".into()],
            cause: "Because.".into(),
            resolution: "Fix it.".into(),
            references: vec![
                "KB2867278".into(),
                "https://example.invalid/a?b=1&c=2".into(),
            ],
            from_damaged_chunks: 1,
            objects: Vec::new(),
            fields: Default::default(),
            distinct_objects: 0,
            scope: None,
            samples: vec![Sample {
                input: "a.evtx".into(),
                chunk: Some(0),
                record_id: Some(1),
                time,
                event_id: 611,
                first_line: "Password synchronization failed for domain: x. Details:".into(),
                matched_line: Some("``` ``fenced`` ```".into()),
            }],
        });
    }
    for (kind, status) in [
        (InputKind::XmlExport, InputStatus::Damaged),
        (InputKind::CsvExport, InputStatus::Ok),
        (InputKind::Evtx, InputStatus::Unreadable),
    ] {
        report.inputs.push(InputReport {
            path: "archive.zip!inner/a.xml".into(),
            kind,
            status,
            bytes: 1,
            counts: Counts {
                records_read: 1,
                ..Counts::default()
            },
            first_event: time,
            last_event: time,
            problems: vec![Problem {
                kind: evtx_doctor::report::ProblemKind::BadRecord,
                chunk: Some(1),
                offset: Some(4096),
                record_id: Some(9),
                message: "bad <record>".into(),
            }],
            problem_count: 2,
        });
    }
    report
}

fn all_reports() -> Vec<(&'static str, Report)> {
    let failing = failing_report();
    vec![
        ("failing", failing.clone()),
        ("failing+timeline", with_timeline(failing)),
        ("quiet", quiet_report()),
        ("full", full_report()),
    ]
}

// ---------------------------------------------------------------------------------------
// The API the CLI maps names with.

#[test]
fn format_names_round_trip() {
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        ["text", "json", "jsonl", "csv", "markdown", "html"],
        "names and order are part of the CLI"
    );
    for &format in Format::ALL {
        assert_eq!(Format::from_name(format.name()), Some(format));
        assert_eq!(
            Format::from_name(&format.name().to_uppercase()),
            Some(format)
        );
        assert_eq!(format.to_string(), format.name());
    }
    assert_eq!(Format::from_name("xml"), None);
    assert_eq!(Format::from_name(""), None);
}

#[test]
fn the_analysis_finds_what_the_tests_rely_on() {
    let report = failing_report();
    let domains: Vec<&str> = report
        .verdicts
        .iter()
        .filter_map(|v| v.domain.as_deref())
        .collect();
    assert!(domains.contains(&"Contoso.com"), "{domains:?}");
    assert!(domains.contains(&"Fabrikam.com"), "{domains:?}");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.computers.iter().any(|c| c == HOSTILE_COMPUTER)),
        "the hostile computer name reaches a finding"
    );
    assert!(
        report.findings.iter().any(|f| f
            .samples
            .iter()
            .any(|s| s.first_line.contains(HOSTILE_HOST))),
        "the hostile DC host reaches a sample"
    );
    assert_eq!(report.inputs.len(), 2);
}

#[test]
fn every_format_is_deterministic_and_ends_with_a_newline() {
    for (name, report) in all_reports() {
        for &format in Format::ALL {
            let options = RenderOptions {
                color: true,
                ..RenderOptions::default()
            };
            let first = render(&report, format, options);
            assert_eq!(
                first,
                render(&report.clone(), format, options),
                "{name} {format}"
            );
            assert!(first.ends_with('\n'), "{name} {format}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// JSON and its schema.

fn schema_validator() -> jsonschema::Validator {
    let text = include_str!("../../../docs/report.schema.json");
    let schema: Value = serde_json::from_str(text).expect("schema is JSON");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn json_parses_back_to_the_same_report() {
    for (name, report) in all_reports() {
        let json = render(&report, Format::Json, RenderOptions::default());
        let back: Report = serde_json::from_str(&json).expect("json parses");
        assert_eq!(back, report, "{name}");
    }
}

#[test]
fn json_reports_match_the_schema() {
    let validator = schema_validator();
    for (name, report) in all_reports() {
        let json = render(&report, Format::Json, RenderOptions::default());
        let value: Value = serde_json::from_str(&json).expect("json parses");
        let errors = schema_errors(&validator, &value);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn the_schema_rejects_what_the_code_never_writes() {
    let validator = schema_validator();
    let good = serde_json::to_value(full_report()).expect("serializes");
    type Breaks = fn(&mut Value);
    let broken: [(&str, Breaks); 7] = [
        ("unknown field", |v| v["surprise"] = Value::Bool(true)),
        ("missing field", |v| {
            v["summary"].as_object_mut().map(|o| o.remove("inputs"));
        }),
        ("bad enum", |v| {
            v["findings"][0]["severity"] = "fatal".into()
        }),
        ("bad time", |v| {
            v["summary"]["first_event"] = "yesterday".into()
        }),
        ("local time", |v| {
            v["summary"]["first_event"] = "2024-03-04T08:00:00+01:00".into()
        }),
        ("negative count", |v| {
            v["findings"][0]["count"] = (-1).into()
        }),
        ("event id too big", |v| {
            v["findings"][0]["event_ids"][0] = 70000.into()
        }),
    ];
    for (what, breaks) in broken {
        let mut value = good.clone();
        breaks(&mut value);
        assert!(!validator.is_valid(&value), "schema accepts {what}");
    }
}

#[test]
fn the_schema_names_every_field_as_required() {
    // Each object in the schema requires exactly the properties it lists, so a field added
    // to the code fails validation (additionalProperties) until the schema documents it.
    let schema: Value =
        serde_json::from_str(include_str!("../../../docs/report.schema.json")).expect("json");
    let mut objects = vec![&schema];
    objects.extend(schema["$defs"].as_object().expect("$defs").values());
    for object in objects {
        if object["type"] != "object" {
            continue;
        }
        let mut properties: Vec<&String> = object["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .collect();
        let mut required: Vec<&str> = object["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        properties.sort();
        required.sort();
        assert_eq!(
            properties.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            required,
            "{}",
            object["description"]
        );
        assert_eq!(object["additionalProperties"], Value::Bool(false));
    }
}

// ---------------------------------------------------------------------------------------
// JSON Lines.

#[test]
fn jsonl_has_one_parsable_object_per_record() {
    for (name, report) in all_reports() {
        let jsonl = render(&report, Format::Jsonl, RenderOptions::default());
        let lines: Vec<Value> = jsonl
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect();
        assert_eq!(
            lines.len(),
            1 + report.verdicts.len() + report.findings.len() + report.inputs.len(),
            "{name}"
        );
        for line in &lines {
            assert!(line.is_object());
            assert_eq!(line["schema"], report.schema);
            assert_eq!(line["tool"], report.tool.name.as_str());
            assert_eq!(line["tool_version"], report.tool.version.as_str());
        }
        let of_type = |kind: &str| lines.iter().filter(|l| l["type"] == kind).count();
        assert_eq!(of_type("summary"), 1, "{name}");
        assert_eq!(lines[0]["type"], "summary", "{name}: summary first");
        assert_eq!(of_type("verdict"), report.verdicts.len());
        assert_eq!(of_type("finding"), report.findings.len());
        assert_eq!(of_type("input"), report.inputs.len());
        assert_eq!(lines[0]["records_read"], report.summary.records_read);
        assert_eq!(lines[0]["findings"], report.findings.len());

        // Finding and input lines are the report's records, flattened.
        let findings: Vec<Finding> = lines
            .iter()
            .filter(|l| l["type"] == "finding")
            .map(|l| serde_json::from_value(l.clone()).expect("a finding"))
            .collect();
        assert_eq!(findings, report.findings, "{name}");
        let inputs: Vec<InputReport> = lines
            .iter()
            .filter(|l| l["type"] == "input")
            .map(|l| serde_json::from_value(l.clone()).expect("an input"))
            .collect();
        assert_eq!(inputs, report.inputs, "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// CSV.

#[test]
fn csv_has_a_header_and_one_row_per_finding() {
    assert_eq!(
        CSV_COLUMNS,
        [
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
            "references"
        ]
    );
    for (name, report) in all_reports() {
        let text = render(&report, Format::Csv, RenderOptions::default());
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .expect("header row")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(headers, CSV_COLUMNS, "{name}");
        let rows: Vec<csv::StringRecord> =
            reader.records().map(|r| r.expect("row parses")).collect();
        assert_eq!(rows.len(), report.findings.len(), "{name}");
        for (row, finding) in rows.iter().zip(&report.findings) {
            assert_eq!(row.len(), CSV_COLUMNS.len());
            let column = |name: &str| {
                let index = CSV_COLUMNS.iter().position(|c| *c == name).expect("column");
                row.get(index).expect("cell").to_owned()
            };
            assert_eq!(column("rule"), finding.rule);
            assert_eq!(column("severity"), finding.severity.as_str());
            assert_eq!(column("domain"), finding.domain.clone().unwrap_or_default());
            assert_eq!(
                column("error_code"),
                finding
                    .error_code
                    .map(|c| c.to_string())
                    .unwrap_or_default()
            );
            assert_eq!(column("count"), finding.count.to_string());
            let ids: Vec<String> = finding.event_ids.iter().map(u16::to_string).collect();
            assert_eq!(column("event_ids"), ids.join(";"));
            if let Some(first) = finding.first_seen {
                assert_eq!(column("first_seen").parse::<Timestamp>().ok(), Some(first));
            }
            // Cells from logs never start like a formula.
            let computers = column("computers");
            assert!(!computers.starts_with(['=', '+', '-', '@']), "{computers}");
            let joined = finding.computers.join(";");
            assert!(
                computers == joined || computers == format!("'{joined}"),
                "{computers} vs {joined}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Markdown.

/// Removes code spans (backtick fences of any length) from a line.
fn without_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '`' && (i == 0 || chars[i - 1] != '\\') {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            let fence: String = "`".repeat(run);
            let rest: String = chars[i + run..].iter().collect();
            // The closing fence: the same run, not part of a longer one.
            let mut search = 0;
            let mut close = None;
            while let Some(found) = rest[search..].find(&fence) {
                let at = search + found;
                let before = at.checked_sub(1).and_then(|b| rest[b..].chars().next());
                let after = rest[at + run..].chars().next();
                if before != Some('`') && after != Some('`') {
                    close = Some(at);
                    break;
                }
                search = at + run;
            }
            match close {
                Some(at) => {
                    out.push_str("CODE");
                    let consumed = rest[..at + run].chars().count();
                    i += run + consumed;
                }
                None => {
                    out.push_str(&fence);
                    i += run;
                }
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Counts the cell separators of a table row: `|` not escaped by a backslash.
fn cell_separators(row: &str) -> usize {
    let chars: Vec<char> = row.chars().collect();
    (0..chars.len())
        .filter(|&i| chars[i] == '|' && (i == 0 || chars[i - 1] != '\\'))
        .count()
}

#[test]
fn markdown_tables_are_consistent_and_data_is_escaped() {
    for (name, report) in all_reports() {
        let markdown = render(&report, Format::Markdown, RenderOptions::default());
        let lines: Vec<&str> = markdown.lines().collect();
        let mut tables = 0;
        let mut i = 0;
        while i < lines.len() {
            if !lines[i].starts_with('|') {
                i += 1;
                continue;
            }
            let table: Vec<&str> = lines[i..]
                .iter()
                .take_while(|l| l.starts_with('|'))
                .copied()
                .collect();
            tables += 1;
            assert!(table.len() >= 2, "{name}: table without delimiter row");
            let columns = cell_separators(table[0]);
            assert!(
                table[1]
                    .split('|')
                    .all(|c| c.trim().is_empty() || c.trim() == "---"),
                "{name}: delimiter row {}",
                table[1]
            );
            for row in &table {
                assert!(row.ends_with('|'), "{name}: {row}");
                assert_eq!(cell_separators(row), columns, "{name}: {row}");
            }
            i += table.len();
        }
        let expected = if report.verdicts.is_empty() { 1 } else { 2 };
        assert!(tables >= expected, "{name}: verdict and inputs tables");
        for line in &lines {
            let prose = without_code_spans(line);
            // Outside code spans, every '<' from data is escaped: no raw HTML.
            let chars: Vec<char> = prose.chars().collect();
            for (at, c) in chars.iter().enumerate() {
                if *c == '<' {
                    let escaped = at > 0 && chars[at - 1] == '\\';
                    let autolink = prose[prose.char_indices().nth(at).map_or(0, |(b, _)| b)..]
                        .starts_with("<https://");
                    assert!(escaped || autolink, "{name}: raw < in {line}");
                }
            }
        }
        assert!(markdown.contains("## Verdict"));
        for verdict in &report.verdicts {
            let state = serde_json::to_value(verdict.state).expect("state");
            let word = state
                .as_str()
                .expect("a name")
                .replace('_', " ")
                .to_uppercase();
            assert!(
                markdown.contains(&format!("| **{word}** |")),
                "{name}: {word}"
            );
        }
        if report.verdicts.is_empty() {
            assert!(markdown.contains("No problem found"), "{name}");
        }
    }
}

#[test]
fn markdown_finding_sections() {
    let report = full_report();
    let markdown = render(&report, Format::Markdown, RenderOptions::default());
    for (index, finding) in report.findings.iter().enumerate() {
        assert!(
            markdown.contains(&format!("### {}. ", index + 1)),
            "{}",
            finding.rule
        );
    }
    assert!(markdown.contains("<https://example.invalid/a?b=1&c=2>"));
    assert!(
        markdown.contains(": ```` ``` ``fenced`` ``` ````\n"),
        "{markdown}"
    );
    assert!(markdown.contains("[KB2867278](https://support.microsoft.com/help/2867278)"));

    // Markup in a domain from the logs stays text.
    let mut hostile = full_report();
    hostile.verdicts[0].domain = Some("[click](javascript:alert(1)) *x* _y_ a_b".into());
    let markdown = render(&hostile, Format::Markdown, RenderOptions::default());
    assert!(
        markdown.contains(r"| \[click\](javascript:alert(1)) \*x\* \_y\_ a_b |"),
        "{markdown}"
    );
}

// ---------------------------------------------------------------------------------------
// HTML.

/// Parses the page as XML; returns the element names met.
fn parse_html(html: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let mut names = Vec::new();
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                depth += 1;
                names.push(String::from_utf8_lossy(start.name().as_ref()).into_owned());
            }
            Ok(Event::Empty(empty)) => {
                names.push(String::from_utf8_lossy(empty.name().as_ref()).into_owned());
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Text(text)) => {
                text.decode().expect("text decodes");
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(err) => panic!(
                "HTML is not well-formed at {}: {err}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    names
}

#[test]
fn html_is_well_formed_self_contained_and_escaped() {
    for (name, report) in all_reports() {
        let html = render(&report, Format::Html, RenderOptions::default());
        let names = parse_html(&html);
        assert!(names.contains(&"html".to_owned()), "{name}");
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "{name}: a script element");
        assert!(!lower.contains("src=\"http"), "{name}: an external asset");
        assert!(!lower.contains("<link"), "{name}: an external stylesheet");
        assert!(!lower.contains("onerror="), "{name}");
        assert!(
            lower.contains("&lt;script&gt;") || name == "quiet",
            "{name}"
        );
        for verdict in &report.verdicts {
            if let Some(domain) = &verdict.domain {
                assert!(html.contains(domain.as_str()), "{name}: {domain}");
            }
        }
        let has_timeline = report.timeline.start.is_some()
            && report.timeline.series.iter().any(|s| !s.counts.is_empty());
        assert_eq!(names.contains(&"svg".to_owned()), has_timeline, "{name}");
        let lines = report
            .timeline
            .series
            .iter()
            .any(|s| s.kind != SeriesKind::Failure);
        assert_eq!(
            names.contains(&"polyline".to_owned()),
            lines,
            "{name}: lines"
        );
        if has_timeline {
            assert!(names.contains(&"rect".to_owned()), "{name}: failure bars");
            assert!(html.contains("2024-03-04"), "{name}: date labels");
            // One legend entry per series.
            let legend = html.matches("<g class=\"legend\">").count();
            assert_eq!(legend, report.timeline.series.len(), "{name}: legend");
            for series in &report.timeline.series {
                let kind = match series.kind {
                    SeriesKind::Failure => "Failures",
                    SeriesKind::Heartbeat => "Heartbeats",
                    SeriesKind::Success => "Successful syncs",
                };
                assert!(html.contains(&format!(">{kind}")), "{name}: legend {kind}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Text.

#[test]
fn text_puts_the_verdict_first() {
    let mut report = failing_report();
    // Whatever the scanner keeps, a report may carry terminal controls from the logs.
    report.findings[0].samples[0].matched_line = Some("a\x1b]0;pwned\x07\x1b[2Jb\u{202E}c".into());
    let text = render(&report, Format::Text, RenderOptions::default());
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("VERDICT"));
    let first = lines.next().unwrap_or_default();
    assert!(first.contains("Contoso.com"), "{first}");
    assert!(first.contains("FAILING"), "{first}");
    assert!(first.contains("since 2024-03-04 08:00:00 UTC"), "{first}");
    assert!(
        !text.contains('\x1b'),
        "no colour unless asked, no escapes from the logs"
    );
    let without = Report {
        timeline: Timeline::default(),
        ..report.clone()
    };
    let plain = render(&without, Format::Text, RenderOptions::default());
    assert!(!plain.contains('▁'), "no sparkline without a timeline");
    let coloured = render(
        &report,
        Format::Text,
        RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
    );
    assert!(coloured.contains("\x1b[1;31mFAILING"), "{coloured}");
    // Colour changes nothing else: the layout (wrapping included) is the same.
    let uncoloured = render(&report, Format::Text, RenderOptions::default());
    let mut stripped = String::new();
    let mut rest = coloured.as_str();
    while let Some(start) = rest.find("\x1b[") {
        stripped.push_str(&rest[..start]);
        let end = rest[start..]
            .find('m')
            .map_or(rest.len(), |m| start + m + 1);
        rest = &rest[end..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, uncoloured);
    assert!(
        !coloured.contains("\x1b]0;") && !coloured.contains("\x1b[2J"),
        "{coloured}"
    );

    let mut quiet = quiet_report();
    let text = render(&quiet, Format::Text, RenderOptions::default());
    assert!(text.starts_with("VERDICT\n"), "{text}");
    quiet.verdicts.clear();
    let text = render(&quiet, Format::Text, RenderOptions::default());
    assert!(
        text.starts_with("VERDICT\n  OK  no problem found"),
        "{text}"
    );
}

#[test]
fn text_draws_a_sparkline_per_failing_domain() {
    let report = with_timeline(failing_report());
    let text = render(&report, Format::Text, RenderOptions::default());
    // The sparkline, with its legend (on the next line when both do not fit in 100 columns).
    let lines: Vec<&str> = text.lines().collect();
    let sparklines: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("failures"))
        .map(|(at, l)| match lines.get(at + 1) {
            Some(next) if next.contains("per column") && !l.contains("per column") => {
                format!("{l} {}", next.trim())
            }
            _ => (*l).to_owned(),
        })
        .collect();
    assert_eq!(sparklines.len(), report.verdicts.len(), "{text}");
    for line in sparklines {
        assert!(line.contains('█'), "{line}");
        assert!(line.contains("2024-03-04 06:00 →"), "{line}");
        // 64 buckets of 30 minutes fit in 60 columns as 32 columns of an hour.
        assert!(line.contains("1 h per column"), "{line}");
        let columns = line.chars().filter(|c| ('▁'..='█').contains(c)).count();
        assert_eq!(columns, 32, "{line}");
    }
}

// ---------------------------------------------------------------------------------------
// Strings from inputs (file names, event data) cannot drive a terminal, forge report lines,
// make links or reorder text, in any format.

/// The line a hostile file name or event tries to slip into the report.
const FORGED: &str = "INJECTED  corp.fabrikam.com  HEALTHY";

/// `base` followed by a forged line, terminal escapes (OSC 52 clipboard, OSC 0 title, CSI 2J,
/// C1 CSI), BEL, BS, VT, FF, NUL, DEL, bidi overrides and isolates, and autolink triggers.
fn evil(base: &str) -> String {
    format!(
        "{base}\n{FORGED}\r\n{FORGED}\u{2028}{FORGED}\u{85}{FORGED}\x1b]52;c;cHduZWQ=\x07\x1b]0;t\x07\x1b[2J\u{9b}0m\x08\x0b\x0c\0\x7f \
         \u{202E}lmth.exe\u{202C} \u{2066}x\u{2069} DC=https://evil.example/login http://evil.example \
         www.evil.example mailto:a@evil.example bob@evil.example"
    )
}

/// A report in which every string an input can set is hostile.
fn hostile_report() -> Report {
    let mut report = full_report();
    for input in &mut report.inputs {
        input.path = evil(&input.path);
        for problem in &mut input.problems {
            problem.message = evil(&problem.message);
        }
    }
    for finding in &mut report.findings {
        finding.title = evil(&finding.title);
        finding.domain = Some(evil("corp.example"));
        finding.error_message = Some(evil("message"));
        finding.exception = Some(evil("System.Exception"));
        finding.drs_call = Some(evil("_IDL_DRSBind"));
        finding.computers.push(evil("SYNC03"));
        finding.providers.push(evil("Provider"));
        finding.domain_controllers.push(DomainController {
            host: Some(evil("dc")),
            ip: Some(evil("10.0.0.1")),
        });
        finding.objects.push(ObjectCount {
            dn: evil("CN=user"),
            count: 1,
        });
        finding.distinct_objects += 1;
        for sample in &mut finding.samples {
            sample.input = evil(&sample.input);
            sample.first_line = evil("Password synchronization failed");
            sample.matched_line = Some(evil("RPC Error 8453"));
        }
    }
    for verdict in &mut report.verdicts {
        verdict.domain = verdict.domain.as_deref().map(evil);
        verdict.servers.push(evil("SYNC04"));
    }
    report
}

fn is_bidi_or_separator(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// No line of `rendered` begins with the forged text.
fn assert_no_forged_line(format: &str, rendered: &str) {
    for line in rendered.lines() {
        let start = line.trim_start_matches([' ', '|', '-', '*', '>', '#']);
        assert!(
            !start.starts_with("INJECTED"),
            "{format}: forged line {line:?}"
        );
    }
}

#[test]
fn text_cleans_every_string_where_it_is_written() {
    let report = hostile_report();
    for color in [false, true] {
        let text = render(
            &report,
            Format::Text,
            RenderOptions {
                color,
                ..RenderOptions::default()
            },
        );
        assert_no_forged_line("text", &text);
        assert!(!text.chars().any(is_bidi_or_separator), "bidi in text");
        // The only control characters left are line ends and, when asked, SGR colour codes.
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                assert!(color, "an escape without colour");
                assert_eq!(chars.next(), Some('['), "only CSI ... m");
                let params: String = chars.by_ref().take_while(|&c| c != 'm').collect();
                assert!(
                    params.chars().all(|c| c.is_ascii_digit() || c == ';'),
                    "not a colour: {params:?}"
                );
            } else {
                assert!(c == '\n' || !c.is_control(), "control {c:?} in text");
            }
        }
        // What was there is shown, not dropped.
        assert!(text.contains(r"\x1b]52;c;"), "escapes are visible");
        assert!(text.contains(r"\u{202e}lmth.exe"), "bidi is visible");
        assert!(text.contains(r"\nINJECTED"), "line breaks are visible");
    }
}

#[test]
fn csv_cells_hold_no_control_characters() {
    let report = hostile_report();
    let csv = render(&report, Format::Csv, RenderOptions::default());
    let rows: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(
        rows.len(),
        report.findings.len() + 1,
        "one line per row: {csv}"
    );
    for row in rows {
        assert!(!row.chars().any(|c| c.is_control()), "control in {row:?}");
        assert!(!row.chars().any(is_bidi_or_separator), "bidi in {row:?}");
    }
    assert!(csv.contains(r"\x1b]52;c;"), "escapes are visible");
}

#[test]
fn markdown_makes_no_links_from_inputs_and_shows_bidi() {
    let report = hostile_report();
    let markdown = render(&report, Format::Markdown, RenderOptions::default());
    assert_no_forged_line("markdown", &markdown);
    assert!(!markdown.chars().any(|c| c.is_control() && c != '\n'));
    assert!(
        !markdown.chars().any(is_bidi_or_separator),
        "bidi in markdown"
    );
    // Outside code spans (never links), no autolink trigger survives unescaped.
    for line in markdown.lines() {
        let prose = without_code_spans(line).to_ascii_lowercase();
        for trigger in [
            "https://evil",
            "http://evil",
            "www.evil",
            "mailto:a",
            "bob@evil",
        ] {
            assert!(!prose.contains(trigger), "{trigger} in {line}");
        }
    }
    for escaped in [
        r"https\://evil.example",
        r"www\.evil",
        r"mailto\:a\@",
        r"bob\@evil",
    ] {
        assert!(markdown.contains(escaped), "{escaped} missing");
    }
    // The rule's own references stay links.
    assert!(markdown.contains("<https://example.invalid/a?b=1&c=2>"));
}

#[test]
fn html_and_json_show_bidi_and_c1_controls_escaped() {
    let report = hostile_report();
    let html = render(&report, Format::Html, RenderOptions::default());
    assert!(!html.chars().any(is_bidi_or_separator), "bidi in html");
    assert!(!html.chars().any(|c| c.is_control() && c != '\n'));
    assert!(html.contains(r"\u{202e}lmth.exe"), "bidi shown");
    assert!(!html.contains("href=\"https://evil"), "no link from data");
    for format in [Format::Json, Format::Jsonl] {
        let json = render(&report, format, RenderOptions::default());
        assert!(
            !json
                .chars()
                .any(|c| is_bidi_or_separator(c) || (c.is_control() && c != '\n')),
            "{format}: raw control"
        );
        assert!(json.contains(r"\u202e"), "{format}: bidi escaped");
    }
    let json = render(&report, Format::Json, RenderOptions::default());
    let back: Report = serde_json::from_str(&json).expect("JSON parses");
    assert_eq!(back, report, "the escapes read back as the same strings");
}

// ---------------------------------------------------------------------------------------
// Writes every format of a real report to $RENDER_EXAMPLES_DIR, for docs and screenshots:
// RENDER_EXAMPLES_DIR=/tmp/x cargo test --test render -- --ignored write_examples

#[test]
#[ignore]
fn write_examples() {
    let Some(dir) = std::env::var_os("RENDER_EXAMPLES_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let report = with_timeline(failing_report());
    for &format in Format::ALL {
        let text = render(&report, format, RenderOptions::default());
        std::fs::write(dir.join(format!("report.{}", format.extension())), text).expect("write");
    }
    let quiet = render(&quiet_report(), Format::Text, RenderOptions::default());
    std::fs::write(dir.join("quiet.txt"), quiet).expect("write");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let real = analyze(&[
        fixtures.join("health-recovered.evtx"),
        fixtures.join("kb2867278-rpc-8453.evtx"),
    ]);
    for (format, name) in [(Format::Html, "real.html"), (Format::Text, "real.txt")] {
        let text = render(&real, format, RenderOptions::default());
        std::fs::write(dir.join(name), text).expect("write");
    }
    let full = render(&full_report(), Format::Html, RenderOptions::default());
    std::fs::write(dir.join("full.html"), full).expect("write");
}

// ---------------------------------------------------------------------------------------
// The text report fits the width it is given; a verdict names the few reasons that matter.

#[test]
fn text_fits_the_width_it_is_given() {
    let report = with_timeline(failing_report());
    // Long titles, long .NET type names, a damaged chunk, an unreadable input.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut real = analyze(&[
        fixtures.join("kb2867278-rpc-other.evtx"),
        fixtures.join("entra-app-auth.evtx"),
        fixtures.join("damaged-middle-chunk.evtx"),
        fixtures.join("README.md"),
    ]);
    real.summary.duplicates_dropped = 3;
    for width in [80usize, 100, 200] {
        let options = RenderOptions {
            width: Some(width),
            ..RenderOptions::default()
        };
        for line in render(&real, Format::Text, options).lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let one_long_url = words.len() <= 2 && words.last().is_some_and(|w| w.contains("://"));
            assert!(
                line.chars().count() <= width || one_long_url,
                "{width}: {line}"
            );
        }
    }
    for width in [80usize, 100, 200] {
        let options = RenderOptions {
            width: Some(width),
            ..RenderOptions::default()
        };
        let text = render(&report, Format::Text, options);
        for line in text.lines() {
            // Every line fits, but one that is a URL too long for any line (kept whole so
            // that the terminal sees one link).
            let words: Vec<&str> = line.split_whitespace().collect();
            let one_long_url = words.len() <= 2 && words.last().is_some_and(|w| w.contains("://"));
            assert!(
                line.chars().count() <= width || one_long_url,
                "{width}: {line}"
            );
        }
        let longest = text
            .lines()
            .filter(|l| l.trim_start().starts_with("cause"))
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
        if width == 200 {
            assert!(longest > 100, "a wide terminal is used: {longest}");
        }
    }
    // Without a width, 100 columns (files and pipes do not depend on the terminal).
    let default = render(&report, Format::Text, RenderOptions::default());
    let hundred = render(
        &report,
        Format::Text,
        RenderOptions {
            width: Some(100),
            ..RenderOptions::default()
        },
    );
    assert_eq!(default, hundred);
}

#[test]
fn a_verdict_shows_the_reasons_that_matter_and_how_many_more() {
    let mut report = failing_report();
    let domain = report.verdicts[0].domain.clone();
    let template = report
        .findings
        .iter()
        .find(|f| f.domain == domain)
        .cloned()
        .expect("a finding of the first verdict");
    for (index, count) in [1u64, 50, 7, 3, 9].into_iter().enumerate() {
        let mut finding = template.clone();
        finding.rule = format!("test.extra-{index}");
        finding.title = format!("Extra reason {index} seen {count} times");
        finding.resolution = format!("Fix number {index}.");
        finding.count = count;
        report.verdicts[0].rules.push(finding.rule.clone());
        report.findings.push(finding);
    }
    let total = report.verdicts[0].rules.len();
    let text = render(&report, Format::Text, RenderOptions::default());
    let verdict_part = text.split("\nFINDINGS\n").next().unwrap_or("");
    let first_block: Vec<&str> = verdict_part
        .lines()
        .skip(1)
        .skip_while(|l| !l.contains("FAILING"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .collect();
    let whys = first_block
        .iter()
        .filter(|l| l.trim_start().starts_with("why"))
        .count();
    assert_eq!(whys, 3, "{first_block:#?}");
    let more = format!("… and {} more (see FINDINGS)", total - 3);
    assert!(
        first_block.iter().any(|l| l.contains(&more)),
        "{first_block:#?}"
    );
    // The most frequent extra (50) is named before rarer ones.
    assert!(
        verdict_part.contains("Extra reason 1 seen 50 times"),
        "{verdict_part}"
    );
    assert!(
        !verdict_part.contains("Extra reason 0 seen 1 times"),
        "{verdict_part}"
    );
    let html = render(&report, Format::Html, RenderOptions::default());
    let verdict_html = html.split("id=\"findings\"").next().unwrap_or("");
    assert!(verdict_html.contains(&format!("… and {} more", total - 3)));
    assert!(!verdict_html.contains("Extra reason 0 seen 1 times"));
}

/// Text, Markdown and HTML show a sample's matched line, and its first line when the event's
/// text did not show what the rule matched.
#[test]
fn samples_show_the_matched_line_else_the_first_line() {
    let mut report = full_report();
    let first = "Password synchronization failed for domain: x. Details:";
    let matched = "DrsException: RPC Error 8453 : Replication access was denied.";
    report.findings.truncate(1);
    report.findings[0].samples = vec![
        Sample {
            input: "a.evtx".into(),
            chunk: Some(0),
            record_id: Some(1),
            time: None,
            event_id: 611,
            first_line: first.into(),
            matched_line: Some(matched.into()),
        },
        Sample {
            input: "b.evtx".into(),
            chunk: Some(0),
            record_id: Some(2),
            time: None,
            event_id: 613,
            first_line: "Password synchronization is paused.".into(),
            matched_line: None,
        },
    ];
    for format in [Format::Text, Format::Markdown, Format::Html] {
        let out = render(&report, format, RenderOptions::default());
        let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(out.contains(matched), "{format}: {out}");
        assert!(!out.contains(first), "{format}: {out}");
        assert!(
            out.contains("Password synchronization is paused."),
            "{format}: {out}"
        );
    }
}

/// A report written before schema 3 (no `matched_line`) still reads.
#[test]
fn a_schema_2_report_reads_back() {
    let report = failing_report();
    let mut json: Value = serde_json::to_value(&report).expect("json");
    json["schema"] = 2.into();
    for finding in json["findings"].as_array_mut().expect("findings") {
        for sample in finding["samples"].as_array_mut().expect("samples") {
            sample
                .as_object_mut()
                .expect("object")
                .remove("matched_line");
        }
    }
    let back: Report = serde_json::from_value(json).expect("a schema 2 report reads");
    assert!(
        back.findings
            .iter()
            .flat_map(|f| &f.samples)
            .all(|s| s.matched_line.is_none() && s.line() == s.first_line)
    );
}

/// The page without its collapsed `<details>` sections, and those sections.
fn outside_and_inside_details(html: &str) -> (String, String) {
    let (mut outside, mut inside) = (String::new(), String::new());
    let mut rest = html;
    while let Some(start) = rest.find("<details") {
        outside.push_str(&rest[..start]);
        let end = rest[start..]
            .find("</details>")
            .map(|end| start + end + "</details>".len())
            .expect("every <details> is closed");
        inside.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    outside.push_str(rest);
    (outside, inside)
}

/// The HTML page is for customers: what the tool did inside (prefilter, chunks, rule ids,
/// local paths) is under collapsed Technical details, the count read covers every event,
/// and KB numbers and documents are links (http and https only).
#[test]
fn html_summary_speaks_to_customers() {
    for (name, mut report) in all_reports() {
        if let Some(finding) = report.findings.first_mut() {
            finding.references.extend([
                "javascript:alert(1)".to_owned(),
                "Troubleshoot RPC errors affecting Azure AD Connect".to_owned(),
                "Internal runbook <PHS-12>".to_owned(),
            ]);
        }
        let html = render(&report, Format::Html, RenderOptions::default());
        assert!(
            html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"/>"),
            "{name}: the CSP stays"
        );
        let (outside, inside) = outside_and_inside_details(&html);
        let lower = outside.to_lowercase();
        for word in ["prefilter", "chunk", "skipped"] {
            assert!(!lower.contains(word), "{name}: {word:?} outside details");
        }
        let summary = &report.summary;
        assert!(
            outside.contains(&format!(
                "Checked {} event(s) in {} log file(s)",
                summary.records_read + summary.records_skipped,
                summary.inputs
            )),
            "{name}"
        );
        for finding in &report.findings {
            assert!(
                !outside.contains(&format!("<code>{}</code>", finding.rule)),
                "{name}: rule id {} outside details",
                finding.rule
            );
            assert!(
                inside.contains(&format!("<code>{}</code>", finding.rule)),
                "{name}: rule id {} in details",
                finding.rule
            );
            for sample in &finding.samples {
                assert!(!outside.contains(&sample.input), "{name}: {}", sample.input);
            }
        }
        for input in &report.inputs {
            let shown = input.path.replace('<', "&lt;").replace('>', "&gt;");
            assert!(!outside.contains(&shown), "{name}: {shown} outside details");
            assert!(inside.contains(&shown), "{name}: {shown} in details");
        }
        if summary.records_skipped > 0 {
            assert!(inside.contains("prefilter"), "{name}");
        }
        if report.findings.is_empty() {
            continue;
        }
        assert!(
            outside
                .contains("<a href=\"https://support.microsoft.com/help/2867278\">KB2867278</a>"),
            "{name}: the KB is a link"
        );
        assert!(
            outside.contains("<a href=\"https://learn.microsoft.com/search/?terms=Troubleshoot+RPC+errors+affecting+Azure+AD+Connect\">Troubleshoot RPC errors affecting Azure AD Connect</a>"),
            "{name}: a document title is a link"
        );
        assert!(!lower.contains("href=\"javascript"), "{name}");
        assert!(
            outside.contains("javascript:alert(1)"),
            "{name}: shown as text"
        );
        assert!(
            outside.contains("Internal runbook &lt;PHS-12&gt;")
                && !outside.contains("PHS-12&gt;</a>"),
            "{name}: other text stays text"
        );
        for href in outside.split("href=\"").skip(1) {
            assert!(
                href.starts_with("https://")
                    || href.starts_with("http://")
                    || href.starts_with('#'),
                "{name}: {href}"
            );
        }
    }
}

/// The HTML page says which filters narrowed what was counted, with names escaped.
#[test]
fn html_names_the_filters() {
    let mut report = failing_report();
    report.options.since = Some(ts("2024-03-04T08:00:00Z"));
    report.options.computers = vec!["SYNC01".into(), "<b>x</b>".into()];
    let html = render(&report, Format::Html, RenderOptions::default());
    assert!(
        html.contains(
            "<p>Only the events the filters kept were counted: since 2024-03-04 08:00:00 UTC, computer <code>SYNC01</code> or <code>&lt;b&gt;x&lt;/b&gt;</code>.</p>"
        ),
        "{html}"
    );
    let plain = render(&failing_report(), Format::Html, RenderOptions::default());
    assert!(!plain.contains("filters kept"));
}
