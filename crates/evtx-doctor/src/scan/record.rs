//! One record: whether it could match (on its raw bytes), and turning it into an [`Event`].

use super::prefilter::{Hits, Prefilter};
use crate::event::{Event, Origin, parse_event_xml};
use evtx::EvtxRecord;

/// Finds the bytes of the template a record instantiates, when the record refers to a
/// template defined earlier in the chunk (the usual Windows layout: `0f 01 01 00` fragment
/// header, `0c 01` template instance, template id, definition offset). `None` when the record
/// has another shape or the definition is out of bounds.
pub(crate) fn template_definition<'c>(chunk: &'c [u8], record: &[u8]) -> Option<&'c [u8]> {
    let head = record.get(..14)?;
    if head.get(..6)? != [0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01] {
        return None;
    }
    let offset = usize::try_from(u32::from_le_bytes(head.get(10..14)?.try_into().ok()?)).ok()?;
    // Definition: next-template offset (4), GUID (16), body size (4), body. Only this one
    // level is looked at: a template that instantiates templates (even itself) costs nothing
    // here, and the `evtx` crate caps how deep it follows them.
    let size_at = offset.checked_add(20)?;
    let size = chunk.get(size_at..size_at.checked_add(4)?)?;
    let size = usize::try_from(u32::from_le_bytes(size.try_into().ok()?)).ok()?;
    let start = size_at.checked_add(4)?;
    chunk.get(start..start.checked_add(size)?.min(chunk.len()))
}

/// Whether `record` could match a rule, judged on its own bytes and its template's.
pub(crate) fn may_match(prefilter: &Prefilter, record: &EvtxRecord<'_>, hits: &mut Hits) -> bool {
    let chunk = record.chunk.data;
    let start = usize::try_from(record.binxml_offset).unwrap_or(usize::MAX);
    let end = start.saturating_add(record.binxml_size as usize);
    let Some(bytes) = chunk.get(start..end) else {
        return true;
    };
    hits.clear();
    prefilter.scan(bytes, hits);
    if prefilter.admits(hits) {
        return true;
    }
    match template_definition(chunk, bytes) {
        Some(template) => {
            prefilter.scan(template, hits);
            prefilter.admits(hits)
        }
        // An unusual shape or a dangling reference: look at it (and report it if it fails).
        None => true,
    }
}

/// Renders `record` and reads it into an [`Event`].
pub(crate) fn to_event(record: EvtxRecord<'_>, origin: Origin) -> Result<Event, String> {
    let timestamp = record.timestamp;
    let record_id = record.event_record_id;
    let xml = record.into_xml_bytes().map_err(|err| err.to_string())?;
    let mut event = parse_event_xml(&xml.data).map_err(|err| err.to_string())?;
    event.time = event.time.or(Some(timestamp));
    event.record_id = event.record_id.or(Some(record_id));
    event.origin = origin;
    Ok(event)
}
