//! Reads one `<Event>` element, as the `evtx` crate renders it and as Event Viewer exports it.

use super::Event;
use super::build::{EventBuilder, predefined_entity};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event as Xml};
use std::convert::Infallible;
use std::io::BufRead;

/// Why an `<Event>` element could not be read.
#[derive(Debug, thiserror::Error)]
pub enum XmlEventError {
    /// The XML itself is malformed.
    #[error("malformed XML at byte {position}: {message}")]
    Malformed {
        /// Byte offset in the XML where the reader stopped.
        position: u64,
        /// What the XML reader said.
        message: String,
    },
    /// The XML holds no `<Event>` element.
    #[error("no <Event> element")]
    NoEvent,
    /// Elements inside the event nest deeper than [`MAX_EVENT_DEPTH`].
    #[error("elements nest more than {MAX_EVENT_DEPTH} levels deep at byte {position}")]
    TooDeep {
        /// Byte offset in the XML where the limit was passed.
        position: u64,
    },
}

/// How deep elements may nest inside one `<Event>`. Windows writes 3 or 4 levels (a
/// `UserData` payload a few more); a deeper event is an attack on the reader, skipped.
pub const MAX_EVENT_DEPTH: usize = 256;

/// Parses the first `<Event>` element of `xml`.
pub fn parse_event_xml(xml: &[u8]) -> Result<Event, XmlEventError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Xml::Start(start)) if start.local_name().as_ref() == b"Event" => {
                return read_event_body(&mut reader, &mut buf);
            }
            Ok(Xml::Eof) => return Err(XmlEventError::NoEvent),
            Ok(_) => {}
            Err(err) => return Err(malformed(&reader, err)),
        }
        buf.clear();
    }
}

/// Reads the content of an `<Event>` element whose start tag was just read, up to its end tag.
///
/// Exposed to the export readers, which walk files holding many events.
pub(crate) fn read_event_body<R: BufRead>(
    reader: &mut Reader<R>,
    buf: &mut Vec<u8>,
) -> Result<Event, XmlEventError> {
    let mut builder = EventBuilder::default();
    loop {
        buf.clear();
        let xml = reader
            .read_event_into(buf)
            .map_err(|err| malformed(reader, err))?;
        let empty = matches!(xml, Xml::Empty(_));
        match xml {
            Xml::Start(start) | Xml::Empty(start) => {
                if !empty && builder.depth() >= MAX_EVENT_DEPTH {
                    return Err(XmlEventError::TooDeep {
                        position: reader.buffer_position(),
                    });
                }
                let name = start.local_name();
                let Ok(()) = builder.start(name.as_ref(), empty, |key| {
                    Ok::<_, Infallible>(attribute(&start, key))
                });
            }
            Xml::Text(content) => {
                let text = builder.text();
                match content.decode() {
                    Ok(decoded) => match quick_xml::escape::unescape(&decoded) {
                        Ok(unescaped) => text.push_str(&unescaped),
                        Err(_) => text.push_str(&decoded),
                    },
                    Err(_) => text.push_str(&String::from_utf8_lossy(&content)),
                }
            }
            Xml::GeneralRef(reference) => push_reference(builder.text(), &reference),
            Xml::CData(content) => builder.text().push_str(&String::from_utf8_lossy(&content)),
            // `end` closes the element; it says whether that was `<Event>` itself.
            Xml::End(_) if builder.end() => return Ok(builder.finish()),
            Xml::Eof => {
                return Err(XmlEventError::Malformed {
                    position: reader.buffer_position(),
                    message: "the file ends inside an <Event>".into(),
                });
            }
            _ => {}
        }
    }
}

fn attribute(start: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|attr| attr.key.local_name().as_ref() == key)
        .map(|attr| match attr.unescape_value() {
            Ok(value) => value.into_owned(),
            Err(_) => String::from_utf8_lossy(&attr.value).into_owned(),
        })
}

/// Resolves `&amp;`-style and numeric references; anything else is kept as written.
fn push_reference(text: &mut String, reference: &[u8]) {
    let name = String::from_utf8_lossy(reference);
    let resolved = predefined_entity(&name).or_else(|| {
        name.strip_prefix("#x")
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .or_else(|| name.strip_prefix('#').and_then(|dec| dec.parse().ok()))
            .and_then(char::from_u32)
    });
    match resolved {
        Some(c) => text.push(c),
        None => {
            text.push('&');
            text.push_str(&name);
            text.push(';');
        }
    }
}

