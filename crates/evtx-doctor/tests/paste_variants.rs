//! Pastes and exports shaped like what customers really send (issue 13): prose and Markdown
//! fences around the events, e-mail quoting, Event Viewer labels in the language of Windows,
//! PowerShell values cut at the console width, several shapes in one paste, every encoding and
//! line end. Each file in fixtures/exports/ (written by us, the event texts as Microsoft
//! documents them) gives its full finding. Then hostile pastes: bounded, never a panic.

mod common;

use common::fixture;
use evtx_doctor::report::{Finding, InputKind, InputStatus, Report};
use evtx_doctor::{Knowledge, Options, Source, analyze};

fn run(name: &str) -> Report {
    common::analyze_export(name)
}

/// A finding as a support engineer reads it.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    rule: String,
    domain: Option<String>,
    error_code: Option<u32>,
    /// Host and IP of the first domain controller named.
    dc: Option<(Option<String>, Option<String>)>,
    count: u64,
    first: String,
    last: String,
    computers: Vec<String>,
    event_ids: Vec<u16>,
    /// Record ids of the samples.
    records: Vec<Option<u64>>,
    aadsts: Option<String>,
}

fn seen(finding: &Finding) -> Seen {
    let time =
        |t: Option<evtx_doctor::jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    Seen {
        rule: finding.rule.clone(),
        domain: finding.domain.clone(),
        error_code: finding.error_code,
        dc: finding
            .domain_controllers
            .first()
            .map(|dc| (dc.host.clone(), dc.ip.clone())),
        count: finding.count,
        first: time(finding.first_seen),
        last: time(finding.last_seen),
        computers: finding.computers.clone(),
        event_ids: finding.event_ids.clone(),
        records: finding.samples.iter().map(|s| s.record_id).collect(),
        aadsts: finding.fields.get("aadsts").cloned(),
    }
}

/// The findings of `report`, and its one input's kind, status, events read and problems.
fn outcome(report: &Report) -> (Vec<Seen>, (InputKind, InputStatus, u64, Vec<String>)) {
    let input = &report.inputs[0];
    let problems = input.problems.iter().map(|p| p.kind.to_string()).collect();
    (
        report.findings.iter().map(seen).collect(),
        (
            input.kind,
            input.status,
            report.summary.records_read,
            problems,
        ),
    )
}

/// That the export `name` is read whole (`read` events, local times noted once) and gives
/// `want`.
fn expect<const N: usize>(name: &str, read: u64, want: [Seen; N]) {
    let (findings, input) = outcome(&run(name));
    assert_eq!(input, text_ok(read), "{name}");
    assert_eq!(findings, want, "{name}");
}

/// A text export read whole, whose times are local (noted once).
fn text_ok(read: u64) -> (InputKind, InputStatus, u64, Vec<String>) {
    (
        InputKind::TextExport,
        InputStatus::Ok,
        read,
        vec![s("text_local_time")],
    )
}

fn s(text: &str) -> String {
    text.to_owned()
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| s(t)).collect()
}

/// A 611 finding of `rule` for `domain` and `code`, with the DC pair the events name.
fn rpc(rule: &str, domain: &str, code: Option<u32>, dc: Option<(&str, &str)>) -> Seen {
    Seen {
        rule: s(rule),
        domain: Some(s(domain)),
        error_code: code,
        dc: dc.map(|(host, ip)| (Some(s(host)), Some(s(ip)))),
        event_ids: vec![611],
        ..Seen::default()
    }
}

/// `seen` over `count` events from `first` to `last`, logged by `computers`, with the samples'
/// record ids `records`.
fn over(
    seen: Seen,
    count: u64,
    (first, last): (&str, &str),
    computers: &[&str],
    records: Vec<Option<u64>>,
) -> Seen {
    Seen {
        count,
        first: s(first),
        last: s(last),
        computers: strings(computers),
        records,
        ..seen
    }
}

/// Microsoft's own layout of a 611 (Description on its label's line, `Details:` aligned like a
/// label, a type name broken across lines), inside a Markdown fence between ticket prose: the
/// header says `<not available>`, the chain names the DC, host and IP together.
#[test]
fn microsofts_611_layout_in_a_fence_between_prose() {
    let report = run("paste-611-fenced.txt");
    let (findings, input) = outcome(&report);
    assert_eq!(input, text_ok(1));
    assert_eq!(
        findings,
        [over(
            rpc("phs.611.rpc-1722", "contoso.com", Some(1722), Some(SERVER1)),
            1,
            ("2020-08-10T11:00:39Z", "2020-08-10T11:00:39Z"),
            &["server1.contoso.com"],
            vec![None]
        )]
    );
    // The prose after the closing fence is not part of the event.
    let sample = &report.findings[0].samples[0];
    assert!(
        sample
            .first_line
            .starts_with("Password hash synchronization failed"),
        "{}",
        sample.first_line
    );
}

