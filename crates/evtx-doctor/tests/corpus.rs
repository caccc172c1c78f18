//! The shared corpus of real .evtx files (some deliberately damaged): every file is analyzed
//! without a panic, none yields a password-hash-sync finding, and every file appears in the
//! report with its counts.
//!
//! The corpus is read from `EVTX_DOCTOR_CORPUS`, or `../shared/corpus` beside the repository;
//! when it is absent each test says `SKIPPED <test>: no corpus at ...` in the normal
//! `cargo test` output (not only with `--nocapture`) and passes.

mod common;
use common::corpus;

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::{InputKind, InputStatus, Report};
use evtx_doctor::{Options, analyze};
use std::path::{Path, PathBuf};

fn evtx_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
            {
                files.push(path);
            }
        }
    }
    files
}

fn analyze_corpus(dir: &Path, prefilter: bool) -> Report {
    let options = Options {
        prefilter,
        ..Options::default()
    };
    analyze(&[dir.to_owned()], &Knowledge::builtin().unwrap(), &options)
}

#[test]
fn whole_corpus_runs_clean_with_no_findings() {
    let Some(dir) = corpus() else { return };
    let report = analyze_corpus(&dir, true);
    let expected = evtx_files(&dir).len();
    assert!(
        expected > 100,
        "expected the whole corpus, found {expected} files"
    );
    assert_eq!(report.inputs.len(), expected, "every file is in the report");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    for input in &report.inputs {
        assert_eq!(input.kind, InputKind::Evtx, "{}", input.path);
        assert_ne!(
            input.status,
            InputStatus::Unreadable,
            "{}: {:#?}",
            input.path,
            input.problems
        );
        assert!(input.counts.chunks > 0, "{}", input.path);
        assert_eq!(
            input.counts.chunks,
            input.counts.chunks_read
                + input.counts.chunks_skipped
                + input.counts.chunks_empty
                + input.counts.chunks_unreadable,
            "{}: every chunk is accounted for",
            input.path
        );
        assert!(input.problem_count as usize >= input.problems.len());
    }
    // The deliberately damaged samples are reported as damaged, with where.
    let bad_magic = report
        .inputs
        .iter()
        .find(|i| i.path.ends_with("sample_with_a_bad_chunk_magic.evtx"))
        .expect("the bad-magic sample is in the corpus");
    assert_eq!(bad_magic.status, InputStatus::Damaged);
    assert!(
        bad_magic
            .problems
            .iter()
            .any(|p| p.kind == "bad_chunk_magic" && p.chunk.is_some())
    );
}

/// With the prefilter off every chunk is parsed: records are counted exactly, and still no
/// finding, so the prefilter skipped nothing a rule could match.
#[test]
fn whole_corpus_without_prefilter_gives_the_same_answer() {
    let Some(dir) = corpus() else { return };
    let with = analyze_corpus(&dir, true);
    let without = analyze_corpus(&dir, false);
    assert_eq!(with.findings, without.findings);
    assert_eq!(with.verdicts, without.verdicts);
    assert!(
        without.summary.records_read > 50_000,
        "{:#?}",
        without.summary
    );
    assert_eq!(without.summary.records_skipped, 0);
    for (a, b) in with.inputs.iter().zip(&without.inputs) {
        assert_eq!(a.path, b.path);
        assert_eq!(
            a.counts.chunks_unreadable, b.counts.chunks_unreadable,
            "{}",
            a.path
        );
    }
}

/// A skip is seen in the normal test output: this test binary run again on one corpus test,
/// with the corpus pointed at a folder that does not exist and the output captured as usual.
#[test]
fn a_skipped_corpus_test_says_so_without_nocapture() {
    let exe = std::env::current_exe().expect("the test binary");
    let output = std::process::Command::new(exe)
        .args([
            "--exact",
            "whole_corpus_runs_clean_with_no_findings",
            "--test-threads=1",
        ])
        .env("EVTX_DOCTOR_CORPUS", "/nonexistent/evtx-doctor-corpus")
        .output()
        .expect("run the test binary");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{shown}");
    assert!(
        shown.contains(
            "SKIPPED whole_corpus_runs_clean_with_no_findings: no corpus at /nonexistent"
        ),
        "{shown}"
    );
}
