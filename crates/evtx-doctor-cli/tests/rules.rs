//! `evtx-doctor rules list` and `evtx-doctor rules check`.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const GOOD: &str = r#"
[pack]
id = "site"
title = "Site rules"

[[rule]]
id = "phs.611.rpc-8453"
title = "SITE: replication rights missing"
severity = "error"
priority = 10
cause = "c"
resolution = "r"
[[rule.when]]
providers = ["Directory Synchronization"]
event_ids = [611]
keywords = ["RPC Error"]
error_codes = [8453]

[[rule]]
id = "site.611.rpc-1722"
title = "RPC server unavailable"
severity = "warning"
cause = "c"
resolution = "r"
[[rule.when]]
providers = ["Directory Synchronization"]
event_ids = [611]
keywords = ["RPC Error"]
error_codes = [1722]
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn list_shows_the_builtin_rules() {
    let (code, stdout, stderr) = run(&["rules", "list"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("password-hash-sync"), "{stdout}");
    let line = stdout
        .lines()
        .find(|line| line.contains("phs.611.rpc-8439"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains("error") && line.contains("611") && line.contains("8439"),
        "{line}"
    );
    assert!(line.contains("directory synchronization"), "{line}");
}

#[test]
fn list_includes_rule_files_and_marks_overrides() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "site.toml", GOOD);
    let (code, stdout, _) = run(&["rules", "list", "--rules", s(&good)]);
    assert_eq!(code, 0);
    assert!(stdout.contains("site: Site rules"), "{stdout}");
    assert!(stdout.contains("site.611.rpc-1722"), "{stdout}");
    // The rule's line, then its title under it.
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.contains("phs.611.rpc-8453"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(lines[at].contains('*'), "{}", lines[at]);
    let title = lines.get(at + 1).copied().unwrap_or("");
    assert!(
        title.contains("SITE: replication rights missing"),
        "{title}"
    );
    // The JSON listing says the same.
    let (_, stdout, _) = run(&["rules", "list", "--format", "json", "--rules", s(&good)]);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let site = json["packs"]
        .as_array()
        .and_then(|packs| packs.iter().find(|p| p["id"] == "site"))
        .expect("site pack");
    assert_eq!(site["rules"][0]["id"], "phs.611.rpc-8453");
    assert_eq!(site["rules"][0]["overrides_builtin"], true);
    assert_eq!(site["rules"][0]["error_codes"][0], 8453);
    // And explain now finds the site's rule for 1722.
    let (code, stdout, _) = run(&["explain", "--rules", s(&good), "1722"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("site.611.rpc-1722"), "{stdout}");
}

#[test]
fn check_good_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "site.toml", GOOD);
    let (code, stdout, stderr) = run(&["rules", "check", s(&good)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("ok: 2 rules"), "{stdout}");
}

#[test]
fn check_bad_files_names_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.toml", GOOD);
    let bad_toml = write(
        dir.path(),
        "bad-toml.toml",
        "[pack]\nid = \"x\"\ntitle = \"x\"\n\n[[rule]\nid = \"y\"\n",
    );
    let unknown_key = write(
        dir.path(),
        "unknown-key.toml",
        &GOOD.replace("cause = \"c\"\nresolution = \"r\"\n[[rule.when]]\nproviders = [\"Directory Synchronization\"]\nevent_ids = [611]\nkeywords = [\"RPC Error\"]\nerror_codes = [1722]",
            "cause = \"c\"\nresolution = \"r\"\nsevrity = \"high\"\n[[rule.when]]\nproviders = [\"Directory Synchronization\"]\nevent_ids = [611]\nkeywords = [\"RPC Error\"]\nerror_codes = [1722]"),
    );
    let bad_regex = write(
        dir.path(),
        "bad-regex.toml",
        &GOOD.replace(
            "keywords = [\"RPC Error\"]\nerror_codes = [1722]",
            "keywords = [\"RPC Error\"]\npatterns = ['RPC Error (\\d+']\nerror_codes = [1722]",
        ),
    );
    assert!(
        std::fs::read_to_string(&unknown_key)
            .expect("read")
            .contains("sevrity")
    );
    assert!(
        std::fs::read_to_string(&bad_regex)
            .expect("read")
            .contains("patterns")
    );
    let typo = write(
        dir.path(),
        "typo.toml",
        &GOOD.replace(
            "title = \"RPC server unavailable\"",
            "title = \"RPC {error_code}, {error_symbl}\"",
        ),
    );
    assert!(
        std::fs::read_to_string(&typo)
            .expect("read")
            .contains("error_symbl")
    );
    for (file, line) in [
        (&bad_toml, 5),
        (&unknown_key, 25),
        (&bad_regex, 29),
        (&typo, 21),
    ] {
        let (code, stdout, stderr) = run(&["rules", "check", s(file)]);
        assert_eq!(code, 2, "{file:?}: {stdout}");
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(
            stderr.contains(&format!("{name}:{line}")),
            "{name}:{line} not in {stderr}"
        );
    }
    // Every file is checked; one bad file makes the status 2.
    let (code, stdout, stderr) = run(&["rules", "check", s(&good), s(&bad_regex), s(&good)]);
    assert_eq!(code, 2);
    assert_eq!(stdout.matches("ok: 2 rules").count(), 2, "{stdout}");
    assert!(stderr.contains("invalid regex"), "{stderr}");
    // A missing file too.
    let (code, _, stderr) = run(&["rules", "check", s(&dir.path().join("nope.toml"))]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.toml"), "{stderr}");
}

#[test]
fn list_fits_the_width_and_writes_hresults_in_hex() {
    let (code, stdout, _) = run(&["rules", "list"]);
    assert_eq!(code, 0);
    for line in stdout.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(stdout.contains("0x80230619"), "{stdout}");
    assert!(!stdout.contains("2149778969"), "an HRESULT in decimal");
    // On an 80-column terminal (a pseudo-terminal made by util-linux `script`).
    let bin = assert_cmd::cargo::cargo_bin("evtx-doctor");
    let output = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("stty rows 24 cols 80; '{}' rules list", bin.display()),
            "/dev/null",
        ])
        .output();
    let Ok(output) = output
        .map_err(|_| ())
        .and_then(|o| if o.status.success() { Ok(o) } else { Err(()) })
    else {
        return skip("util-linux `script` is not available to make a terminal");
    };
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("phs.611.rpc-8453"), "{shown}");
    for line in shown.lines() {
        let line = line.trim_end_matches('\r');
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
}
