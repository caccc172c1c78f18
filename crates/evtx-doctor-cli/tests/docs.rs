//! The documentation says what is true: README's install command, library example and
//! sample output, docs/cli.md's `explain` samples, the worked example of docs/rules.md (its
//! rule is fixtures/rules/example.toml, its commands run on files that exist), and what
//! `analyze --help` says about folders.

mod common;

use common::*;
use evtx_doctor::{Engine, Knowledge, Options, Source};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The body of the first fenced block of `lang` after `after` in `text`.
fn block<'t>(text: &'t str, after: &str, lang: &str) -> &'t str {
    let from = text
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} not found"));
    let open = format!("```{lang}\n");
    let start = text[from..].find(&open).expect("an opening fence") + from + open.len();
    let end = text[start..].find("```\n").expect("a closing fence") + start;
    &text[start..end]
}

#[test]
fn rules_md_shows_exactly_the_example_pack() {
    let doc = read("docs/rules.md");
    let shown = block(&doc, "**2. Write the rule**", "toml");
    assert_eq!(shown, read("fixtures/rules/example.toml"));
}

#[test]
fn the_worked_example_runs_on_files_that_exist() {
    let doc = read("docs/rules.md");
    let commands = block(&doc, "**3. Check and use it:**", "sh");
    let mut ran = 0;
    for line in commands.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((&"evtx-doctor", args)) = words.split_first() else {
            continue;
        };
        let output = cli().current_dir(repo()).args(args).output().expect("run");
        let stdout = String::from_utf8_lossy(&output.stdout);
        // The text report wraps long titles: compare with white space folded.
        let stdout = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        if args.first() == Some(&"analyze") {
            assert_eq!(output.status.code(), Some(1), "{line}");
            assert!(
                stdout.contains(
                    "the AD DS Connector account cannot log on (RPC 1326, ERROR_LOGON_FAILURE)"
                ),
                "{line}: {stdout}"
            );
        } else {
            assert_eq!(output.status.code(), Some(0), "{line}: {stdout}");
        }
        ran += 1;
    }
    assert_eq!(ran, 2, "{commands}");
    // Every bundled file the README and the rule guide name exists.
    for page in ["README.md", "docs/rules.md"] {
        let text = read(page);
        for word in text.split(|c: char| c.is_whitespace() || "`()[]\"'".contains(c)) {
            if let Some(rest) = word.strip_prefix("fixtures/")
                && !rest.is_empty()
                && !rest.ends_with('/')
            {
                let path = repo()
                    .join("fixtures")
                    .join(rest.trim_end_matches([',', '.', ':']));
                assert!(path.exists(), "{page} names {word}, which does not exist");
            }
        }
    }
}

#[test]
fn a_pack_title_is_required_and_documented_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = dir.path().join("untitled.toml");
    std::fs::write(&pack, "[pack]\nid = \"x\"\n").expect("write");
    let (code, _, stderr) = run(&["rules", "check", s(&pack)]);
    assert_eq!(code, 2);
    assert!(stderr.contains("title"), "{stderr}");
    let doc = read("docs/rules.md");
    let line = doc
        .lines()
        .find(|l| l.starts_with("title = \"What these rules cover\""))
        .expect("the pack title line");
    assert!(line.contains("# required"), "{line}");
}

/// The README's library example, run here: the README shows these lines.
fn readme_example(path: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let engine = Engine::new(Knowledge::builtin()?, Options::default());
    let report = engine.analyze([Source::path(path.to_owned())]);
    let mut lines = Vec::new();
    for finding in &report.findings {
        lines.push(format!(
            "{} {:?} {:?}: {}",
            finding.rule, finding.domain, finding.error_code, finding.title
        ));
    }
    Ok(lines)
}