fn malformed<R>(reader: &Reader<R>, err: quick_xml::Error) -> XmlEventError {
    XmlEventError::Malformed {
        position: reader.buffer_position(),
        message: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Directory Synchronization"/><EventID Qualifiers="0">611</EventID><Level>2</Level><Task>0</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime="2024-03-04T08:00:00.1234567Z"/><EventRecordID>42</EventRecordID><Channel>Application</Channel><Computer>SYNC01.contoso.com</Computer><Security/></System><EventData><Data>Password synchronization failed for domain: Contoso.com &amp; more&#13;
next</Data><Data Name="x"/></EventData></Event>"#;

    #[test]
    fn reads_system_fields_and_data() {
        let event = parse_event_xml(RECORD.as_bytes()).unwrap();
        assert_eq!(event.provider, "Directory Synchronization");
        assert_eq!(event.event_id, 611);
        assert_eq!(event.qualifiers, Some(0));
        assert_eq!(event.level, Some(2));
        assert_eq!(event.record_id, Some(42));
        assert_eq!(event.channel, "Application");
        assert_eq!(event.computer, "SYNC01.contoso.com");
        assert_eq!(
            event.time.unwrap().to_string(),
            "2024-03-04T08:00:00.1234567Z"
        );
        assert_eq!(event.data.len(), 2);
        assert_eq!(
            event.data[0].value,
            "Password synchronization failed for domain: Contoso.com & more\r\nnext"
        );
        assert_eq!(event.data[1].name.as_deref(), Some("x"));
        assert_eq!(event.data[1].value, "");
    }

    #[test]
    fn keeps_low_16_bits_of_event_id() {
        let xml = "<Event><System><EventID>1073748724</EventID></System></Event>";
        assert_eq!(parse_event_xml(xml.as_bytes()).unwrap().event_id, 6900);
    }

    #[test]
    fn reads_rendering_info_message() {
        let xml = "<Event><System><Provider Name='ADSync'/><EventID Qualifiers='49152'>6900</EventID></System><EventData><Data>x</Data></EventData><RenderingInfo Culture='en-US'><Message>The server encountered an unexpected error</Message></RenderingInfo></Event>";
        let event = parse_event_xml(xml.as_bytes()).unwrap();
        assert_eq!(event.qualifiers, Some(49152));
        assert_eq!(
            event.message.as_deref(),
            Some("The server encountered an unexpected error")
        );
    }

    #[test]
    fn unknown_entities_are_kept_not_expanded() {
        let xml = "<Event><EventData><Data>a &xxe; b</Data></EventData></Event>";
        let event = parse_event_xml(xml.as_bytes()).unwrap();
        assert_eq!(event.data[0].value, "a &xxe; b");
    }

    #[test]
    fn truncated_xml_is_an_error() {
        assert!(parse_event_xml(b"<Event><System>").is_err());
        assert!(matches!(
            parse_event_xml(b"<x/>"),
            Err(XmlEventError::NoEvent)
        ));
    }

    #[test]
    fn deep_nesting_is_refused_in_linear_time() {
        // 200,000 levels took minutes when every element searched the path.
        let depth = 200_000;
        let mut xml = String::from("<Event><UserData>");
        xml.push_str(&"<a>".repeat(depth));
        xml.push_str(&"</a>".repeat(depth));
        xml.push_str("</UserData></Event>");
        match parse_event_xml(xml.as_bytes()) {
            Err(XmlEventError::TooDeep { position }) => assert!(position < 2000),
            other => panic!("{other:?}"),
        }
        // Just under the limit, UserData leaves are still read.
        let mut xml = String::from("<Event><UserData>");
        xml.push_str(&"<a>".repeat(MAX_EVENT_DEPTH - 3));
        xml.push_str("<Leaf>value</Leaf>");
        xml.push_str(&"</a>".repeat(MAX_EVENT_DEPTH - 3));
        xml.push_str("</UserData></Event>");
        let event = parse_event_xml(xml.as_bytes()).unwrap();
        assert_eq!(event.data.last().map(|d| d.value.as_str()), Some("value"));
    }
}
