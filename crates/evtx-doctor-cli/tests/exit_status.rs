//! `analyze`'s exit status: 0 only when the logs show password hash sync working or nothing
//! wrong with it; a stalled agent is a failure; no input is an error; nothing to judge by
//! has its own status and says what happened.

mod common;

use common::*;

/// Runs `analyze` (text report) with `args`: (status, stdout, stderr).
fn analyze(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn healthy_logs_exit_0() {
    let healthy = fixtures().join("healthy.evtx");
    let (code, stdout, stderr) = analyze(&[s(&healthy)]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_recovered_domain_with_findings_exits_1() {
    let recovered = fixtures().join("health-recovered.evtx");
    assert_eq!(analyze(&[s(&recovered)]).0, 1);
}

#[test]
fn a_stalled_agent_is_a_failure() {
    let stalled = fixtures().join("health-stalled.evtx");
    let (code, stdout, _) = analyze(&[s(&stalled)]);
    assert!(stdout.contains("STALLED"), "{stdout}");
    assert_eq!(code, 1, "{stdout}");
}

#[test]
fn an_empty_folder_is_an_input_error_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, stderr) = analyze(&[s(dir.path())]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no input found"), "{stderr}");
    assert!(stderr.contains(s(dir.path())), "names the folder: {stderr}");
    assert!(stderr.contains(" holds no event log"), "{stderr}");
    // The report says the same, without asking whether this is the right log.
    let (_, stdout, _) = analyze(&[s(dir.path())]);
    assert!(
        stdout.contains("no event log was found in the paths given"),
        "{stdout}"
    );
    assert!(!stdout.contains("Application log?"), "{stdout}");
}

#[test]
fn a_folder_of_unsupported_files_is_an_input_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.pdf"), b"%PDF-1.7").expect("write");
    std::fs::write(dir.path().join("photo.jpg"), b"\xff\xd8\xff").expect("write");
    let (code, _, stderr) = analyze(&[s(dir.path())]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no input found"), "{stderr}");
}

#[test]
fn filters_that_remove_every_event_exit_3_and_say_so() {
    let rpc = fixtures().join("kb2867278-rpc-8453.evtx");
    for args in [
        ["--since", "2099-01-01"],
        ["--computer", "OTHER.contoso.com"],
    ] {
        let mut all = args.to_vec();
        all.push(s(&rpc));
        let (code, stdout, stderr) = analyze(&all);
        assert_eq!(code, 3, "{args:?}: {stdout}{stderr}");
        for shown in [&stdout, &stderr] {
            assert!(
                shown.contains("the filters") && shown.contains("removed all 5"),
                "{args:?}: {shown}"
            );
            assert!(!shown.contains("Application log?"), "wrong hint: {shown}");
        }
    }
    let (_, _, stderr) = analyze(&["--since", "2099-01-01", s(&rpc)]);
    assert!(
        stderr.contains("since 2099-01-01 00:00:00 UTC"),
        "names the filter: {stderr}"
    );
}

#[test]
fn logs_without_password_sync_events_exit_3() {
    let noise = fixtures().join("noise-only.evtx");
    let (code, stdout, stderr) = analyze(&[s(&noise)]);
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(stderr.contains("nothing to judge"), "{stderr}");
    assert!(
        stderr.contains("no password sync events in 500 record(s)"),
        "{stderr}"
    );
}

#[test]
fn matches_that_are_all_warnings_are_not_called_no_events() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = dir.path().join("warn.toml");
    std::fs::write(
        &pack,
        pack_8453("warn", "A warning about 8453", "warning", "Test.", "Test."),
    )
    .expect("write pack");
    let rpc = fixtures().join("kb2867278-rpc-8453.evtx");
    let (code, stdout, stderr) = analyze(&["--rules", s(&pack), s(&rpc)]);
    assert_eq!(code, 1, "a finding is something wrong: {stdout}{stderr}");
    assert!(!stdout.contains("no password sync events"), "{stdout}");
}

#[test]
fn the_help_and_docs_state_the_contract() {
    let (_, help, _) = run(&["analyze", "--help"]);
    assert!(help.contains("3  nothing to judge"), "{help}");
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md"),
    )
    .expect("docs/cli.md");
    assert!(
        docs.contains("| 3 | nothing to judge"),
        "docs/cli.md names status 3"
    );
}
