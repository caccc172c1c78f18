//! One record: whether it could match (by the literals found in its bytes and its template's),
//! and turning it into an [`Event`].

use super::binxml::{EventIdSlot, Names, Template, event_id};
use super::prefilter::{Hits, Prefilter};
use super::walk::u32_at;
use crate::event::{Event, Origin, parse_event_xml};
use evtx::EvtxRecord;
use std::ops::Range;

/// Where the body of the template a record instantiates is in the chunk, when the record
/// refers to a template defined in the chunk (the usual Windows layout: `0f 01 01 00` fragment
/// header, `0c 01` template instance, template id, definition offset). `None` when the record
/// has another shape or the definition is out of bounds.
pub(crate) fn template_definition(chunk: &[u8], binxml: Range<usize>) -> Option<Range<usize>> {
    let head = chunk.get(binxml.start..binxml.start.checked_add(6)?)?;
    if head != [0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01] {
        return None;
    }
    let offset = usize::try_from(u32_at(chunk, binxml.start.checked_add(10)?)?).ok()?;
    // Definition: next-template offset (4), GUID (16), body size (4), body. Only this one
    // level is looked at: a template that instantiates templates (even itself) costs nothing
    // here, and the `evtx` crate caps how deep it follows them.
    let size = usize::try_from(u32_at(chunk, offset.checked_add(20)?)?).ok()?;
    let start = offset.checked_add(DEFINITION_HEADER)?;
    chunk.get(start..)?;
    Some(start..start.checked_add(size)?.min(chunk.len()))
}

/// The bytes of a template definition before its body: next-template offset (4), GUID (16),
/// body size (4).
const DEFINITION_HEADER: usize = 24;

/// Whether the record whose BinXML is at `binxml` in the chunk whose anchors are indexed in
/// `hits` could match a rule, judged on the literals in its bytes and its template's.
pub(crate) fn may_match(
    prefilter: &Prefilter,
    hits: &mut Hits,
    chunk: &[u8],
    binxml: Range<usize>,
) -> bool {
    let template = template_definition(chunk, binxml.clone());
    admits(prefilter, hits, chunk, binxml, template, None)
}

/// [`may_match`] for a record whose template was already looked up (`None`: an unusual
/// shape or a dangling reference, which is looked at, and reported if it fails), with its
/// event id read from its bytes when `event_ids` is given.
pub(crate) fn admits(
    prefilter: &Prefilter,
    hits: &mut Hits,
    chunk: &[u8],
    binxml: Range<usize>,
    template: Option<Range<usize>>,
    event_ids: Option<&mut EventIds>,
) -> bool {
    let Some(template) = template else {
        return true;
    };
    let parts = [binxml.clone(), template.clone()];
    prefilter.admits_record(chunk, hits, &parts, || {
        event_ids.and_then(|ids| ids.of(chunk, binxml, &template))
    })
}

/// The event ids of a chunk's records, read from their bytes (`scan/binxml.rs`), each
/// template looked at once.
#[derive(Debug, Default)]
pub(crate) struct EventIds {
    /// Template body start → where it puts the event id.
    slots: Vec<(usize, Option<EventIdSlot>)>,
    /// The templates compiled to read them, by definition offset: the decoder takes them
    /// rather than compile them again (see [`EventIds::take_compiled`]).
    compiled: Vec<(usize, Template)>,
    names: Names,
    /// How many of the chunk's bytes were read: templates are compiled from those only
    /// (past them lie an earlier chunk's bytes until the chunk is parsed).
    read: usize,
}

/// How many templates [`EventIds`] remembers per chunk (Windows uses a few dozen).
const REMEMBERED_TEMPLATES: usize = 256;

impl EventIds {
    /// Forgets the last chunk's templates, for a chunk of which the first `read` bytes were
    /// read.
    pub(crate) fn start(&mut self, read: usize) {
        self.slots.clear();
        self.compiled.clear();
        self.names.clear();
        self.read = read;
    }

    /// The templates compiled so far for this chunk, each with its definition's offset.
    pub(crate) fn take_compiled(&mut self) -> std::vec::Drain<'_, (usize, Template)> {
        self.compiled.drain(..)
    }

    /// The event id of the record whose BinXML is `binxml` and whose template's body is
    /// `template`; `None` when it cannot be read.
    fn of(&mut self, chunk: &[u8], binxml: Range<usize>, template: &Range<usize>) -> Option<u16> {
        let slot = match self
            .slots
            .iter()
            .find(|(start, _)| *start == template.start)
        {
            Some(&(_, slot)) => slot,
            None => {
                let read = chunk.get(..self.read).unwrap_or(chunk);
                let compiled = Template::compile(read, template.clone(), &mut self.names);
                let slot = compiled.as_ref().and_then(Template::event_id_slot);
                if self.slots.len() < REMEMBERED_TEMPLATES {
                    self.slots.push((template.start, slot));
                    if let (Some(compiled), Some(definition)) =
                        (compiled, template.start.checked_sub(DEFINITION_HEADER))
                    {
                        self.compiled.push((definition, compiled));
                    }
                }
                slot
            }
        };
        let definition = usize::try_from(u32_at(chunk, binxml.start.checked_add(10)?)?).ok()?;
        event_id(chunk, binxml, definition, slot?)
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
