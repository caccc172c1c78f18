//! Finding inputs: deep folder trees are walked in linear time, and what cannot be reached is
//! named.

mod common;

use common::fixture;
use evtx_doctor::report::InputStatus;
use evtx_doctor::{Knowledge, Options, Source, analyze};

/// `depth` nested folders under `root`, with a copy of the fixture at `at` levels and at the
/// bottom.
fn nest(root: &std::path::Path, depth: usize, at: usize) {
    let log = std::fs::read(fixture("kb2867278-rpc-8453.evtx")).unwrap();
    let mut dir = root.to_owned();
    for level in 0..depth {
        dir.push("d");
        std::fs::create_dir(&dir).unwrap();
        if level + 1 == at {
            std::fs::write(dir.join("mid.evtx"), &log).unwrap();
        }
    }
    std::fs::write(dir.join("bottom.evtx"), &log).unwrap();
}

#[test]
fn two_thousand_nested_folders_are_walked() {
    let root = tempfile::tempdir().unwrap();
    nest(root.path(), 2000, 1000);
    let report = analyze(
        [Source::path(root.path())],
        &Knowledge::builtin().unwrap(),
        &Options::default(),
    );
    let names: Vec<&str> = report.inputs.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(report.inputs.len(), 2, "{names:?}");
    assert!(names[0].ends_with("/d/bottom.evtx") && names[1].ends_with("/d/mid.evtx"));
    assert!(report.inputs.iter().all(|i| i.status == InputStatus::Ok));
    // The same log twice counts once.
    assert_eq!(report.findings.iter().map(|f| f.count).sum::<u64>(), 5);
    assert_eq!(report.summary.duplicates_dropped, 5);
}

#[cfg(unix)]
#[test]
fn folders_past_the_path_limit_are_named() {
    let root = tempfile::tempdir().unwrap();
    // 4096 bytes is the longest path Linux opens: 2100 levels of `d/` go past it. The shell
    // makes them one relative step at a time (its working folder has no such limit).
    let log = fixture("kb2867278-rpc-8453.evtx");
    let script = "for i in $(seq 2100); do mkdir d && cd -P d || exit 1; \
                  if [ $i = 500 ]; then cp \"$1\" reachable.evtx; fi; done; cp \"$1\" deep.evtx";
    let made = std::process::Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(&log)
        .current_dir(root.path())
        .status()
        .is_ok_and(|status| status.success());
    if !made {
        return common::skip("the shell could not make 2100 nested folders here");
    }
    let report = analyze(
        [Source::path(root.path())],
        &Knowledge::builtin().unwrap(),
        &Options::default(),
    );
    assert_eq!(
        report.findings.iter().map(|f| f.count).sum::<u64>(),
        5,
        "the reachable log is read"
    );
    let unreachable: Vec<_> = report
        .inputs
        .iter()
        .filter(|i| i.status == InputStatus::Unreadable)
        .collect();
    assert_eq!(unreachable.len(), 1, "{:#?}", report.inputs.len());
    assert!(
        unreachable[0].problems[0]
            .message
            .contains("longer than the system allows")
    );
    // `rm` removes what is past the limit too (the temporary folder's own cleanup cannot).
    let _ = std::process::Command::new("rm")
        .args(["-rf", "d"])
        .current_dir(root.path())
        .status();
}
