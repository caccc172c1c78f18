//! CSV exports as PowerShell writes them (`Get-WinEvent` / `Get-EventLog` piped to
//! `Export-Csv` or `ConvertTo-Csv`, `Select-Object` subsets) in every encoding, separator and
//! line end Windows gives them: each file in fixtures/exports/ps-*.csv (written by us in the
//! shape PowerShell writes) gives the full finding the same events give from an .evtx, and
//! counts once beside that .evtx.

mod common;

use common::{export, fixture};
use evtx_doctor::event::Event;
use evtx_doctor::internals::for_each_export_event;
use evtx_doctor::jiff::tz::{TimeZone, offset};
use evtx_doctor::report::{InputKind, InputStatus, Report};
use evtx_doctor::{Knowledge, Options, Source, analyze};
use std::path::PathBuf;

fn run_with(paths: &[PathBuf], options: &Options) -> Report {
    analyze(
        paths.iter().map(Source::path),
        &Knowledge::builtin().unwrap(),
        options,
    )
}

fn run(name: &str) -> Report {
    common::analyze_export(name)
}

/// The events of an export, as the CSV reader gives them.
fn events_of(name: &str) -> Vec<Event> {
    let bytes = std::fs::read(export(name)).unwrap();
    let mut events = Vec::new();
    for_each_export_event(
        &bytes[..],
        InputKind::CsvExport,
        0,
        None,
        &mut |event| events.push(event),
        &mut |_| {},
    );
    events
}

/// The exporting machine's zone: Europe/Berlin in November (UTC+1).
fn berlin_in_november() -> Options {
    Options {
        timezone: Some(TimeZone::fixed(offset(1))),
        ..Options::default()
    }
}

/// (rule, domain, error code, count, first seen, last seen, computers, record ids of the
/// samples) of a finding.
type Essence = (
    String,
    Option<String>,
    Option<u32>,
    u64,
    String,
    String,
    Vec<String>,
    Vec<Option<u64>>,
);

