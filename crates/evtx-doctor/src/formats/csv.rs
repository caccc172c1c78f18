//! CSV and tab-separated exports of events, whichever tool wrote them:
//!
//! - Event Viewer "Save All Events As... CSV / Text (Tab delimited)": five named columns
//!   (level, date and time, source, event id, task category; localized) and an unnamed sixth,
//!   the rendered description, often quoted over several lines;
//! - PowerShell `Export-Csv` / `ConvertTo-Csv` of `Get-WinEvent` (27 columns, `Message` first)
//!   and of `Get-EventLog` (16 columns, `InstanceId` with the severity bits), after the `#TYPE`
//!   line Windows PowerShell 5.1 writes first, with `,`, `;` (`-UseCulture`) or tab;
//! - any `Select-Object` subset of their columns that keeps an id and the message.
//!
//! The header is read into one column map ([`header`]); each row becomes the same [`Event`]
//! the other readers give, with what the columns hold (computer, record id, channel,
//! qualifiers, level, task, provider, id, time, message).

mod header;
mod row;

use self::header::{Column, Header};
use self::row::{Row, next_row};
use super::export::{ExportTally, MAX_EXPORT_RECORD_BYTES, problem};
use super::locale::{ExportTime, level_number, read_export_time, split_instance_id};
use super::text::Window;
use crate::event::Event;
use crate::report::ProblemKind;
use jiff::tz::TimeZone;
use std::io::Read;

/// Whether the text a file starts with is a CSV export of events (its header, after blank
/// lines and PowerShell's `#TYPE` line, names the columns of one).
pub(crate) fn is_export(head: &str) -> bool {
    header::find(head).is_some()
}

/// Reads every row of a CSV / tab-separated export from `window`.
pub(crate) fn read<R: Read>(
    window: &mut Window<R>,
    zone: Option<&TimeZone>,
    counts: &mut ExportTally,
    emit: &mut dyn FnMut(Event),
) {
    // Without a zone, local times are read as UTC and the export says so once.
    let mut local_time_reported = zone.is_some();
    let utc = TimeZone::UTC;
    let zone = zone.unwrap_or(&utc);
    let start = window.offset();
    let Some((mut header, type_line)) = read_header(window) else {
        counts.push(problem(
            ProblemKind::CsvNoHeader,
            Some(start),
            "the first line is not the header of an event export (Event Viewer: Level, Date \
             and Time, Source, Event ID, Task Category; PowerShell: Message, Id, ... or a \
             subset naming an id and the message)"
                .into(),
        ));
        return;
    };
    let mut channel = type_line.as_deref().and_then(header::eventlog_channel);
    let mut no_source_noted = false;
    note_no_source(&header, &mut no_source_noted, counts);
    // The type line just read belongs to the header that follows it.
    let mut after_type_line = false;
    let mut rows = 0u64;
    loop {
        let (offset, line) = (window.offset(), window.line());
        match next_row(window, &header) {
            Row::End => break,
            Row::Blank => {}
            Row::Fields(fields) => {
                // Exports joined into one file: a type line or a header starts the next one.
                if let [only] = fields.as_slice()
                    && header::is_type_line(only)
                {
                    channel = header::eventlog_channel(only);
                    after_type_line = true;
                    continue;
                }
                if let Some(next) = Header::from_row(&fields, header.sep) {
                    header = next;
                    if !after_type_line {
                        channel = None;
                    }
                    after_type_line = false;
                    note_no_source(&header, &mut no_source_noted, counts);
                    continue;
                }
                after_type_line = false;
                rows += 1;
                match to_event(&fields, &header, zone, channel.as_deref()) {
                    Ok((event, time)) => {
                        match time {
                            RowTime::Local if !local_time_reported => {
                                local_time_reported = true;
                                counts.push(problem(
                                    ProblemKind::CsvLocalTime,
                                    None,
                                    "the times in this export are the local time of the \
                                     machine that exported it (the file does not say its time \
                                     zone); they are read as UTC, so they may be off by that \
                                     machine's UTC offset"
                                        .into(),
                                ));
                            }
                            RowTime::Unreadable(text) => counts.push(problem(
                                ProblemKind::CsvBadTime,
                                Some(offset),
                                format!(
                                    "the row at line {line} has a date and time that cannot \
                                     be read ({text:?}); the event is kept without a time"
                                ),
                            )),
                            _ => {}
                        }
                        emit(event);
                    }
                    Err(why) => counts.unreadable(problem(
                        ProblemKind::CsvBadRow,
                        Some(offset),
                        format!("the row at line {line} cannot be read: {why}"),
                    )),
                }
            }
            Row::Broken(why) => {
                rows += 1;
                counts.unreadable(problem(
                    ProblemKind::CsvBadRow,
                    Some(offset),
                    format!("the row at line {line} cannot be read: {why}"),
                ));
            }
        }
    }
    if rows == 0 {
        counts.push(problem(
            ProblemKind::NoEvents,
            None,
            "the export holds a header but no rows".into(),
        ));
    }
}

