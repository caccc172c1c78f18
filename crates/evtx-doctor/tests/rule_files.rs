//! User rule packs: the worked example of docs/rules.md works end to end, overrides replace
//! built-in rules, and every mistake in a rule file is reported with its file and line.

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::rules::{RuleError, RuleSetBuilder};
use evtx_doctor::{Options, analyze};
use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// A log with a 611 RPC 1326 event for Contoso.com and one for lab.contoso.com.
fn log_with_1326(dir: &Path) -> PathBuf {
    let event = |domain: &str, time: &str| {
        format!(
            r#"
[[event]]
provider = "Directory Synchronization"
event_id = 611
qualifiers = 0
level = "Error"
time = "{time}"
data = "Password synchronization failed for domain: {domain}. Details: \nMicrosoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 1326 : The user name or password is incorrect. There was an error calling _IDL_DRSBind."
"#
        )
    };
    let spec = format!(
        "computer = \"SYNC01.contoso.com\"\n{}{}",
        event("Contoso.com", "2024-05-01T10:00:00Z"),
        event("lab.contoso.com", "2024-05-01T10:30:00Z")
    );
    let bytes = evtx_forge::write_evtx(&evtx_forge::Spec::from_toml(&spec).unwrap()).unwrap();
    let path = dir.join("Application.evtx");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn worked_example_adds_a_diagnosis() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_with_1326(dir.path());
    let knowledge = Knowledge::with_rule_files(&[repo("fixtures/rules/example.toml")]).unwrap();
    let report = analyze(&[log], &knowledge, &Options::default());
    let rules: Vec<(&str, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.domain.as_deref()))
        .collect();
    // The example rule takes Contoso.com; its `exclude` leaves lab.contoso.com to the
    // built-in rules.
    assert!(
        rules.contains(&(
            "example.611.connector-password-expired",
            Some("Contoso.com")
        )),
        "{rules:?}"
    );
    assert!(
        !rules.iter().any(
            |(rule, domain)| rule.starts_with("example.") && *domain == Some("lab.contoso.com")
        )
    );
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule.starts_with("example."))
        .unwrap();
    assert_eq!(
        finding.title,
        "Password hash sync fails: the AD DS Connector account cannot log on (RPC 1326, ERROR_LOGON_FAILURE)"
    );
    assert!(finding.cause.contains("domain controllers of Contoso.com"));
    assert_eq!(finding.references, ["Internal runbook PHS-12"]);
}

#[test]
fn a_user_rule_overrides_a_builtin_rule_with_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("override.toml");
    std::fs::write(
        &file,
        r#"
[pack]
id = "ours"
title = "Our wording"

[[rule]]
id = "phs.611.rpc-8453"
title = "Replication rights missing (our runbook)"
severity = "warning"
priority = 10
cause = "c"
resolution = "r"
[[rule.when]]
providers = ["Directory Synchronization"]
event_ids = [611]
keywords = ["RPC Error"]
error_codes = [8453]
"#,
    )
    .unwrap();
    let knowledge = Knowledge::with_rule_files(&[file]).unwrap();
    let report = analyze(
        &[repo("fixtures/kb2867278-rpc-8453.evtx")],
        &knowledge,
        &Options::default(),
    );
    assert_eq!(report.findings.len(), 2);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.title == "Replication rights missing (our runbook)")
    );
    assert_eq!(
        knowledge
            .rules()
            .rules()
            .iter()
            .filter(|r| r.id == "phs.611.rpc-8453")
            .count(),
        1
    );
}

fn load(text: &str) -> Result<(), RuleError> {
    RuleSetBuilder::new()
        .add_pack(Path::new("mine.toml"), text)
        .map(|_| ())
}

fn error_line(text: &str) -> (usize, String) {
    match load(text) {
        Err(RuleError::Syntax { line, message, .. }) => (line, message),
        Err(err @ RuleError::Invalid { line, .. }) => (line, err.to_string()),
        other => panic!("expected an error, got {other:?}"),
    }
}