/// The DC the 611 of Microsoft's RPC errors page names.
const SERVER1: (&str, &str) = ("server1.contoso.com", "10.0.0.202");

/// The finding of two 611 with RPC error 8453 for Contoso.com on SYNC01.
fn contoso_8453(first: &str, last: &str, records: Vec<Option<u64>>) -> Seen {
    over(
        rpc("phs.611.rpc-8453", "Contoso.com", Some(8453), None),
        2,
        (first, last),
        &["SYNC01.contoso.com"],
        records,
    )
}

/// An e-mail reply quoting the customer's mail (`>> `), labels followed by one space or a tab,
/// trailing spaces; the reply's own lines are no part of the events.
#[test]
fn events_quoted_in_an_email_reply() {
    expect(
        "paste-611-quoted.txt",
        2,
        [contoso_8453(
            "2024-03-04T08:00:00Z",
            "2024-03-04T08:30:00Z",
            vec![None, None],
        )],
    );
}

/// A German server: `Protokollname:`, `Ereignis-ID:`, `Ebene: Fehler`, `04.03.2024 09:00:00`,
/// UTF-16 LE; the second event's `Ereignis-XML:` gives its UTC time and record id.
#[test]
fn event_viewer_copies_in_german_with_their_xml() {
    expect(
        "paste-611-german-utf16.txt",
        2,
        [contoso_8453(
            "2024-03-04T07:30:00.5Z",
            "2024-03-04T09:00:00Z",
            vec![Some(4711), None],
        )],
    );
}

/// Labels in a language the reader has no names for, known by the header's shape (ten labels,
/// the fourth a number); in a 4-space indented block; every line ended by a lone CR.
#[test]
fn event_viewer_copies_in_an_unknown_language() {
    expect(
        "paste-611-turkish-cr.txt",
        2,
        [contoso_8453(
            "2024-03-04T08:00:00Z",
            "2024-03-04T08:30:00Z",
            vec![None, None],
        )],
    );
}

/// Microsoft's 906 of the application-based authentication page (`12/01/2025 0:00:00 AM`) and
/// a 906 that asks the service for interaction (`01-12-2025 01:30:00 PM`), a blank line after
/// every line as some mail programs write: two diagnoses.
#[test]
fn the_906_texts_of_application_authentication_and_mfa() {
    let (findings, input) = outcome(&run("paste-906-double-spaced.txt"));
    assert_eq!(input, text_ok(2));
    let entra = |rule: &str, time: &str, aadsts: Option<&str>| {
        let seen = Seen {
            rule: s(rule),
            event_ids: vec![906],
            aadsts: aadsts.map(s),
            ..Seen::default()
        };
        over(
            seen,
            1,
            (time, time),
            &["EntraConnect.Contoso.com"],
            vec![None],
        )
    };
    assert_eq!(
        findings,
        [
            entra(
                "entra.connector.application-credential",
                "2025-12-01T00:00:00Z",
                Some("AADSTS700027")
            ),
            entra(
                "entra.connector.interaction-required",
                "2025-12-01T13:30:00Z",
                None
            ),
        ]
    );
}

/// The finding of AADSTS50054 in 6900 and 659.
fn old_password(count: u64, computers: &[&str], records: Vec<Option<u64>>) -> Seen {
    let seen = Seen {
        rule: s("entra.connector.old-password"),
        event_ids: vec![659, 6900],
        aadsts: Some(s("AADSTS50054")),
        ..Seen::default()
    };
    let times = ("2024-11-04T08:00:00Z", "2024-11-04T09:00:00Z");
    over(seen, count, times, computers, records)
}

/// `wevtutil qe /f:text` after its command line: `Date:` with milliseconds, with seven digits
/// and `Z` (UTC), and absent; `Level: Ошибка`; `Description:` with the message on its line.
#[test]
fn wevtutil_text_with_every_date_form() {
    expect(
        "wevtutil-6900-659.txt",
        3,
        [old_password(3, &["SYNC01.contoso.com"], vec![None, None])],
    );
}

/// `Get-WinEvent | Format-List` on an 80-column console of a language PowerShell does not
/// word-wrap (values cut anywhere, `RPC Error 8333`, the domain and the DC's address among
/// them), saved as UTF-16.
#[test]
fn format_list_cut_anywhere_at_80_columns() {
    expect(
        "powershell-winevent-611-80cols.txt",
        2,
        [over(
            rpc(
                "phs.611.rpc-8333",
                "contoso.com",
                Some(8333),
                Some(("server1.contoso.com", "192.168.0.10")),
            ),
            2,
            ("2024-03-04T08:00:00Z", "2024-03-04T08:30:00Z"),
            &[],
            vec![None, None],
        )],
    );
    let exception = run("powershell-winevent-611-80cols.txt").findings[0]
        .exception
        .clone();
    assert_eq!(
        exception.as_deref(),
        Some("Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException")
    );
}

