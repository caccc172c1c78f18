//! The pack `entra-connector` (issue 13): the Entra Connector account's sign-in failures, one
//! diagnosis per AADSTS cause across the events that carry it, each read from a forge fixture
//! with its positives and near misses; and the decoding of every AADSTS code.

mod common;
use common::fixture;

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::{Finding, Report, Severity, VerdictState};
use evtx_doctor::{Options, analyze};

fn report(name: &str) -> Report {
    let knowledge = Knowledge::builtin().expect("built-in rules load");
    analyze(&[fixture(name)], &knowledge, &Options::default())
}

/// What one finding must say.
struct Want<'a> {
    rule: &'a str,
    /// The decisive AADSTS code (`fields.aadsts`).
    aadsts: &'a str,
    /// Its name in the table (`fields.aadsts_name`), when the table has one.
    name: Option<&'a str>,
    count: u64,
    event_ids: &'a [u16],
    first_seen: &'a str,
    /// A phrase the resolution must hold.
    fix: &'a str,
}

/// The one finding of `want.rule` with `want.aadsts`, checked field by field.
fn check<'r>(report: &'r Report, want: &Want<'_>) -> &'r Finding {
    let matching: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| {
            f.rule == want.rule && f.fields.get("aadsts").map(String::as_str) == Some(want.aadsts)
        })
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "{} / {}: {:#?}",
        want.rule,
        want.aadsts,
        report.findings
    );
    let f = matching[0];
    assert_eq!(f.severity, Severity::Error, "{}", want.rule);
    // The Connector account's failures name no AD domain and no Win32 code.
    assert_eq!(f.domain, None, "{}", want.rule);
    assert_eq!(f.error_code, None, "{}", want.rule);
    assert_eq!(f.count, want.count, "{}", want.rule);
    assert_eq!(f.event_ids, want.event_ids, "{}", want.rule);
    assert_eq!(
        f.first_seen.map(|t| t.to_string()).as_deref(),
        Some(want.first_seen),
        "{}",
        want.rule
    );
    assert_eq!(
        f.fields.get("aadsts_name").map(String::as_str),
        want.name,
        "{}",
        want.rule
    );
    assert!(
        f.fields
            .get("aadsts_meaning")
            .is_some_and(|m| !m.is_empty()),
        "{}: {:?}",
        want.rule,
        f.fields
    );
    assert_eq!(f.computers, ["SYNC01.contoso.com"]);
    assert!(
        f.references
            .iter()
            .any(|r| r.starts_with("https://learn.microsoft.com/")),
        "{} cites no Microsoft document: {:?}",
        want.rule,
        f.references
    );
    assert!(
        f.resolution.contains(want.fix),
        "{}: {}",
        want.rule,
        f.resolution
    );
    assert!(!f.cause.is_empty());
    assert!(
        !f.title.contains('{') && !f.cause.contains('{') && !f.resolution.contains('{'),
        "unfilled placeholder in {}: {} / {} / {}",
        want.rule,
        f.title,
        f.cause,
        f.resolution
    );
    f
}

fn rules_found(report: &Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.rule.as_str()).collect()
}

/// AADSTS50054 in 6900, 659, 652 and 655 is one diagnosis; KB2962509's 6900, a client's AAD
/// event and a longer code are not it.
#[test]
fn old_password_is_one_diagnosis_across_event_ids() {
    let report = report("entra-old-password.evtx");
    let f = check(
        &report,
        &Want {
            rule: "entra.connector.old-password",
            aadsts: "AADSTS50054",
            name: None,
            count: 7,
            event_ids: &[652, 655, 659, 6900],
            first_seen: "2024-11-04T08:00:00Z",
            fix: "Add-ADSyncAADServiceAccount",
        },
    );
    assert_eq!(
        f.fields.get("aadsts_meaning").map(String::as_str),
        Some("Old password is used for authentication.")
    );
    // Both codes of the first event, decoded, in order.
    assert_eq!(
        f.fields.get("aadsts_codes").map(String::as_str),
        Some(
            "AADSTS70002 InvalidClient: Error validating the credentials.; \
             AADSTS50054: Old password is used for authentication."
        )
    );
    assert_eq!(f.providers, ["ADSync", "Directory Synchronization"]);
    assert!(f.title.contains("AADSTS50054"), "{}", f.title);
    // Near misses.
    let kb = report
        .findings
        .iter()
        .find(|f| f.rule == "phs.cloud-credentials")
        .expect("KB2962509 keeps its 6900");
    assert_eq!((kb.count, kb.event_ids.as_slice()), (1, &[6900][..]));
    let other = report
        .findings
        .iter()
        .find(|f| f.rule == "entra.connector.sign-in-other")
        .expect("AADSTS500541 is another code");
    assert_eq!(
        other.fields.get("aadsts").map(String::as_str),
        Some("AADSTS500541")
    );
    assert!(
        other
            .cause
            .contains("the AADSTS table does not describe this code"),
        "{}",
        other.cause
    );
    assert_eq!(
        rules_found(&report),
        [
            "entra.connector.old-password",
            "phs.cloud-credentials",
            "entra.connector.sign-in-other"
        ]
    );
    // The tenant-wide verdict: failing since the first 6900.
    let verdict = &report.verdicts[0];
    assert_eq!(verdict.domain, None);
    assert_eq!(verdict.state, VerdictState::Failing);
    assert_eq!(
        verdict.failing_since.map(|t| t.to_string()).as_deref(),
        Some("2024-11-04T08:00:00Z")
    );
}

