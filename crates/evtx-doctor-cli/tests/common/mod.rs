//! Helpers shared by the CLI tests: build .evtx inputs with evtx-forge and run the binary.

#![allow(dead_code)]

use assert_cmd::Command;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Says that the running test skips (part of) its work, and why, where `cargo test` shows it:
/// written straight to the process's standard error, which libtest does not capture (it
/// captures only `print!`/`eprint!`), so the note is seen without `--nocapture`.
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}

/// The data of an old-form 611 event failing with RPC error 8453 for `domain`.
pub fn data_8453(domain: &str) -> String {
    format!(
        "Password synchronization failed for domain: {domain}. Details: \r\n\
         Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: \
         RPC Error 8453 : Replication access was denied. There was an error calling \
         _IDL_DRSGetNCChanges."
    )
}

/// A 611 event spec (`[[event]]` table) logged at `time` by `computer`.
pub fn event_611(time: &str, computer: &str, domain: &str) -> String {
    format!(
        "[[event]]\nprovider = \"Directory Synchronization\"\nevent_id = 611\nqualifiers = 0\n\
         level = \"Error\"\ntime = \"{time}\"\ncomputer = \"{computer}\"\ndata = {data:?}\n\n",
        data = data_8453(domain)
    )
}

/// Background noise from other providers, over `from..to`.
pub fn noise(seed: u64, count: u32, from: &str, to: &str) -> String {
    format!("[[noise]]\nseed = {seed}\ncount = {count}\nbetween = [\"{from}\", \"{to}\"]\n\n")
}

/// The main test input: Contoso.com fails 3 times on SYNC01 on 2024-03-04 (08:00, 08:30,
/// 09:00), Fabrikam.com twice on SYNC02 on 2024-03-05 (10:00, 10:30), amid noise.
pub fn failing_spec() -> String {
    let mut spec = String::from("computer = \"SYNC01.contoso.com\"\nchannel = \"Application\"\n\n");
    for time in ["08:00", "08:30", "09:00"] {
        spec += &event_611(
            &format!("2024-03-04T{time}:00Z"),
            "SYNC01.contoso.com",
            "Contoso.com",
        );
    }
    for time in ["10:00", "10:30"] {
        spec += &event_611(
            &format!("2024-03-05T{time}:00Z"),
            "SYNC02.contoso.com",
            "Fabrikam.com",
        );
    }
    spec += &noise(7, 300, "2024-03-04T00:00:00Z", "2024-03-06T00:00:00Z");
    spec
}

/// Only noise: no Directory Synchronization events.
pub fn noise_spec() -> String {
    String::from("computer = \"SYNC01.contoso.com\"\n\n")
        + &noise(3, 300, "2024-02-01T00:00:00Z", "2024-02-03T00:00:00Z")
}

/// Writes the .evtx file `spec` describes to `dir/name`.
pub fn forge(dir: &Path, name: &str, spec: &str) -> PathBuf {
    let spec = evtx_forge::Spec::from_toml(spec).expect("valid evtx-forge spec");
    let bytes = evtx_forge::write_evtx(&spec).expect("evtx-forge writes the spec");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the .evtx file");
    path
}

/// A temporary folder holding `failing.evtx` and `noise.evtx`.
pub struct Inputs {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
    /// Five 611 failures (see [`failing_spec`]).
    pub failing: PathBuf,
    /// Noise only.
    pub noise: PathBuf,
}

/// Builds the standard inputs.
pub fn inputs() -> Inputs {
    let dir = tempfile::tempdir().expect("temp dir");
    let failing = forge(dir.path(), "failing.evtx", &failing_spec());
    let noise = forge(dir.path(), "noise.evtx", &noise_spec());
    Inputs {
        dir,
        failing,
        noise,
    }
}

/// The `evtx-doctor` binary, without a terminal and without colour.
pub fn cli() -> Command {
    let mut cmd = Command::cargo_bin("evtx-doctor").expect("the evtx-doctor binary");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Runs `evtx-doctor` with `args` and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let output = cli().args(args).output().expect("run evtx-doctor");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `evtx-doctor analyze --format json` with `args` and returns (exit code, report).
pub fn analyze_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["analyze", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(&all);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {stdout}\nstderr: {stderr}"));
    (code, report)
}

/// The findings of a JSON report.
pub fn findings(report: &serde_json::Value) -> &Vec<serde_json::Value> {
    report["findings"].as_array().expect("findings array")
}

/// The finding for `domain`, if any.
pub fn finding<'a>(report: &'a serde_json::Value, domain: &str) -> Option<&'a serde_json::Value> {
    findings(report)
        .iter()
        .find(|f| f["domain"].as_str() == Some(domain))
}

/// `path` as a `&str`.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// A rule pack `id` whose one rule overrides the built-in `phs.611.rpc-8453` with `title`,
/// `severity`, `cause` and `resolution`.
pub fn pack_8453(id: &str, title: &str, severity: &str, cause: &str, resolution: &str) -> String {
    format!(
        r#"
[pack]
id = "{id}"
title = "Overrides of {id}"

[[rule]]
id = "phs.611.rpc-8453"
title = "{title}"
severity = "{severity}"
priority = 10
cause = "{cause}"
resolution = "{resolution}"
references = ["KB2867278"]
[[rule.when]]
providers = ["Directory Synchronization"]
event_ids = [611]
keywords = ["RPC Error"]
error_codes = [8453]
"#
    )
}
