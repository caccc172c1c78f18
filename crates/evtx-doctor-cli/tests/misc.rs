//! Help, version, shell completions and the man page.

mod common;

use common::*;

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, stdout, stderr) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains("evtx-doctor"), "{shell}");
        assert!(stdout.contains("analyze"), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"]).0, 2);
}

#[test]
fn man_page() {
    let (code, stdout, stderr) = run(&["man"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(".ie") || stdout.contains(".TH"),
        "{stdout}"
    );
    assert!(stdout.contains("evtx\\-doctor"), "{stdout}");
    assert!(stdout.contains("analyze"), "{stdout}");
}

#[test]
fn help_documents_every_analyze_option() {
    let (code, stdout, _) = run(&["analyze", "--help"]);
    assert_eq!(code, 0);
    for option in [
        "--format",
        "--output",
        "--threads",
        "--no-progress",
        "--no-prefilter",
        "--rules",
        "--since",
        "--until",
        "--computer",
        "--quiet",
        "Examples:",
        "Exit status:",
    ] {
        assert!(stdout.contains(option), "{option} missing from:\n{stdout}");
    }
    assert_eq!(run(&["--help"]).0, 0);
    assert_eq!(run(&["--version"]).0, 0);
}

#[test]
fn man_pages_to_a_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, stdout, stderr) = run(&["man", "--dir", s(dir.path())]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    for page in [
        "evtx-doctor.1",
        "evtx-doctor-analyze.1",
        "evtx-doctor-explain.1",
        "evtx-doctor-rules-list.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap_or_default();
        assert!(text.contains(".TH"), "{page}");
    }
    let analyze = std::fs::read_to_string(dir.path().join("evtx-doctor-analyze.1")).expect("page");
    assert!(analyze.contains("since"), "{analyze}");
}
