//! `evtx-doctor analyze`: exit status, report contents, options and filters.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn noise_only_exits_3_nothing_to_judge() {
    let inputs = inputs();
    let (code, report) = analyze_json(&[s(&inputs.noise)]);
    assert_eq!(code, 3, "{report}");
    assert!(findings(&report).is_empty());
}

#[test]
fn failures_exit_1_with_the_8453_finding() {
    let inputs = inputs();
    let (code, report) = analyze_json(&[s(&inputs.failing)]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report).len(), 2, "{report:#}");
    let contoso = finding(&report, "Contoso.com").expect("Contoso.com finding");
    assert_eq!(contoso["rule"], "phs.611.rpc-8453");
    assert_eq!(contoso["error_code"], 8453);
    assert_eq!(contoso["count"], 3);
    assert_eq!(contoso["first_seen"], "2024-03-04T08:00:00Z");
    assert_eq!(contoso["last_seen"], "2024-03-04T09:00:00Z");
    let fabrikam = finding(&report, "Fabrikam.com").expect("Fabrikam.com finding");
    assert_eq!(fabrikam["rule"], "phs.611.rpc-8453");
    assert_eq!(fabrikam["count"], 2);
}

#[test]
fn text_report_by_default() {
    let inputs = inputs();
    cli()
        .args(["analyze", s(&inputs.failing)])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("8453"))
        .stdout(predicate::str::contains("Contoso.com"));
}

#[test]
fn a_folder_is_searched() {
    let inputs = inputs();
    let (code, report) = analyze_json(&[s(inputs.dir.path())]);
    assert_eq!(code, 1);
    assert_eq!(report["inputs"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        finding(&report, "Contoso.com").map(|f| &f["count"]),
        Some(&3.into())
    );
}

#[test]
fn missing_path_among_good_ones_exits_2_and_still_reports() {
    let inputs = inputs();
    let missing = inputs.dir.path().join("does-not-exist.evtx");
    let output = cli()
        .args([
            "analyze",
            "--format",
            "json",
            s(&inputs.failing),
            s(&missing),
            s(&inputs.noise),
        ])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(
        finding(&report, "Contoso.com").map(|f| &f["count"]),
        Some(&3.into())
    );
    let inputs_json = report["inputs"].as_array().expect("inputs");
    assert_eq!(inputs_json.len(), 3);
    assert!(inputs_json.iter().any(|i| {
        i["status"] == "unreadable"
            && i["path"]
                .as_str()
                .is_some_and(|p| p.contains("does-not-exist"))
    }));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does-not-exist.evtx"), "{stderr}");
}

#[test]
fn non_evtx_file_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bogus = dir.path().join("notes.evtx");
    std::fs::write(
        &bogus,
        "these are not the logs you are looking for\n".repeat(100),
    )
    .expect("write");
    let (code, report) = analyze_json(&[s(&bogus)]);
    assert_eq!(code, 2);
    assert_eq!(report["inputs"][0]["status"], "unreadable");
}

