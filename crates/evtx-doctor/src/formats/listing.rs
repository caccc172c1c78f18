//! Events written out as labelled text, as customers paste them into tickets:
//!
//! - Event Viewer's "Copy → Copy Details as Text": `Log Name:`, `Source:`, `Date:` (local
//!   time), `Event ID:`, ... `Description:` with the message on the same line or the next
//!   ones, optionally `Event Xml:` and the event's XML (whose UTC time, record id and data win);
//! - `wevtutil qe LOG /f:text`: `Event[N]:` blocks of two-space-indented labels, the message
//!   unindented after `Description:`;
//! - PowerShell `Format-List` of `Get-WinEvent` (`TimeCreated`, `ProviderName`, `Id`,
//!   `Message`, ...) and of `Get-EventLog` (`Index`, `EntryType`, `InstanceId`, `Source`,
//!   `TimeGenerated`, ...), a value's further lines indented to its column.
//!
//! Labels are English in every locale (values such as the level are localized). A file holds
//! any number of events; a record ends where the next one starts.

use super::csv::{level_number, parse_local_time};
use super::export::{Counts, MAX_EXPORT_RECORD_BYTES, problem};
use super::text::Window;
use crate::event::{Event, parse_event_xml};
use crate::report::ProblemKind;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::io::Read;

/// Which labelled-text shape a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Event Viewer "Copy Details as Text".
    EventViewer,
    /// `wevtutil qe /f:text`.
    Wevtutil,
    /// PowerShell `Format-List`.
    FormatList,
}

/// `Format-List` labels of `Get-WinEvent` and `Get-EventLog` records that may come first.
const LIST_LABELS: &[&str] = &[
    "TimeCreated",
    "ProviderName",
    "Id",
    "Message",
    "LogName",
    "MachineName",
    "RecordId",
    "Index",
    "EntryType",
    "InstanceId",
    "Source",
    "TimeGenerated",
    "EventID",
];

/// How many lines of a text are looked at for the start of its first event (a paste may
/// follow a few lines of a ticket's prose).
pub(crate) const SNIFF_LINES: usize = 40;

/// The shape of the text `window` starts with, from the first line of its first
/// [`SNIFF_LINES`] that starts an event (nothing is consumed).
pub(crate) fn shape_of<R: Read>(window: &mut Window<R>) -> Option<Shape> {
    while window.bytes().len() < super::sniff::SNIFF_BYTES && window.fill() {}
    let head = String::from_utf8_lossy(window.bytes());
    head.split('\n')
        .take(SNIFF_LINES)
        .find_map(|line| sniff(line.trim_start_matches('\u{feff}')))
}

/// The shape of a text whose first line is `first_line`, if it is one of them.
pub(crate) fn sniff(first_line: &str) -> Option<Shape> {
    let line = first_line.trim_end();
    if let Some((label, _)) = line.split_once(':') {
        if label == "Log Name" {
            return Some(Shape::EventViewer);
        }
        if is_wevtutil_start(line) {
            return Some(Shape::Wevtutil);
        }
        if line.contains(" : ") && LIST_LABELS.contains(&label.trim_end()) {
            return Some(Shape::FormatList);
        }
    }
    None
}