/// Notes once that the events cannot match rules naming a provider, when `header` has no
/// provider column.
fn note_no_source(header: &Header, noted: &mut bool, counts: &mut ExportTally) {
    if *noted || header.index(Column::Provider).is_some() {
        return;
    }
    *noted = true;
    counts.push(problem(
        ProblemKind::CsvNoSource,
        None,
        "this export has no provider column (ProviderName or Source), so rules that name a \
         provider cannot match its events; export them with \
         Select-Object TimeCreated,ProviderName,Id,LevelDisplayName,Message"
            .into(),
    ));
}

/// Reads the header the window starts with (blank lines and a `#TYPE` line before it
/// skipped, as [`is_export`] does); returns it and the type line.
fn read_header<R: Read>(window: &mut Window<R>) -> Option<(Header, Option<String>)> {
    let mut type_line = None;
    loop {
        let line = take_line(window)?;
        if line.trim().is_empty() {
            continue;
        }
        if type_line.is_none() && header::is_type_line(&line) {
            type_line = Some(line);
            continue;
        }
        return Header::parse(&line).map(|header| (header, type_line));
    }
}

/// The line the window starts with (its end and a BOM removed; at most
/// [`MAX_EXPORT_RECORD_BYTES`] of it), dropped from the window; `None` at the end of the file.
fn take_line<R: Read>(window: &mut Window<R>) -> Option<String> {
    let end = loop {
        if let Some(nl) = memchr::memchr(b'\n', window.bytes()) {
            break nl + 1;
        }
        if window.bytes().len() > MAX_EXPORT_RECORD_BYTES || !window.fill() {
            break window.bytes().len();
        }
    };
    if end == 0 {
        return None;
    }
    let bytes = window.bytes();
    let line = row::text(
        bytes
            .get(..end.min(MAX_EXPORT_RECORD_BYTES))
            .unwrap_or_default(),
    );
    window.advance(end);
    Some(
        line.trim_start_matches('\u{feff}')
            .trim_end_matches(['\r', '\n'])
            .to_owned(),
    )
}

/// How the time of a row was read.
#[derive(Debug, PartialEq, Eq)]
enum RowTime {
    /// The export has no time column.
    Absent,
    /// A time with its offset (`2024-03-04T08:00:00Z`): exact.
    Exact,
    /// A local time, read in the zone given (UTC without one).
    Local,
    /// A time that cannot be read, as written.
    Unreadable(String),
}

