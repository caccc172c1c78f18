//! CSV and tab-separated text exports of Event Viewer ("Save as CSV", "Text (Tab delimited)").
//!
//! The header names five columns (level, date and time, source, event id, task category); each
//! row has a sixth, unnamed one: the rendered description, often quoted over several lines.
//! Rows are read by a small quote-aware parser that counts lines: a quoted field that is never
//! closed ends where the next line that looks like a row starts, and that row is a problem
//! with its line number; reading goes on.

use super::export::{Counts, MAX_EXPORT_RECORD_BYTES, problem};
use super::sniff::csv_header;
use super::text::Window;
use crate::event::Event;
use crate::report::ProblemKind;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use std::io::Read;

/// Reads every row of a CSV / tab-separated export from `window`.
pub(crate) fn read<R: Read>(
    window: &mut Window<R>,
    zone: Option<&TimeZone>,
    counts: &mut Counts,
    emit: &mut dyn FnMut(Event),
) {
    // Without a zone, local times are read as UTC and the export says so once.
    let mut local_time_reported = zone.is_some();
    let utc = TimeZone::UTC;
    let zone = zone.unwrap_or(&utc);
    // The header line.
    let header_end = loop {
        if let Some(nl) = memchr::memchr(b'\n', window.bytes()) {
            break nl + 1;
        }
        if window.at_eof() || window.bytes().len() > MAX_EXPORT_RECORD_BYTES || !window.fill() {
            break window.bytes().len();
        }
    };
    let header = String::from_utf8_lossy(window.bytes().get(..header_end).unwrap_or_default())
        .trim_start_matches('\u{feff}')
        .trim()
        .to_owned();
    let Some(sep) = csv_header(&header) else {
        counts.push(problem(
            ProblemKind::CsvNoHeader,
            Some(window.offset()),
            "the first line is not an Event Viewer export header (Level, Date and Time, \
             Source, Event ID, Task Category)"
                .into(),
        ));
        return;
    };
    let sep = u8::try_from(sep).unwrap_or(b',');
    window.advance(header_end);
    let mut rows = 0u64;
    loop {
        let (offset, line) = (window.offset(), window.line());
        match next_row(window, sep) {
            Row::End => break,
            Row::Blank => {}
            Row::Fields(fields) => {
                rows += 1;
                match to_event(&fields, sep, zone) {
                    Ok((event, time_text)) => {
                        if event.time.is_some() && !local_time_reported {
                            local_time_reported = true;
                            counts.push(problem(
                                ProblemKind::CsvLocalTime,
                                None,
                                "the times in this export are the local time of the machine \
                                 that exported it (the file does not say its time zone); they \
                                 are read as UTC, so they may be off by that machine's UTC \
                                 offset"
                                    .into(),
                            ));
                        }
                        if event.time.is_none() {
                            counts.push(problem(
                                ProblemKind::CsvBadTime,
                                Some(offset),
                                format!(
                                    "the row at line {line} has a date and time that cannot \
                                     be read ({time_text:?}); the event is kept without a time"
                                ),
                            ));
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

/// One row of the file.
#[derive(Debug)]
enum Row {
    /// The fields of a row.
    Fields(Vec<String>),
    /// An empty line.
    Blank,
    /// A row that cannot be read (it has been skipped).
    Broken(String),
    /// The end of the file.
    End,
}

/// Reads the row the window starts with, and drops it from the window.
fn next_row<R: Read>(window: &mut Window<R>, sep: u8) -> Row {
    let mut fields: Vec<String> = Vec::new();
    let mut field: Vec<u8> = Vec::new();
    let mut in_quotes = false;
    let mut field_start = true;
    let mut pos = 0usize;
    loop {
        // Checked as the row grows, whatever made the window grow (a quoted field over many
        // lines fills it while looking at the next line): memory never follows the file.
        if pos > MAX_EXPORT_RECORD_BYTES {
            window.advance(pos);
            skip_line(window);
            return Row::Broken(format!(
                "it is longer than {} MiB (a quote that is never closed?)",
                MAX_EXPORT_RECORD_BYTES >> 20
            ));
        }
        let bytes = window.bytes();
        let Some(&b) = bytes.get(pos) else {
            if window.fill() {
                continue;
            }
            // End of the file.
            window.advance(pos);
            if in_quotes {
                return Row::Broken("the file ends inside a quoted field".into());
            }
            if fields.is_empty() && field.iter().all(u8::is_ascii_whitespace) {
                return Row::End;
            }
            fields.push(text(&field));
            return Row::Fields(fields);
        };
        if in_quotes {
            match b {
                b'"' => match bytes.get(pos + 1) {
                    Some(b'"') => {
                        field.push(b'"');
                        pos += 2;
                    }
                    None if !window.at_eof() => {
                        window.fill();
                    }
                    _ => {
                        in_quotes = false;
                        pos += 1;
                    }
                },
                b'\n' => {
                    // A line break inside a quoted field: the field goes on, unless the next
                    // line is plainly a new row (the quote was never closed).
                    let Some(next_line) = full_line(window, pos + 1) else {
                        continue;
                    };
                    if looks_like_row(next_line, sep) {
                        window.advance(pos + 1);
                        return Row::Broken(
                            "a quoted field is not closed before the next row".into(),
                        );
                    }
                    field.push(b'\n');
                    pos += 1;
                }
                _ => {
                    field.push(b);
                    pos += 1;
                }
            }
            continue;
        }
        match b {
            b'"' if field_start => {
                in_quotes = true;
                field_start = false;
                pos += 1;
            }
            b'\n' => {
                if field.last() == Some(&b'\r') {
                    field.pop();
                }
                window.advance(pos + 1);
                if fields.is_empty() && field.iter().all(u8::is_ascii_whitespace) {
                    return Row::Blank;
                }
                fields.push(text(&field));
                return Row::Fields(fields);
            }
            _ if b == sep => {
                fields.push(text(&field));
                field.clear();
                field_start = true;
                pos += 1;
            }
            _ => {
                field.push(b);
                field_start = false;
                pos += 1;
            }
        }
    }
}

/// The line of the window that starts at `at`, read whole (or up to 4 KiB of it); `None` when
/// more had to be read first (call again).
fn full_line<R: Read>(window: &mut Window<R>, at: usize) -> Option<&[u8]> {
    const LOOK: usize = 4096;
    let rest_len = window.bytes().len().saturating_sub(at);
    let has_end = window
        .bytes()
        .get(at..)
        .and_then(|rest| memchr::memchr(b'\n', rest))
        .is_some();
    if !has_end && rest_len < LOOK && !window.at_eof() {
        window.fill();
        return None;
    }
    let rest = window.bytes().get(at..).unwrap_or_default();
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(LOOK);
    rest.get(..end)
}

/// Drops the window up to the next line.
fn skip_line<R: Read>(window: &mut Window<R>) {
    loop {
        if let Some(nl) = memchr::memchr(b'\n', window.bytes()) {
            window.advance(nl + 1);
            return;
        }
        let len = window.bytes().len();
        window.advance(len);
        if !window.fill() {
            return;
        }
    }
}

/// Whether `line` starts like an export row: a date and time second, a number fourth.
fn looks_like_row(line: &[u8], sep: u8) -> bool {
    let line = String::from_utf8_lossy(line);
    let fields: Vec<&str> = line
        .split(char::from(sep))
        .take(4)
        .map(|f| f.trim().trim_matches('"'))
        .collect();
    match fields.as_slice() {
        [_, date, _, id] => {
            parse_local_time(date, &TimeZone::UTC).is_some()
                && !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Turns a row into an event; also returns the date text, for a problem when it is unreadable.
fn to_event(fields: &[String], sep: u8, zone: &TimeZone) -> Result<(Event, String), String> {
    let field = |i: usize| fields.get(i).map(|f| f.trim()).unwrap_or_default();
    if fields.len() < 4 {
        return Err(format!(
            "it has {} columns, not the 5 or 6 of an export",
            fields.len()
        ));
    }
    let id_text = field(3);
    let id: u32 = id_text
        .parse()
        .map_err(|_| format!("the event id {id_text:?} is not a number"))?;
    let description = match fields.get(5..) {
        Some([]) | None => String::new(),
        Some([one]) => one.clone(),
        // More columns than named: the description held unquoted separators.
        Some(more) => more.join(char::from(sep).to_string().as_str()),
    };
    let description = description.trim_end().to_owned();
    let event = Event {
        provider: field(2).to_owned(),
        event_id: (id & 0xFFFF) as u16,
        level: level_number(field(0)),
        task: field(4).trim_matches(['(', ')']).parse().ok(),
        time: parse_local_time(field(1), zone),
        message: (!description.is_empty()).then_some(description),
        ..Event::default()
    };
    Ok((event, field(1).to_owned()))
}

/// The level number for a level name (English and common translations); `None` if unknown.
pub(crate) fn level_number(name: &str) -> Option<u8> {
    const LEVELS: &[(u8, &[&str])] = &[
        (
            1,
            &[
                "critical",
                "kritisch",
                "critique",
                "crítico",
                "critico",
                "krytyczny",
            ],
        ),
        (
            2,
            &[
                "error",
                "fehler",
                "erreur",
                "errore",
                "erro",
                "fout",
                "błąd",
                "ошибка",
            ],
        ),
        (
            3,
            &[
                "warning",
                "warnung",
                "avertissement",
                "advertencia",
                "avviso",
                "aviso",
                "waarschuwing",
                "ostrzeżenie",
                "предупреждение",
            ],
        ),
        (
            4,
            &[
                "information",
                "informationen",
                "informations",
                "información",
                "informazioni",
                "informações",
                "informatie",
                "informacje",
                "сведения",
            ],
        ),
        (
            5,
            &[
                "verbose",
                "ausführlich",
                "détaillé",
                "detallado",
                "dettagliato",
                "detalhado",
                "uitgebreid",
                "pełne",
                "подробно",
            ],
        ),
    ];
    let name = name.trim().to_lowercase();
    LEVELS
        .iter()
        .find(|(_, names)| names.contains(&name.as_str()))
        .map(|(level, _)| *level)
}

/// Reads an Event Viewer date and time in the common local formats, as UTC:
/// `3/4/2024 8:00:00 AM` (US, month first), `04.03.2024 08:00:00` and `04/03/2024 08:00:00`
/// (day first), `2024-03-04 08:00:00` / `2024-03-04T08:00:00` / `2024/03/04 8:00:00` (year
/// first). Slashes without AM/PM are read day first unless the day cannot be first.
pub(crate) fn parse_local_time(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    let split = text.find([' ', 'T'])?;
    let (date, time) = (text.get(..split)?, text.get(split + 1..)?.trim());
    // The time, and AM/PM.
    let lower = time.to_ascii_lowercase();
    let (clock, meridiem) = if let Some(rest) = strip_suffixes(&lower, &["am", "a.m.", "a. m."]) {
        (rest, Some(false))
    } else if let Some(rest) = strip_suffixes(&lower, &["pm", "p.m.", "p. m."]) {
        (rest, Some(true))
    } else {
        (lower.as_str(), None)
    };
    let mut clock_parts = clock.trim().split(':');
    let mut hour: i8 = clock_parts.next()?.trim().parse().ok()?;
    let minute: i8 = clock_parts.next()?.trim().parse().ok()?;
    let (second, nanos) = match clock_parts.next() {
        Some(s) => {
            let (whole, fraction) = s.split_once(['.', ',']).unwrap_or((s, ""));
            let nanos = if fraction.is_empty() {
                0
            } else {
                let digits: String = fraction.chars().take(9).collect();
                let value: i32 = digits.parse().ok()?;
                value * 10i32.pow(9 - digits.len() as u32)
            };
            (whole.trim().parse::<i8>().ok()?, nanos)
        }
        None => (0, 0),
    };
    if clock_parts.next().is_some() {
        return None;
    }
    match meridiem {
        Some(pm) if (1..=12).contains(&hour) => hour = hour % 12 + if pm { 12 } else { 0 },
        Some(_) => return None,
        None => {}
    }
    // The date.
    let sep = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = date.trim_end_matches('.').split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |s: &str| s.trim().parse::<i16>().ok();
    let (year, month, day) = if a.trim().len() == 4 {
        (num(a)?, num(b)?, num(c)?)
    } else if c.trim().len() == 4 {
        let (first, second) = (num(a)?, num(b)?);
        // Slashes: month first when the second number cannot be a month, or with AM/PM (US)
        // unless the first cannot be a month; otherwise day first.
        let month_first = sep == '/' && (second > 12 || (meridiem.is_some() && first <= 12));
        if month_first {
            (num(c)?, first, second)
        } else {
            (num(c)?, second, first)
        }
    } else {
        return None;
    };
    let civil = DateTime::new(
        year,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        hour,
        minute,
        second,
        nanos,
    )
    .ok()?;
    // An hour that does not exist or repeats (a DST change) takes the earlier reading.
    zone.to_ambiguous_zoned(civil)
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

fn strip_suffixes<'a>(text: &'a str, suffixes: &[&str]) -> Option<&'a str> {
    suffixes.iter().find_map(|s| text.strip_suffix(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{ExportRead, read_export};
    use crate::report::InputKind;

    fn time(text: &str) -> Option<String> {
        parse_local_time(text, &TimeZone::UTC).map(|t| t.to_string())
    }

    #[test]
    fn parses_common_local_formats() {
        assert_eq!(time("3/4/2024 8:00:00 AM").unwrap(), "2024-03-04T08:00:00Z");
        assert_eq!(
            time("3/4/2024 12:30:05 PM").unwrap(),
            "2024-03-04T12:30:05Z"
        );
        assert_eq!(
            time("3/4/2024 12:30:05 AM").unwrap(),
            "2024-03-04T00:30:05Z"
        );
        assert_eq!(time("3/14/2024 8:00 PM").unwrap(), "2024-03-14T20:00:00Z");
        assert_eq!(time("04.03.2024 08:00:00").unwrap(), "2024-03-04T08:00:00Z");
        assert_eq!(time("4.3.2024 8:00:00").unwrap(), "2024-03-04T08:00:00Z");
        assert_eq!(time("04/03/2024 08:00:00").unwrap(), "2024-03-04T08:00:00Z");
        assert_eq!(time("03/14/2024 08:00:00").unwrap(), "2024-03-14T08:00:00Z");
        assert_eq!(time("2024-03-04 08:00:00").unwrap(), "2024-03-04T08:00:00Z");
        assert_eq!(
            time("2024-03-04T08:00:00.5").unwrap(),
            "2024-03-04T08:00:00.5Z"
        );
        assert_eq!(time("2024/03/04 8:00:00").unwrap(), "2024-03-04T08:00:00Z");
        assert_eq!(time("13/13/2024 08:00:00"), None);
        assert_eq!(time("3/4/2024 13:00:00 PM"), None);
        assert_eq!(time("yesterday"), None);
        assert_eq!(time("3/4/24 8:00"), None);
    }

    #[test]
    fn levels() {
        assert_eq!(level_number("Error"), Some(2));
        assert_eq!(level_number(" Warnung "), Some(3));
        assert_eq!(level_number("Information"), Some(4));
        assert_eq!(level_number("Critical"), Some(1));
        assert_eq!(level_number("Verbose"), Some(5));
        assert_eq!(level_number("Fejl"), None);
    }

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
}
