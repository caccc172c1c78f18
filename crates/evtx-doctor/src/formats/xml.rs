//! XML exports: Event Viewer's "Save All Events As... XML" (`<Events><Event>...</Events>`) and
//! `wevtutil qe /f:xml` (`<Event>` elements one after the other, no wrapping element).
//!
//! The file is cut into `<Event>...</Event>` pieces by a byte scanner, and each piece is read
//! on its own: a malformed or cut event costs only itself, and the scanner resynchronises at
//! the next `<Event`. Nothing outside events is parsed, so a `<!DOCTYPE>` and its entities are
//! never expanded (they are reported); unknown entity references inside events stay as
//! written.

use super::export::{ExportTally, MAX_EXPORT_RECORD_BYTES, problem};
use super::text::Window;
use crate::event::{Event, MAX_EVENT_DEPTH, XmlEventError, parse_event_xml};
use crate::report::ProblemKind;
use memchr::memmem;
use std::io::Read;

const START: &[u8] = b"<Event";
const END: &[u8] = b"</Event>";
/// Bytes kept at the end of the window when nothing was found, so that a tag cut by the end
/// of a read is found after the next one.
const KEEP: usize = 16;

/// Reads every event of an XML export from `window`.
pub(crate) fn read<R: Read>(
    window: &mut Window<R>,
    counts: &mut ExportTally,
    emit: &mut dyn FnMut(Event),
) {
    let mut doctype_reported = false;
    let mut events = 0u64;
    loop {
        // Outside an event: look for the next start tag, noting a DOCTYPE on the way.
        let bytes = window.bytes();
        let start = find_start(bytes, 0);
        let skipped = bytes
            .get(..start.unwrap_or(bytes.len()))
            .unwrap_or_default();
        if !doctype_reported && let Some(at) = memmem::find(skipped, b"<!DOCTYPE") {
            doctype_reported = true;
            counts.push(problem(
                ProblemKind::XmlDoctypeIgnored,
                Some(window.offset_of(at)),
                format!(
                    "a <!DOCTYPE> declaration at line {} is ignored: its entities are not \
                     expanded",
                    window.line_of(at)
                ),
            ));
        }
        match start {
            Some(at) => window.advance(at),
            None => {
                let len = window.bytes().len();
                if window.at_eof() {
                    window.advance(len);
                    break;
                }
                window.advance(len.saturating_sub(KEEP));
                window.fill();
                continue;
            }
        }
        if read_one(window, counts, emit) {
            events += 1;
        }
    }
    if events == 0 && counts.unreadable == 0 {
        counts.push(problem(
            ProblemKind::NoEvents,
            None,
            "the XML export holds no <Event> element".into(),
        ));
    }
}

/// Reads the event the window starts with; true when one was handed out.
fn read_one<R: Read>(
    window: &mut Window<R>,
    counts: &mut ExportTally,
    emit: &mut dyn FnMut(Event),
) -> bool {
    let (offset, line) = (window.offset(), window.line());
    let at = |what: &str| format!("the event at line {line} (byte {offset}) {what}");
    // How far the window was searched already (so a large event is not scanned again and
    // again as more of it is read).
    let mut searched = START.len();
    loop {
        let bytes = window.bytes();
        let from = searched.saturating_sub(END.len());
        let end = bytes
            .get(from..)
            .and_then(|rest| memmem::find(rest, END))
            .map(|i| from + i);
        let next = find_start(bytes, from.max(START.len()));
        match (end, next) {
            (Some(end), next) if next.is_none_or(|next| end < next) => {
                let piece_len = end + END.len();
                let piece = bytes.get(..piece_len).unwrap_or_default();
                let parsed = parse_event_xml(piece);
                let read = match parsed {
                    Ok(event) => {
                        emit(event);
                        true
                    }
                    Err(XmlEventError::Malformed { position, message }) => {
                        let bad_line = window.line_of(usize::try_from(position).unwrap_or(0));
                        counts.unreadable(problem(
                            ProblemKind::XmlMalformedEvent,
                            Some(offset),
                            at(&format!("is malformed XML (line {bad_line}): {message}")),
                        ));
                        false
                    }
                    Err(XmlEventError::TooDeep { .. }) => {
                        counts.unreadable(problem(
                            ProblemKind::XmlEventTooDeep,
                            Some(offset),
                            at(&format!(
                                "nests elements more than {MAX_EVENT_DEPTH} levels deep; skipped"
                            )),
                        ));
                        false
                    }
                    Err(XmlEventError::NoEvent) => {
                        counts.unreadable(problem(
                            ProblemKind::XmlMalformedEvent,
                            Some(offset),
                            at("holds no <Event> element"),
                        ));
                        false
                    }
                };
                window.advance(piece_len);
                return read;
            }
            (_, Some(next)) => {
                let next_line = window.line_of(next);
                counts.unreadable(problem(
                    ProblemKind::XmlUnclosedEvent,
                    Some(offset),
                    at(&format!(
                        "is not closed before the next <Event> at line {next_line}; skipped"
                    )),
                ));
                window.advance(next);
                return false;
            }
            (_, None) => {
                let len = bytes.len();
                if len > MAX_EXPORT_RECORD_BYTES {
                    counts.unreadable(problem(
                        ProblemKind::XmlEventTooLarge,
                        Some(offset),
                        at(&format!(
                            "is larger than {} MiB without its </Event>; skipped",
                            MAX_EXPORT_RECORD_BYTES >> 20
                        )),
                    ));
                    window.advance(len.saturating_sub(KEEP));
                    return false;
                }
                if window.at_eof() {
                    counts.unreadable(problem(
                        ProblemKind::XmlTruncated,
                        Some(offset),
                        at("is cut short: the file ends inside it"),
                    ));
                    window.advance(len);
                    return false;
                }
                searched = len;
                window.fill();
            }
        }
    }
}