/// Turns a row into an event, reading each column as the header maps it; also says how its
/// time was read.
fn to_event(
    fields: &[String],
    header: &Header,
    zone: &TimeZone,
    channel: Option<&str>,
) -> Result<(Event, RowTime), String> {
    let id_at = header.id_index().unwrap_or_default();
    if fields.len() <= id_at {
        return Err(format!(
            "it has {} columns, the header names {}",
            fields.len(),
            header.columns.len()
        ));
    }
    let mut event = Event::default();
    let mut time = RowTime::Absent;
    let (mut id, mut instance, mut qualifiers) = (None, None, None);
    let last = header.columns.len().saturating_sub(1);
    for (i, &column) in header.columns.iter().enumerate() {
        if column == Column::Message {
            let message = match fields.get(i..) {
                // More fields than columns after a last message column: it held unquoted
                // separators (Event Viewer writes its description so).
                Some(rest) if i == last && rest.len() > 1 => {
                    rest.join(char::from(header.sep).to_string().as_str())
                }
                _ => fields.get(i).cloned().unwrap_or_default(),
            };
            let message = message.trim_end();
            if event.message.is_none() && !message.is_empty() {
                event.message = Some(message.to_owned());
            }
            continue;
        }
        let value = fields.get(i).map(|f| f.trim()).unwrap_or_default();
        match column {
            Column::Level if event.level.is_none() => {
                event.level = value.parse().ok().or_else(|| level_number(value));
            }
            Column::Time if time == RowTime::Absent => time = read_time(value, zone, &mut event),
            Column::Provider if event.provider.is_empty() => event.provider = value.to_owned(),
            Column::EventId => id = id.or(Some(value)),
            Column::InstanceId => instance = instance.or(Some(value)),
            Column::Qualifiers => qualifiers = qualifiers.or(value.parse::<u16>().ok()),
            Column::Task if event.task.is_none() => {
                event.task = value.trim_matches(['(', ')']).parse().ok();
            }
            Column::RecordId if event.record_id.is_none() => event.record_id = value.parse().ok(),
            Column::Channel if event.channel.is_empty() => event.channel = value.to_owned(),
            Column::Computer if event.computer.is_empty() => event.computer = value.to_owned(),
            _ => {}
        }
    }
    // `InstanceId` (Get-EventLog) carries the severity and qualifier bits above the id.
    let number = |text: &str| text.parse::<u64>().ok();
    let (event_id, bits) = match (instance.and_then(number), id) {
        (Some(instance), _) => split_instance_id(instance),
        (None, Some(text)) => match number(text) {
            Some(id) => (split_instance_id(id).0, None),
            None => return Err(format!("the event id {text:?} is not a number")),
        },
        (None, None) => {
            let text = instance.unwrap_or_default();
            return Err(format!("the event id {text:?} is not a number"));
        }
    };
    event.event_id = event_id;
    event.qualifiers = qualifiers.or(bits);
    if event.channel.is_empty()
        && let Some(channel) = channel
    {
        event.channel = channel.to_owned();
    }
    Ok((event, time))
}

