//! Real-world variations of the password sync texts keep their diagnoses (issue 13, "Keep
//! working"): fixture `variants-611`, whose spec lists every event and what it must give.

mod common;
use common::fixture;

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::{DomainController, Finding, Report, SeriesKind, VerdictState};
use evtx_doctor::{Options, analyze};

fn report() -> Report {
    let knowledge = Knowledge::builtin().expect("built-in rules load");
    analyze(
        &[fixture("variants-611.evtx")],
        &knowledge,
        &Options::default(),
    )
}

fn finding<'r>(report: &'r Report, rule: &str, domain: &str) -> &'r Finding {
    let matching: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.rule == rule && f.domain.as_deref() == Some(domain))
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "{rule} / {domain}: {:#?}",
        report.findings
    );
    matching[0]
}

fn first_seen(f: &Finding) -> String {
    f.first_seen.map(|t| t.to_string()).unwrap_or_default()
}

const DRS: &str =
    "Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException";
const DRS_COMM: &str = "Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsCommunicationException";

#[test]
fn header_and_rpc_variants_keep_their_rules() {
    let report = report();
    // A blank line instead of " Details: ", and no period after the domain.
    let f = finding(&report, "phs.611.rpc-8453", "Contoso.com");
    assert_eq!((f.count, f.error_code), (2, Some(8453)));
    assert_eq!(first_seen(f), "2024-12-02T08:00:00Z");
    assert_eq!(f.drs_call.as_deref(), Some("_IDL_DRSGetNCChanges"));
    // "DrsException:  RPC Error 8439:" and "RPC Error 8439 :".
    let f = finding(&report, "phs.611.rpc-8439", "Fabrikam.com");
    assert_eq!((f.count, f.error_code), (2, Some(8439)));
    assert_eq!(f.exception.as_deref(), Some(DRS));
    assert_eq!(f.error_symbol.as_deref(), Some("ERROR_DS_DRA_BAD_DN"));
    // The whole chain on one line with inline frames: the innermost exception still decides.
    let f = finding(&report, "phs.611.rpc-8593", "Fabrikam.com");
    assert_eq!((f.count, f.error_code), (1, Some(8593)));
    assert_eq!(f.exception.as_deref(), Some(DRS));
    // 611 at Level Information (KB2965539), innermost COMException.
    let f = finding(&report, "phs.611.auth-same-samaccountname", "Contoso.com");
    assert_eq!(f.count, 1);
    assert_eq!(
        f.exception.as_deref(),
        Some("System.Runtime.InteropServices.COMException")
    );
    assert_eq!(first_seen(f), "2024-12-02T08:50:00Z");
}

#[test]
fn the_domain_controller_comes_from_one_place() {
    let report = report();
    // Header <not available> for both: the chain's host and IP, together.
    let f = finding(&report, "phs.611.rpc-1722", "ChildDomain.Contoso.Com");
    assert_eq!(f.exception.as_deref(), Some(DRS_COMM));
    assert_eq!(
        f.domain_controllers,
        [DomainController {
            host: Some("server1.contoso.com".into()),
            ip: Some("10.0.0.202".into()),
        }]
    );
    // Header with a host and no IP: that host alone, never the chain's IP of another DC.
    let f = finding(&report, "phs.611.rpc-1722", "Child2.Contoso.Com");
    assert_eq!(
        f.domain_controllers,
        [DomainController {
            host: Some("DC02.Child2.Contoso.Com".into()),
            ip: None,
        }]
    );
}

#[test]
fn health_events_in_their_newer_forms_still_count() {
    let report = report();
    // 657 "Dn : ..., PwdChangeOnLogon=False, Result : Success." with a <forest-info> block:
    // a success for contoso.com, after its failures.
    let contoso = report
        .verdicts
        .iter()
        .find(|v| v.domain.as_deref() == Some("Contoso.com"))
        .expect("a verdict for Contoso.com");
    assert_eq!(contoso.state, VerdictState::Recovered);
    assert_eq!(
        contoso.recovered_at.map(|t| t.to_string()).as_deref(),
        Some("2024-12-02T10:00:00Z")
    );
    // 654 carrying the connector id: all 12 are heartbeats, and no verdict says stalled.
    let sum = |kind: SeriesKind| -> u32 {
        report
            .timeline
            .series
            .iter()
            .filter(|s| s.kind == kind)
            .flat_map(|s| s.counts.iter())
            .sum()
    };
    assert_eq!(sum(SeriesKind::Heartbeat), 12);
    assert_eq!(sum(SeriesKind::Success), 1);
    assert!(
        report
            .verdicts
            .iter()
            .all(|v| v.state != VerdictState::Stalled)
    );
    // Event 0's retry notice followed by "DN = ...": no credentials diagnosis, no finding.
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.rule != "phs.cloud-credentials" && !f.event_ids.contains(&0)),
        "{:#?}",
        report.findings
    );
    assert_eq!(report.findings.len(), 6, "{:#?}", report.findings);
}
