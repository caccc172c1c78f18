//! What kind of file an input is, from its first bytes (never from its name).

use super::text::decode_head;

/// How many bytes sniffing looks at.
pub(crate) const SNIFF_BYTES: usize = 64 * 1024;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// An .evtx file (or a bare chunk).
    Evtx,
    /// A zip archive.
    Zip,
    /// A gzip stream (`Application.evtx.gz`, `logs.tar.gz`).
    Gzip,
    /// A tar archive.
    Tar,
    /// A 7z archive.
    SevenZip,
    /// An Event Viewer / wevtutil XML export.
    Xml,
    /// A CSV or tab-separated export of events (Event Viewer, PowerShell `Export-Csv`).
    Csv,
    /// Events as labelled text (Event Viewer copy, `wevtutil /f:text`, `Format-List`).
    Text,
    /// Anything else.
    Unknown,
}

impl Content {
    /// Whether this is an archive or compressed stream, whose entries are sniffed in turn.
    pub(crate) fn is_container(self) -> bool {
        matches!(
            self,
            Content::Zip | Content::Gzip | Content::Tar | Content::SevenZip
        )
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
    // The gzip magic and the deflate method (RFC 1952).
    if head.starts_with(&[0x1f, 0x8b, 0x08]) {
        return Content::Gzip;
    }
    if head.starts_with(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C]) {
        return Content::SevenZip;
    }
    if super::archive::tar::is_header(head) {
        return Content::Tar;
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
    // The header of a CSV export of events: Event Viewer's, or PowerShell's after its
    // `#TYPE` line; any line end (old Mac tools end lines with a lone CR).
    if super::csv::is_export(trimmed) {
        return Content::Csv;
    }
    // A paste may follow a ticket's prose.
    if super::listing::is_text_export(&text) {
        return Content::Text;
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
        // PowerShell: after the #TYPE line of Windows PowerShell 5.1, any line end.
        assert_eq!(
            sniff_bytes(
                b"#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\"Message\",\"Id\",\"ProviderName\"\r"
            ),
            Content::Csv
        );
        assert_eq!(
            sniff_bytes(b"\"TimeCreated\";\"Id\";\"LevelDisplayName\";\"Message\"\n"),
            Content::Csv
        );
        assert_eq!(
            sniff_bytes(b"#TYPE System.IO.FileInfo\n\"Name\",\"Length\"\n"),
            Content::Unknown
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<Events><Event>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(sniff_bytes(&utf16), Content::Xml);
    }
}