const HEAD: &str = "[pack]\nid = \"p\"\ntitle = \"t\"\n\n[[rule]]\nid = \"r\"\ntitle = \"t\"\nseverity = \"error\"\ncause = \"c\"\nresolution = \"r\"\n";

#[test]
fn mistakes_are_reported_with_file_and_line() {
    // Line 12 holds the bad value in each case below.
    let (line, message) = error_line(&format!("{HEAD}[[rule.when]]\nkeywords = [\"x\"\n"));
    assert_eq!(line, 12, "unterminated array: {message}");

    let (line, message) = error_line(&format!("{HEAD}[[rule.when]]\nprovder = [\"x\"]\n"));
    assert_eq!(line, 12, "{message}");
    assert!(message.contains("provder"), "{message}");

    let (line, message) = error_line(&format!("{HEAD}[[rule.when]]\npatterns = ['(unclosed']\n"));
    assert_eq!(line, 12, "{message}");
    assert!(
        message.contains("invalid regex") && message.contains("mine.toml:12"),
        "{message}"
    );

    let (line, message) = error_line(&format!(
        "{HEAD}[[rule.when]]\nkeywords = [\"Kennwort für\"]\n"
    ));
    assert_eq!(line, 12, "{message}");
    assert!(message.contains("ASCII"), "{message}");

    let (_, message) = error_line(HEAD);
    assert!(message.contains("when"), "{message}");

    let (line, message) = error_line(
        "[pack]\nid = \"p\"\ntitle = \"t\"\n[[rule]]\nid = \"r\"\ntitle = \"t\"\nseverity = \"fatal\"\n",
    );
    assert_eq!(line, 7, "{message}");
}

/// A placeholder nothing fills would reach the report as written, `(RPC 1326, {error_symbl})`:
/// it is an error at its line, and every placeholder something fills is accepted.
#[test]
fn unknown_placeholders_are_errors_with_their_line() {
    let pack = |title: &str, resolution: &str, pattern: &str| {
        format!(
            "[pack]\nid = \"p\"\ntitle = \"t\"\n\n[[extractor]]\nfields = [{{ name = \"ticket\", \
             pattern = 'T-(?P<ticket_no>\\d+)' }}]\n\n[[rule]]\nid = \"r\"\ntitle = \"{title}\"\n\
             severity = \"error\"\ncause = \"c\"\nresolution = \"\"\"\n{resolution}\"\"\"\n\
             [[rule.when]]\npatterns = ['{pattern}']\n"
        )
    };
    let (line, message) = error_line(&pack("RPC {error_code}, {error_symbl}", "fix", "x"));
    assert_eq!(line, 10, "{message}");
    assert!(
        message.contains("mine.toml:10") && message.contains("{error_symbl}"),
        "{message}"
    );
    // In a multi-line text the line is the placeholder's own.
    let (line, message) = error_line(&pack("t", "first line\nsee {kb_number}", "x"));
    assert_eq!(line, 15, "{message}");
    // Built-in placeholders, extractor fields and their groups, the rule's own groups, and
    // braces that are no placeholder (`{ $_ }`, `{4}`) are all fine.
    load(&pack(
        "{error_code} {error_symbol} {domain} {dc_host} {dc_ip} {aadsts} {ticket} {ticket_no}",
        "run {{ $_ }} then {4} {account} {other}",
        "(?P<account>Sync_\\w+)|(?<other>x)",
    ))
    .unwrap();
}

/// The regex engine is linear-time: a pattern that makes backtracking engines explode runs
/// in an instant here.
#[test]
fn patterns_cannot_backtrack_catastrophically() {
    let mut builder = RuleSetBuilder::new();
    builder
        .add_pack(
            Path::new("redos.toml"),
            &format!("{HEAD}[[rule.when]]\nevent_ids = [611]\npatterns = ['^(a+)+$']\n"),
        )
        .unwrap();
    let rules = builder.build();
    let event = evtx_doctor::event::Event {
        event_id: 611,
        data: vec![evtx_doctor::event::DataItem {
            name: None,
            value: format!("{}b", "a".repeat(50_000)),
        }],
        ..Default::default()
    };
    assert!(rules.evaluate(&event).is_none());
}