/// `Format-List *` (record id, machine name) word-wrapped at 100 columns after its command line:
/// the DC from the exception chain.
#[test]
fn format_list_star_word_wrapped() {
    let (findings, input) = outcome(&run("powershell-winevent-star-1722.txt"));
    assert_eq!(input, text_ok(1));
    assert_eq!(
        findings,
        [over(
            rpc("phs.611.rpc-1722", "contoso.com", Some(1722), Some(SERVER1)),
            1,
            ("2020-08-10T11:00:39Z", "2020-08-10T11:00:39Z"),
            &["server1.contoso.com"],
            vec![Some(9120)]
        )]
    );
}

/// `Get-EventLog | Format-List` cut anywhere at 80 columns (`AADSTS50054` among the cuts),
/// `InstanceId 3221232372`; a later prompt line naming another code is no event.
#[test]
fn get_eventlog_cut_at_80_columns_then_a_prompt() {
    expect(
        "powershell-eventlog-80cols.txt",
        2,
        [old_password(2, &[], vec![Some(4021), Some(4022)])],
    );
}

/// `Format-List` of chosen properties, without the provider: the sync events' own words name
/// it (ADSync's 6900, Directory Synchronization's 611).
#[test]
fn format_list_without_the_provider() {
    let report = run("powershell-winevent-no-provider.txt");
    let (findings, input) = outcome(&report);
    assert_eq!(input, text_ok(2));
    let rules: Vec<(&str, &str, u64)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.provider.as_str(), f.count))
        .collect();
    assert_eq!(
        rules,
        [
            ("entra.connector.old-password", "ADSync", 1),
            ("phs.611.rpc-8453", "Directory Synchronization", 1)
        ]
    );
    assert_eq!(findings[1].domain.as_deref(), Some("Contoso.com"));
    assert_eq!(findings[1].error_code, Some(8453));
    assert_eq!(findings[1].first, "2024-11-04T09:00:00Z");
}

/// An Event Viewer copy and a `Format-List` in one paste (UTF-8 with BOM): one diagnosis.
#[test]
fn two_shapes_in_one_paste() {
    expect(
        "paste-mixed-shapes.txt",
        2,
        [old_password(2, &["SYNC01.contoso.com"], vec![None, None])],
    );
}

/// Issue 13's "keep working" texts pasted from Event Viewer: 611 at Level Information
/// (KB2965539), the whole chain on one line (`DrsException:  RPC Error 8439:`), 657 in the 2.x
/// form with a failed user and a `<forest-info>` block, 654 with the connector id, event 0's
/// retry notice with `DN =` lines (no finding).
#[test]
fn the_keep_working_texts_as_pasted_events() {
    let report = run("paste-keep-working.txt");
    let (findings, input) = outcome(&report);
    assert_eq!(input, text_ok(5));
    let one = |rule: &str, domain: &str, code: Option<u32>, time: &str, id: u16| {
        let seen = Seen {
            event_ids: vec![id],
            ..rpc(rule, domain, code, None)
        };
        over(seen, 1, (time, time), &["SYNC01.contoso.com"], vec![None])
    };
    assert_eq!(
        findings,
        [
            one(
                "phs.611.rpc-8439",
                "Fabrikam.com",
                Some(8439),
                "2024-12-02T08:40:00Z",
                611
            ),
            one(
                "phs.611.auth-same-samaccountname",
                "Contoso.com",
                None,
                "2024-12-02T08:50:00Z",
                611
            ),
            one(
                "phs.657.user-failed",
                "contoso.com",
                None,
                "2024-12-02T10:00:00Z",
                657
            ),
        ]
    );
    assert_eq!(
        report.findings[1].exception.as_deref(),
        Some("System.Runtime.InteropServices.COMException")
    );
}

