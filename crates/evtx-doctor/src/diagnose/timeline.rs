//! The timeline: failures per domain, heartbeats and successes counted per time bucket.

use crate::event::Event;
use crate::report::{Series, SeriesKind, Severity, Timeline};
use crate::rules::{Match, RuleSet, SignalKind};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Bucket widths people read easily, in seconds: 1 min … 4 weeks.
const WIDTHS: &[u64] = &[
    60,
    300,
    900,
    1800,
    3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86_400,
    2 * 86_400,
    7 * 86_400,
    28 * 86_400,
];

/// Counts the matched events over `[first, last]` in at most [`Timeline::MAX_BUCKETS`] buckets.
pub(crate) fn build_timeline(
    rules: &RuleSet,
    matched: &[(Event, Match)],
    first: Option<Timestamp>,
    last: Option<Timestamp>,
) -> Timeline {
    let (Some(first), Some(last)) = (first, last) else {
        return Timeline::default();
    };
    let span = u64::try_from(last.as_second().saturating_sub(first.as_second())).unwrap_or(0);
    let max = Timeline::MAX_BUCKETS as u64;
    let width = WIDTHS
        .iter()
        .copied()
        .find(|w| span / w + 2 <= max)
        .unwrap_or_else(|| span.div_ceil(max - 1).max(1));
    // Align the start on a whole bucket (UTC) so labels read well.
    let start_second = first.as_second() - first.as_second().rem_euclid(width as i64);
    let Ok(start) = Timestamp::from_second(start_second) else {
        return Timeline::default();
    };
    let buckets = usize::try_from((last.as_second() - start_second) as u64 / width + 1)
        .unwrap_or(1)
        .min(Timeline::MAX_BUCKETS);

    // Keyed by (order, lower-case label): failures of one domain written in different cases
    // are one series, labelled as first written.
    let mut index_of: BTreeMap<(u8, String), usize> = BTreeMap::new();
    let mut all: Vec<Series> = Vec::new();
    // The last event's order and label, and its series: events of a burst share them.
    let mut last: Option<(u8, &str, usize)> = None;
    for (event, found) in matched {
        let (Some(rule), Some(time)) = (rules.rules().get(found.rule), event.time) else {
            continue;
        };
        let (order, kind, label) = match rule.signal {
            Some(SignalKind::Heartbeat) => (1, SeriesKind::Heartbeat, "heartbeats"),
            Some(SignalKind::Success) => (2, SeriesKind::Success, "successful syncs"),
            None if rule.severity == Severity::Error => (
                0,
                SeriesKind::Failure,
                found
                    .fields
                    .domain
                    .as_deref()
                    .unwrap_or("Entra ID connection"),
            ),
            None => continue,
        };
        let offset = time.as_second().saturating_sub(start_second);
        let Some(bucket) = usize::try_from(offset / width as i64)
            .ok()
            .filter(|&i| i < buckets)
        else {
            continue;
        };
        let index = match last {
            Some((last_order, last_label, index)) if last_order == order && last_label == label => {
                index
            }
            _ => *index_of
                .entry((order, label.to_lowercase()))
                .or_insert_with(|| {
                    all.push(Series {
                        kind,
                        label: label.to_owned(),
                        counts: vec![0; buckets],
                    });
                    all.len() - 1
                }),
        };
        last = Some((order, label, index));
        if let Some(count) = all
            .get_mut(index)
            .and_then(|series| series.counts.get_mut(bucket))
        {
            *count = count.saturating_add(1);
        }
    }
    let series = super::in_key_order(index_of, all);
    Timeline {
        start: Some(start),
        bucket_seconds: width,
        series,
    }
}
