//! What the exporting machine's locale writes, for the CSV and text readers: its date and time
//! format (US month first, day first, year first; 12- or 24-hour clock) and its language's
//! level words.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// Whether `text` reads as a time: exact (RFC 3339, as `Get-WinEvent` can write) or local.
pub(crate) fn is_time(text: &str) -> bool {
    text.parse::<Timestamp>().is_ok() || parse_local_time(text, &TimeZone::UTC).is_some()
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

/// A time as an export wrote it, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportTime {
    /// Written with its offset (`2024-03-04T08:00:00Z`): exact.
    Exact(Timestamp),
    /// Written as a local time, read in the zone given.
    Local(Timestamp),
    /// Not a time either way.
    Unreadable,
}

/// Reads a time an export wrote: with its offset as it is, anything else as a local time in
/// `zone` ([`parse_local_time`]).
pub(crate) fn read_export_time(text: &str, zone: &TimeZone) -> ExportTime {
    if let Ok(exact) = text.parse::<Timestamp>() {
        return ExportTime::Exact(exact);
    }
    parse_local_time(text, zone).map_or(ExportTime::Unreadable, ExportTime::Local)
}

/// An event id and qualifiers from a number that may be an `InstanceId` (Get-EventLog), which
/// carries the severity and qualifier bits above the id: 3221232372 is 6900 with qualifiers
/// 49152. No bits above the id: no qualifiers.
pub(crate) fn split_instance_id(id: u64) -> (u16, Option<u16>) {
    let qualifiers = u16::try_from(id >> 16).ok().filter(|&bits| bits != 0);
    ((id & 0xFFFF) as u16, qualifiers)
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
    // Spanish-speaking cultures write `a. m.` and put the day first.
    let spanish = lower.ends_with("a. m.") || lower.ends_with("p. m.");
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
        // Microsoft's own pages show hour 0 of a 12-hour clock (`12/01/2025 0:00:00 AM`).
        Some(false) if hour == 0 => {}
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
        // unless the first cannot be a month or the marker is Spanish; otherwise day first.
        let month_first =
            sep == '/' && (second > 12 || (meridiem.is_some() && !spanish && first <= 12));
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
        assert_eq!(
            time("12/01/2025 0:00:00 AM").unwrap(),
            "2025-12-01T00:00:00Z"
        );
        assert_eq!(time("12/01/2025 0:00:00 PM"), None);
        assert!(is_time("2024-03-04T09:00:00Z") && is_time("3/4/2024 9:00:00 AM"));
        assert!(!is_time("6900"));
        // es-MX and es-ES with a 12-hour clock: day first.
        assert_eq!(
            time("4/3/2024 8:00:00 a. m.").unwrap(),
            "2024-03-04T08:00:00Z"
        );
        assert_eq!(
            time("04/03/2024 01:30:00 p. m.").unwrap(),
            "2024-03-04T13:30:00Z"
        );
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
        // As PowerShell writes TimeCreated / TimeGenerated in en-US, en-IN, de-DE.
        assert_eq!(
            time("5/31/2026 4:36:21 PM").unwrap(),
            "2026-05-31T16:36:21Z"
        );
        assert_eq!(time("24-08-2025 20:41:04").unwrap(), "2025-08-24T20:41:04Z");
        assert_eq!(time("25.01.2024 8:07:00").unwrap(), "2024-01-25T08:07:00Z");
        assert_eq!(time("14.12.2020 17:09:08").unwrap(), "2020-12-14T17:09:08Z");
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
}
