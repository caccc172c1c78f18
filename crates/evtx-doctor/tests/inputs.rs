//! Inputs end to end: zip archives (nested folders, zip in zip), globs, folder walks, and Event
//! Viewer XML / CSV / text exports, each giving the same finding as the .evtx file.

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::{Finding, InputKind, InputReport, InputStatus, Report};
use evtx_doctor::{Limits, Options, analyze};
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

const RULE: &str = "phs.611.rpc-8453";

/// An .evtx file with three password-sync failures (RPC 8453, domain Contoso.com).
fn evtx() -> Vec<u8> {
    let spec = evtx_forge::Spec::from_toml(
        r#"
        computer = "SYNC01.contoso.com"
        channel = "Application"
        [[series]]
        provider = "Directory Synchronization"
        event_id = 611
        qualifiers = 0
        level = "Error"
        every = "30m"
        from = "2024-03-04T08:00:00Z"
        count = 3
        data = """Password synchronization failed for domain: Contoso.com. Details: \
        \r\nMicrosoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8453 : Replication access was denied. There was an error calling _IDL_DRSGetNCChanges."""
        "#,
    )
    .unwrap();
    evtx_forge::write_evtx(&spec).unwrap()
}

/// A zip archive (deflated) holding `entries`; a name ending in `/` is a folder.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        if name.ends_with('/') {
            writer.add_directory(*name, options).unwrap();
        } else {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
    }
    writer.finish().unwrap().into_inner()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run(paths: &[PathBuf]) -> Report {
    analyze(paths, &Knowledge::builtin().unwrap(), &Options::default())
}

fn finding(report: &Report) -> &Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == RULE)
        .unwrap_or_else(|| panic!("no {RULE} finding in {:#?}", report.findings))
}

fn input<'a>(report: &'a Report, ends_with: &str) -> &'a InputReport {
    report
        .inputs
        .iter()
        .find(|i| i.path.ends_with(ends_with))
        .unwrap_or_else(|| panic!("no input {ends_with} in {:#?}", report.inputs))
}

fn problem_kinds(input: &InputReport) -> Vec<&str> {
    input.problems.iter().map(|p| p.kind.as_str()).collect()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/exports")
        .join(name)
}

#[test]
fn evtx_inside_a_folder_of_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zip_of(&[
        ("inner/", b""),
        ("inner/Application.evtx", &evtx()),
        ("inner/readme.md", b"# not a log"),
    ]);
    let path = write(dir.path(), "x.zip", &zip);
    let report = run(&[path]);
    let found = finding(&report);
    assert_eq!(found.domain.as_deref(), Some("Contoso.com"));
    assert_eq!(found.count, 3);
    assert!(
        found.samples[0]
            .input
            .ends_with("x.zip!inner/Application.evtx")
    );
    assert_eq!(report.inputs.len(), 1, "{:#?}", report.inputs);
    let entry = input(&report, "x.zip!inner/Application.evtx");
    assert_eq!(
        (entry.kind, entry.status),
        (InputKind::Evtx, InputStatus::Ok)
    );
}

#[test]
fn zip_inside_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let inner = zip_of(&[("Application.evtx", &evtx())]);
    let outer = zip_of(&[("nested/inner.zip", &inner)]);
    let path = write(dir.path(), "outer.zip", &outer);
    let report = run(&[path]);
    assert_eq!(finding(&report).count, 3);
    input(&report, "outer.zip!nested/inner.zip!Application.evtx");
}

#[test]
fn archives_nested_too_deep_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = zip_of(&[("Application.evtx", &evtx())]);
    // Five archives around the log: the innermost is one too deep.
    for level in 0..5 {
        bytes = zip_of(&[(&format!("level{level}.zip"), &bytes)]);
    }
    let path = write(dir.path(), "deep.zip", &bytes);
    let report = run(&[path]);
    assert!(report.findings.is_empty());
    let deep = input(
        &report,
        "level4.zip!level3.zip!level2.zip!level1.zip!level0.zip",
    );
    assert_eq!(deep.status, InputStatus::Unreadable);
    assert_eq!(problem_kinds(deep), ["archive_too_deep"]);
}

#[test]
fn the_same_log_plain_and_zipped_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = evtx();
    let plain = write(dir.path(), "Application.evtx", &bytes);
    let zipped = write(
        dir.path(),
        "copy.zip",
        &zip_of(&[("Application.evtx", &bytes)]),
    );
    let report = run(&[plain, zipped]);
    assert_eq!(finding(&report).count, 3);
    assert_eq!(report.summary.duplicates_dropped, 3);
    assert_eq!(report.inputs.len(), 2);
}

