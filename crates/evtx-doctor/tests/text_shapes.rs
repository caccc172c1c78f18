//! Events copied or exported as text, as customers paste them into tickets: each file in
//! fixtures/exports/ (written by us in the shape and encoding Windows writes) gives the full
//! finding the same events give from an .evtx.

mod common;

use common::fixture;
use evtx_doctor::report::{InputKind, InputStatus, Report};
use evtx_doctor::{Knowledge, Options, Source, analyze};

fn run(name: &str) -> Report {
    common::analyze_export(name)
}

/// (rule, domain, error code, count, first seen, last seen) of a finding.
type Essence = (String, Option<String>, Option<u32>, u64, String, String);

fn findings(report: &Report) -> Vec<Essence> {
    report
        .findings
        .iter()
        .map(|f| {
            let time = |t: Option<evtx_doctor::jiff::Timestamp>| {
                t.map(|t| t.to_string()).unwrap_or_default()
            };
            (
                f.rule.clone(),
                f.domain.clone(),
                f.error_code,
                f.count,
                time(f.first_seen),
                time(f.last_seen),
            )
        })
        .collect()
}

fn problems(report: &Report) -> Vec<&str> {
    report.inputs[0]
        .problems
        .iter()
        .map(|p| p.kind.as_str())
        .collect()
}

fn finding_611(
    count: u64,
    last: &str,
) -> (String, Option<String>, Option<u32>, u64, String, String) {
    (
        "phs.611.rpc-8453".into(),
        Some("Contoso.com".into()),
        Some(8453),
        count,
        "2024-03-04T08:00:00Z".into(),
        last.into(),
    )
}

#[test]
fn event_viewer_copy_details_pasted_after_prose() {
    let report = run("paste-eventviewer-611.txt");
    let input = &report.inputs[0];
    assert_eq!(
        (input.kind, input.status, input.counts.records_read),
        (InputKind::TextExport, InputStatus::Ok, 2)
    );
    // The second event carries its Event Xml: its UTC time and record id win over `Date:`.
    assert_eq!(
        findings(&report),
        [finding_611(2, "2024-03-04T08:30:00.1234567Z")]
    );
    assert_eq!(
        report.findings[0].samples.last().and_then(|s| s.record_id),
        Some(28)
    );
    assert_eq!(
        report.findings[0].drs_call.as_deref(),
        Some("_IDL_DRSGetNCChanges")
    );
    assert_eq!(problems(&report), ["text_local_time"]);
}

#[test]
fn wevtutil_text_in_utf16() {
    let report = run("wevtutil-611-utf16.txt");
    assert_eq!(findings(&report), [finding_611(3, "2024-03-04T09:00:00Z")]);
    // `Date:` ending in Z is UTC: no note about local times.
    assert!(problems(&report).is_empty(), "{:?}", problems(&report));
}

#[test]
fn powershell_format_list_of_get_winevent_and_get_eventlog() {
    for name in [
        "powershell-winevent-6900-utf16.txt",
        "powershell-eventlog-6900.txt",
    ] {
        let report = run(name);
        let found = findings(&report);
        assert_eq!(
            found,
            [(
                "entra.connector.old-password".into(),
                None,
                None,
                2,
                "2024-11-04T08:00:00Z".into(),
                "2024-11-04T08:30:00Z".into()
            )],
            "{name}"
        );
        let finding = &report.findings[0];
        assert_eq!(
            finding.event_ids,
            [6900],
            "{name}: InstanceId 3221232372 is event 6900"
        );
        assert_eq!(
            finding.fields.get("aadsts").map(String::as_str),
            Some("AADSTS50054"),
            "{name}"
        );
        assert_eq!(problems(&report), ["text_local_time"], "{name}");
    }
}

/// The data of the first 611 of fixtures/kb2867278-rpc-8453.toml (record 27, 08:00 UTC).
const LOGGED_611: &str = "Password synchronization failed for domain: Contoso.com. Details: \r\n\
Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8453 : Replication access was denied. There was an error calling _IDL_DRSGetNCChanges.\r\n\
   at Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsRpcConnection.OnGetChanges(ReplicationState syncState)\r\n\
   at Microsoft.Online.PasswordSynchronization.RetryUtility.ExecuteWithRetry[T](Func`1 operation, Func`1 shouldAbort, RetryPolicyHandler retryPolicy)\r\n\
   at Microsoft.Online.PasswordSynchronization.SynchronizationManager.SynchronizeDomain(SynchronizationExecutionContext syncExecutionContext)";

/// The event the log holds as record 27, copied from Event Viewer with its XML.
fn pasted_record_27(data: &str) -> String {
    format!(
        "Log Name:      Application\r\nSource:        Directory Synchronization\r\n\
         Date:          3/4/2024 9:00:00 AM\r\nEvent ID:      611\r\nLevel:         Error\r\n\
         Computer:      SYNC01.contoso.com\r\nDescription:\r\n{data}\r\nEvent Xml:\r\n\
         <Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>\
         <Provider Name=\"Directory Synchronization\" /><EventID Qualifiers=\"0\">611</EventID>\
         <Level>2</Level><TimeCreated SystemTime=\"2024-03-04T08:00:00.0000000Z\" />\
         <EventRecordID>27</EventRecordID><Channel>Application</Channel>\
         <Computer>SYNC01.contoso.com</Computer></System><EventData><Data>{data}</Data>\
         </EventData></Event>\r\n"
    )
}

#[test]
fn a_paste_of_an_event_also_in_the_log_counts_once() {
    let knowledge = Knowledge::builtin().unwrap();
    let log = fixture("kb2867278-rpc-8453.evtx");
    let count = |report: &Report| {
        report
            .findings
            .iter()
            .filter(|f| f.rule == "phs.611.rpc-8453" && f.domain.as_deref() == Some("Contoso.com"))
            .map(|f| f.count)
            .sum::<u64>()
    };
    let alone = analyze([Source::path(&log)], &knowledge, &Options::default());
    let data = LOGGED_611.replace('<', "&lt;");
    let same = analyze(
        [
            Source::path(&log),
            Source::bytes("paste.txt", pasted_record_27(&data).into_bytes()),
        ],
        &knowledge,
        &Options::default(),
    );
    assert_eq!(same.summary.duplicates_dropped, 1);
    assert_eq!(count(&same), count(&alone));
    // The same place with other content (another server's record 27) is another event.
    let other = analyze(
        [
            Source::path(&log),
            Source::bytes(
                "paste.txt",
                pasted_record_27(
                    &data.replace("Contoso.com. Details", "Contoso.com.  Details: other"),
                )
                .into_bytes(),
            ),
        ],
        &knowledge,
        &Options::default(),
    );
    assert_eq!(other.summary.duplicates_dropped, 0);
    assert_eq!(count(&other), count(&alone) + 1);
}

#[test]
fn prose_alone_is_not_an_export() {
    let report = analyze(
        [Source::bytes(
            "ticket.txt",
            b"Log Name is what? The sync stopped.\r\n".to_vec(),
        )],
        &Knowledge::builtin().unwrap(),
        &Options::default(),
    );
    assert_eq!(report.inputs[0].status, InputStatus::Unreadable);
}
