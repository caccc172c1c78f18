//! Events written out as labelled text, as customers paste them into tickets:
//!
//! - Event Viewer's "Copy → Copy Details as Text": `Log Name:`, `Source:`, `Date:` (local
//!   time), `Event ID:`, ... `Description:` with the message on the same line or the next
//!   ones, optionally `Event Xml:` and the event's XML (whose UTC time, record id and data
//!   win). The labels are in the language of Windows ([`labels`]);
//! - `wevtutil qe LOG /f:text`: `Event[N]:` blocks of two-space-indented labels, the message
//!   unindented after `Description:`;
//! - PowerShell `Format-List` of `Get-WinEvent` (`TimeCreated`, `ProviderName`, `Id`,
//!   `Message`, ...) and of `Get-EventLog` (`Index`, `EntryType`, `InstanceId`, `Source`,
//!   `TimeGenerated`, ...), a value's further lines indented to its column and cut at the
//!   console width ([`unwrap`]).
//!
//! `wevtutil` and PowerShell labels are English in every language (values such as the level
//! are localized). A file holds any number of events; a record ends where the next one
//! starts. Prose before, between and after the events (a ticket, an e-mail), Markdown code
//! fences and e-mail quoting (`> `) around them are skipped ([`start`]).

mod labels;
mod provider;
mod start;
mod unwrap;

use super::export::{ExportTally, MAX_EXPORT_RECORD_BYTES, problem};
use super::locale::{ExportTime, level_number, read_export_time, split_instance_id};
use super::text::Window;
use crate::event::{Event, parse_event_xml};
use crate::report::ProblemKind;
use jiff::tz::TimeZone;
use labels::{Label, split_label};
use start::{Start, Stripped, find_start};
use std::collections::HashSet;
use std::io::Read;
use unwrap::{Console, Piece};

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

/// Property names of `Get-WinEvent` and `Get-EventLog` records (`Format-List` and
/// `Format-List *`); a record starts with one of them and has another.
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
    "TimeWritten",
    "EventID",
    "Version",
    "Qualifiers",
    "Level",
    "LevelDisplayName",
    "Task",
    "Keywords",
    "ProviderId",
    "ProcessId",
    "ThreadId",
    "UserId",
    "Category",
    "CategoryNumber",
    "ReplacementStrings",
    "UserName",
];

/// Whether the text `head` (a file's first bytes, decoded) holds an event copied as text.
pub(crate) fn is_text_export(head: &str) -> bool {
    find_start(head).is_some()
}

/// The first event of the text `window` starts with, within its first
/// [`SNIFF_BYTES`](super::sniff::SNIFF_BYTES) (nothing is consumed).
fn first_event<R: Read>(window: &mut Window<R>) -> Option<Start> {
    while window.bytes().len() < super::sniff::SNIFF_BYTES && window.fill() {}
    find_start(&String::from_utf8_lossy(window.bytes()))
}

