//! File names and event data that try to write to the reader's terminal: every path and
//! every string from an input is cleaned before it reaches standard error or the report.

mod common;

use common::*;

/// A file name holding a forged line, OSC 52 (clipboard), OSC 0 (title), CSI 2J, BEL, CR, a
/// C1 CSI and bidi overrides.
#[cfg(unix)]
const HOSTILE_NAME: &str = "a\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07\x1b[2J\r\u{9b}0m\u{202E}gpj.exe\u{2066}\nINJECTED  corp.fabrikam.com  HEALTHY\n.evtx";

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

#[cfg(unix)]
#[test]
fn a_hostile_file_name_cannot_write_to_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junk = dir.path().join(HOSTILE_NAME);
    std::fs::write(&junk, b"not an event log").expect("write the hostile file");
    let failing = forge(dir.path(), "fails.evtx", &failing_spec());
    // Named directly (unreadable: warned on stderr) and found in a folder walk.
    for args in [vec![s(&junk), s(&failing)], vec![s(dir.path())]] {
        let mut all = vec!["analyze"];
        all.extend(args.iter().copied());
        let (_, stdout, stderr) = run(&all);
        for (name, shown) in [("stdout", &stdout), ("stderr", &stderr)] {
            assert!(!shown.chars().any(is_unsafe), "{name}: {shown:?}");
            for line in shown.lines() {
                assert!(
                    !line.trim_start().starts_with("INJECTED"),
                    "{name}: forged line {line:?}"
                );
            }
        }
        if args.len() == 2 {
            assert!(stderr.contains("]52;c;"), "the name is shown: {stderr}");
        }
    }
}

#[cfg(unix)]
#[test]
fn errors_naming_a_hostile_path_are_cleaned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join(HOSTILE_NAME).join("rules.toml");
    let failing = forge(dir.path(), "fails.evtx", &failing_spec());
    let (code, _, stderr) = run(&["analyze", "--rules", s(&missing), s(&failing)]);
    assert_eq!(code, 2);
    assert!(!stderr.chars().any(is_unsafe), "{stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn an_error_is_not_said_twice() {
    let (code, _, stderr) = run(&["analyze", "--rules", "nope.toml", "x.evtx"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.matches("No such file or directory").count()
            + stderr.matches("cannot find the file").count(),
        1,
        "{stderr}"
    );
}