#[test]
fn readme_installs_and_its_library_example_is_real() {
    let readme = read("README.md");
    assert!(readme.contains("cargo install --locked --path crates/evtx-doctor-cli"));
    let example = block(&readme, "## As a library", "rust");
    for line in example.lines() {
        assert!(
            !line.starts_with('#'),
            "a rustdoc hidden line on a code host: {line}"
        );
    }
    for line in [
        "use evtx_doctor::{Engine, Knowledge, Options, Source};",
        "let engine = Engine::new(Knowledge::builtin()?, Options::default());",
        "let report = engine.analyze([Source::path(\"fixtures/kb2867278-rpc-8453.evtx\")]);",
        "for finding in &report.findings {",
    ] {
        assert!(example.contains(line), "README lacks {line}");
    }
    let lines =
        readme_example(&repo().join("fixtures/kb2867278-rpc-8453.evtx")).expect("the example runs");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("phs.611.rpc-8453 Some(\"Contoso.com\") Some(8453)")),
        "{lines:?}"
    );
    // The README's two set-up commands name what exists.
    let try_it = block(&readme, "## Try it", "sh");
    assert!(try_it.contains("cargo run --release -- analyze fixtures/kb2867278-rpc-8453.evtx"));
    assert!(try_it.contains("cargo test --workspace"));
}

/// The README's "What it prints" is the program's output, abridged: every line but `...` is
/// a line of `analyze fixtures/kb2867278-rpc-8453.evtx`, in the same order.
#[test]
fn readme_shows_what_analyze_prints() {
    let readme = read("README.md");
    let shown = block(&readme, "What it prints", "text");
    let output = cli()
        .current_dir(repo())
        .args(["analyze", "fixtures/kb2867278-rpc-8453.evtx"])
        .output()
        .expect("run evtx-doctor");
    let printed = String::from_utf8_lossy(&output.stdout);
    let mut printed = printed.lines();
    let mut compared = 0;
    for line in shown.lines().filter(|line| line.trim() != "...") {
        assert!(
            printed.any(|real| real == line),
            "the README shows a line analyze does not print (or not in this order): {line:?}"
        );
        compared += 1;
    }
    assert!(compared > 30, "{compared} lines compared");
}

/// docs/cli.md's `explain` samples are what `explain` prints: each shown line is a line of
/// the output (a line ending in ` ...` its beginning; a `...` line skips any), in order.
#[test]
fn cli_md_explain_samples_are_current() {
    let doc = read("docs/cli.md");
    let samples = block(&doc, "## `explain CODE`", "sh");
    let mut checked = 0;
    for sample in samples.split("$ evtx-doctor ").skip(1) {
        let mut lines = sample.lines();
        let args: Vec<&str> = lines
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        let shown: Vec<&str> = lines.filter(|l| !l.is_empty() && *l != "...").collect();
        if shown.is_empty() {
            continue;
        }
        let (status, stdout, stderr) = run(&args);
        assert_eq!(status, 0, "{args:?}: {stderr}");
        let mut printed = stdout.lines();
        for line in shown {
            let found = match line.strip_suffix(" ...") {
                Some(start) => printed.any(|real| real.starts_with(start)),
                None => printed.any(|real| real == line),
            };
            assert!(
                found,
                "docs/cli.md shows for {args:?} a line not printed: {line:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked} lines checked");
}

#[test]
fn the_binary_has_no_rustdoc_of_its_own() {
    // `cargo doc --workspace` would write the binary's docs over the library's: both are
    // `evtx_doctor` to rustdoc.
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    let bin = &manifest[manifest.find("[[bin]]").expect("a [[bin]] table")..];
    let table = bin.split("\n[").next().unwrap_or(bin);
    assert!(table.contains("doc = false"), "{table}");
}

#[test]
fn analyze_help_names_what_folders_are_searched_for() {
    let (_, help, _) = run(&["analyze", "--help"]);
    for kind in [".evtx", ".xml", ".csv", ".zip", ".7z", ".gz", ".tar"] {
        assert!(help.contains(kind), "{kind} missing: {help}");
    }
    assert!(
        !help.contains("searched recursively for .evtx files"),
        "{help}"
    );
}