#[test]
fn folder_walk_picks_up_archives_and_exports_and_drops_other_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/logs.ZIP", &zip_of(&[("App.evtx", &evtx())]));
    write(dir.path(), "b/notes.txt", b"call the customer back");
    write(
        dir.path(),
        "b/pom.xml",
        b"<project><modelVersion/></project>",
    );
    write(dir.path(), "b/data.csv", b"name,age\nbob,3\n");
    write(dir.path(), "b/other.zip", &zip_of(&[("readme.md", b"hi")]));
    let csv = std::fs::read(fixture("eventviewer.csv")).unwrap();
    write(dir.path(), "c/export.csv", &csv);
    let report = run(&[dir.path().to_owned()]);
    let paths: Vec<&str> = report.inputs.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths[0].ends_with("logs.ZIP!App.evtx"), "{paths:?}");
    assert!(paths[1].ends_with("export.csv"), "{paths:?}");
    // 3 from the .evtx, 2 from the CSV (no record ids there: not duplicates).
    assert_eq!(finding(&report).count, 5);
}

#[test]
fn named_files_that_are_not_logs_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let notes = write(dir.path(), "notes.txt", b"call the customer back");
    let empty_zip = write(dir.path(), "other.zip", &zip_of(&[("readme.md", b"hi")]));
    let report = run(&[notes, empty_zip]);
    assert_eq!(problem_kinds(input(&report, "notes.txt")), ["not_evtx"]);
    assert_eq!(
        problem_kinds(input(&report, "other.zip")),
        ["archive_no_logs"]
    );
}

#[test]
fn globs_are_expanded_sorted_and_report_no_match() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = evtx();
    write(dir.path(), "logs/b/Application-2.evtx", &bytes);
    write(dir.path(), "logs/a/Application-1.evtx", &bytes);
    write(dir.path(), "logs/a/System.evtx", b"ElfFile\0");
    let deep = dir.path().join("logs/**/Application*.evtx");
    let none = dir.path().join("logs/*.xml");
    let report = run(&[deep, none]);
    let paths: Vec<&str> = report.inputs.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(paths[0].ends_with("Application-1.evtx"));
    assert!(paths[1].ends_with("Application-2.evtx"));
    let missing = &report.inputs[2];
    assert!(missing.path.ends_with("logs/*.xml"));
    assert_eq!(problem_kinds(missing), ["no_match"]);
    assert!(missing.problems[0].message.starts_with("no file matches"));
    assert_eq!(finding(&report).count, 3);
    assert_eq!(report.summary.duplicates_dropped, 3);
}

/// Analyzes one export fixture: the finding, with `count` events from `first_seen`.
fn export_gives_finding(name: &str, kind: InputKind, count: u64, first_seen: &str) -> Report {
    let report = run(&[fixture(name)]);
    let input = input(&report, name);
    assert_eq!(input.kind, kind, "{input:#?}");
    let found = finding(&report);
    assert_eq!(found.domain.as_deref(), Some("Contoso.com"));
    assert_eq!(found.error_code, Some(8453));
    assert_eq!(found.count, count);
    assert_eq!(found.first_seen.unwrap().to_string(), first_seen);
    report
}

#[test]
fn event_viewer_xml_with_only_a_rendered_message() {
    let report = export_gives_finding(
        "eventviewer-rendered.xml",
        InputKind::XmlExport,
        2,
        "2024-03-04T08:00:00Z",
    );
    let input = &report.inputs[0];
    assert_eq!(
        (input.counts.records_read, input.status),
        (3, InputStatus::Ok)
    );
    assert_eq!(finding(&report).computers, ["SYNC01.contoso.com"]);
}

#[test]
fn event_viewer_xml_in_utf16le() {
    let report = export_gives_finding(
        "eventviewer-utf16le.xml",
        InputKind::XmlExport,
        2,
        "2024-03-04T08:00:00Z",
    );
    assert_eq!(report.inputs[0].status, InputStatus::Ok);
}

#[test]
fn wevtutil_xml_without_wrapper() {
    let report = export_gives_finding(
        "wevtutil.xml",
        InputKind::XmlExport,
        2,
        "2024-03-04T09:00:00Z",
    );
    assert_eq!(report.inputs[0].counts.records_read, 2);
}

#[test]
fn xml_export_and_evtx_of_the_same_events_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let xml = std::fs::read(fixture("eventviewer-rendered.xml")).unwrap();
    let zipped = write(
        dir.path(),
        "x.zip",
        &zip_of(&[("exports/events.xml", &xml)]),
    );
    let report = run(&[fixture("eventviewer-rendered.xml"), zipped]);
    assert_eq!(finding(&report).count, 2);
    assert_eq!(report.summary.duplicates_dropped, 2);
}