fn is_wevtutil_start(line: &str) -> bool {
    line.trim_end()
        .strip_prefix("Event[")
        .and_then(|rest| rest.strip_suffix("]:"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `line` with the no-break spaces a copy through a web page or a mail program puts for
/// spaces (U+00A0, U+2007, U+202F) made spaces again.
fn without_hard_spaces(line: &str) -> String {
    if line.contains(['\u{a0}', '\u{2007}', '\u{202f}']) {
        line.replace(['\u{a0}', '\u{2007}', '\u{202f}'], " ")
    } else {
        line.to_owned()
    }
}

/// Whether `line` is a Markdown code fence (```` ``` ````, `~~~`, with or without a
/// language): the end of a pasted block.
fn is_fence(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("```") || line.starts_with("~~~")
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

/// How a record's time was read.
enum TimeRead {
    /// From a UTC time, or there was none.
    Exact,
    /// From a local time.
    Local,
    /// Not at all: the date text cannot be read.
    Unreadable(String),
}

/// The record being gathered, and what it takes to tell where it ends.
struct Record {
    /// Its shape (a paste may hold events copied in different ways).
    shape: Shape,
    lines: Vec<Line>,
    /// Bytes of text kept.
    size: usize,
    /// `Format-List` labels seen (a label seen again starts the next record).
    labels: HashSet<String>,
    /// The value column of the last `Format-List` label.
    column: usize,
}

impl Record {
    fn new(shape: Shape) -> Self {
        Record {
            shape,
            lines: Vec::new(),
            size: 0,
            labels: HashSet::new(),
            column: 0,
        }
    }
}

/// Reads every event of a labelled-text file from `window`; `shape` is its first event's
/// (events of the other shapes may follow).
pub(crate) fn read<R: Read>(
    window: &mut Window<R>,
    zone: Option<&TimeZone>,
    counts: &mut ExportTally,
    emit: &mut dyn FnMut(Event),
) {
    // Without a zone, local times are read as UTC and the text says so once.
    let mut local_time_noted = zone.is_some();
    let utc = TimeZone::UTC;
    let zone = zone.unwrap_or(&utc);
    let mut events = 0u64;
    // The widest lines of the file: the console width `Format-List` wrapped at.
    let mut widest = Console::default();
    let mut finish = |record: &mut Record, widest: &Console, counts: &mut ExportTally| {
        let shape = record.shape;
        let lines = std::mem::replace(record, Record::new(shape)).lines;
        if lines.iter().all(|line| line.text.trim().is_empty()) {
            return;
        }
        let (offset, number) = lines
            .first()
            .map_or((0, 0), |line| (line.offset, line.number));
        match parse(shape, &lines, widest, zone) {
            Ok((event, time)) => {
                events += 1;
                match time {
                    TimeRead::Local if !local_time_noted => {
                        local_time_noted = true;
                        counts.push(problem(
                            ProblemKind::TextLocalTime,
                            None,
                            "the times in this text are the local time of the machine that \
                             wrote it (it does not say its time zone); they are read as UTC, so \
                             they may be off by that machine's UTC offset"
                                .into(),
                        ));
                    }
                    TimeRead::Unreadable(text) => counts.push(problem(
                        ProblemKind::TextBadEvent,
                        Some(offset),
                        format!(
                            "the event at line {number} has a date and time that cannot be \
                             read ({text:?}); the event is kept without a time"
                        ),
                    )),
                    _ => {}
                }
                emit(event);
            }
            Err(why) => counts.unreadable(problem(
                ProblemKind::TextBadEvent,
                Some(offset),
                format!("the event at line {number} cannot be read: {why}"),
            )),
        }
    };
    let Some(start) = first_event(window) else {
        counts.push(problem(
            ProblemKind::NotAnExport,
            None,
            "no event copied as text (Event Viewer, wevtutil or PowerShell) was found".into(),
        ));
        return;
    };
    let mut record = Record::new(start.shape);
    // Whether the lines read belong to an event (not to prose around them).
    let mut in_event = false;
    let mut index = 0usize;
    while let Some(mut line) = next_line(window) {
        let at = index;
        index += 1;
        // What comes before the first event (a ticket's prose) is no event.
        if at < start.line {
            continue;
        }
        let owned = match start.prefix.strip(&line.text) {
            Stripped::Inside(text) => without_hard_spaces(text.trim_start_matches('\u{feff}')),
            Stripped::Outside => {
                // A line outside the quoted or indented paste ends its event.
                finish(&mut record, &widest, counts);
                in_event = false;
                continue;
            }
        };
        let text = owned.as_str();
        if is_fence(text) {
            finish(&mut record, &widest, counts);
            in_event = false;
            continue;
        }
        let current = record.shape;
        match opens_record(text, &start, current) {
            // The first event, or one after prose, or one copied another way.
            Some(opened) if !in_event || at == start.line || opened != current => {
                finish(&mut record, &widest, counts);
                record.shape = opened;
                in_event = true;
            }
            _ if !in_event => continue,
            _ if ends_record(current, text) => {
                finish(&mut record, &widest, counts);
                in_event = false;
                continue;
            }
            _ if starts_record(current, &start, text, &record) => {
                finish(&mut record, &widest, counts);
            }
            _ => {}
        }
        // What a line costs to keep: its text and its place in the record (so that a record
        // of countless empty lines is bounded too).
        let cost = text.len() + std::mem::size_of::<Line>();
        if record.size + cost > MAX_EXPORT_RECORD_BYTES {
            // Kept whole up to the limit; the rest of an endless record is dropped line by line.
            continue;
        }
        record.size += cost;
        if record.shape == Shape::FormatList {
            let width = text.chars().count();
            widest.see(width);
            match list_label(text) {
                Some((label, value)) => {
                    record.labels.insert(label.to_owned());
                    record.column = width - value.chars().count();
                }
                // A value going on: how far its previous line would have reached had this
                // line's first word been put on it.
                None => {
                    let indent = text.len() - text.trim_start_matches(' ').len();
                    let rest = text.get(indent.min(record.column)..).unwrap_or_default();
                    let word = rest.chars().take_while(|c| !c.is_whitespace()).count();
                    if let Some(previous) = record.lines.last().map(|l| l.text.chars().count())
                        && word > 0
                    {
                        widest.see_next_word(previous, word);
                    }
                }
            }
        }
        line.text = owned;
        record.lines.push(line);
    }
    finish(&mut record, &widest, counts);
    if events == 0 && counts.unreadable == 0 {
        counts.push(problem(
            ProblemKind::NoEvents,
            None,
            "the text holds no event".into(),
        ));
    }
}

/// `Format-List` properties that come first in a record: `Get-WinEvent` (`Format-List`,
/// `Format-List *`) and `Get-EventLog`.
const FIRST_LIST_LABELS: &[&str] = &["TimeCreated", "Message", "Index"];

/// The shape of the event `line` starts, if it starts one, while reading a record of
/// `current`: an Event Viewer copy's first label (in a known language, or as the file's first
/// event had it), `Event[N]:`, or a `Format-List` property (in another shape, only one that
/// comes first in a record, padded before its colon).
fn opens_record(line: &str, start: &Start, current: Shape) -> Option<Shape> {
    if is_wevtutil_start(line) {
        return Some(Shape::Wevtutil);
    }
    let list = list_label(line).map(|(label, _)| label);
    if current == Shape::FormatList && list.is_some_and(|label| LIST_LABELS.contains(&label)) {
        return Some(Shape::FormatList);
    }
    // Event Viewer's labels are at the margin (`wevtutil` indents its own).
    if let Some((label, _)) = split_label(line).filter(|_| !line.starts_with(char::is_whitespace))
        && (Label::named(label) == Some(Label::LogName)
            || start.first_label.as_deref() == Some(label))
    {
        return Some(Shape::EventViewer);
    }
    let first = list.is_some_and(|label| FIRST_LIST_LABELS.contains(&label));
    (first && line.contains(" : ")).then_some(Shape::FormatList)
}

/// Whether `line` starts a new record of `shape`, given the record so far.
fn starts_record(shape: Shape, start: &Start, line: &str, record: &Record) -> bool {
    match shape {
        Shape::EventViewer | Shape::Wevtutil => opens_record(line, start, shape) == Some(shape),
        // A label the record already has: the next record (records are separated by blank
        // lines, but a message may hold blank lines too).
        Shape::FormatList => {
            list_label(line).is_some_and(|(label, _)| record.labels.contains(label))
        }
    }
}

/// Whether `line` cannot belong to a record of `shape`: in `Format-List`, a value's further
/// lines are indented, so a line at the margin that is no label is prose after the events.
fn ends_record(shape: Shape, line: &str) -> bool {
    shape == Shape::FormatList
        && !line.trim().is_empty()
        && !line.starts_with(char::is_whitespace)
        && list_label(line).is_none()
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

/// Splits a record into its labels, message and XML, as its shape lays them out; `widest`
/// says the console width a `Format-List` was wrapped at.
fn fields_of(shape: Shape, record: &[Line], widest: &Console) -> Fields {
    match shape {
        Shape::EventViewer | Shape::Wevtutil => described_fields(shape, record),
        Shape::FormatList => list_fields(record, widest),
    }
}

/// The fields of an Event Viewer or `wevtutil` record: labels, then `Description:` and the
/// message (on the same line or the next ones), then (Event Viewer) `Event Xml:` and the XML.
fn described_fields(shape: Shape, record: &[Line]) -> Fields {
    let mut fields = Fields::default();
    let mut in_message = false;
    let mut in_xml = false;
    // How many header labels came before: an Event Viewer label of an unknown language is
    // the one at that place.
    let mut header = 0;
    for line in record {
        let text = line.text.as_str();
        if in_xml {
            fields.xml.push(text.to_owned());
            continue;
        }
        if shape == Shape::EventViewer && text.trim_end() == "Event Xml:" {
            in_xml = true;
            continue;
        }
        if in_message {
            // `Event Xml:` in the language of Windows: a lone label before the XML.
            let opens_xml = shape == Shape::EventViewer && text.trim_start().starts_with("<Event");
            if opens_xml
                && fields.message.last().is_some_and(|last| {
                    split_label(last).is_some_and(|(_, value)| value.trim().is_empty())
                })
            {
                fields.message.pop();
                in_xml = true;
                fields.xml.push(text.to_owned());
                continue;
            }
            fields.message.push(text.to_owned());
            continue;
        }
        if shape == Shape::Wevtutil && is_wevtutil_start(text) {
            continue;
        }
        let Some((label, value)) = split_label(text) else {
            continue;
        };
        let label = match shape {
            Shape::EventViewer => {
                // By its name, else by its place unless a named label holds that place.
                let known = Label::named(label).or_else(|| {
                    Label::ORDER
                        .get(header)
                        .copied()
                        .filter(|placed| !fields.pairs.iter().any(|(l, _)| l == placed.english()))
                });
                known.map_or(label, |known| known.english())
            }
            _ => label,
        };
        header += 1;
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
    fields
}

/// The fields of a `Format-List` record: each value from its label line and the lines that
/// continue it at its column, joined back where the console width cut them.
fn list_fields(record: &[Line], widest: &Console) -> Fields {
    let mut fields = Fields::default();
    // Each value: its label, its column, its printed lines.
    let mut values: Vec<(&str, usize, Vec<Piece>)> = Vec::new();
    for line in record {
        let text = line.text.as_str();
        let width = text.chars().count();
        match list_label(text) {
            Some((label, value)) => {
                let column = width - value.chars().count();
                let text = value.to_owned();
                values.push((label, column, vec![Piece { text, width }]));
            }
            // A value's further lines, indented to its column.
            None => {
                if let Some((_, column, pieces)) = values.last_mut() {
                    let indent = text.len() - text.trim_start_matches(' ').len();
                    let text = text.get(indent.min(*column)..).unwrap_or_default();
                    pieces.push(Piece {
                        text: text.to_owned(),
                        width,
                    });
                }
            }
        }
    }
    for (label, _, pieces) in values {
        let value = unwrap::join(&pieces, widest);
        if label == "Message" {
            fields.message = value.lines().map(str::to_owned).collect();
        } else {
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            fields.pairs.push((label.to_owned(), value));
        }
    }
    fields
}

/// The event of one record, and how its time was read.
fn parse(
    shape: Shape,
    record: &[Line],
    widest: &Console,
    zone: &TimeZone,
) -> Result<(Event, TimeRead), String> {
    let mut fields = fields_of(shape, record, widest);
    while fields
        .message
        .last()
        .is_some_and(|line| line.trim().is_empty())
    {
        fields.message.pop();
    }
    let message = fields.message.join("\n");
    // The XML Event Viewer appends is the exact record: its time is UTC.
    if !fields.xml.is_empty()
        && let Ok(mut event) = parse_event_xml(fields.xml.join("\n").as_bytes())
    {
        if event.message.is_none() && !message.is_empty() {
            event.message = Some(message);
        }
        return Ok((event, TimeRead::Exact));
    }
    // `Format-List` of chosen properties may leave the provider out: the sync events' own
    // words name it.
    let provider = fields
        .get(&["Source", "ProviderName"])
        .or_else(|| provider::by_message(&message))
        .ok_or("it names no source")?;
    let mut event = Event {
        provider: provider.to_owned(),
        ..Event::default()
    };
    let id_text = fields
        .get(&["Event ID", "Id", "EventID", "InstanceId"])
        .ok_or("it has no event id")?;
    let id: u64 = id_text
        .parse()
        .map_err(|_| format!("its event id {id_text:?} is not a number"))?;
    (event.event_id, event.qualifiers) = split_instance_id(id);
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
    let mut time = TimeRead::Exact;
    if let Some(text) = fields.get(&["Date", "TimeCreated", "TimeGenerated"]) {
        // `2024-01-25T18:02:54.0220000Z` (newer wevtutil) is UTC; the rest is local time.
        event.time = match read_export_time(text, zone) {
            ExportTime::Exact(exact) => Some(exact),
            ExportTime::Local(local) => {
                time = TimeRead::Local;
                Some(local)
            }
            ExportTime::Unreadable => {
                time = TimeRead::Unreadable(text.chars().take(80).collect());
                None
            }
        };
    }
    if !message.is_empty() && message != "N/A" {
        event.message = Some(message);
    }
    Ok((event, time))
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
    fn shapes_are_told_by_their_first_lines() {
        let shape = |text: &str| find_start(text).map(|start| start.shape);
        assert_eq!(
            shape("Log Name:      Application\nSource:        ADSync\n"),
            Some(Shape::EventViewer)
        );
        assert_eq!(
            shape("Event[0]:\n  Log Name: Application\n"),
            Some(Shape::Wevtutil)
        );
        assert_eq!(
            shape("TimeCreated  : 3/4/2024 8:00:00 AM\nProviderName : ADSync\n"),
            Some(Shape::FormatList)
        );
        assert_eq!(
            shape("Index              : 26\nEntryType          : Error\n"),
            Some(Shape::FormatList)
        );
        assert_eq!(shape("Dear support, the sync stopped:\n"), None);
        assert_eq!(shape("Event[x]:\n  Log Name: Application\n"), None);
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

    /// The message of the one `Format-List` record of `text`.
    fn list_message(text: &str) -> String {
        let read = read(text);
        assert_eq!(read.events.len(), 1, "{:?}", read.problems);
        read.events[0].message.clone().unwrap_or_default()
    }

    #[test]
    fn format_list_cuts_are_told_from_line_ends() {
        // Cut anywhere at 74 columns, few lines full: the cuts inside words are joined, the
        // line ends stay.
        let cut = "TimeCreated  : 3/4/2024 8:00:00 AM\nProviderName : Directory Synchronization\n\
            Id           : 659\n\
            Message      : Error while retrieving password policy sync configuration.\n\
            \x20              Microsoft.IdentityModel.Clients.ActiveDirectory.AdalService\n\
            \x20              Exception: AADSTS70002: Error validating credentials. AADST\n\
            \x20              S50054: Old password is used for authentication.\n\
            \x20              Trace ID: 0a1b2c3d-0000-4000-8000-000000000003\n\
            \x20              Correlation ID: 0a1b2c3d-0000-4000-8000-000000000004\n\
            \x20              Timestamp: 2024-11-04 09:00:00Z\n\
            \x20                 at Microsoft.IdentityModel.Clients.ActiveDirectory.Authe\n\
            \x20              nticationContext.RunAsyncTask[T](Task`1 task)\n";
        assert_eq!(
            list_message(cut),
            "Error while retrieving password policy sync configuration.\n\
             Microsoft.IdentityModel.Clients.ActiveDirectory.AdalServiceException: AADSTS70002: \
             Error validating credentials. AADSTS50054: Old password is used for authentication.\n\
             Trace ID: 0a1b2c3d-0000-4000-8000-000000000003\n\
             Correlation ID: 0a1b2c3d-0000-4000-8000-000000000004\n\
             Timestamp: 2024-11-04 09:00:00Z\n\
             \x20  at Microsoft.IdentityModel.Clients.ActiveDirectory.AuthenticationContext.\
             RunAsyncTask[T](Task`1 task)"
        );
        // Cut between words at 80 columns, copied without the spaces that ended two full lines:
        // no word is glued to the next.
        let words = "TimeCreated      : 11/4/2024 8:00:00 AM\nId               : 6900\n\
            ProviderName     : ADSync\n\
            Message          : The server encountered an unexpected error while processing\n\
            \x20                  a password change notification:\n\
            \x20                  AADSTS70002: Error validating credentials. AADSTS50054: Old\n\
            \x20                  password is used for authentication.\n\
            \x20                  Correlation ID: 0a1b2c3d-0000-4000-8000-000000000002\n";
        assert_eq!(
            list_message(words),
            "The server encountered an unexpected error while processing\n\
             a password change notification:\n\
             AADSTS70002: Error validating credentials. AADSTS50054: Old\n\
             password is used for authentication.\n\
             Correlation ID: 0a1b2c3d-0000-4000-8000-000000000002"
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
