//! Every diagnosis of the two seed articles, read from .evtx fixtures that evtx-forge wrote as
//! Windows writes them (both 611 header forms, noise around, several chunks).

mod common;
use common::fixture;

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::{DomainController, Finding, InputStatus, Report, Severity, VerdictState};
use evtx_doctor::{Options, analyze};
use std::path::PathBuf;

fn run(name: &str, options: &Options) -> Report {
    let knowledge = Knowledge::builtin().expect("built-in rules load");
    analyze(&[fixture(name)], &knowledge, options)
}

fn report(name: &str) -> Report {
    run(name, &Options::default())
}

fn finding<'r>(report: &'r Report, rule: &str, domain: &str) -> &'r Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule && f.domain.as_deref() == Some(domain))
        .unwrap_or_else(|| panic!("no {rule} finding for {domain}: {:#?}", report.findings))
}

const DRS: &str =
    "Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException";

/// What every 611 fixture holds: 3 old-form events for Contoso.com on 2024-03-04 08:00–09:00
/// and 2 new-form events for ChildDomain.Contoso.Com on 2024-03-05 10:00–10:30.
struct Expected<'a> {
    rule: &'a str,
    code: Option<(u32, &'a str)>,
    exception: &'a str,
    drs_call: Option<&'a str>,
    title_has: &'a str,
    resolution_has: &'a str,
}

fn check_611(file: &str, expected: &Expected<'_>) {
    let report = report(file);
    assert_eq!(report.findings.len(), 2, "{:#?}", report.findings);
    let old = finding(&report, expected.rule, "Contoso.com");
    let new = finding(&report, expected.rule, "ChildDomain.Contoso.Com");
    for (f, count, first, last) in [
        (old, 3, "2024-03-04T08:00:00Z", "2024-03-04T09:00:00Z"),
        (new, 2, "2024-03-05T10:00:00Z", "2024-03-05T10:30:00Z"),
    ] {
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.provider, "Directory Synchronization");
        assert_eq!(f.providers, ["Directory Synchronization"]);
        assert_eq!(f.event_ids, [611]);
        assert_eq!(f.count, count);
        assert_eq!(f.first_seen.unwrap().to_string(), first);
        assert_eq!(f.last_seen.unwrap().to_string(), last);
        assert_eq!(f.computers, ["SYNC01.contoso.com"]);
        assert_eq!(f.error_code, expected.code.map(|c| c.0));
        assert_eq!(f.error_symbol.as_deref(), expected.code.map(|c| c.1));
        assert_eq!(f.error_message.is_some(), expected.code.is_some());
        assert_eq!(f.exception.as_deref(), Some(expected.exception));
        assert_eq!(f.drs_call.as_deref(), expected.drs_call);
        assert!(f.title.contains(expected.title_has), "{}", f.title);
        assert!(
            f.resolution.contains(expected.resolution_has),
            "{}",
            f.resolution
        );
        assert!(f.references.iter().any(|r| r == "KB2867278"));
        assert_eq!(f.from_damaged_chunks, 0);
        assert_eq!(f.samples.len(), 2);
        assert_eq!(f.samples[0].time, f.first_seen);
        assert_eq!(f.samples[1].time, f.last_seen);
        assert!(
            f.samples
                .iter()
                .all(|s| s.record_id.is_some() && s.event_id == 611)
        );
        assert!(f.samples[0].input.ends_with(file));
    }
    assert!(
        old.samples[0]
            .first_line
            .starts_with("Password synchronization failed for domain: Contoso.com.")
    );
    assert!(
        new.samples[0].first_line.starts_with(
            "Password hash synchronization failed for domain: ChildDomain.Contoso.Com,"
        )
    );
    // The old header form names no domain controller; the new one does.
    assert!(old.domain_controllers.is_empty());
    assert_eq!(
        new.domain_controllers,
        [DomainController {
            host: Some("DC01.ChildDomain.Contoso.Com".into()),
            ip: Some("10.0.0.12".into()),
        }]
    );
    // The verdict names both domains as failing, Contoso.com first (earlier).
    let domains: Vec<_> = report
        .verdicts
        .iter()
        .map(|v| v.domain.as_deref())
        .collect();
    assert_eq!(
        domains,
        [Some("Contoso.com"), Some("ChildDomain.Contoso.Com")]
    );
    assert!(
        report
            .verdicts
            .iter()
            .all(|v| v.state == VerdictState::Failing)
    );
    assert_eq!(report.verdicts[0].failing_since, old.first_seen);
    // Noise around the events, in several chunks, all accounted for.
    let input = &report.inputs[0];
    assert_eq!(input.status, InputStatus::Ok);
    assert!(
        input.counts.chunks >= 2 && input.counts.chunks_read >= 2,
        "{input:#?}"
    );
    assert!(
        input.counts.records_read + input.counts.records_skipped > 300,
        "{input:#?}"
    );
    assert_eq!(report.summary.events_matched, 5);
}