#[test]
fn usage_errors_exit_2() {
    let inputs = inputs();
    let failing = s(&inputs.failing);
    for args in [
        vec!["analyze"],
        vec!["analyze", "--bogus", failing],
        vec!["analyze", "--format", "yaml", failing],
        vec!["analyze", "--threads", "0", failing],
        vec!["analyze", "--threads", "many", failing],
        vec!["analyze", "--since", "yesterday", failing],
        vec!["analyze", "--until", "2024-02-30", failing],
        vec![
            "analyze",
            "--since",
            "2024-03-05",
            "--until",
            "2024-03-04T12:00:00Z",
            failing,
        ],
        vec!["frobnicate"],
        vec![],
    ] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(!stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn output_file_gets_the_report_and_stdout_nothing() {
    let inputs = inputs();
    let out = inputs.dir.path().join("report.json");
    cli()
        .args([
            "analyze",
            "--format",
            "json",
            "-o",
            s(&out),
            s(&inputs.failing),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report written"))
            .expect("JSON");
    assert_eq!(
        finding(&report, "Contoso.com").map(|f| &f["rule"]),
        Some(&"phs.611.rpc-8453".into())
    );
}

#[test]
fn since_and_until_filter_events() {
    let inputs = inputs();
    let failing = s(&inputs.failing);
    // Everything is before --since, or after --until.
    for args in [
        ["--since", "2024-03-06"],
        ["--until", "2024-03-03"],
        ["--since", "2024-03-05T11:00:00Z"],
    ] {
        let mut all = args.to_vec();
        all.push(failing);
        let (code, report) = analyze_json(&all);
        assert_eq!(code, 3, "nothing left to judge: {args:?}: {report:#}");
        assert!(findings(&report).is_empty());
    }
    // A plain --until date includes that whole day.
    let (code, report) = analyze_json(&["--until", "2024-03-04", failing]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report).len(), 1);
    assert_eq!(
        finding(&report, "Contoso.com").map(|f| &f["count"]),
        Some(&3.into())
    );
    // A window inside the first day.
    let (code, report) = analyze_json(&[
        "--since",
        "2024-03-04T08:15:00Z",
        "--until",
        "2024-03-04",
        failing,
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        finding(&report, "Contoso.com").map(|f| &f["count"]),
        Some(&2.into())
    );
    assert!(finding(&report, "Fabrikam.com").is_none());
    // An offset is honoured: 11:15+01:00 is 10:15Z, after the first Fabrikam event.
    let (_, report) = analyze_json(&["--since", "2024-03-05T11:15:00+01:00", failing]);
    assert_eq!(
        finding(&report, "Fabrikam.com").map(|f| &f["count"]),
        Some(&1.into())
    );
}

#[test]
fn computer_filter() {
    let inputs = inputs();
    let failing = s(&inputs.failing);
    let (code, report) = analyze_json(&["--computer", "sync02.CONTOSO.com", failing]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report).len(), 1, "{report:#}");
    assert_eq!(
        finding(&report, "Fabrikam.com").map(|f| &f["count"]),
        Some(&2.into())
    );
    let (code, report) = analyze_json(&[
        "--computer",
        "SYNC01.contoso.com",
        "--computer",
        "SYNC02.contoso.com",
        failing,
    ]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report).len(), 2);
    let (code, report) = analyze_json(&["--computer", "OTHER", failing]);
    assert_eq!(code, 3);
    assert!(findings(&report).is_empty());
}

#[test]
fn quiet_prints_nothing() {
    let inputs = inputs();
    cli()
        .args(["analyze", "--quiet", s(&inputs.failing)])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
    cli()
        .args(["analyze", "-q", s(&inputs.noise)])
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
    let missing = inputs.dir.path().join("missing.evtx");
    cli()
        .args(["analyze", "-q", s(&inputs.noise), s(&missing)])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty());
    // With -o the report is still written.
    let out = inputs.dir.path().join("quiet.json");
    cli()
        .args([
            "analyze",
            "-q",
            "-f",
            "json",
            "-o",
            s(&out),
            s(&inputs.failing),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("JSON");
    assert_eq!(findings(&report).len(), 2);
}

#[test]
fn prefilter_and_thread_count_do_not_change_the_report() {
    let inputs = inputs();
    let failing = s(&inputs.failing);
    let noise = s(&inputs.noise);
    let run_json = |extra: &[&str]| {
        let mut args = vec!["analyze", "--format", "json"];
        args.extend_from_slice(extra);
        args.extend([failing, noise]);
        let (code, stdout, _) = run(&args);
        assert_eq!(code, 1);
        let mut report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        // How much was read is allowed to differ: the prefilter skips chunks without parsing
        // them. Everything else (findings, verdicts, time spans, problems) must not.
        let read_fields = [
            "chunks_read",
            "chunks_skipped",
            "records_read",
            "records_skipped",
        ];
        for input in report["inputs"].as_array_mut().expect("inputs") {
            for key in read_fields {
                input.as_object_mut().expect("object").remove(key);
            }
        }
        for key in read_fields {
            report["summary"]
                .as_object_mut()
                .expect("summary")
                .remove(key);
        }
        // The report says which way it was made.
        report["options"]
            .as_object_mut()
            .expect("options")
            .remove("prefilter");
        report
    };
    let default = run_json(&[]);
    assert_eq!(default, run_json(&["--no-prefilter"]));
    let (_, one, _) = run(&["analyze", "-f", "json", "--threads", "1", failing, noise]);
    let (_, two, _) = run(&["analyze", "-f", "json", "--threads", "2", failing, noise]);
    assert_eq!(one, two, "--threads 1 and 2 must give byte-identical JSON");
}

#[test]
fn every_format_runs() {
    let inputs = inputs();
    let help = run(&["analyze", "--help"]).1;
    let formats = ["text", "json", "jsonl", "csv", "markdown", "html"];
    for format in formats {
        assert!(
            help.contains(format),
            "{format} not offered by --help:\n{help}"
        );
        let (code, stdout, stderr) = run(&["analyze", "--format", format, s(&inputs.failing)]);
        assert_eq!(code, 1, "{format}: {stderr}");
        assert!(stdout.contains("8453"), "{format}: {stdout}");
        assert!(stdout.contains("Contoso.com"), "{format}: {stdout}");
    }
    let (_, jsonl, _) = run(&["analyze", "--format", "jsonl", s(&inputs.failing)]);
    for line in jsonl.lines() {
        let _: serde_json::Value = serde_json::from_str(line).expect("every jsonl line is JSON");
    }
    // A name that is not a format is a usage error.
    assert_eq!(
        run(&["analyze", "--format", "xml", s(&inputs.failing)]).0,
        2
    );
}

#[test]
fn rules_file_overrides_a_builtin_title() {
    let inputs = inputs();
    let pack = inputs.dir.path().join("site.toml");
    std::fs::write(
        &pack,
        pack_8453(
            "site",
            "SITE: the connector account lost its replication rights",
            "error",
            "Someone removed the rights again.",
            "Run the site's permission script.",
        ),
    )
    .expect("write pack");
    let (code, report) = analyze_json(&["--rules", s(&pack), s(&inputs.failing)]);
    assert_eq!(code, 1);
    let contoso = finding(&report, "Contoso.com").expect("finding");
    assert_eq!(contoso["rule"], "phs.611.rpc-8453");
    assert_eq!(
        contoso["title"],
        "SITE: the connector account lost its replication rights"
    );
    assert_eq!(contoso["cause"], "Someone removed the rights again.");
}

#[test]
fn bad_rules_file_exits_2_naming_file_and_line() {
    let inputs = inputs();
    let pack = inputs.dir.path().join("broken.toml");
    std::fs::write(
        &pack,
        "[pack]\nid = \"x\"\ntitle = \"x\"\n\n[[rule]]\nid = \n",
    )
    .expect("write");
    cli()
        .args(["analyze", "--rules", s(&pack), s(&inputs.failing)])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("broken.toml:6"));
}

#[test]
fn bundled_fixtures() {
    // The fixtures are part of the repository: a missing one is a failure, not a skip.
    let fixtures = fixtures();
    let rpc_8453 = fixtures.join("kb2867278-rpc-8453.evtx");
    let (code, report) = analyze_json(&[s(&rpc_8453)]);
    assert_eq!(code, 1);
    assert_eq!(
        finding(&report, "Contoso.com").map(|f| &f["rule"]),
        Some(&"phs.611.rpc-8453".into())
    );
    let (code, _) = analyze_json(&[s(&fixtures.join("noise-only.evtx"))]);
    assert_eq!(code, 3);
}

/// A sample in the text report shows the line with the error, not the 611's header line
/// (`Password synchronization failed for domain: Contoso.com. Details:`).
#[test]
fn text_samples_show_the_error_line() {
    let path = fixtures().join("kb2867278-rpc-8439.evtx");
    let (code, stdout, stderr) = run(&["analyze", s(&path)]);
    assert_eq!(code, 1, "{stderr}");
    // Each `sample` field with the lines it wraps onto (indented 16 columns).
    let mut samples: Vec<String> = Vec::new();
    let mut inside = false;
    for line in stdout.lines() {
        if let Some(first) = line.strip_prefix("     sample     ") {
            samples.push(first.to_owned());
            inside = true;
        } else if inside && line.starts_with(&" ".repeat(16)) {
            let sample = samples.last_mut().expect("a sample");
            sample.push(' ');
            sample.push_str(line.trim());
        } else {
            inside = false;
        }
    }
    assert_eq!(samples.len(), 4, "{stdout}");
    for sample in samples {
        assert!(
            sample.contains("DrsException: RPC Error 8439")
                && sample.contains("The distinguished name specified"),
            "{sample}"
        );
        assert!(!sample.contains("Details:"), "{sample}");
    }
}

/// Events pasted from Event Viewer, read from standard input (`Get-Clipboard | evtx-doctor
/// analyze -`), with and without the exporting machine's time zone.
#[test]
fn a_paste_from_standard_input_and_its_time_zone() {
    let paste = std::fs::read(fixtures().join("exports/paste-eventviewer-611.txt")).unwrap();
    let first_seen = |args: &[&str]| {
        let out = cli()
            .args(args)
            .write_stdin(paste.clone())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let problems: Vec<String> = report["inputs"][0]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap_or_default().to_owned())
            .collect();
        (
            report["findings"][0]["first_seen"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            problems,
        )
    };
    // Without a zone: `Date: 3/4/2024 8:00:00 AM` read as UTC, and said so.
    let (utc, notes) = first_seen(&["analyze", "--format", "json", "-"]);
    assert_eq!(
        (utc.as_str(), notes.as_slice()),
        (
            "2024-03-04T08:00:00Z",
            ["text_local_time".to_owned()].as_slice()
        )
    );
    // The machine was at UTC+2: its 08:00 was 06:00 UTC; no note.
    let (zoned, notes) = first_seen(&["analyze", "--format", "json", "--timezone", "+02:00", "-"]);
    assert_eq!(zoned, "2024-03-04T06:00:00Z");
    assert!(notes.is_empty(), "{notes:?}");
    // A zone that does not exist is a usage error.
    cli()
        .args(["analyze", "--timezone", "Mars/Olympus", "-"])
        .write_stdin(paste)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("time zone name"));
}
