//! Where and how the report is written: the format from -o's extension, --color and the
//! colour conventions, the progress bar only for work that lasts, times pasted from a
//! report, exports without chunk counts.

mod common;

use common::*;
use std::process::Command;

#[test]
fn the_output_extension_chooses_the_format() {
    let inputs = inputs();
    for (name, starts) in [
        ("report.html", "<!DOCTYPE html>"),
        ("report.json", "{"),
        ("report.jsonl", "{\"schema\""),
        ("report.csv", "rule,severity,title"),
        ("report.md", "# Password hash sync diagnosis"),
        ("report.txt", "VERDICT"),
    ] {
        let out = inputs.dir.path().join(name);
        let (code, stdout, stderr) = run(&["analyze", "-o", s(&out), s(&inputs.failing)]);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stdout.is_empty());
        let written = std::fs::read_to_string(&out).expect("written");
        assert!(written.starts_with(starts), "{name}: {written:.80}");
    }
    // An explicit --format that agrees is fine; one that contradicts is an error.
    let out = inputs.dir.path().join("agree.json");
    assert_eq!(
        run(&["analyze", "-f", "json", "-o", s(&out), s(&inputs.failing)]).0,
        1
    );
    let out = inputs.dir.path().join("clash.html");
    let (code, _, stderr) = run(&["analyze", "-f", "json", "-o", s(&out), s(&inputs.failing)]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--format json does not match"), "{stderr}");
    assert!(!out.exists(), "nothing written on a usage error");
}

fn coloured(stdout: &str) -> bool {
    stdout.contains("\x1b[")
}

#[test]
fn color_flag_and_conventions() {
    let inputs = inputs();
    let failing = s(&inputs.failing);
    let (_, always, _) = run(&["analyze", "--color", "always", failing]);
    assert!(coloured(&always), "--color always colours a pipe");
    let (_, never, _) = run(&["analyze", "--color", "never", failing]);
    assert!(!coloured(&never));
    let (_, auto, _) = run(&["analyze", failing]);
    assert!(!coloured(&auto), "auto does not colour a pipe");
    let forced = cli()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["analyze", failing])
        .output()
        .expect("run");
    assert!(
        coloured(&String::from_utf8_lossy(&forced.stdout)),
        "CLICOLOR_FORCE"
    );
    let both = cli()
        .env("CLICOLOR_FORCE", "1")
        .args(["analyze", failing])
        .output()
        .expect("run");
    assert!(
        !coloured(&String::from_utf8_lossy(&both.stdout)),
        "NO_COLOR wins"
    );
    // JSON is never coloured.
    let (_, json, _) = run(&["analyze", "--color", "always", "-f", "json", failing]);
    assert!(!coloured(&json));
    assert_eq!(run(&["analyze", "--color", "sometimes", failing]).0, 2);
}

/// Runs the binary with `args` in a pseudo-terminal (util-linux `script`), with `env` set and
/// NO_COLOR unset; what the terminal showed, or `None` when `script` is not available.
fn in_terminal(args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    let available = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("evtx-doctor");
    let mut line = format!("'{}'", bin.display());
    for arg in args {
        line.push_str(&format!(" '{arg}'"));
    }
    let mut command = Command::new("script");
    command
        .args(["-qec", &line, "/dev/null"])
        .env_remove("NO_COLOR");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run script");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn on_a_terminal_colour_follows_term_and_a_short_run_draws_no_bar() {
    let inputs = inputs();
    let failing = s(&inputs.failing);
    let Some(shown) = in_terminal(&["analyze", failing], &[("TERM", "xterm")]) else {
        return skip("util-linux `script` is not available to make a terminal");
    };
    assert!(coloured(&shown), "colour on a terminal: {shown:?}");
    assert!(
        !shown.contains("reading "),
        "a bar for a run of milliseconds: {shown:?}"
    );
    let fixture = fixtures().join("more-phs-events.evtx");
    let shown = in_terminal(
        &["analyze", "-o", "/dev/null", s(&fixture)],
        &[("TERM", "xterm")],
    )
    .unwrap_or_default();
    assert!(
        !shown.contains("reading "),
        "a bar for a 324 KiB file: {shown:?}"
    );
    let dumb = in_terminal(&["analyze", failing], &[("TERM", "dumb")]).unwrap_or_default();
    assert!(
        dumb.contains("VERDICT") && !coloured(&dumb),
        "TERM=dumb: {dumb:?}"
    );
}

#[test]
fn times_as_the_report_writes_them_are_accepted() {
    let inputs = inputs();
    let (code, report) = analyze_json(&["--since", "2024-03-04 08:15:00 UTC", s(&inputs.failing)]);
    assert_eq!(code, 1);
    assert_eq!(
        finding(&report, "Contoso.com").map(|f| &f["count"]),
        Some(&2.into())
    );
}

#[test]
fn exports_are_not_counted_in_chunks() {
    let export = fixtures().join("exports/wevtutil.xml");
    let (_, stdout, _) = run(&["analyze", s(&export)]);
    assert!(stdout.contains("wevtutil.xml [ok]"), "{stdout}");
    assert!(!stdout.contains("chunks:"), "{stdout}");
    let evtx = fixtures().join("kb2867278-rpc-8453.evtx");
    let (_, stdout, _) = run(&["analyze", s(&evtx)]);
    assert!(stdout.contains("5 chunks: 2 read, 3 skipped"), "{stdout}");
    // An export with damaged events and an unreadable file: the note names no chunks.
    let broken = fixtures().join("exports/hostile-cut.xml");
    let junk = fixtures().join("exports/README.md");
    let (_, stdout, _) = run(&["analyze", s(&broken), s(&junk)]);
    let note = stdout
        .lines()
        .find(|line| line.starts_with("  ! "))
        .unwrap_or_else(|| panic!("no note on what was unreadable: {stdout}"));
    assert!(note.contains("1 input(s) could not be read"), "{note}");
    assert!(!note.contains("chunk"), "{note}");
}

/// The HTML report of a fixture most of whose events the prefilter passes over: the page
/// counts every event ("Checked 405"), keeps prefilter, chunks, rule ids and the path under
/// collapsed details, and links the KB article.
#[test]
fn the_html_report_speaks_to_customers() {
    let inputs = inputs();
    let fixture = fixtures().join("kb2867278-rpc-8439.evtx");
    let out = inputs.dir.path().join("customer.html");
    let (code, _, stderr) = run(&["analyze", "-o", s(&out), s(&fixture)]);
    assert_eq!(code, 1, "{stderr}");
    let html = std::fs::read_to_string(&out).expect("written");
    let before_details = html.split("<details").next().unwrap_or_default();
    let outside: String = html
        .split("</details>")
        .map(|part| part.split("<details").next().unwrap_or_default())
        .collect();
    assert!(
        before_details.contains("Checked 405 event(s) in 1 log file(s)"),
        "{before_details}"
    );
    for word in [
        "prefilter",
        "chunk",
        "phs.611.rpc-8439",
        "kb2867278-rpc-8439.evtx",
    ] {
        assert!(!outside.contains(word), "{word} outside <details>");
        assert!(html.contains(word), "{word} in <details>");
    }
    assert!(
        outside.contains("<a href=\"https://support.microsoft.com/help/2867278\">KB2867278</a>")
    );
    assert!(outside.contains("DrsException: RPC Error 8439: The distinguished name"));
}