/// Each account-state code is its own diagnosis; AADSTS70002 never decides when a specific
/// code follows it; unknown causes are decoded from the table.
#[test]
fn account_state_codes() {
    let report = report("entra-account-state.evtx");
    let cases = [
        Want {
            rule: "entra.connector.invalid-credentials",
            aadsts: "AADSTS50126",
            name: Some("InvalidUserNameOrPassword"),
            count: 2,
            event_ids: &[6900],
            first_seen: "2024-11-11T08:00:00Z",
            fix: "Add-ADSyncAADServiceAccount",
        },
        Want {
            rule: "entra.connector.password-expired",
            aadsts: "AADSTS50055",
            name: Some("InvalidPasswordExpiredPassword"),
            count: 2,
            event_ids: &[659, 6900],
            first_seen: "2024-11-11T09:00:00Z",
            fix: "DisablePasswordExpiration",
        },
        Want {
            rule: "entra.connector.locked",
            aadsts: "AADSTS50053",
            name: Some("IdsLocked"),
            count: 2,
            event_ids: &[652],
            first_seen: "2024-11-11T10:00:00Z",
            fix: "sign-in logs",
        },
        Want {
            rule: "entra.connector.disabled",
            aadsts: "AADSTS50057",
            name: Some("UserDisabled"),
            count: 1,
            event_ids: &[655],
            first_seen: "2024-11-11T11:00:00Z",
            fix: "Enable the Sync_ account",
        },
        Want {
            rule: "entra.connector.not-found",
            aadsts: "AADSTS50034",
            name: Some("UserAccountNotFound"),
            count: 1,
            event_ids: &[6900],
            first_seen: "2024-11-11T11:30:00Z",
            fix: "Deleted users",
        },
        Want {
            rule: "entra.connector.sign-in-other",
            aadsts: "AADSTS90002",
            name: Some("InvalidTenantName"),
            count: 1,
            event_ids: &[6900],
            first_seen: "2024-11-11T12:00:00Z",
            fix: "AADSTS error reference",
        },
        Want {
            rule: "entra.connector.sign-in-other",
            aadsts: "AADSTS70002",
            name: Some("InvalidClient"),
            count: 1,
            event_ids: &[6900],
            first_seen: "2024-11-11T12:30:00Z",
            fix: "AADSTS error reference",
        },
    ];
    for want in &cases {
        check(&report, want);
    }
    let not_found = check(&report, &cases[4]);
    assert_eq!(
        not_found
            .fields
            .get("connector_account")
            .map(String::as_str),
        Some("Sync_SYNC01_4f2a9c1e7b3d@contoso.onmicrosoft.com")
    );
    let tenant = check(&report, &cases[5]);
    assert!(
        tenant.title.contains("AADSTS90002") && tenant.cause.contains("tenant name"),
        "{} / {}",
        tenant.title,
        tenant.cause
    );
    // The 659 without an AADSTS code (the near miss) makes no finding.
    assert_eq!(report.findings.len(), cases.len(), "{:#?}", report.findings);
}

/// MFA codes and the UserInteractive-mode error are one diagnosis; the same words outside the
/// sync server's providers are not.
#[test]
fn interaction_required_is_one_diagnosis() {
    let report = report("entra-interaction.evtx");
    check(
        &report,
        &Want {
            rule: "entra.connector.interaction-required",
            aadsts: "AADSTS50076",
            name: Some("UserStrongAuthClientAuthNRequired"),
            count: 6,
            event_ids: &[659, 906, 6900],
            first_seen: "2024-11-18T08:00:00Z",
            fix: "Exclude the Entra Connector account",
        },
    );
    assert_eq!(
        rules_found(&report),
        ["entra.connector.interaction-required"]
    );
}

/// Application-based authentication: certificate and secret rejections are one diagnosis.
#[test]
fn application_credential() {
    let report = report("entra-app-auth.evtx");
    let f = check(
        &report,
        &Want {
            rule: "entra.connector.application-credential",
            aadsts: "AADSTS700027",
            name: None,
            count: 3,
            event_ids: &[906, 6900],
            first_seen: "2024-11-25T08:00:00Z",
            fix: "Invoke-ADSyncApplicationCredentialRotation",
        },
    );
    assert!(f.title.contains("AADSTS700027"), "{}", f.title);
    assert_eq!(
        f.fields.get("aadsts_meaning").map(String::as_str),
        Some("Client assertion failed signature validation.")
    );
    // The 906 without a code (near miss) makes no finding.
    assert_eq!(
        rules_found(&report),
        ["entra.connector.application-credential"]
    );
}

/// Every rule of the pack cites a Microsoft document and is exercised by a fixture above.
#[test]
fn every_rule_cites_microsoft_and_has_a_fixture() {
    let knowledge = Knowledge::builtin().expect("built-in rules load");
    let rules: Vec<_> = knowledge
        .rules()
        .rules()
        .iter()
        .filter(|r| r.pack == "entra-connector")
        .collect();
    assert_eq!(rules.len(), 9);
    let mut seen = std::collections::BTreeSet::new();
    for name in [
        "entra-old-password.evtx",
        "entra-account-state.evtx",
        "entra-interaction.evtx",
        "entra-app-auth.evtx",
    ] {
        for f in report(name).findings {
            seen.insert(f.rule);
        }
    }
    for rule in rules {
        assert!(
            rule.references
                .iter()
                .any(|r| r.starts_with("https://learn.microsoft.com/")),
            "{}",
            rule.id
        );
        assert!(seen.contains(&rule.id), "{} has no fixture", rule.id);
    }
}