#[test]
fn rpc_8439_windows_2003_domain_controllers() {
    check_611(
        "kb2867278-rpc-8439.evtx",
        &Expected {
            rule: "phs.611.rpc-8439",
            code: Some((8439, "ERROR_DS_DRA_BAD_DN")),
            exception: DRS,
            drs_call: Some("_IDL_DRSGetNCChanges"),
            title_has: "8439",
            resolution_has: "Windows Server 2003",
        },
    );
}

#[test]
fn rpc_8593_replication_epochs() {
    check_611(
        "kb2867278-rpc-8593.evtx",
        &Expected {
            rule: "phs.611.rpc-8593",
            code: Some((8593, "ERROR_DS_DIFFERENT_REPL_EPOCHS")),
            exception: DRS,
            drs_call: Some("_IDL_DRSGetNCChanges"),
            title_has: "8593",
            resolution_has: "1.0.6455.0807",
        },
    );
}

#[test]
fn invalid_win32_filetime() {
    check_611(
        "kb2867278-filetime.evtx",
        &Expected {
            rule: "phs.611.invalid-filetime",
            code: None,
            exception: "System.ArgumentOutOfRangeException",
            drs_call: None,
            title_has: "Not a valid Win32 FileTime",
            resolution_has: "1.0.6455.0807",
        },
    );
}

#[test]
fn duplicate_key() {
    check_611(
        "kb2867278-duplicate-key.evtx",
        &Expected {
            rule: "phs.611.duplicate-key",
            code: None,
            exception: "System.ArgumentException",
            drs_call: None,
            title_has: "same key",
            resolution_has: "1.0.6455.0807",
        },
    );
}

/// Also: the provider is a literal in the template (later records carry no provider bytes),
/// and the new-form events carry localized (German) error text.
#[test]
fn rpc_8453_replication_access_denied() {
    check_611(
        "kb2867278-rpc-8453.evtx",
        &Expected {
            rule: "phs.611.rpc-8453",
            code: Some((8453, "ERROR_DS_DRA_ACCESS_DENIED")),
            exception: DRS,
            drs_call: Some("_IDL_DRSGetNCChanges"),
            title_has: "8453",
            resolution_has: "Set-ADSyncPasswordHashSyncPermissions",
        },
    );
    let report = report("kb2867278-rpc-8453.evtx");
    let f = finding(&report, "phs.611.rpc-8453", "Contoso.com");
    assert!(f.cause.contains("1131f6aa-9c07-11d1-f79f-00c04fc2dcd2"));
    assert!(f.cause.contains("1131f6ad-9c07-11d1-f79f-00c04fc2dcd2"));
}

/// Codes the knowledge base has no specific rule for are decoded generically; codes with a
/// rule beyond the seed articles (1722 here) get that rule.
#[test]
fn other_rpc_codes_are_decoded_generically() {
    let report = report("kb2867278-rpc-other.evtx");
    assert_eq!(report.findings.len(), 2);
    let old = finding(&report, "phs.611.rpc-1722", "Contoso.com");
    assert_eq!(old.error_code, Some(1722));
    assert_eq!(
        old.error_symbol.as_deref(),
        Some("RPC_S_SERVER_UNAVAILABLE")
    );
    assert_eq!(old.drs_call.as_deref(), Some("_IDL_DRSBind"));
    assert_eq!(old.count, 3);
    let new = finding(&report, "phs.611.rpc-other", "ChildDomain.Contoso.Com");
    assert_eq!(new.error_code, Some(8524));
    assert_eq!(
        new.error_symbol.as_deref(),
        Some("ERROR_DS_DNS_LOOKUP_FAILURE")
    );
    assert!(
        new.title.contains("8524") && new.title.contains("ERROR_DS_DNS_LOOKUP_FAILURE"),
        "{}",
        new.title
    );
    assert!(new.cause.contains("No specific cause"), "{}", new.cause);
    assert_eq!(
        new.exception.as_deref(),
        Some(
            "Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsCommunicationException"
        )
    );
    assert_eq!(new.count, 2);
}