/// Reads a time column into `event`: a time with its offset as it is, anything else as a local
/// time in `zone`.
fn read_time(text: &str, zone: &TimeZone, event: &mut Event) -> RowTime {
    match read_export_time(text, zone) {
        ExportTime::Exact(time) => {
            event.time = Some(time);
            RowTime::Exact
        }
        ExportTime::Local(time) => {
            event.time = Some(time);
            RowTime::Local
        }
        ExportTime::Unreadable => RowTime::Unreadable(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{ExportRead, read_export};
    use crate::report::InputKind;
    use header::tests::WINEVENT;

    fn read(text: &str) -> ExportRead {
        read_export(text.as_bytes(), InputKind::CsvExport, 0)
    }

    #[test]
    fn reads_rows_with_multiline_quoted_descriptions() {
        let csv = "Level,Date and Time,Source,Event ID,Task Category\r\n\
            Error,3/4/2024 8:00:00 AM,Directory Synchronization,611,None,\"Line one, with comma\r\n\
            line \"\"two\"\"\"\r\n\
            \r\n\
            Information,3/4/2024 8:01:00 AM,ADSync,654,(3),plain\r\n";
        let read = read(csv);
        assert_eq!(read.events.len(), 2);
        let first = &read.events[0];
        assert_eq!(first.provider, "Directory Synchronization");
        assert_eq!((first.event_id, first.level), (611, Some(2)));
        assert_eq!(
            first.message.as_deref(),
            Some("Line one, with comma\r\nline \"two\"")
        );
        assert_eq!(read.events[1].task, Some(3));
        assert_eq!(read.problems.len(), 1);
        assert_eq!(read.problems[0].kind, ProblemKind::CsvLocalTime);
    }

    #[test]
    fn broken_quoting_costs_one_row() {
        let csv = "Level\tDate and Time\tSource\tEvent ID\tTask Category\n\
            Error\t3/4/2024 8:00:00 AM\tA\t611\tNone\t\"never closed\n\
            more text\n\
            Error\t3/4/2024 8:02:00 AM\tB\t612\tNone\tfine\n\
            Error\t3/4/2024 8:03:00 AM\tC\tnot-a-number\tNone\tbad\n\
            Error\t3/4/2024 8:04:00 AM\tD\t614\tNone\t\"cut";
        let read = read(csv);
        let providers: Vec<&str> = read.events.iter().map(|e| e.provider.as_str()).collect();
        assert_eq!(providers, ["B"]);
        assert_eq!(read.records_unreadable, 3);
        let messages: Vec<&str> = read
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::CsvBadRow)
            .map(|p| p.message.as_str())
            .collect();
        assert!(messages[0].contains("line 2"), "{messages:?}");
        assert!(messages[1].contains("line 5"), "{messages:?}");
        assert!(messages[2].contains("line 6"), "{messages:?}");
    }

    #[test]
    fn get_winevent_export_keeps_every_field_events_have() {
        let csv = format!(
            "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n{WINEVENT}\r\n\
            \"AADSTS70002: Error validating credentials.\r\nAADSTS50054: Old password is used \
            for authentication.\",\"6900\",\"0\",\"49152\",\"2\",\"3\",\"0\",\
            \"-9223372036854775808\",\"148\",\"ADSync\",,\"Application\",\"4120\",\"5236\",\
            \"SYNC01.contoso.com\",,\"11/4/2024 8:00:00 AM\",,,\"Application\",\
            \"System.UInt32[]\",\"System.Diagnostics.Eventing.Reader.EventBookmark\",\"Error\",\
            \"Info\",\"None\",\"System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]\",\
            \"System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]\"\r\n"
        );
        let read = read(&csv);
        assert_eq!(read.events.len(), 1, "{:?}", read.problems);
        let event = &read.events[0];
        assert_eq!(
            (event.provider.as_str(), event.event_id, event.qualifiers),
            ("ADSync", 6900, Some(49152))
        );
        assert_eq!(
            (event.level, event.task, event.record_id),
            (Some(2), Some(3), Some(148))
        );
        assert_eq!(
            (event.channel.as_str(), event.computer.as_str()),
            ("Application", "SYNC01.contoso.com")
        );
        assert_eq!(
            event.time.map(|t| t.to_string()).as_deref(),
            Some("2024-11-04T08:00:00Z")
        );
        assert_eq!(
            event.message.as_deref(),
            Some(
                "AADSTS70002: Error validating credentials.\r\nAADSTS50054: Old password is \
                 used for authentication."
            )
        );
        let kinds: Vec<&str> = read.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["csv_local_time"]);
    }

    #[test]
    fn get_eventlog_export_splits_the_instance_id() {
        let csv = "#TYPE System.Diagnostics.EventLogEntry#Application/ADSync/3221232372\n\
            \"EventID\";\"MachineName\";\"Data\";\"Index\";\"Category\";\"CategoryNumber\";\
            \"EntryType\";\"Message\";\"Source\";\"ReplacementStrings\";\"InstanceId\";\
            \"TimeGenerated\";\"TimeWritten\";\"UserName\";\"Site\";\"Container\"\n\
            \"6900\";\"SYNC01\";\"System.Byte[]\";\"4021\";\"(3)\";\"3\";\"Error\";\"failed\";\
            \"ADSync\";\"System.String[]\";\"3221232372\";\"25.01.2024 08:07:00\";\
            \"25.01.2024 08:07:00\";;;\n";
        let read = read(csv);
        assert_eq!(read.events.len(), 1, "{:?}", read.problems);
        let event = &read.events[0];
        assert_eq!((event.event_id, event.qualifiers), (6900, Some(0xC000)));
        assert_eq!(
            (event.record_id, event.level, event.task),
            (Some(4021), Some(2), Some(3))
        );
        assert_eq!(event.channel, "Application", "from the #TYPE line");
        assert_eq!(
            event.time.map(|t| t.to_string()).as_deref(),
            Some("2024-01-25T08:07:00Z")
        );
    }

    #[test]
    fn fields_that_are_not_utf8_are_windows_1252() {
        let mut csv = b"\"TimeCreated\",\"ProviderName\",\"Id\",\"Message\"\r\n".to_vec();
        csv.extend_from_slice(
            b"\"2024-03-04T08:00:00Z\",\"X\",\"1\",\"Microsoft\xAE Windows\xAE, L'acc\xE8s\"\r\n",
        );
        csv.extend_from_slice("\"2024-03-04T08:00:01Z\",\"X\",\"2\",\"déjà UTF-8\"\r\n".as_bytes());
        let read = read_export(&csv, InputKind::CsvExport, 0);
        let messages: Vec<&str> = read
            .events
            .iter()
            .filter_map(|e| e.message.as_deref())
            .collect();
        assert_eq!(messages, ["Microsoft® Windows®, L'accès", "déjà UTF-8"]);
        // Times with their offset are exact: no note about local times.
        assert!(read.problems.is_empty(), "{:?}", read.problems);
    }

    #[test]
    fn a_subset_without_a_provider_is_read_and_says_so() {
        let read = read(
            "\"TimeCreated\",\"Id\",\"LevelDisplayName\",\"Message\"\n\
            \"24-08-2025 20:41:04\",\"611\",\"Error\",\"Password synchronization failed\"\n\
            \"24-08-2025 20:41:05\",\"\",\"Error\",\"no id\"\n",
        );
        assert_eq!(read.events.len(), 1);
        assert_eq!(read.events[0].event_id, 611);
        assert_eq!(read.records_unreadable, 1);
        let kinds: Vec<&str> = read.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["csv_no_source", "csv_local_time", "csv_bad_row"]);
        assert!(
            read.problems[2].message.contains("line 3"),
            "{:?}",
            read.problems
        );
    }

    /// An unclosed quote in a subset export ends at the next row, whether its time is
    /// written in the machine's format or exactly.
    #[test]
    fn an_unclosed_quote_in_a_subset_ends_at_the_next_row() {
        for (broken, next) in [
            ("3/4/2024 8:00:00 AM", "3/4/2024 8:30:00 AM"),
            ("2024-03-04T08:00:00Z", "2024-03-04T08:30:00.1234567Z"),
        ] {
            let read = read(&format!(
                "\"TimeCreated\",\"Id\",\"Message\"\n\
                \"{broken}\",\"611\",\"never closed\n\
                \"{next}\",\"611\",\"fine\"\n",
            ));
            let messages: Vec<&str> = read
                .events
                .iter()
                .filter_map(|e| e.message.as_deref())
                .collect();
            assert_eq!(messages, ["fine"], "{next}");
            assert_eq!(read.records_unreadable, 1, "{next}");
        }
    }

    #[test]
    fn exports_joined_into_one_file_start_again_at_their_header() {
        let eventlog = "\"EventID\",\"MachineName\",\"Index\",\"EntryType\",\"Message\",\
            \"Source\",\"InstanceId\",\"TimeGenerated\"";
        let csv = format!(
            "#TYPE System.Diagnostics.EventLogEntry#Application/ADSync/3221232372\r\n\
            {eventlog}\r\n\
            \"6900\",\"SYNC01\",\"148\",\"Error\",\"failed\",\"ADSync\",\"3221232372\",\
            \"11/4/2024 8:00:00 AM\"\r\n\
            #TYPE System.Diagnostics.EventLogEntry#System/Service Control Manager/1073748864\r\n\
            {eventlog}\r\n\
            \"7040\",\"SYNC01\",\"9\",\"Information\",\"changed\",\"Service Control Manager\",\
            \"1073748864\",\"11/4/2024 8:01:00 AM\"\r\n\
            \"TimeCreated\",\"Id\",\"Message\"\r\n\
            \"11/4/2024 8:02:00 AM\",\"611\",\"third\"\r\n"
        );
        let read = read(&csv);
        let events: Vec<(u16, &str, Option<u64>)> = read
            .events
            .iter()
            .map(|e| (e.event_id, e.channel.as_str(), e.record_id))
            .collect();
        assert_eq!(
            events,
            [
                (6900, "Application", Some(148)),
                (7040, "System", Some(9)),
                (611, "", None)
            ]
        );
        let kinds: Vec<&str> = read.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["csv_local_time", "csv_no_source"]);
    }
}