fn findings(report: &Report) -> Vec<Essence> {
    let time =
        |t: Option<evtx_doctor::jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                f.domain.clone(),
                f.error_code,
                f.count,
                time(f.first_seen),
                time(f.last_seen),
                f.computers.clone(),
                f.samples.iter().map(|s| s.record_id).collect(),
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn essence(
    rule: &str,
    domain: Option<&str>,
    code: Option<u32>,
    count: u64,
    first: &str,
    last: &str,
    computer: Option<&str>,
    records: &[Option<u64>],
) -> Essence {
    (
        rule.into(),
        domain.map(Into::into),
        code,
        count,
        first.into(),
        last.into(),
        computer.into_iter().map(Into::into).collect(),
        records.to_vec(),
    )
}

/// The three 611 of fixtures/kb2867278-rpc-8453.evtx for Contoso.com (records 27, 35, 41).
fn contoso_611(computer: Option<&str>, records: &[Option<u64>]) -> Essence {
    essence(
        "phs.611.rpc-8453",
        Some("Contoso.com"),
        Some(8453),
        3,
        "2024-03-04T08:00:00Z",
        "2024-03-04T09:00:00Z",
        computer,
        records,
    )
}

/// The two ADSync 6900 of fixtures/entra-old-password.evtx (records 148, 175), at `first` and
/// `last`.
fn old_password(first: &str, last: &str) -> Essence {
    essence(
        "entra.connector.old-password",
        None,
        None,
        2,
        first,
        last,
        Some("SYNC01.contoso.com"),
        &[Some(148), Some(175)],
    )
}

fn problems(report: &Report) -> Vec<&str> {
    report
        .inputs
        .iter()
        .flat_map(|i| i.problems.iter().map(|p| p.kind.as_str()))
        .collect()
}

fn read_as_csv(report: &Report, records: u64) {
    let input = &report.inputs[0];
    assert_eq!(
        (input.kind, input.status, input.counts.records_read),
        (InputKind::CsvExport, InputStatus::Ok, records),
        "{}",
        input.path
    );
}

#[test]
fn get_winevent_export_csv_after_its_type_line() {
    let report = run("ps-winevent-611.csv");
    read_as_csv(&report, 3);
    assert_eq!(
        findings(&report),
        [contoso_611(
            Some("SYNC01.contoso.com"),
            &[Some(27), Some(41)]
        )]
    );
    assert_eq!(
        report.findings[0].drs_call.as_deref(),
        Some("_IDL_DRSGetNCChanges")
    );
    assert_eq!(problems(&report), ["csv_local_time"]);
}

#[test]
fn lone_carriage_returns_end_rows_and_quoted_lines() {
    let report = run("ps-winevent-611-cr.csv");
    read_as_csv(&report, 3);
    assert_eq!(
        findings(&report),
        findings(&run("ps-winevent-611.csv")),
        "the same export with CRLF"
    );
}

#[test]
fn use_culture_semicolons_and_german_local_times() {
    let report = run("ps-winevent-6900-de.csv");
    read_as_csv(&report, 2);
    // Without the machine's zone its local times are read as UTC, and the input says so.
    assert_eq!(
        findings(&report),
        [old_password("2024-11-04T09:00:00Z", "2024-11-04T09:30:00Z")]
    );
    assert_eq!(problems(&report), ["csv_local_time"]);
    let finding = &report.findings[0];
    assert_eq!(finding.event_ids, [6900]);
    assert_eq!(
        finding.fields.get("aadsts").map(String::as_str),
        Some("AADSTS50054")
    );
    // With it, the times are those the log holds.
    let report = run_with(&[export("ps-winevent-6900-de.csv")], &berlin_in_november());
    assert_eq!(
        findings(&report),
        [old_password("2024-11-04T08:00:00Z", "2024-11-04T08:30:00Z")]
    );
    assert!(problems(&report).is_empty(), "{:?}", problems(&report));
}

#[test]
fn convertto_csv_saved_by_windows_powershell_in_utf16() {
    let report = run("ps-convertto-611-utf16.csv");
    read_as_csv(&report, 2);
    assert_eq!(
        findings(&report),
        [essence(
            "phs.611.rpc-8453",
            Some("ChildDomain.Contoso.Com"),
            Some(8453),
            2,
            "2024-03-05T10:00:00Z",
            "2024-03-05T10:30:00Z",
            Some("SYNC01.contoso.com"),
            &[Some(368), Some(377)],
        )]
    );
    let controllers = &report.findings[0].domain_controllers;
    assert_eq!(
        controllers
            .iter()
            .map(|dc| (dc.host.as_deref(), dc.ip.as_deref()))
            .collect::<Vec<_>>(),
        [(Some("DC01.ChildDomain.Contoso.Com"), Some("10.0.0.12"))]
    );
}

#[test]
fn windows_1252_export_keeps_every_byte() {
    let report = run("ps-winevent-611-fr-ansi.csv");
    // The two 611 and a Sysmon event of another log.
    read_as_csv(&report, 3);
    assert_eq!(
        findings(&report),
        [essence(
            "phs.611.rpc-8453",
            Some("Contoso.com"),
            Some(8453),
            2,
            "2024-03-04T08:30:00Z",
            "2024-03-04T09:00:00Z",
            Some("SYNC02.contoso.com"),
            &[Some(1199), Some(1204)],
        )]
    );
    // Bytes 0x80-0xFF that are not UTF-8 are Windows-1252, not replacement characters.
    let events = events_of("ps-winevent-611-fr-ansi.csv");
    let messages: Vec<&str> = events.iter().filter_map(|e| e.message.as_deref()).collect();
    assert!(
        messages[0].contains("RPC Error 8453 : L'accès à la réplication a été refusé."),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("Product: Microsoft® Windows® Operating System"),
        "{messages:?}"
    );
    assert_eq!(events[1].channel, "Microsoft-Windows-Sysmon/Operational");
}

#[test]
fn get_eventlog_export_csv_splits_the_instance_id() {
    let report = run("ps-eventlog-6900.csv");
    read_as_csv(&report, 2);
    assert_eq!(
        findings(&report),
        [old_password("2024-11-04T08:00:00Z", "2024-11-04T08:30:00Z")]
    );
    assert_eq!(
        report.findings[0].event_ids,
        [6900],
        "InstanceId 3221232372 is event 6900"
    );
    let event = &events_of("ps-eventlog-6900.csv")[0];
    assert_eq!(
        (event.event_id, event.qualifiers, event.level, event.task),
        (6900, Some(0xC000), Some(2), Some(3))
    );
    assert_eq!(
        (event.provider.as_str(), event.channel.as_str()),
        ("ADSync", "Application"),
        "the channel comes from the #TYPE line"
    );
}

#[test]
fn select_object_subset_in_day_first_dates() {
    let report = run("ps-select-611.csv");
    read_as_csv(&report, 3);
    // No computer and no record ids in this subset.
    assert_eq!(findings(&report), [contoso_611(None, &[None, None])]);
    assert_eq!(problems(&report), ["csv_local_time"]);
}

#[test]
fn a_subset_without_a_provider_says_why_nothing_matches() {
    let csv = "\"TimeCreated\",\"Id\",\"LevelDisplayName\",\"Message\"\r\n\
        \"3/4/2024 8:00:00 AM\",\"611\",\"Error\",\"Password synchronization failed for domain: \
        Contoso.com. Details: \r\nMicrosoft.Online.PasswordSynchronization.\
        DirectoryReplicationServices.DrsException: RPC Error 8453 : Replication access was \
        denied.\"\r\n";
    let report = analyze(
        [Source::bytes("events.csv", csv.as_bytes().to_vec())],
        &Knowledge::builtin().unwrap(),
        &Options::default(),
    );
    read_as_csv(&report, 1);
    assert!(report.findings.is_empty(), "{:?}", findings(&report));
    assert_eq!(problems(&report), ["csv_no_source", "csv_local_time"]);
}

#[test]
fn detected_by_content_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "ps-winevent-611.csv",
        "ps-winevent-6900-de.csv",
        "ps-convertto-611-utf16.csv",
        "ps-winevent-611-fr-ansi.csv",
        "ps-winevent-611-cr.csv",
        "ps-eventlog-6900.csv",
        "ps-select-611.csv",
    ] {
        let as_named = run(name);
        let bytes = std::fs::read(export(name)).unwrap();
        for renamed in ["events.txt", "events.log", "events"] {
            let path = dir.path().join(renamed);
            std::fs::write(&path, &bytes).unwrap();
            let report = run_with(&[path], &Options::default());
            assert_eq!(
                findings(&report),
                findings(&as_named),
                "{name} as {renamed}"
            );
            assert_eq!(
                (report.inputs[0].kind, report.inputs[0].counts.records_read),
                (InputKind::CsvExport, as_named.inputs[0].counts.records_read),
                "{name} as {renamed}"
            );
            assert_eq!(
                problems(&report),
                problems(&as_named),
                "{name} as {renamed}"
            );
        }
    }
    // A folder walk keeps them too (.txt and .log are looked at; the content decides).
    let report = run_with(&[dir.path().to_owned()], &Options::default());
    let kinds: Vec<InputKind> = report.inputs.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [InputKind::CsvExport; 2],
        "events.log and events.txt"
    );
}

