//! One record: whether it could match (by the literals found in its bytes and its template's),
//! and turning it into an [`Event`].

use super::binxml::{
    DEFINITION_HEADER_SIZE, EventIdSlot, Names, Template, definition_body, event_id,
};
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
    let start = offset.checked_add(DEFINITION_HEADER_SIZE)?;
    chunk.get(start..)?;
    Some(start..start.checked_add(size)?.min(chunk.len()))
}

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
                    // Handed on only when its body is whole in the bytes read, as the
                    // decoder would find it: a body cut at the chunk's end compiles here but
                    // is refused there, and by the crate.
                    let definition = template.start.checked_sub(DEFINITION_HEADER_SIZE);
                    if let (Some(compiled), Some(definition)) = (compiled, definition)
                        && definition_body(read, definition).as_ref() == Some(template)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk of evtx-forge's password-sync events, the BinXML of the first record that refers
    /// to a template defined before it (not in place), and that template's body.
    fn chunk_and_referring_record() -> (Vec<u8>, Range<usize>, Range<usize>) {
        let options = evtx_forge::corpus::CorpusOptions::new(4096 + 65536, 1, 7);
        let file = evtx_forge::corpus::write_corpus(std::io::Cursor::new(Vec::new()), &options)
            .unwrap()
            .0
            .into_inner();
        let chunk = file[4096..4096 + 65536].to_vec();
        let (binxml, template) = super::super::walk::Walk::new(&chunk, chunk.len())
            .find_map(|header| {
                let binxml = header.binxml();
                let definition = u32_at(&chunk, binxml.start + 10).map(|d| d as usize);
                let template = template_definition(&chunk, binxml.clone())?;
                (definition != Some(binxml.start + 14)).then_some((binxml, template))
            })
            .unwrap();
        (chunk, binxml, template)
    }

    /// The templates compiled to read event ids are handed to the decoder only when their
    /// body is whole in the bytes read: one said to run past the chunk's end compiles cut, but
    /// the decoder (and the crate) refuse it.
    #[test]
    fn only_whole_templates_are_handed_on() {
        let (chunk, binxml, template) = chunk_and_referring_record();
        let mut ids = EventIds::default();
        ids.start(chunk.len());
        ids.of(&chunk, binxml.clone(), &template);
        assert_eq!(
            ids.take_compiled().count(),
            1,
            "a whole template is handed on"
        );

        let mut damaged = chunk.clone();
        let size = template.start - 4;
        damaged[size..size + 4].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
        let cut = template_definition(&damaged, binxml.clone()).unwrap();
        assert_eq!(cut.end, damaged.len(), "the body is cut at the chunk's end");
        ids.start(damaged.len());
        ids.of(&damaged, binxml, &cut);
        assert_eq!(ids.take_compiled().count(), 0, "a cut template is not");
    }
}
