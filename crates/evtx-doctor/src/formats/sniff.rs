//! What kind of file an input is, from its first bytes (never from its name).

use super::text::decode_head;
use crate::report::InputKind;
use crate::sources::Source;

/// How many bytes sniffing looks at.
pub(crate) const SNIFF_BYTES: usize = 64 * 1024;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// An .evtx file (or a bare chunk).
    Evtx,
    /// A zip archive.
    Zip,
    /// An Event Viewer / wevtutil XML export.
    Xml,
    /// An Event Viewer CSV or tab-separated text export.
    Csv,
    /// Anything else.
    Unknown,
}

impl Content {
    /// Whether this is a log the scanner reads (zip archives are expanded before).
    pub(crate) fn is_log(self) -> bool {
        matches!(self, Content::Evtx | Content::Xml | Content::Csv)
    }
}

/// Decides the kind of `source` from its content (never from its name).
///
/// Zip archives are expanded when inputs are collected; one that reaches this point is
/// [`InputKind::Unknown`].
pub fn sniff(source: &Source) -> InputKind {
    let mut head = vec![0u8; SNIFF_BYTES.min(usize::try_from(source.len()).unwrap_or(0))];
    let n = source.read_at(0, &mut head).unwrap_or(0);
    match sniff_bytes(head.get(..n).unwrap_or_default()) {
        Content::Evtx => InputKind::Evtx,
        Content::Xml => InputKind::XmlExport,
        Content::Csv => InputKind::CsvExport,
        Content::Zip | Content::Unknown => InputKind::Unknown,
    }
}

/// Decides what `head`, the first bytes of a file, belongs to.
pub(crate) fn sniff_bytes(head: &[u8]) -> Content {
    if head.starts_with(b"ElfFile\0") || head.starts_with(b"ElfChnk\0") {
        return Content::Evtx;
    }
    // A local file header, or the end record of an empty archive.
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Content::Zip;
    }
    let text = decode_head(head);
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.starts_with('<') {
        return if has_event_tag(trimmed) {
            Content::Xml
        } else {
            Content::Unknown
        };
    }
    let first_line = trimmed.lines().next().unwrap_or_default();
    if csv_header(first_line).is_some() {
        return Content::Csv;
    }
    Content::Unknown
}

/// Whether `text` holds an `<Event>` or `<Events>` start tag.
fn has_event_tag(text: &str) -> bool {
    text.match_indices("<Event").any(|(i, tag)| {
        text.get(i + tag.len()..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c == 's' || c == '>' || c == '/' || c.is_whitespace())
    })
}

/// Words for the "Level" column header (English and a few common translations).
const LEVEL_HEADERS: &[&str] = &[
    "level",
    "ebene",
    "niveau",
    "nivel",
    "livello",
    "poziom",
    "уровень",
    "레벨",
    "レベル",
    "级别",
];
/// Words that start the "Date and Time" column header.
const DATE_HEADERS: &[&str] = &[
    "date and time",
    "datum und uhrzeit",
    "date et heure",
    "fecha y hora",
    "data e ora",
    "data e hora",
    "datum en tijd",
    "data i godzina",
    "дата и время",
    "날짜 및 시간",
    "日付と時刻",
    "日期和时间",
];

/// The separator of an Event Viewer export header line, when `line` is one.
///
/// The header names five columns: level, date and time, source, event id, task category.
pub(crate) fn csv_header(line: &str) -> Option<char> {
    [',', '\t', ';'].into_iter().find(|&sep| {
        let fields: Vec<String> = line
            .split(sep)
            .map(|f| f.trim().trim_matches('"').trim().to_lowercase())
            .collect();
        let level = fields
            .first()
            .is_some_and(|f| LEVEL_HEADERS.contains(&f.as_str()));
        let date = fields
            .get(1)
            .is_some_and(|f| DATE_HEADERS.iter().any(|d| f.starts_with(d)));
        let id = fields
            .get(3)
            .is_some_and(|f| f.contains("id") || f.contains("ид") || f.contains("ｉｄ"));
        fields.len() >= 4 && level && date && id
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff_bytes(b"ElfFile\0rest"), Content::Evtx);
        assert_eq!(sniff_bytes(b"PK\x03\x04rest"), Content::Zip);
        assert_eq!(
            sniff_bytes(b"\xEF\xBB\xBF\r\n<?xml version='1.0'?><Events><Event>"),
            Content::Xml
        );
        assert_eq!(sniff_bytes(b"<Event xmlns='x'><System>"), Content::Xml);
        assert_eq!(sniff_bytes(b"<project><modelVersion>"), Content::Unknown);
        assert_eq!(
            sniff_bytes(b"Level,Date and Time,Source,Event ID,Task Category\r\n"),
            Content::Csv
        );
        assert_eq!(
            sniff_bytes(b"Level\tDate and Time\tSource\tEvent ID\tTask Category\r\n"),
            Content::Csv
        );
        assert_eq!(
            sniff_bytes("Ebene;Datum und Uhrzeit;Quelle;Ereignis-ID;Aufgabenkategorie".as_bytes()),
            Content::Csv
        );
        assert_eq!(sniff_bytes(b"name,age\nbob,3\n"), Content::Unknown);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<Events><Event>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(sniff_bytes(&utf16), Content::Xml);
    }
}
