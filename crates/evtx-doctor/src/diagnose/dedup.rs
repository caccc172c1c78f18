//! The same record seen twice (overlapping exports, a log and its zipped copy, a paste of an
//! event that is also in the log) counts once.

use crate::event::Event;
use crate::rules::Match;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Drops events seen twice, keeping the first. Two events are the same record when computer,
/// channel, record id and time agree *and* so do provider, event id and what they say: fixture
/// logs and logs of different servers reuse record ids and times freely.
///
/// Events are keyed by a hash of all that; events are compared in full only when their keys
/// agree (a duplicate, or a collision), so the time is linear in the events' size.
pub(crate) fn drop_duplicates(matched: &mut Vec<(Event, Match)>) -> u64 {
    let mut kept_at: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut keep = vec![true; matched.len()];
    for (index, (event, _)) in matched.iter().enumerate() {
        let Some(key) = identity_hash(event) else {
            continue;
        };
        let same_key = kept_at.entry(key).or_default();
        let seen = same_key
            .iter()
            .filter_map(|&other| matched.get(other))
            .any(|(other, _)| same_record(other, event));
        if seen {
            if let Some(flag) = keep.get_mut(index) {
                *flag = false;
            }
        } else {
            same_key.push(index);
        }
    }
    let before = matched.len();
    let mut flags = keep.into_iter();
    matched.retain(|_| flags.next().unwrap_or(true));
    (before - matched.len()) as u64
}

/// A hash of what makes `event` one record: computer, channel, record id, time in whole
/// seconds, provider, event id (case ignored in names) and content; `None` when the event
/// lacks a record id or a time (it cannot be told apart).
///
/// Seconds, because exports cut the time a log holds to 100 ns: PowerShell and Event Viewer
/// write whole seconds, `wevtutil` milliseconds (all cut, never rounded).
fn identity_hash(event: &Event) -> Option<u64> {
    let mut hasher = DefaultHasher::new();
    for name in [&event.computer, &event.channel, &event.provider] {
        for c in name.chars().flat_map(char::to_lowercase) {
            c.hash(&mut hasher);
        }
        0xFFu8.hash(&mut hasher);
    }
    event.record_id?.hash(&mut hasher);
    event.time?.as_second().hash(&mut hasher);
    event.event_id.hash(&mut hasher);
    for word in content_words(event) {
        word.hash(&mut hasher);
    }
    Some(hasher.finish())
}

/// Whether `a` and `b` are one record (what [`identity_hash`] hashes agrees).
fn same_record(a: &Event, b: &Event) -> bool {
    let same_name = |x: &str, y: &str| {
        x.chars()
            .flat_map(char::to_lowercase)
            .eq(y.chars().flat_map(char::to_lowercase))
    };
    a.record_id == b.record_id
        && a.time.map(|t| t.as_second()) == b.time.map(|t| t.as_second())
        && a.event_id == b.event_id
        && same_name(&a.computer, &b.computer)
        && same_name(&a.channel, &b.channel)
        && same_name(&a.provider, &b.provider)
        && content_words(a).eq(content_words(b))
}

/// What the event says, in a form every shape of it shares: its data values when it has
/// them (a log, an XML export), else its message (a paste holds only that; a classic event's
/// message is its one data value), as words (white space runs are one separator).
fn content_words(event: &Event) -> Box<dyn Iterator<Item = &str> + '_> {
    if event.data.is_empty() {
        Box::new(event.message.iter().flat_map(|m| m.split_whitespace()))
    } else {
        Box::new(
            event
                .data
                .iter()
                .flat_map(|item| item.value.split_whitespace()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DataItem;
    use jiff::Timestamp;

    fn event(provider: &str, id: u16, data: &[&str], message: Option<&str>) -> Event {
        Event {
            provider: provider.into(),
            event_id: id,
            time: Timestamp::from_second(1_709_539_200).ok(),
            record_id: Some(27),
            channel: "Application".into(),
            computer: "SYNC01.contoso.com".into(),
            data: data
                .iter()
                .map(|value| DataItem {
                    name: None,
                    value: (*value).into(),
                })
                .collect(),
            message: message.map(Into::into),
            ..Event::default()
        }
    }

    #[test]
    fn the_same_place_with_other_content_is_another_event() {
        let base = event(
            "Directory Synchronization",
            611,
            &["failed for Contoso.com"],
            None,
        );
        let same = event(
            "directory synchronization",
            611,
            &["failed  for\r\nContoso.com"],
            None,
        );
        let other_data = event(
            "Directory Synchronization",
            611,
            &["failed for Fabrikam.com"],
            None,
        );
        let other_id = event(
            "Directory Synchronization",
            656,
            &["failed for Contoso.com"],
            None,
        );
        let other_provider = event("ADSync", 611, &["failed for Contoso.com"], None);
        let pasted = event(
            "Directory Synchronization",
            611,
            &[],
            Some("failed for Contoso.com"),
        );
        let mut matched: Vec<(Event, Match)> =
            [base, same, other_data, other_id, other_provider, pasted]
                .into_iter()
                .map(|event| {
                    let found = Match {
                        rule: 0,
                        fields: Default::default(),
                    };
                    (event, found)
                })
                .collect();
        assert_eq!(
            drop_duplicates(&mut matched),
            2,
            "the same event, and its paste"
        );
        let kept: Vec<(&str, u16)> = matched
            .iter()
            .map(|(event, _)| (event.provider.as_str(), event.event_id))
            .collect();
        assert_eq!(
            kept,
            [
                ("Directory Synchronization", 611),
                ("Directory Synchronization", 611),
                ("Directory Synchronization", 656),
                ("ADSync", 611)
            ]
        );
    }

    #[test]
    fn an_export_cut_to_the_second_is_the_event_of_the_log() {
        let mut logged = event("ADSync", 6900, &["AADSTS50054"], None);
        let mut exported = logged.clone();
        let second = Timestamp::from_second(1_709_539_200).unwrap();
        logged.time = second
            .checked_add(jiff::SignedDuration::from_nanos(123_456_700))
            .ok();
        exported.time = Some(second);
        let mut next_second = exported.clone();
        next_second.time = second.checked_add(jiff::SignedDuration::from_secs(1)).ok();
        let mut matched: Vec<(Event, Match)> = [logged, exported, next_second]
            .into_iter()
            .map(|event| {
                (
                    event,
                    Match {
                        rule: 0,
                        fields: Default::default(),
                    },
                )
            })
            .collect();
        assert_eq!(drop_duplicates(&mut matched), 1);
        assert_eq!(matched.len(), 2);
    }

    /// Events at one place that say different things are all kept (and found apart by their
    /// key, not by comparing each with all the others: 5,000 such rows took 38 s).
    #[test]
    fn one_place_many_contents_are_all_kept() {
        let mut matched: Vec<(Event, Match)> = (0..5000)
            .map(|i| {
                let text = format!("failed for domain{i}.com");
                let event = event("Directory Synchronization", 611, &[&text], None);
                (
                    event,
                    Match {
                        rule: 0,
                        fields: Default::default(),
                    },
                )
            })
            .collect();
        let copy = matched[4999].clone();
        matched.push(copy);
        assert_eq!(drop_duplicates(&mut matched), 1);
        assert_eq!(matched.len(), 5000);
    }
}
