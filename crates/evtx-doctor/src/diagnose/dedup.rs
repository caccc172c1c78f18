//! The same record seen twice (overlapping exports, a log and its zipped copy) counts once.

use crate::event::Event;
use crate::rules::Match;
use std::collections::HashSet;

/// Drops events seen twice (same computer, channel, record id and time), keeping the first.
pub(crate) fn drop_duplicates(matched: &mut Vec<(Event, Match)>) -> u64 {
    let before = matched.len();
    let mut seen = HashSet::new();
    matched.retain(|(event, _)| match (event.record_id, event.time) {
        (Some(record_id), Some(time)) => seen.insert((
            event.computer.to_lowercase(),
            event.channel.to_lowercase(),
            record_id,
            time,
        )),
        _ => true,
    });
    (before - matched.len()) as u64
}
