//! Health: per domain, is password hash sync failing (since when), recovered (when), healthy,
//! or stalled — from the failures of the findings and the heartbeat and success signals.

use crate::event::Event;
use crate::report::{Finding, InputReport, Severity, Verdict, VerdictState};
use crate::rules::{Match, RuleSet, SignalKind};
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// A sync agent with no heartbeat for longer than this, inside the span its log covers, is
/// stalled (Microsoft's troubleshooter uses the same 3 hours for event 654).
const STALL_AFTER: SignedDuration = SignedDuration::from_hours(3);

/// What is known about one domain (or, under `None`, the tenant-wide connection).
#[derive(Default)]
struct Track {
    display: Option<String>,
    /// Whether `display` came from a failure event (the domain as configured in the sync
    /// tool), which wins over the spelling of distinguished names.
    display_from_failure: bool,
    failures: Vec<Timestamp>,
    successes: Vec<Timestamp>,
    servers: BTreeSet<String>,
}

/// One verdict per domain with failures or successes, plus the tenant-wide connection.
pub(crate) fn build_verdicts(
    rules: &RuleSet,
    matched: &[(Event, Match)],
    findings: &[Finding],
    inputs: &[InputReport],
    until: Option<Timestamp>,
) -> Vec<Verdict> {
    let mut tracks: BTreeMap<Option<String>, Track> = BTreeMap::new();
    // Last heartbeat per sync server, and the end of the logs it came from.
    let mut heartbeats: BTreeMap<String, (Timestamp, Option<Timestamp>)> = BTreeMap::new();
    for (event, found) in matched {
        let (Some(rule), Some(time)) = (rules.rules().get(found.rule), event.time) else {
            continue;
        };
        let domain = found.fields.domain.as_ref();
        let key = match rule.signal {
            Some(SignalKind::Heartbeat) => None,
            _ => domain.map(|d| d.to_lowercase()),
        };
        let track = tracks.entry(key).or_default();
        if rule.signal.is_none() && !track.display_from_failure {
            track.display = domain.cloned();
            track.display_from_failure = true;
        } else if track.display.is_none() {
            track.display = domain.cloned();
        }
        if !event.computer.is_empty() {
            track.servers.insert(event.computer.clone());
        }
        match rule.signal {
            Some(SignalKind::Heartbeat) => {
                track.successes.push(time);
                // The end of what was looked at: the log's last event, or the window's end.
                let log_end = inputs
                    .get(event.origin.input)
                    .and_then(|i| i.last_event)
                    .map(|end| until.map_or(end, |until| end.min(until)));
                let last = heartbeats
                    .entry(event.computer.clone())
                    .or_insert((time, log_end));
                last.0 = last.0.max(time);
                last.1 = last.1.max(log_end);
            }
            Some(SignalKind::Success) => track.successes.push(time),
            None if rule.severity == Severity::Error => track.failures.push(time),
            None => {}
        }
    }
    let mut verdicts: Vec<Verdict> = tracks
        .into_iter()
        .filter_map(|(key, track)| judge(key.as_deref(), track, findings, &heartbeats))
        .collect();
    if verdicts.is_empty() {
        verdicts.push(Verdict {
            domain: None,
            state: VerdictState::NotEnoughData,
            failing_since: None,
            last_failure: None,
            last_healthy: None,
            recovered_at: None,
            rules: Vec::new(),
            servers: Vec::new(),
        });
    }
    verdicts.sort_by(|a, b| {
        (rank(a.state), a.failing_since, &a.domain).cmp(&(
            rank(b.state),
            b.failing_since,
            &b.domain,
        ))
    });
    verdicts
}

fn judge(
    key: Option<&str>,
    mut track: Track,
    findings: &[Finding],
    heartbeats: &BTreeMap<String, (Timestamp, Option<Timestamp>)>,
) -> Option<Verdict> {
    track.failures.sort_unstable();
    track.successes.sort_unstable();
    let rules: Vec<String> = findings
        .iter()
        .filter(|f| {
            f.severity == Severity::Error
                && f.domain.as_ref().map(|d| d.to_lowercase()).as_deref() == key
        })
        .fold(Vec::new(), |mut ids, f| {
            if !ids.contains(&f.rule) {
                ids.push(f.rule.clone());
            }
            ids
        });
    let mut verdict = Verdict {
        domain: track.display.clone(),
        state: VerdictState::Healthy,
        failing_since: None,
        last_failure: None,
        last_healthy: track.successes.last().copied(),
        recovered_at: None,
        rules,
        servers: track.servers.into_iter().collect(),
    };
    if let Some(&last_failure) = track.failures.last() {
        // The current failing streak starts after the last success before the last failure.
        let before = track
            .successes
            .iter()
            .rev()
            .find(|&&s| s < last_failure)
            .copied();
        verdict.failing_since = track
            .failures
            .iter()
            .find(|&&f| before.is_none_or(|b| f > b))
            .copied();
        verdict.last_failure = Some(last_failure);
        verdict.last_healthy = before;
        verdict.recovered_at = track.successes.iter().find(|&&s| s > last_failure).copied();
        verdict.state = if verdict.recovered_at.is_some() {
            VerdictState::Recovered
        } else {
            VerdictState::Failing
        };
    } else if track.successes.is_empty() {
        return None;
    }
    // The tenant-wide connection stalls when a sync server's heartbeats stop well before
    // the end of its log.
    if key.is_none() && verdict.state != VerdictState::Failing {
        let stalled = heartbeats
            .iter()
            .filter(|(_, (last, end))| {
                end.is_some_and(|end| end.duration_since(*last) > STALL_AFTER)
            })
            .map(|(_, (last, _))| *last)
            .min();
        if let Some(last) = stalled {
            verdict.state = VerdictState::Stalled;
            verdict.last_healthy = Some(last);
        }
    }
    Some(verdict)
}

/// Verdicts that need action first.
fn rank(state: VerdictState) -> u8 {
    match state {
        VerdictState::Failing => 0,
        VerdictState::Stalled => 1,
        VerdictState::Recovered => 2,
        VerdictState::NotEnoughData => 3,
        VerdictState::Healthy => 4,
    }
}