/// KB2962509: 115, 0, 655 and 6900 are ONE diagnosis; event 0's retry message is not part of it.
#[test]
fn changed_cloud_credentials_are_one_diagnosis() {
    let report = report("kb2962509-credentials.evtx");
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(f.rule, "phs.cloud-credentials");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.event_ids, [0, 115, 655, 6900]);
    assert_eq!(
        f.providers,
        ["Directory Synchronization", "FIMSynchronizationService"]
    );
    // 1 × 115, 2 × 0 (credentials), 3 × 655, 1 × 6900; the retry event 0 is left out.
    assert_eq!(f.count, 7);
    assert_eq!(f.domain, None);
    assert_eq!(f.error_code, None);
    assert_eq!(f.references, ["KB2962509"]);
    assert!(f.resolution.contains("configuration wizard"));
    assert!(
        f.resolution
            .contains("Forefront Identity Manager Synchronization Service")
    );
    assert_eq!(f.first_seen.unwrap().to_string(), "2024-06-10T14:00:00Z");
    assert!(
        f.samples
            .iter()
            .all(|s| !s.first_line.contains("scheduled for retry"))
    );
    assert_eq!(report.verdicts.len(), 1);
    assert_eq!(report.verdicts[0].domain, None);
    assert_eq!(report.verdicts[0].state, VerdictState::Failing);
}

#[test]
fn healthy_and_noise_logs_have_no_findings() {
    for file in ["healthy.evtx", "noise-only.evtx"] {
        let report = report(file);
        assert!(report.findings.is_empty(), "{file}: {:#?}", report.findings);
        assert_eq!(report.inputs[0].status, InputStatus::Ok);
        assert!(
            report.inputs[0].counts.records_read + report.inputs[0].counts.records_skipped > 400
        );
    }
    // Heartbeats and successful batches: healthy, for the connection and for the domain the
    // 657 results name.
    let healthy = report("healthy.evtx");
    let states: Vec<_> = healthy
        .verdicts
        .iter()
        .map(|v| (v.domain.as_deref(), v.state))
        .collect();
    assert_eq!(
        states,
        [
            (None, VerdictState::Healthy),
            (Some("contoso.com"), VerdictState::Healthy)
        ]
    );
    assert_eq!(
        healthy.verdicts[0].last_healthy.unwrap().to_string(),
        "2024-07-02T23:30:03Z"
    );
    let heartbeats = healthy
        .timeline
        .series
        .iter()
        .find(|s| s.label == "heartbeats")
        .unwrap();
    assert_eq!(heartbeats.counts.iter().sum::<u32>(), 96);
    // Only noise: nothing to judge by, and the report says so.
    let noise = report("noise-only.evtx");
    assert_eq!(noise.verdicts.len(), 1);
    assert_eq!(noise.verdicts[0].state, VerdictState::NotEnoughData);
}

/// Failures, then successful syncs for the same domain: recovered, with the failing streak.
#[test]
fn failing_then_recovered() {
    let report = report("health-recovered.evtx");
    let verdict = report
        .verdicts
        .iter()
        .find(|v| v.domain.as_deref() == Some("Contoso.com"))
        .unwrap_or_else(|| panic!("{:#?}", report.verdicts));
    assert_eq!(verdict.state, VerdictState::Recovered);
    assert_eq!(
        verdict.failing_since.unwrap().to_string(),
        "2024-09-02T08:00:00Z"
    );
    assert_eq!(
        verdict.last_failure.unwrap().to_string(),
        "2024-09-02T20:00:00Z"
    );
    assert_eq!(
        verdict.last_healthy.unwrap().to_string(),
        "2024-09-02T07:00:01Z"
    );
    assert_eq!(
        verdict.recovered_at.unwrap().to_string(),
        "2024-09-03T02:00:01Z"
    );
    assert_eq!(verdict.rules, ["phs.611.rpc-8453"]);
    assert_eq!(verdict.servers, ["SYNC01.contoso.com"]);
    assert_eq!(
        finding(&report, "phs.611.rpc-8453", "Contoso.com").count,
        25
    );
    let failures: u32 = report
        .timeline
        .series
        .iter()
        .filter(|s| s.kind == evtx_doctor::report::SeriesKind::Failure)
        .flat_map(|s| s.counts.iter())
        .sum();
    assert_eq!(failures, 25);
}