fn is_wevtutil_start(line: &str) -> bool {
    line.trim_end()
        .strip_prefix("Event[")
        .and_then(|rest| rest.strip_suffix("]:"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// One line of the file and where it starts.
struct Line {
    text: String,
    offset: u64,
    number: u64,
}

/// The next line of `window` (line end removed, cut at the record size limit), or `None` at
/// the end of the file.
fn next_line<R: Read>(window: &mut Window<R>) -> Option<Line> {
    let (offset, number) = (window.offset(), window.line());
    loop {
        if let Some(nl) = memchr::memchr(b'\n', window.bytes()) {
            let bytes = window.bytes().get(..nl.min(MAX_EXPORT_RECORD_BYTES))?;
            let text = String::from_utf8_lossy(bytes)
                .trim_end_matches('\r')
                .to_owned();
            window.advance(nl + 1);
            return Some(Line {
                text,
                offset,
                number,
            });
        }
        let len = window.bytes().len();
        if len > MAX_EXPORT_RECORD_BYTES || !window.fill() {
            if len == 0 {
                return None;
            }
            let bytes = window.bytes().get(..len.min(MAX_EXPORT_RECORD_BYTES))?;
            let text = String::from_utf8_lossy(bytes).into_owned();
            window.advance(len);
            return Some(Line {
                text,
                offset,
                number,
            });
        }
    }
}

/// Reads every event of a labelled-text file of `shape` from `window`.
pub(crate) fn read<R: Read>(
    window: &mut Window<R>,
    shape: Shape,
    zone: Option<&TimeZone>,
    counts: &mut Counts,
    emit: &mut dyn FnMut(Event),
) {
    // Without a zone, local times are read as UTC and the text says so once.
    let mut local_time_noted = zone.is_some();
    let utc = TimeZone::UTC;
    let zone = zone.unwrap_or(&utc);
    let mut record: Vec<Line> = Vec::new();
    let mut size = 0usize;
    let mut events = 0u64;
    let mut finish = |record: &mut Vec<Line>, counts: &mut Counts| {
        if record.iter().all(|line| line.text.trim().is_empty()) {
            record.clear();
            return;
        }
        let (offset, number) = record
            .first()
            .map_or((0, 0), |line| (line.offset, line.number));
        match parse(shape, record, zone) {
            Ok((event, local)) => {
                events += 1;
                if local && !local_time_noted {
                    local_time_noted = true;
                    counts.push(problem(
                        ProblemKind::TextLocalTime,
                        None,
                        "the times in this text are the local time of the machine that wrote \
                         it (it does not say its time zone); they are read as UTC, so they may \
                         be off by that machine's UTC offset"
                            .into(),
                    ));
                }
                emit(event);
            }
            Err(why) => counts.unreadable(problem(
                ProblemKind::TextBadEvent,
                Some(offset),
                format!("the event at line {number} cannot be read: {why}"),
            )),
        }
        record.clear();
    };
    let mut started = false;
    while let Some(line) = next_line(window) {
        // What comes before the first event (a ticket's prose) is no event.
        if !started {
            if sniff(line.text.trim_start_matches('\u{feff}')) != Some(shape) {
                continue;
            }
            started = true;
        }
        if starts_record(shape, &line.text, &record) {
            finish(&mut record, counts);
            size = 0;
        }
        size += line.text.len();
        if size > MAX_EXPORT_RECORD_BYTES {
            // Kept whole up to the limit; the rest of an endless record is dropped line by line.
            continue;
        }
        record.push(line);
    }
    finish(&mut record, counts);
    if events == 0 && counts.unreadable == 0 {
        counts.push(problem(
            ProblemKind::NoEvents,
            None,
            "the text holds no event".into(),
        ));
    }
}

/// Whether `line` starts a new record, given the lines of the record so far.
fn starts_record(shape: Shape, line: &str, record: &[Line]) -> bool {
    match shape {
        Shape::EventViewer => line.starts_with("Log Name:"),
        Shape::Wevtutil => is_wevtutil_start(line),
        // A label the record already has: the next record (records are separated by blank
        // lines, but a message may hold blank lines too).
        Shape::FormatList => list_label(line).is_some_and(|(label, _)| {
            record
                .iter()
                .any(|seen| list_label(&seen.text).is_some_and(|(l, _)| l == label))
        }),
    }
}

/// `Label : value` of a `Format-List` line (the label at the line's start, padded to the
/// colon column).
fn list_label(line: &str) -> Option<(&str, &str)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let (label, value) = line.split_once(':')?;
    let label = label.trim_end();
    let plain = !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric());
    plain.then(|| (label, value.strip_prefix(' ').unwrap_or(value)))
}

/// The labelled fields of a record, and its message, as written.
#[derive(Default)]
struct Fields {
    pairs: Vec<(String, String)>,
    message: Vec<String>,
    xml: Vec<String>,
}

impl Fields {
    fn get(&self, labels: &[&str]) -> Option<&str> {
        labels.iter().find_map(|want| {
            self.pairs
                .iter()
                .find(|(label, _)| label.eq_ignore_ascii_case(want))
                .map(|(_, value)| value.trim())
                .filter(|value| !value.is_empty())
        })
    }
}

/// Splits a record into its labels, message and XML, as its shape lays them out.
fn fields_of(shape: Shape, record: &[Line]) -> Fields {
    let mut fields = Fields::default();
    let mut in_message = false;
    let mut in_xml = false;
    for line in record {
        let text = line.text.as_str();
        match shape {
            Shape::EventViewer | Shape::Wevtutil => {
                if in_xml {
                    fields.xml.push(text.to_owned());
                    continue;
                }
                if shape == Shape::EventViewer && text.trim_end() == "Event Xml:" {
                    in_xml = true;
                    continue;
                }
                if in_message {
                    fields.message.push(text.to_owned());
                    continue;
                }
                if shape == Shape::Wevtutil && is_wevtutil_start(text) {
                    continue;
                }
                let Some((label, value)) = text.split_once(':') else {
                    continue;
                };
                let label = label.trim();
                if label == "Description" {
                    in_message = true;
                    let first = value.trim();
                    if !first.is_empty() {
                        fields.message.push(first.to_owned());
                    }
                } else {
                    fields
                        .pairs
                        .push((label.to_owned(), value.trim().to_owned()));
                }
            }
            Shape::FormatList => match list_label(text) {
                Some((label, value)) => {
                    in_message = label == "Message";
                    if in_message {
                        fields.message.push(value.trim().to_owned());
                    } else {
                        fields
                            .pairs
                            .push((label.to_owned(), value.trim().to_owned()));
                    }
                }
                // A value's further lines, indented to its column.
                None if in_message => fields.message.push(text.trim().to_owned()),
                None => {
                    if let Some((_, value)) = fields.pairs.last_mut() {
                        value.push(' ');
                        value.push_str(text.trim());
                    }
                }
            },
        }
    }
    while fields
        .message
        .last()
        .is_some_and(|line| line.trim().is_empty())
    {
        fields.message.pop();
    }
    fields
}

/// The event of one record, and whether its time was read as local time.
fn parse(shape: Shape, record: &[Line], zone: &TimeZone) -> Result<(Event, bool), String> {
    let fields = fields_of(shape, record);
    let message = fields.message.join("\n");
    // The XML Event Viewer appends is the exact record: its time is UTC.
    if !fields.xml.is_empty()
        && let Ok(mut event) = parse_event_xml(fields.xml.join("\n").as_bytes())
    {
        if event.message.is_none() && !message.is_empty() {
            event.message = Some(message);
        }
        return Ok((event, false));
    }
    let mut event = Event {
        provider: fields
            .get(&["Source", "ProviderName"])
            .ok_or("it names no source")?
            .to_owned(),
        ..Event::default()
    };
    let id_text = fields
        .get(&["Event ID", "Id", "EventID", "InstanceId"])
        .ok_or("it has no event id")?;
    let id: u64 = id_text
        .parse()
        .map_err(|_| format!("its event id {id_text:?} is not a number"))?;
    // `InstanceId` (Get-EventLog) carries the severity bits above the id: 3221232372 is 6900.
    event.event_id = (id & 0xFFFF) as u16;
    if id > 0xFFFF {
        event.qualifiers = u16::try_from(id >> 16).ok();
    }
    if let Some(qualifiers) = fields.get(&["Qualifiers"]).and_then(|q| q.parse().ok()) {
        event.qualifiers = Some(qualifiers);
    }
    event.level = fields
        .get(&["Level", "LevelDisplayName", "EntryType"])
        .and_then(|level| level.parse().ok().or_else(|| level_number(level)));
    event.task = fields.get(&["Task"]).and_then(|task| task.parse().ok());
    event.record_id = fields
        .get(&["RecordId", "Index", "EventRecordID"])
        .and_then(|id| id.parse().ok());
    event.channel = fields
        .get(&["Log Name", "LogName"])
        .unwrap_or_default()
        .to_owned();
    event.computer = fields
        .get(&["Computer", "MachineName"])
        .unwrap_or_default()
        .to_owned();
    let mut local = false;
    if let Some(text) = fields.get(&["Date", "TimeCreated", "TimeGenerated"]) {
        // `2024-01-25T18:02:54.0220000Z` (newer wevtutil) is UTC; the rest is local time.
        event.time = match text.parse::<Timestamp>() {
            Ok(time) => Some(time),
            Err(_) => {
                local = true;
                parse_local_time(text, zone)
            }
        };
    }
    if !message.is_empty() && message != "N/A" {
        event.message = Some(message);
    }
    let local = local && event.time.is_some();
    Ok((event, local))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{ExportRead, read_export};
    use crate::report::InputKind;

    fn read(text: &str) -> ExportRead {
        read_export(text.as_bytes(), InputKind::TextExport, 0)
    }

    #[test]
    fn shapes_are_told_by_their_first_line() {
        assert_eq!(
            sniff("Log Name:      Application"),
            Some(Shape::EventViewer)
        );
        assert_eq!(sniff("Event[0]:"), Some(Shape::Wevtutil));
        assert_eq!(
            sniff("TimeCreated  : 3/4/2024 8:00:00 AM"),
            Some(Shape::FormatList)
        );
        assert_eq!(sniff("Index              : 26"), Some(Shape::FormatList));
        assert_eq!(sniff("Dear support, the sync stopped:"), None);
        assert_eq!(sniff("Event[x]:"), None);
    }

    #[test]
    fn event_viewer_copies_with_and_without_xml() {
        let text = "Log Name:      Application\r\nSource:        Directory Synchronization\r\n\
            Date:          3/4/2024 8:00:00 AM\r\nEvent ID:      611\r\nTask Category: None\r\n\
            Level:         Error\r\nKeywords:      Classic\r\nUser:          N/A\r\n\
            Computer:      SYNC01.contoso.com\r\nDescription:\r\nPassword hash sync failed.\r\n\
            \r\nDetails: more\r\n\
            Log Name: Application\nSource: Directory Synchronization\nDate: 04-03-2024 09:30:00 PM\n\
            Event ID: 611\nLevel: Error\nComputer: SYNC01\nDescription:\nsecond\nEvent Xml:\n\
            <Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>\
            <Provider Name=\"Directory Synchronization\"/><EventID Qualifiers=\"0\">611</EventID>\
            <Level>2</Level><TimeCreated SystemTime=\"2024-03-04T16:00:00.5Z\"/>\
            <EventRecordID>77</EventRecordID><Channel>Application</Channel>\
            <Computer>SYNC01.contoso.com</Computer></System><EventData><Data>second</Data>\
            </EventData></Event>\n";
        let read = read(text);
        assert_eq!(read.events.len(), 2, "{:?}", read.problems);
        let first = &read.events[0];
        assert_eq!(
            (first.provider.as_str(), first.event_id),
            ("Directory Synchronization", 611)
        );
        assert_eq!(first.level, Some(2));
        assert_eq!(first.computer, "SYNC01.contoso.com");
        assert_eq!(
            first.message.as_deref(),
            Some("Password hash sync failed.\n\nDetails: more")
        );
        assert_eq!(
            first.time.map(|t| t.to_string()).as_deref(),
            Some("2024-03-04T08:00:00Z")
        );
        let second = &read.events[1];
        assert_eq!(second.record_id, Some(77));
        assert_eq!(
            second.time.map(|t| t.to_string()).as_deref(),
            Some("2024-03-04T16:00:00.5Z")
        );
        assert_eq!(second.data[0].value, "second");
        let kinds: Vec<&str> = read.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["text_local_time"]);
    }

    #[test]
    fn wevtutil_text_with_and_without_dates() {
        let text = "Event[0]:\n  Log Name: Application\n  Source: ADSync\n  \
            Date: 2024-01-25T18:02:54.0220000Z\n  Event ID: 6900\n  Task: N/A\n  Level: Ошибка\n  \
            Computer: SYNC01\n  Description:\nline one\n   at frame\n\nEvent[1]:\n  \
            Log Name: Application\n  Source: ADSync\n  Event ID: 654\n  Level: Information\n  \
            Description:\nN/A\n";
        let read = read(text);
        assert_eq!(read.events.len(), 2);
        let first = &read.events[0];
        assert_eq!((first.event_id, first.level), (6900, Some(2)));
        assert_eq!(first.message.as_deref(), Some("line one\n   at frame"));
        assert_eq!(
            first.time.map(|t| t.to_string()).as_deref(),
            Some("2024-01-25T18:02:54.022Z")
        );
        assert_eq!(read.events[1].message, None);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
    }

    #[test]
    fn format_list_of_get_winevent_and_get_eventlog() {
        let text = "\r\n\r\nTimeCreated  : 3/4/2024 8:00:00 AM\r\n\
            ProviderName : ADSync\r\nId           : 6900\r\n\
            Message      : The server encountered an unexpected error:\r\n\
            \x20              AADSTS50054: Old password is used for authentication.\r\n\r\n\
            TimeCreated  : 3/4/2024 9:00:00 AM\r\nProviderName : ADSync\r\nId           : 6900\r\n\
            Message      : again\r\n\r\n";
        let read = read(text);
        assert_eq!(read.events.len(), 2);
        assert_eq!(
            read.events[0].message.as_deref(),
            Some(
                "The server encountered an unexpected error:\nAADSTS50054: Old password is used for authentication."
            )
        );
        let eventlog = "Index              : 26\nEntryType          : Error\n\
            InstanceId         : 3221232372\nMessage            : failed\n\
            Category           : (0)\nSource             : ADSync\n\
            TimeGenerated      : 25.01.2024 8:07:00\nUserName           :\n";
        let read = super::tests::read(eventlog);
        let event = &read.events[0];
        assert_eq!((event.event_id, event.qualifiers), (6900, Some(0xC000)));
        assert_eq!((event.record_id, event.level), (Some(26), Some(2)));
        assert_eq!(
            event.time.map(|t| t.to_string()).as_deref(),
            Some("2024-01-25T08:07:00Z")
        );
    }

    #[test]
    fn a_record_without_an_id_is_a_problem_and_the_rest_is_read() {
        let text = "Event[0]:\n  Source: ADSync\n  Description:\nx\nEvent[1]:\n  Source: ADSync\n  \
            Event ID: 611\n  Description:\ny\n";
        let read = read(text);
        assert_eq!(read.events.len(), 1);
        assert_eq!(read.records_unreadable, 1);
        assert_eq!(read.problems[0].kind, ProblemKind::TextBadEvent);
    }
}
