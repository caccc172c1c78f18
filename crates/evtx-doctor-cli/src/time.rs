//! `--since` / `--until` values: an RFC 3339 time, the report's own form
//! (`2024-03-04 08:00:00 UTC`, so a time can be pasted from a report) or a plain date (UTC).

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Which end of a day a plain date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayEnd {
    /// The first instant of the day (`--since`).
    Start,
    /// The last instant of the day (`--until`, which is inclusive).
    End,
}

/// Parses a `--timezone` value: `UTC`, an offset (`+02:00`, `-0530`, `+2`) or an IANA name
/// (`Europe/Berlin`, from the system's time zone database, or the one built in on Windows).
pub fn parse_timezone(text: &str) -> Result<TimeZone, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return Ok(TimeZone::UTC);
    }
    if let Some(sign) = text.strip_prefix(['+', '-']).map(|_| text.starts_with('-')) {
        let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
        let (hours, minutes) = match digits.len() {
            1 | 2 => (digits.as_str(), "0"),
            3 | 4 => digits.split_at(digits.len() - 2),
            _ => return Err(format!("{text:?} is not an offset such as +02:00")),
        };
        let hours: i32 = hours
            .parse()
            .map_err(|_| format!("{text:?} is not an offset such as +02:00"))?;
        let minutes: i32 = minutes
            .parse()
            .map_err(|_| format!("{text:?} is not an offset such as +02:00"))?;
        if hours > 14 || minutes > 59 {
            return Err(format!("{text:?} is not a UTC offset (at most ±14:00)"));
        }
        let seconds = (hours * 3600 + minutes * 60) * if sign { -1 } else { 1 };
        let offset = jiff::tz::Offset::from_seconds(seconds).map_err(|err| err.to_string())?;
        return Ok(TimeZone::fixed(offset));
    }
    TimeZone::get(text).map_err(|_| {
        format!("{text:?} is neither an offset such as +02:00 nor a time zone name such as Europe/Berlin")
    })
}

/// Parses a `--since` value: RFC 3339 (`2024-03-04T08:00:00Z`) or a date meaning 00:00:00 UTC.
pub fn parse_since(text: &str) -> Result<Timestamp, String> {
    parse(text, DayEnd::Start)
}

/// Parses an `--until` value: RFC 3339 or a date meaning the last instant of that day, UTC.
pub fn parse_until(text: &str) -> Result<Timestamp, String> {
    parse(text, DayEnd::End)
}

fn parse(text: &str, end: DayEnd) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Ok(timestamp);
    }
    if let Some(timestamp) = report_form(text) {
        return Ok(timestamp);
    }
    if let Ok(date) = text.parse::<Date>() {
        // Only a bare date may stand for a day; `2024-03-04T08:00` (no offset) must not.
        if text.len() == 10 {
            return day_bound(date, end);
        }
    }
    Err(format!(
        "{text:?} is not a time: use RFC 3339 like 2024-03-04T08:00:00Z (or with an offset, \
         +02:00), a report time like \"2024-03-04 08:00:00 UTC\" or a date like 2024-03-04 (UTC)"
    ))
}

/// The report's form, `2024-03-04 08:00:00 UTC` (or `...T08:00:00 UTC`).
fn report_form(text: &str) -> Option<Timestamp> {
    let cut = text.len().checked_sub(4)?;
    let (time, zone) = (text.get(..cut)?, text.get(cut..)?);
    if !zone.eq_ignore_ascii_case(" UTC") {
        return None;
    }
    let time = time.trim_end();
    if time.len() <= 10 {
        return None;
    }
    let (date, clock) = time.split_at(10);
    let clock = clock.strip_prefix([' ', 'T'])?;
    format!("{date}T{clock}Z").parse().ok()
}

fn day_bound(date: Date, end: DayEnd) -> Result<Timestamp, String> {
    let start = date
        .to_datetime(Time::midnight())
        .to_zoned(TimeZone::UTC)
        .map_err(|err| err.to_string())?
        .timestamp();
    match end {
        DayEnd::Start => Ok(start),
        // The day is 86 400 s long in UTC; `until` is inclusive, so stop 1 ns before the next.
        DayEnd::End => start
            .checked_add(SignedDuration::from_nanos(86_399_999_999_999))
            .map_err(|err| err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_and_dates() {
        assert_eq!(
            parse_since("2024-03-04T08:00:00Z").map(|t| t.to_string()),
            Ok("2024-03-04T08:00:00Z".into())
        );
        assert_eq!(
            parse_since("2024-03-04T10:00:00+02:00").map(|t| t.to_string()),
            Ok("2024-03-04T08:00:00Z".into())
        );
        assert_eq!(
            parse_since("2024-03-04").map(|t| t.to_string()),
            Ok("2024-03-04T00:00:00Z".into())
        );
        assert_eq!(
            parse_until("2024-03-04").map(|t| t.to_string()),
            Ok("2024-03-04T23:59:59.999999999Z".into())
        );
        assert_eq!(
            parse_since("2024-03-04 08:00:00 UTC").map(|t| t.to_string()),
            Ok("2024-03-04T08:00:00Z".into())
        );
        assert_eq!(
            parse_until(" 2024-03-04 18:30:05 utc ").map(|t| t.to_string()),
            Ok("2024-03-04T18:30:05Z".into())
        );
        assert!(parse_since("2024-03-04 UTC").is_err());
        assert!(parse_since("2024-03-04 08:00:00 CET").is_err());
        assert!(parse_since("yesterday").is_err());
        assert!(parse_since("2024-03-04T08:00:00").is_err());
        assert!(parse_until("2024-13-01").is_err());
    }

    #[test]
    fn time_zones_as_offsets_and_names() {
        let at = |zone: &TimeZone| zone.to_offset(Timestamp::from_second(1_709_539_200).unwrap());
        assert_eq!(at(&parse_timezone("+02:00").unwrap()).seconds(), 7200);
        assert_eq!(at(&parse_timezone("-0530").unwrap()).seconds(), -19800);
        assert_eq!(at(&parse_timezone("+5").unwrap()).seconds(), 18000);
        assert_eq!(at(&parse_timezone("utc").unwrap()).seconds(), 0);
        assert!(parse_timezone("+25:00").is_err());
        assert!(parse_timezone("Mars/Olympus").is_err());
        // An IANA name, where the system has the database (Debian's tzdata; Windows: built in).
        if let Ok(berlin) = parse_timezone("Europe/Berlin") {
            assert_eq!(at(&berlin).seconds(), 3600, "CET in March");
        }
    }
}