/// A copy that went through a web ticket: every space a no-break space (U+00A0); and a copy
/// from a German documentation page with only some of the labels (`Taskkategorie:`, a
/// translation Event Viewer does not use, is read by name, not by its place).
#[test]
fn hard_spaces_and_an_abridged_header() {
    let paste = std::fs::read_to_string(fixture("").join("exports").join("paste-611-fenced.txt"))
        .unwrap()
        .replace(' ', "\u{a0}");
    let report = analyze_bytes(paste.into_bytes());
    let (findings, input) = outcome(&report);
    assert_eq!(input, text_ok(1));
    assert_eq!(findings[0].rule, "phs.611.rpc-1722");
    assert_eq!(
        findings[0].dc,
        Some((Some(s("server1.contoso.com")), Some(s("10.0.0.202"))))
    );
    assert_eq!(findings[0].first, "2020-08-10T11:00:39Z");
    let abridged = "Protokollname: Application\nQuelle: Directory Synchronization\n\
        Ereignis-ID: 611\nTaskkategorie: Keine\nEbene: Fehler\nBeschreibung: Password \
        synchronization failed for domain: Contoso.com. Details: DrsException: RPC Error 8453 : \
        Replication access was denied.\n";
    let report = analyze_bytes(abridged.as_bytes().to_vec());
    assert_eq!(report.findings[0].rule, "phs.611.rpc-8453");
    assert_eq!(report.findings[0].event_ids, [611]);
}

// ---------------------------------------------------------------------------------------
// Hostile pastes: each read to its end, bounded, with what it holds.

fn analyze_bytes(bytes: Vec<u8>) -> Report {
    analyze(
        [Source::bytes("paste.txt", bytes)],
        &Knowledge::builtin().unwrap(),
        &Options::default(),
    )
}

const EVENT: &str = "Log Name:      Application\r\nSource:        Directory Synchronization\r\n\
    Date:          3/4/2024 8:00:00 AM\r\nEvent ID:      611\r\nLevel:         Error\r\n\
    Computer:      SYNC01\r\nDescription:\r\nPassword synchronization failed for domain: \
    Contoso.com. Details: DrsException: RPC Error 8453 : Replication access was denied.\r\n";

#[test]
fn one_endless_line_is_no_event() {
    let mut bytes = b"Log Name: Application\nSource: x\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'A', 40 << 20));
    let report = analyze_bytes(bytes);
    assert_eq!(report.inputs[0].kind, InputKind::TextExport);
    assert!(report.findings.is_empty());
    assert_eq!(report.summary.records_read, 0);
}

#[test]
fn a_description_without_end_keeps_its_event_and_what_follows() {
    // 1,000,000 empty lines and 300,000 lines of text in one description (beyond what a
    // record keeps), then an event.
    let mut text = String::from(EVENT);
    text.push_str(&"\r\n".repeat(1_000_000));
    text.push_str(&"the description goes on\r\n".repeat(300_000));
    text.push_str(EVENT);
    let report = analyze_bytes(text.into_bytes());
    assert_eq!(report.summary.records_read, 2);
    assert_eq!(report.findings[0].rule, "phs.611.rpc-8453");
    assert_eq!(report.findings[0].count, 2);
}

#[test]
fn a_label_block_repeated_is_read_as_many_records() {
    let block = "TimeCreated  : 3/4/2024 8:00:00 AM\nProviderName : ADSync\nId           : 6900\n\
        Message      : AADSTS50054: Old password is used for authentication.\n";
    let report = analyze_bytes(block.repeat(20_000).into_bytes());
    assert_eq!(report.summary.records_read, 20_000);
    assert_eq!(report.findings[0].count, 20_000);
    // Labels in great numbers, each new: one record.
    let labels: String = (0..100_000).map(|i| format!("Label{i} : x\n")).collect();
    let report = analyze_bytes(format!("Id : 1\nSource : y\n{labels}").into_bytes());
    assert_eq!(report.summary.records_read, 1);
}

#[test]
fn nul_bytes_bad_surrogates_and_mixed_encodings() {
    // NULs inside an event's lines.
    let with_nuls = EVENT.replace("Replication", "Repl\0ication\0\0");
    let report = analyze_bytes(with_nuls.into_bytes());
    assert_eq!(report.summary.records_read, 1);
    // UTF-16 with lone surrogates: replaced, the event still read.
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in EVENT.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    utf16.extend_from_slice(&[0x00, 0xD8, 0x41, 0x00, 0x00, 0xDC, 0x0D, 0x00, 0x0A, 0x00]);
    for unit in EVENT.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let report = analyze_bytes(utf16);
    assert_eq!(report.summary.records_read, 2);
    assert_eq!(report.findings[0].count, 2);
    // UTF-8 then the same event in UTF-16 (two pastes glued): the UTF-8 one is read, the rest
    // is noise inside its description.
    let mut mixed = EVENT.as_bytes().to_vec();
    for unit in EVENT.encode_utf16() {
        mixed.extend_from_slice(&unit.to_le_bytes());
    }
    mixed.extend_from_slice("Windows-1252: Schl\u{fc}ssel".as_bytes());
    mixed.extend_from_slice(b"\xfc\xe9\xff\r\n");
    let report = analyze_bytes(mixed);
    assert_eq!(report.summary.records_read, 1);
    assert_eq!(report.findings[0].rule, "phs.611.rpc-8453");
}