#[test]
fn event_viewer_csv() {
    let report = export_gives_finding(
        "eventviewer.csv",
        InputKind::CsvExport,
        2,
        "2024-03-04T08:00:00Z",
    );
    let input = &report.inputs[0];
    assert_eq!(input.counts.records_read, 3);
    // One problem, for the whole file: the times are local time read as UTC. It is a note:
    // nothing was lost, so the input is not damaged.
    assert_eq!(problem_kinds(input), ["csv_local_time"]);
    assert_eq!(input.status, evtx_doctor::report::InputStatus::Ok);
}

/// Lines ended by a lone CR (old Mac Excel): every row is read, as with CRLF (issue 16.10:
/// "the export holds a header but no rows").
#[test]
fn csv_with_carriage_return_line_ends() {
    let report = export_gives_finding(
        "eventviewer-cr.csv",
        InputKind::CsvExport,
        2,
        "2024-03-04T08:00:00Z",
    );
    let crlf = run(&[fixture("eventviewer.csv")]);
    let essence = |report: &Report| -> Vec<_> {
        report
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule.clone(),
                    f.domain.clone(),
                    f.count,
                    f.first_seen,
                    f.last_seen,
                )
            })
            .collect()
    };
    assert_eq!(essence(&report), essence(&crlf));
    assert_eq!(report.inputs[0].counts.records_read, 3);
}

#[test]
fn event_viewer_tab_separated_text_from_a_german_machine() {
    let report = export_gives_finding(
        "eventviewer-de.txt",
        InputKind::CsvExport,
        2,
        "2024-03-04T08:00:00Z",
    );
    assert_eq!(problem_kinds(&report.inputs[0]), ["csv_local_time"]);
}

// ---- hostile inputs: none panics, each gives a named problem ----

#[test]
fn billion_laughs_entities_are_not_expanded() {
    let started = std::time::Instant::now();
    let report = run(&[fixture("hostile-billion-laughs.xml")]);
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(finding(&report).count, 1);
    assert_eq!(problem_kinds(&report.inputs[0]), ["xml_doctype_ignored"]);
}

#[test]
fn xml_cut_in_the_middle_keeps_what_was_read() {
    let report = run(&[fixture("hostile-cut.xml")]);
    let input = &report.inputs[0];
    assert_eq!(problem_kinds(input), ["xml_truncated"]);
    assert_eq!(
        (input.counts.records_read, input.counts.records_unreadable),
        (1, 1)
    );
    assert!(input.problems[0].message.contains("line 6"), "{input:#?}");
    assert_eq!(finding(&report).count, 1);
}

#[test]
fn csv_with_broken_quoting_keeps_the_good_rows() {
    let report = run(&[fixture("hostile-broken-quotes.csv")]);
    let input = &report.inputs[0];
    assert_eq!(
        problem_kinds(input),
        ["csv_bad_row", "csv_local_time", "csv_bad_row"]
    );
    assert!(input.problems[0].message.contains("line 2"), "{input:#?}");
    assert!(input.problems[2].message.contains("line 7"), "{input:#?}");
    assert_eq!(input.counts.records_unreadable, 2);
    assert_eq!(finding(&report).count, 1);
}

fn run_with(paths: &[PathBuf], limits: Limits) -> Report {
    let options = Options {
        limits,
        ..Options::default()
    };
    analyze(paths, &Knowledge::builtin().unwrap(), &options)
}

#[test]
fn zip_bomb_stops_at_the_ratio_limit() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MiB of zeros deflate to ~64 KiB; the ratio is judged past 1 MiB here.
    let zeros = vec![0u8; 64 << 20];
    let mut evtx_like = b"ElfFile\0".to_vec();
    evtx_like.extend_from_slice(&zeros);
    let path = write(
        dir.path(),
        "bomb.zip",
        &zip_of(&[("bomb.evtx", &evtx_like), ("ok.evtx", &evtx())]),
    );
    let report = run_with(
        std::slice::from_ref(&path),
        Limits {
            ratio_after: 1 << 20,
            ..Limits::default()
        },
    );
    let bomb = input(&report, "bomb.zip!bomb.evtx");
    assert_eq!(
        problem_kinds(bomb).last(),
        Some(&"archive_bomb"),
        "{bomb:#?}"
    );
    assert!(bomb.problems.last().unwrap().message.contains("zip bomb"));
    assert_eq!(finding(&report).count, 3, "the other entry is read");
    // The run's budget: both entries fit alone, not together (which one is cut depends on
    // which inflates first).
    let report = run_with(
        &[path],
        Limits {
            expansion_bytes: (64 << 20) + 1000,
            expansion_ratio: u64::MAX,
            ..Limits::default()
        },
    );
    let cut: Vec<&str> = report
        .inputs
        .iter()
        .filter(|i| i.problems.iter().any(|p| p.kind == "archive_too_large"))
        .map(|i| i.path.as_str())
        .collect();
    assert_eq!(cut.len(), 1, "{:#?}", report.inputs);
}

