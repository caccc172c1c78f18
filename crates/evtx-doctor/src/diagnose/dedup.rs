//! The same record seen twice (overlapping exports, a log and its zipped copy, a paste of an
//! event that is also in the log) counts once.

use crate::event::Event;
use crate::rules::Match;
use std::collections::HashSet;

/// Drops events seen twice, keeping the first. Two events are the same record when computer,
/// channel, record id and time agree *and* so do provider, event id and what they say: fixture
/// logs and logs of different servers reuse record ids and times freely.
pub(crate) fn drop_duplicates(matched: &mut Vec<(Event, Match)>) -> u64 {
    let before = matched.len();
    let mut seen = HashSet::new();
    matched.retain(|(event, _)| match identity(event) {
        Some(identity) => seen.insert(identity),
        None => true,
    });
    (before - matched.len()) as u64
}

/// (computer, channel, record id, time in whole seconds, provider, event id, content),
/// lowercased where case means nothing; `None` when the event lacks a record id or time (it
/// cannot be told apart).
///
/// Seconds, because exports cut the time a log holds to 100 ns: PowerShell and Event Viewer
/// write whole seconds, `wevtutil` milliseconds (all cut, never rounded).
type Identity = (String, String, u64, i64, String, u16, String);

fn identity(event: &Event) -> Option<Identity> {
    Some((
        event.computer.to_lowercase(),
        event.channel.to_lowercase(),
        event.record_id?,
        event.time?.as_second(),
        event.provider.to_lowercase(),
        event.event_id,
        content(event),
    ))
}

/// What the event says, in a form every shape of it shares: its data values when it has
/// them (a log, an XML export), else its message (a paste holds only that; a classic event's
/// message is its one data value), whitespace runs made one space.
fn content(event: &Event) -> String {
    let mut words: Vec<&str> = Vec::new();
    if event.data.is_empty() {
        if let Some(message) = &event.message {
            words.extend(message.split_whitespace());
        }
    } else {
        for item in &event.data {
            words.extend(item.value.split_whitespace());
        }
    }
    words.join(" ")
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
}