/// Index of the first `<Event` start tag (not `<Events`, `<EventData`...) at or after `from`.
fn find_start(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    memmem::find_iter(rest, START).map(|i| from + i).find(|&i| {
        bytes
            .get(i + START.len())
            .is_some_and(|&c| matches!(c, b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'))
    })
}

#[cfg(test)]
mod tests {
    use crate::formats::{ExportRead, read_export};
    use crate::report::InputKind;
    use crate::report::ProblemKind;

    fn read(xml: &str) -> ExportRead {
        read_export(xml.as_bytes(), InputKind::XmlExport, 3)
    }

    const EVENT: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\
        <System><Provider Name='Directory Synchronization'/><EventID>611</EventID>\
        <EventRecordID>7</EventRecordID></System><EventData><Data>failed</Data></EventData>\
        </Event>";

    #[test]
    fn reads_wrapped_and_bare_events() {
        let wrapped = read(&format!(
            "<?xml version='1.0'?>\r\n<Events>{EVENT}\r\n{EVENT}</Events>"
        ));
        assert_eq!(wrapped.events.len(), 2);
        assert!(wrapped.problems.is_empty(), "{:?}", wrapped.problems);
        assert_eq!(wrapped.events[0].origin.input, 3);
        let bare = read(&format!("{EVENT}\n{EVENT}\n{EVENT}\n"));
        assert_eq!(bare.events.len(), 3);
        assert_eq!(bare.events[2].event_id, 611);
    }

    #[test]
    fn resyncs_after_cut_and_malformed_events() {
        let cut = &EVENT[..EVENT.len() / 2];
        let bad = EVENT.replace("<System>", "<System><x></y>");
        let xml = format!("<Events>\n{EVENT}\n{cut}\n{EVENT}\n{bad}\n{EVENT}\n{cut}");
        let read = read(&xml);
        assert_eq!(read.events.len(), 3);
        assert_eq!(read.records_unreadable, 3);
        let kinds: Vec<&str> = read.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["xml_unclosed_event", "xml_malformed_event", "xml_truncated"]
        );
        assert!(
            read.problems[0].message.contains("line 3"),
            "{:?}",
            read.problems[0]
        );
        assert_eq!(read.problems[0].offset, Some(9 + EVENT.len() as u64 + 1));
    }

    #[test]
    fn doctype_entities_are_not_expanded() {
        let mut xml = String::from("<?xml version='1.0'?><!DOCTYPE Events [<!ENTITY a \"lol\">");
        for i in 1..10 {
            xml.push_str(&format!(
                "<!ENTITY a{i} \"{}\">",
                format!("&a{};", i - 1).repeat(10)
            ));
        }
        xml.push_str("]><Events>");
        xml.push_str(&EVENT.replace("failed", "&a9;"));
        xml.push_str("</Events>");
        let read = read(&xml.replace("&a0;", "&a;"));
        assert_eq!(read.events.len(), 1);
        assert_eq!(read.events[0].data[0].value, "&a9;");
        assert_eq!(read.problems[0].kind, ProblemKind::XmlDoctypeIgnored);
    }

    #[test]
    fn empty_xml_says_so() {
        let read = read("<Events></Events>");
        assert_eq!(read.problems[0].kind, ProblemKind::NoEvents);
    }

    #[test]
    fn a_deeply_nested_event_is_skipped_and_reading_resumes() {
        let deep = format!(
            "<Event><UserData>{}{}</UserData></Event>",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        );
        let xml = format!("<Events>\n{EVENT}\n{deep}\n{EVENT}\n</Events>");
        let read = read(&xml);
        assert_eq!(read.events.len(), 2);
        assert_eq!(read.records_unreadable, 1);
        let kinds: Vec<&str> = read.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["xml_event_too_deep"]);
    }
}