#[test]
fn an_event_in_the_log_and_in_its_csv_export_counts_once() {
    let log = fixture("kb2867278-rpc-8453.evtx");
    let alone = run_with(std::slice::from_ref(&log), &Options::default());
    let together = run_with(
        &[
            log,
            export("ps-winevent-611.csv"),
            export("ps-convertto-611-utf16.csv"),
        ],
        &Options::default(),
    );
    // Computer, channel, record id, time, provider, id and text agree: 3 + 2 dropped.
    assert_eq!(together.summary.duplicates_dropped, 5);
    assert_eq!(findings(&together), findings(&alone));

    let log = fixture("entra-old-password.evtx");
    let alone = run_with(std::slice::from_ref(&log), &Options::default());
    let together = run_with(
        &[log.clone(), export("ps-eventlog-6900.csv")],
        &Options::default(),
    );
    assert_eq!(together.summary.duplicates_dropped, 2);
    assert_eq!(findings(&together), findings(&alone));
    // The German export's local times match the log's only in the machine's zone.
    let german = [log, export("ps-winevent-6900-de.csv")];
    let with_zone = run_with(&german, &berlin_in_november());
    assert_eq!(with_zone.summary.duplicates_dropped, 2);
    assert_eq!(findings(&with_zone), findings(&alone));
    let without_zone = run_with(&german, &Options::default());
    assert_eq!(without_zone.summary.duplicates_dropped, 0);
}
