//! Findings → one verdict per domain.

use crate::report::{Finding, Severity, Verdict, VerdictState};
use std::collections::BTreeMap;

/// One verdict per domain (case-insensitive; tenant-wide findings under `None`) that has
/// error findings, earliest failure first.
pub(crate) fn build_verdicts(findings: &[Finding]) -> Vec<Verdict> {
    let mut by_domain: BTreeMap<Option<String>, Verdict> = BTreeMap::new();
    for finding in findings.iter().filter(|f| f.severity == Severity::Error) {
        let key = finding.domain.as_ref().map(|d| d.to_lowercase());
        let verdict = by_domain.entry(key).or_insert_with(|| Verdict {
            domain: finding.domain.clone(),
            state: VerdictState::Failing,
            failing_since: None,
            last_failure: None,
            last_healthy: None,
            recovered_at: None,
            rules: Vec::new(),
            servers: Vec::new(),
        });
        verdict.failing_since = earliest(verdict.failing_since, finding.first_seen);
        verdict.last_failure = verdict.last_failure.max(finding.last_seen);
        if !verdict.rules.contains(&finding.rule) {
            verdict.rules.push(finding.rule.clone());
        }
    }
    let mut verdicts: Vec<Verdict> = by_domain.into_values().collect();
    verdicts.sort_by(|a, b| (a.failing_since, &a.domain).cmp(&(b.failing_since, &b.domain)));
    verdicts
}

fn earliest<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
