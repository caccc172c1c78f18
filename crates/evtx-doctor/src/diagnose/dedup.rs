//! The same record seen twice (overlapping exports, a log and its zipped copy, a paste of an
//! event that is also in the log) counts once.

use crate::event::Event;
use crate::rules::{FastHash, Match};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Events of one place and key compared with a newcomer. Past a few, they are a crafted
/// collision rather than duplicates: later ones are kept without comparing, so time stays
/// linear whatever the input.
const MAX_SAME_KEY: usize = 8;

/// How much of an event's content its key covers: enough to tell real events apart, and the
/// key of a 611 with its stack trace stays cheap; events whose keys agree are compared whole.
const KEY_CONTENT: usize = 512;

/// Drops events seen twice, keeping the first. Two events are the same record when computer,
/// channel, record id and time agree *and* so do provider, event id and what they say: fixture
/// logs and logs of different servers reuse record ids and times freely.
///
/// Events are found by their place (names, record id, time, event id), which real records
/// rarely share; only events of one place are keyed by what they say too, and compared in
/// full when those keys agree (a duplicate, or a collision): the time is linear in the
/// events' size, and most events are never read past their names.
pub(crate) fn drop_duplicates(matched: &mut Vec<(Event, Match)>) -> u64 {
    // Hashed again by the map's keyed hasher: the input picks record ids, and so could pick
    // place keys that all fall in one bucket of an unkeyed one.
    let mut places: HashMap<u64, Place> = HashMap::with_capacity(matched.len());
    let mut keep = vec![true; matched.len()];
    let (mut scratch, mut content) = (Vec::new(), Vec::new());
    let mut content_key = |event: &Event| {
        content.clear();
        write_content(event, &mut content, KEY_CONTENT);
        hash(&content)
    };
    for (index, (event, _)) in matched.iter().enumerate() {
        let Some(place) = place_key(event, &mut scratch) else {
            continue;
        };
        let same = |&other: &usize| {
            matched
                .get(other)
                .is_some_and(|(kept, _)| same_record(kept, event))
        };
        let duplicate = match places.entry(place) {
            Entry::Vacant(slot) => {
                slot.insert(Place::One(index));
                false
            }
            Entry::Occupied(mut slot) => match slot.get_mut() {
                Place::One(first) if same(first) => true,
                Place::One(first) => {
                    let first = *first;
                    let first_key = matched.get(first).map_or(0, |(kept, _)| content_key(kept));
                    let mut by_content: HashMap<u64, Vec<usize>> = HashMap::new();
                    by_content.entry(first_key).or_default().push(first);
                    by_content
                        .entry(content_key(event))
                        .or_default()
                        .push(index);
                    slot.insert(Place::Many(by_content));
                    false
                }
                Place::Many(by_content) => {
                    let same_key = by_content.entry(content_key(event)).or_default();
                    let seen = same_key.iter().any(same);
                    if !seen && same_key.len() < MAX_SAME_KEY {
                        same_key.push(index);
                    }
                    seen
                }
            },
        };
        if duplicate && let Some(flag) = keep.get_mut(index) {
            *flag = false;
        }
    }
    let before = matched.len();
    let mut flags = keep.into_iter();
    matched.retain(|_| flags.next().unwrap_or(true));
    (before - matched.len()) as u64
}

/// The events kept at one place: the first alone (the usual case), or several by a key of
/// what they say.
enum Place {
    One(usize),
    Many(HashMap<u64, Vec<usize>>),
}

/// A hash of where `event` was logged: computer, channel and provider (case ignored), record
/// id, time in whole seconds and event id; `None` when it lacks a record id or a time (it
/// cannot be told apart). `scratch` is a buffer to reuse.
///
/// Seconds, because exports cut the time a log holds to 100 ns: PowerShell and Event Viewer
/// write whole seconds, `wevtutil` milliseconds (all cut, never rounded).
fn place_key(event: &Event, scratch: &mut Vec<u8>) -> Option<u64> {
    let (record_id, time) = (event.record_id?, event.time?);
    scratch.clear();
    for name in [&event.computer, &event.channel, &event.provider] {
        if name.is_ascii() {
            scratch.extend(name.bytes().map(|b| b.to_ascii_lowercase()));
        } else {
            for c in name.chars().flat_map(char::to_lowercase) {
                let mut utf8 = [0; 4];
                scratch.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        scratch.push(0);
    }
    scratch.extend_from_slice(&record_id.to_le_bytes());
    scratch.extend_from_slice(&time.as_second().to_le_bytes());
    scratch.extend_from_slice(&event.event_id.to_le_bytes());
    Some(hash(scratch))
}

/// Whether `a` and `b` are one record: their places and all they say agree. What they say is
/// compared word by word up to the first difference, so comparing a small event with a huge
/// one costs the small one's size.
fn same_record(a: &Event, b: &Event) -> bool {
    let same_name = |x: &str, y: &str| {
        x.len() == y.len() && x.eq_ignore_ascii_case(y)
            || x.chars()
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

/// What the event says, in a form every shape of it shares: its data values when it has them
/// (a log, an XML export), else its message (a paste holds only that; a classic event's
/// message is its one data value), as words (a run of white space separates two).
fn content_words(event: &Event) -> impl Iterator<Item = &[u8]> {
    let (data, message) = if event.data.is_empty() {
        (None, event.message.as_deref())
    } else {
        (Some(&event.data), None)
    };
    data.into_iter()
        .flatten()
        .map(|item| item.value.as_str())
        .chain(message)
        .flat_map(str::split_whitespace)
        .map(str::as_bytes)
}

/// Appends the event's words ([`content_words`]) to `out`, one space between two; it stops
/// after `limit` bytes.
fn write_content(event: &Event, out: &mut Vec<u8>, limit: usize) {
    let end = out.len().saturating_add(limit);
    for (index, word) in content_words(event).enumerate() {
        if out.len() >= end {
            out.truncate(end);
            return;
        }
        if index > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(word);
    }
}

/// A fast hash of `bytes` (the rules' memory's); collisions are told apart by comparing.
fn hash(bytes: &[u8]) -> u64 {
    let mut hash = FastHash::default();
    hash.add(bytes);
    hash.finish()
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

    /// Events of one place whose content begins alike (the whole key) but ends otherwise are
    /// kept, a copy of the long one dropped; each comparison stops at the first different word
    /// (a 4 MiB event is not copied for every short one).
    #[test]
    fn contents_that_begin_alike_are_told_apart() {
        let prefix = "word ".repeat(200);
        let long = format!("{prefix}{}", "tail ".repeat(800_000));
        let found = || Match {
            rule: 0,
            fields: Default::default(),
        };
        let mut matched: Vec<(Event, Match)> =
            vec![(event("ADSync", 6900, &[&long], None), found())];
        for i in 0..200 {
            let short = format!("{prefix}short{i}");
            matched.push((event("ADSync", 6900, &[&short], None), found()));
        }
        matched.push((event("ADSync", 6900, &[&long], None), found()));
        assert_eq!(drop_duplicates(&mut matched), 1);
        assert_eq!(matched.len(), 201);
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