/// Heartbeats stop more than 3 hours before the log ends: stalled, never claimed past the
/// span the log (or the --until window) covers.
#[test]
fn heartbeats_stop_means_stalled() {
    let report = report("health-stalled.evtx");
    assert!(report.findings.is_empty());
    assert_eq!(report.verdicts.len(), 1, "{:#?}", report.verdicts);
    assert_eq!(report.verdicts[0].state, VerdictState::Stalled);
    assert_eq!(
        report.verdicts[0].last_healthy.unwrap().to_string(),
        "2024-10-07T09:30:03Z"
    );
    // Looked at up to 2 hours after the last heartbeat, the agent is not (yet) stalled.
    let options = Options {
        until: Some("2024-10-07T11:30:00Z".parse().unwrap()),
        ..Options::default()
    };
    let cut = run("health-stalled.evtx", &options);
    assert_eq!(
        cut.verdicts[0].state,
        VerdictState::Healthy,
        "{:#?}",
        cut.verdicts
    );
}

/// A damaged chunk between two chunks holding 611 events costs only that chunk.
#[test]
fn damaged_middle_chunk_costs_only_that_chunk() {
    let report = report("damaged-middle-chunk.evtx");
    let f = finding(&report, "phs.611.rpc-8453", "Contoso.com");
    assert_eq!(f.count, 2 + 3, "2 events in chunk 0 and 3 in chunk 2");
    assert_eq!(f.first_seen.unwrap().to_string(), "2024-03-04T08:00:00Z");
    assert_eq!(f.last_seen.unwrap().to_string(), "2024-03-04T22:00:00Z");
    let input = &report.inputs[0];
    assert_eq!(input.status, InputStatus::Damaged);
    assert_eq!(input.counts.chunks_unreadable, 1);
    assert_eq!(input.problems.len(), 1);
    assert_eq!(input.problems[0].kind, "bad_chunk_magic");
    assert_eq!(input.problems[0].chunk, Some(1));
    assert_eq!(input.problems[0].offset, Some(4096 + 65536));
}

/// Same report whatever the thread count and with the prefilter off.
#[test]
fn reports_do_not_depend_on_threads_or_prefilter() {
    let files: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "evtx"))
        .collect();
    let knowledge = Knowledge::builtin().unwrap();
    let run = |threads, prefilter| {
        let options = Options {
            prefilter,
            ..Options::default()
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut report = pool.install(|| analyze(&files, &knowledge, &options));
        // Chunks skipped by the prefilter are read without it: only those counters differ.
        for input in &mut report.inputs {
            input.counts.records_read += std::mem::take(&mut input.counts.records_skipped);
            input.counts.chunks_read += std::mem::take(&mut input.counts.chunks_skipped);
        }
        report.summary.records_read += std::mem::take(&mut report.summary.records_skipped);
        report.options.prefilter = true;
        report
    };
    let reference = run(1, true);
    assert!(!reference.findings.is_empty());
    assert_eq!(run(2, true), reference);
    assert_eq!(run(3, false), reference);
}

/// Per-user results (657 `Result: Failed`): the finding counts the objects, names the most
/// frequent first, and says the failure is isolated when other users of the domain synced.
#[test]
fn per_user_failures_count_objects() {
    let report = report("more-657-results.evtx");
    let f = finding(&report, "phs.657.user-failed", "contoso.com");
    assert_eq!(f.count, 3);
    assert_eq!(f.distinct_objects, 2);
    let objects: Vec<(&str, u64)> = f.objects.iter().map(|o| (o.dn.as_str(), o.count)).collect();
    assert_eq!(
        objects,
        [
            ("CN=Alice,OU=Users,DC=contoso,DC=com", 2),
            ("CN=Bob,OU=Users,DC=contoso,DC=com", 1)
        ]
    );
    assert_eq!(f.scope, Some(evtx_doctor::report::Scope::Isolated));
    // A 611 finding names no objects.
    let report = self::report("kb2867278-rpc-8453.evtx");
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.objects.is_empty() && f.scope.is_none())
    );
}

