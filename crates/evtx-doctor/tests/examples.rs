//! The examples are the contract for tools embedding the crate: each is run on fixtures and
//! its output checked line by line. `cargo test` builds them before the tests run.

mod common;

use common::fixture;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The example binary `name`, built next to this test's binary.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    dir.join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn run(name: &str, args: &[&std::ffi::OsStr]) -> Output {
    let output = Command::new(example(name))
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("example {name} runs: {err}"));
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

const RPC_8453: [&str; 2] = [
    "phs.611.rpc-8453\tContoso.com\t8453\t3",
    "phs.611.rpc-8453\tChildDomain.Contoso.Com\t8453\t2",
];

#[test]
fn from_memory_reads_any_kind_of_file() {
    let log = fixture("kb2867278-rpc-8453.evtx");
    assert_eq!(lines(&run("from_memory", &[log.as_os_str()])), RPC_8453);
    // The same log zipped and gzipped, read from memory.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&log).unwrap();
    let zip = dir.path().join("logs.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    writer
        .start_file("Application.evtx", zip::write::SimpleFileOptions::default())
        .unwrap();
    writer.write_all(&bytes).unwrap();
    writer.finish().unwrap();
    let gz = dir.path().join("Application.evtx.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(&bytes).unwrap();
    encoder.finish().unwrap();
    for file in [zip, gz] {
        assert_eq!(lines(&run("from_memory", &[file.as_os_str()])), RPC_8453);
    }
    // A file that is no log: no finding, no failure.
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello").unwrap();
    assert!(lines(&run("from_memory", &[notes.as_os_str()])).is_empty());
}

#[test]
fn custom_rules_adds_its_pack_to_the_built_in_ones() {
    let healthy = fixture("healthy.evtx");
    assert_eq!(
        lines(&run("custom_rules", &[healthy.as_os_str()])),
        ["example.health-agent-crash\t-\t-\t3"]
    );
    // The built-in findings come first (errors before info), then the pack's own.
    let log = fixture("kb2867278-rpc-8453.evtx");
    let mut expected = RPC_8453.map(String::from).to_vec();
    expected.push("example.health-agent-crash\t-\t-\t4".into());
    assert_eq!(lines(&run("custom_rules", &[log.as_os_str()])), expected);
}

#[test]
fn stream_prints_matches_as_found_and_stops_at_max() {
    let log = fixture("kb2867278-rpc-8453.evtx");
    let all = lines(&run("stream", &[log.as_os_str()]));
    let (matches, findings): (Vec<_>, Vec<_>) = all.iter().partition(|l| l.starts_with("match\t"));
    assert_eq!(matches.len(), 5, "{all:?}");
    // In the order found (chunks are scanned in parallel): compare as sets.
    let mut records: Vec<&str> = matches
        .iter()
        .map(|l| l.split('\t').nth(2).unwrap())
        .collect();
    records.sort_unstable();
    assert_eq!(records, ["27", "35", "368", "377", "41"]);
    assert!(
        matches
            .iter()
            .all(|l| l.starts_with("match\tphs.611.rpc-8453\t"))
    );
    assert_eq!(findings, RPC_8453);
    let limited = lines(&run(
        "stream",
        &["--max".as_ref(), "2".as_ref(), log.as_os_str()],
    ));
    let matches = limited.iter().filter(|l| l.starts_with("match\t")).count();
    assert_eq!(matches, 2, "{limited:?}");
    let counted: u64 = limited
        .iter()
        .filter(|l| !l.starts_with("match\t"))
        .map(|l| l.rsplit('\t').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        counted, 2,
        "the findings hold what was found before the stop"
    );
}

#[test]
fn own_pool_analyzes_each_file_in_its_own_task() {
    let files = [
        fixture("kb2867278-rpc-8439.evtx"),
        fixture("healthy.evtx"),
        fixture("kb2867278-rpc-8453.evtx"),
    ];
    let args: Vec<&std::ffi::OsStr> = files.iter().map(|f| f.as_os_str()).collect();
    let out = lines(&run("own_pool", &args));
    let show = |f: &PathBuf| f.to_string_lossy().into_owned();
    let expected = vec![
        format!(
            "{}\tphs.611.rpc-8439\tContoso.com\t8439\t3",
            show(&files[0])
        ),
        format!(
            "{}\tphs.611.rpc-8439\tChildDomain.Contoso.Com\t8439\t2",
            show(&files[0])
        ),
        format!("{}\t{}", show(&files[2]), RPC_8453[0]),
        format!("{}\t{}", show(&files[2]), RPC_8453[1]),
    ];
    assert_eq!(out, expected);
}

/// Arbitrary files: a file that is no log gives no line; a missing file or no argument is one
/// line on standard error naming the problem, and exit status 1.
#[test]
fn examples_on_arbitrary_files() {
    let readme = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    for name in ["from_memory", "custom_rules", "stream", "own_pool"] {
        assert_eq!(
            lines(&run(name, &[readme.as_os_str()])),
            Vec::<String>::new()
        );
        let output = Command::new(example(name)).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{name} without a file");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with(&format!("{name}: usage: ")), "{stderr}");
    }
    for name in ["from_memory", "custom_rules"] {
        let output = Command::new(example(name))
            .arg("/nonexistent/Application.evtx")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with(&format!("{name}: /nonexistent/Application.evtx: ")),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}