#[test]
fn corrupt_and_truncated_zips_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = zip_of(&[("Application.evtx", &evtx())]);
    let garbage = write(
        dir.path(),
        "garbage.zip",
        b"PK\x03\x04 this is not a zip at all",
    );
    let truncated = write(dir.path(), "truncated.zip", &good[..good.len() / 2]);
    // A damaged deflate stream inside an intact archive.
    let mut damaged = good.clone();
    for byte in &mut damaged[100..600] {
        *byte ^= 0x5A;
    }
    let damaged = write(dir.path(), "damaged.zip", &damaged);
    let report = run(&[garbage, truncated, damaged]);
    assert_eq!(
        problem_kinds(input(&report, "garbage.zip")),
        ["archive_unreadable"]
    );
    // A cut archive has no directory: what its local headers still hold is read.
    assert_eq!(
        problem_kinds(input(&report, "truncated.zip"))[0],
        "archive_unreadable"
    );
    assert_eq!(
        problem_kinds(input(&report, "damaged.zip!Application.evtx")),
        ["archive_entry_damaged"]
    );
    // The cut archive is damaged, not unreadable: its entry's first chunks were read.
    assert_eq!(input(&report, "truncated.zip").status, InputStatus::Damaged);
    assert_eq!(report.summary.unreadable_inputs, 2);
}

/// Sets, in a zip written by [`zip_of`], the general-purpose flags and compression method of
/// every entry (local and central headers).
fn patch_entries(mut bytes: Vec<u8>, flags_or: u16, method: Option<u16>) -> Vec<u8> {
    let mut patch = |signature: &[u8], flags_at: usize, method_at: usize| {
        let mut at = 0;
        while let Some(i) = bytes[at..]
            .windows(4)
            .position(|w| w == signature)
            .map(|i| at + i)
        {
            let flags = u16::from_le_bytes([bytes[i + flags_at], bytes[i + flags_at + 1]]);
            bytes[i + flags_at..i + flags_at + 2]
                .copy_from_slice(&(flags | flags_or).to_le_bytes());
            if let Some(method) = method {
                bytes[i + method_at..i + method_at + 2].copy_from_slice(&method.to_le_bytes());
            }
            at = i + 4;
        }
    };
    patch(b"PK\x03\x04", 6, 8);
    patch(b"PK\x01\x02", 8, 10);
    bytes
}

#[test]
fn encrypted_and_unsupported_entries_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let stored = |name: &str| {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        writer.start_file(name, options).unwrap();
        writer.write_all(&evtx()).unwrap();
        writer.finish().unwrap().into_inner()
    };
    let encrypted = write(
        dir.path(),
        "encrypted.zip",
        &patch_entries(stored("Application.evtx"), 1, None),
    );
    // Method 12 is bzip2, not built in.
    let bzip2 = write(
        dir.path(),
        "bzip2.zip",
        &patch_entries(stored("Application.evtx"), 0, Some(12)),
    );
    let report = run(&[encrypted, bzip2]);
    assert_eq!(
        problem_kinds(input(&report, "encrypted.zip!Application.evtx")),
        ["archive_entry_encrypted"]
    );
    assert_eq!(
        problem_kinds(input(&report, "bzip2.zip!Application.evtx")),
        ["archive_entry_unsupported"]
    );
}

#[test]
fn non_utf8_entry_names_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = zip_of(&[("caf#.evtx", &evtx())]);
    // Replace `#` by 0xE9 (Latin-1 e acute), which is not UTF-8, in both headers.
    for i in 0..bytes.len() - 5 {
        if &bytes[i..i + 5] == b"#.evt" {
            bytes[i] = 0xE9;
        }
    }
    let cp437 = write(dir.path(), "latin1.zip", &bytes);
    // The same with the UTF-8 flag set (bit 11): the name is invalid UTF-8.
    let flagged = write(
        dir.path(),
        "flagged.zip",
        &patch_entries(bytes, 1 << 11, None),
    );
    let report = run(&[cp437, flagged]);
    assert_eq!(report.inputs.len(), 2, "{:#?}", report.inputs);
    assert_eq!(finding(&report).count, 3);
    assert_eq!(report.summary.duplicates_dropped, 3);
    assert!(report.inputs.iter().all(|i| i.path.contains(".zip!caf")));
}