/// Fixtures written by one tool reuse computer, channel, record ids and times: analyzed
/// together, each still gives its own diagnoses (issue 15.2: 25 events were taken for
/// duplicates and 5 of the 7 seed diagnoses lost).
#[test]
fn logs_sharing_record_ids_and_times_are_not_duplicates() {
    let knowledge = Knowledge::builtin().unwrap();
    let names: Vec<String> = std::fs::read_dir(fixture(""))
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("kb") && name.ends_with(".evtx"))
        .collect();
    assert!(names.len() >= 7, "the seed fixtures: {names:?}");
    let mut alone = std::collections::BTreeSet::new();
    for name in &names {
        for finding in &report(name).findings {
            alone.insert((finding.rule.clone(), finding.domain.clone(), finding.count));
        }
    }
    let together = analyze(
        names.iter().map(|name| fixture(name)),
        &knowledge,
        &Options::default(),
    );
    assert_eq!(together.summary.duplicates_dropped, 0);
    let mut merged = std::collections::BTreeMap::new();
    for finding in &together.findings {
        *merged
            .entry((finding.rule.clone(), finding.domain.clone()))
            .or_insert(0) += finding.count;
    }
    for (rule, domain, count) in &alone {
        let got = merged
            .get(&(rule.clone(), domain.clone()))
            .copied()
            .unwrap_or(0);
        assert!(
            got >= *count,
            "{rule} {domain:?}: {got} of {count} events together"
        );
    }
}

/// Every seed fixture's samples show the line that holds the error (the first line of a 611
/// is only `... failed for domain: X. Details:`), and so does the text report.
#[test]
fn samples_show_the_line_that_holds_the_error() {
    let seeds = [
        "kb2867278-rpc-8439.evtx",
        "kb2867278-rpc-8593.evtx",
        "kb2867278-filetime.evtx",
        "kb2867278-duplicate-key.evtx",
        "kb2867278-rpc-8453.evtx",
        "kb2867278-rpc-other.evtx",
        "kb2962509-credentials.evtx",
    ];
    let mut samples = 0;
    for file in seeds {
        let report = report(file);
        assert!(!report.findings.is_empty(), "{file}");
        let text = evtx_doctor::render::render(
            &report,
            evtx_doctor::render::Format::Text,
            Default::default(),
        );
        // The report wraps lines, long dotted names after a dot: compare without white space.
        let bare = |text: &str| text.split_whitespace().collect::<String>();
        let text = bare(&text);
        for f in &report.findings {
            // What the error line must hold: the RPC error, else the exception and its
            // message, else (KB2962509) the message of the cloud's refusal.
            let short_exception = f
                .exception
                .as_deref()
                .and_then(|e| e.rsplit('.').next())
                .map(|name| format!("{name}: "));
            let error = match (f.error_code, short_exception) {
                (Some(code), _) => format!("RPC Error {code}"),
                (None, Some(exception)) => exception,
                (None, None) => String::new(),
            };
            for sample in &f.samples {
                samples += 1;
                let line = sample
                    .matched_line
                    .as_deref()
                    .unwrap_or_else(|| panic!("{file}: {} has no matched line", f.rule));
                assert!(line.contains(&error), "{file}: {line:?} lacks {error:?}");
                assert!(
                    ["denied", "password is incorrect", "Exception: "]
                        .iter()
                        .any(|word| line.contains(word)),
                    "{file}: {line:?}"
                );
                assert!(!line.ends_with("Details:"), "{file}: {line:?}");
                assert!(line.chars().count() <= 242, "{file}: {line:?}");
                assert_eq!(sample.line(), line);
                assert!(
                    text.contains(&bare(line)),
                    "{file}: text report lacks {line:?}"
                );
            }
        }
    }
    assert_eq!(samples, 26);
}
