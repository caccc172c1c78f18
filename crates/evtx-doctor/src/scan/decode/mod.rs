//! Builds an [`Event`] straight from a record's bytes: its template instances (templates
//! compiled once per chunk, `scan/binxml.rs`) and their substitution values, with no XML and
//! no `evtx` crate record.
//!
//! The `evtx` crate stays the reference: the result must be the `Event` that rendering the
//! record to XML and reading it back ([`super::record::to_event`]) gives. So this decoder
//! follows the crate's rules for instantiating a template — an element whose dependency names
//! a NULL value is left out, an optional substitution of an empty value writes nothing, an
//! embedded BinXML value (a template instance of its own, typically `EventData` or
//! `UserData`) puts its elements in place, an array value of several items repeats its
//! element once per item, an attribute with no text is left out, a stream written without a
//! template (as Event Viewer saves records) is read token by token, values are written as the
//! crate writes them ([`value`]) — and feeds the elements to the same [`EventBuilder`] the
//! XML reader uses. Whatever it does not follow — a token, value type or shape outside that
//! subset, or anything out of bounds — is a [`Decline`], and the caller goes through the
//! crate as before. `tests/decode.rs` compares the two paths on every record of the fixtures,
//! the forge corpora and the shared corpus.
//!
//! Layouts from [MS-EVEN6] (BinXml): template instances, value descriptors. Limits (nesting,
//! values, instances, depth) bound the work a crafted chunk can ask for, and each record's
//! work is charged as what the crate would write and build for it (every attribute and value
//! placed, whether the event keeps it or not), within half the crate's own budgets ([`WORK`],
//! [`CHUNK_WORK`]): a record the crate refuses for its size is declined too.

mod value;

pub(crate) use value::filetime_timestamp;

use super::binxml::{
    Element, Names, Op, Part, Template, definition_body, known_value_type, local_name,
};
use super::walk::{RecordHeader, u32_at};
use crate::event::{Event, EventBuilder, Origin, predefined_entity};
use std::cell::Cell;
use std::ops::Range;
use value::kind;

/// How many templates a chunk's decoder remembers (Windows uses a few dozen a chunk).
const REMEMBERED_TEMPLATES: usize = 256;

/// How many substitution values a record may have, embedded instances' included.
const MAX_VALUES: usize = 2048;

/// How many template instances a record may have (Windows writes one or two).
const MAX_INSTANCES: usize = 16;

/// How deep embedded BinXML may nest (Windows nests one level).
const MAX_NESTING: usize = 4;

/// How deep elements may nest inside `<Event>` (the XML reader refuses past 256).
const MAX_EVENT_DEPTH: usize = 64;

/// Why a record was left to the `evtx` crate.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decline {
    /// Out of bounds, sizes that do not add up, limits passed.
    Malformed,
    /// A record or embedded fragment with more tokens after its template instance.
    Shape,
    /// A template the compiler refused, or a name it does not reproduce.
    Template,
    /// A value of this type, or of a size that does not fit it, or not written here.
    Value(u8),
    /// Content not reproduced: processing instructions, references or CDATA in attributes,
    /// arrays where they do not repeat their element.
    Content,
    /// A root that is not `<Event>` with content.
    Root,
}

impl std::fmt::Display for Decline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decline::Malformed => write!(f, "malformed or past a limit"),
            Decline::Shape => write!(f, "tokens after a template instance"),
            Decline::Template => write!(f, "template not followed"),
            Decline::Value(kind) => write!(f, "value type 0x{kind:02x}"),
            Decline::Content => write!(f, "content not followed"),
            Decline::Root => write!(f, "root is not <Event>"),
        }
    }
}

/// `Option` to a [`Decline::Malformed`].
trait Need<T> {
    fn need(self) -> Result<T, Decline>;
}

impl<T> Need<T> for Option<T> {
    fn need(self) -> Result<T, Decline> {
        self.ok_or(Decline::Malformed)
    }
}

/// A record to decode: where its BinXML is, and what its header says.
#[derive(Debug, Clone)]
pub(crate) struct RecordBytes {
    /// Offset of the record in the chunk.
    pub start: usize,
    pub binxml: Range<usize>,
    pub id: u64,
    pub filetime: u64,
}

impl From<RecordHeader> for RecordBytes {
    fn from(header: RecordHeader) -> Self {
        RecordBytes {
            start: header.start,
            binxml: header.binxml(),
            id: header.id,
            filetime: header.filetime,
        }
    }
}

/// A substitution value: its type, where its bytes are in the chunk, for embedded BinXML
/// what it holds, and for an array its items.
#[derive(Debug, Clone)]
struct Value {
    kind: u8,
    bytes: Range<usize>,
    nested: Option<Fragment>,
    /// An array's items: the type they are written as, and where their ranges (in the
    /// value's bytes) are in [`Decoder::items`].
    items: Option<(u8, Range<usize>)>,
}

/// A BinXML stream: one template instance (the usual shape), or tokens of their own.
#[derive(Debug, Clone, Copy)]
enum Fragment {
    /// In [`Decoder::instances`].
    Instance(usize),
    /// In [`Decoder::streams`].
    Stream(usize),
}

/// A template instance of the record being decoded.
#[derive(Debug, Clone)]
struct Instance {
    /// Offset of its template definition.
    definition: usize,
    /// Its values in [`Decoder::values`].
    values: Range<usize>,
    /// Its template in [`Decoder::templates`], once looked up.
    template: usize,
}

/// Decodes a chunk's records into events; remembers the chunk's templates. Per thread,
/// cleared for each chunk.
#[derive(Debug, Default)]
pub(crate) struct Decoder {
    /// Template definition offset → the template (`None`: refused).
    templates: Vec<(usize, Option<Template>)>,
    /// The values of the record being decoded, each instance's together.
    values: Vec<Value>,
    /// The items of the record's array values (see [`Value::items`]).
    items: Vec<Range<usize>>,
    instances: Vec<Instance>,
    /// The record's streams that are not one template instance, compiled.
    streams: Vec<Template>,
    /// The chunk's names read so far.
    names: Names,
    /// Kept between records for its buffers.
    builder: EventBuilder,
    /// What the chunk's records decoded so far may have cost the crate (see [`CHUNK_WORK`]).
    chunk_spent: usize,
}

impl Decoder {
    /// Forgets the last chunk's templates.
    pub(crate) fn clear(&mut self) {
        self.templates.clear();
        self.names.clear();
        self.chunk_spent = 0;
    }

    /// Takes `templates` of the chunk about to be decoded, compiled already (each with its
    /// definition's offset): [`Decoder::clear`] first.
    pub(crate) fn adopt(&mut self, templates: impl IntoIterator<Item = (usize, Template)>) {
        let room = REMEMBERED_TEMPLATES.saturating_sub(self.templates.len());
        self.templates.extend(
            templates
                .into_iter()
                .take(room)
                .map(|(definition, template)| (definition, Some(template))),
        );
    }

    /// The event the record `record` of `chunk` holds, read from `origin`; `None` when the
    /// record has a shape this decoder does not follow (the `evtx` crate is then asked).
    pub(crate) fn decode(
        &mut self,
        chunk: &[u8],
        record: &RecordBytes,
        origin: Origin,
    ) -> Option<Event> {
        self.try_decode(chunk, record, origin).ok()
    }

    /// [`Decoder::decode`], saying why when it declines.
    ///
    /// The records of a chunk share the crate's budget for the chunk (see [`CHUNK_WORK`]): a
    /// record decoded counts what it cost, one declined the most the crate may spend on it
    /// ([`DECLINED_WORK`]), since the crate renders it and the decoder cannot tell how much
    /// that takes.
    pub(crate) fn try_decode(
        &mut self,
        chunk: &[u8],
        record: &RecordBytes,
        origin: Origin,
    ) -> Result<Event, Decline> {
        let work = WORK.min(CHUNK_WORK.saturating_sub(self.chunk_spent));
        let decoded = self.decode_within(chunk, record, origin, work);
        let spent = match &decoded {
            Ok((_, left)) => work.saturating_sub(*left),
            Err(_) => DECLINED_WORK,
        };
        self.chunk_spent = self.chunk_spent.saturating_add(spent);
        decoded.map(|(event, _)| event)
    }

    /// The record's event, and what is left of `work` once it is built.
    fn decode_within(
        &mut self,
        chunk: &[u8],
        record: &RecordBytes,
        origin: Origin,
        work: usize,
    ) -> Result<(Event, usize), Decline> {
        let binxml = record.binxml.clone();
        if binxml.end > chunk.len() || binxml.start > binxml.end {
            return Err(Decline::Malformed);
        }
        self.values.clear();
        self.items.clear();
        self.instances.clear();
        self.streams.clear();
        let root = self.read_fragment(chunk, binxml, 0)?;
        self.look_up_templates(chunk)?;
        let time = filetime_timestamp(record.filetime).need()?;
        let mut builder = std::mem::take(&mut self.builder);
        let instantiate = Instantiate {
            chunk,
            decoder: self,
            work: Cell::new(work),
        };
        let event = instantiate.record(root, &mut builder);
        let left = instantiate.work.get();
        // The next record starts afresh, with the buffers.
        let event = event.map(|()| builder.finish());
        builder.reset();
        self.builder = builder;
        let mut event = event?;
        event.time = event.time.or(Some(time));
        event.record_id = event.record_id.or(Some(record.id));
        event.origin = origin;
        Ok((event, left))
    }

    /// Reads the template instance whose token is at `at` (ending by `end`), and the
    /// instances its embedded BinXML values hold: its index in [`Decoder::instances`] and
    /// where the stream goes on.
    fn read_instance(
        &mut self,
        chunk: &[u8],
        at: usize,
        end: usize,
        depth: usize,
    ) -> Result<(usize, usize), Decline> {
        if depth > MAX_NESTING || self.instances.len() >= MAX_INSTANCES {
            return Err(Decline::Malformed);
        }
        // Token (1), unknown (1), template id (4), definition offset (4); the definition
        // itself when it is defined right here; the number of values, their descriptors
        // (size (2), type (1), zero (1)), the values.
        if chunk.get(at) != Some(&0x0c) {
            return Err(Decline::Shape);
        }
        let definition = usize::try_from(u32_at(chunk, at + 6).need()?).ok().need()?;
        let mut descriptors = at + 10;
        if definition == descriptors {
            descriptors = definition_body(chunk, definition).need()?.end;
        }
        let count = usize::try_from(u32_at(chunk, descriptors).need()?)
            .ok()
            .need()?;
        if count > MAX_VALUES.saturating_sub(self.values.len()) {
            return Err(Decline::Malformed);
        }
        let mut offset = descriptors + 4 + count * 4;
        if offset > end {
            return Err(Decline::Malformed);
        }
        let index = self.instances.len();
        let first = self.values.len();
        self.instances.push(Instance {
            definition,
            values: first..first + count,
            template: usize::MAX,
        });
        self.values.resize(
            first + count,
            Value {
                kind: kind::NULL,
                bytes: 0..0,
                nested: None,
                items: None,
            },
        );
        for i in 0..count {
            let d = descriptors + 4 + i * 4;
            let &[low, high, value_kind, _] = chunk.get(d..d + 4).need()? else {
                return Err(Decline::Malformed);
            };
            let size = usize::from(u16::from_le_bytes([low, high]));
            known_value_type(value_kind).ok_or(Decline::Value(value_kind))?;
            let bytes = offset..offset + size;
            if bytes.end > end {
                return Err(Decline::Malformed);
            }
            let (mut nested, mut items) = (None, None);
            if value_kind == kind::BIN_XML {
                nested = (size > 0)
                    .then(|| self.read_fragment(chunk, bytes.clone(), depth + 1))
                    .transpose()?;
            } else {
                let start = self.items.len();
                let scalar = value::check(
                    value_kind,
                    chunk.get(bytes.clone()).need()?,
                    &mut self.items,
                )?;
                items = scalar.map(|scalar| (scalar, start..self.items.len()));
            }
            *self.values.get_mut(first + i).need()? = Value {
                kind: value_kind,
                bytes: bytes.clone(),
                nested,
                items,
            };
            offset = bytes.end;
        }
        Ok((index, offset))
    }

    /// Reads the BinXML stream at `bytes` (a record's, or an embedded value's): one
    /// template instance (after a fragment header or not) then nothing or the end of the
    /// stream, or else tokens of its own (and the instances among them).
    fn read_fragment(
        &mut self,
        chunk: &[u8],
        bytes: Range<usize>,
        depth: usize,
    ) -> Result<Fragment, Decline> {
        let single = match chunk.get(bytes.clone()).need()? {
            [0x0f, _, _, _, 0x0c, _, ..] => Some(bytes.start + 4),
            [0x0c, ..] => Some(bytes.start),
            _ => None,
        };
        if let Some(at) = single {
            let (index, next) = self.read_instance(chunk, at, bytes.end, depth)?;
            return match chunk.get(next..bytes.end).need()? {
                [] | [0x00, ..] => Ok(Fragment::Instance(index)),
                // More tokens after the instance: rare, not followed.
                _ => Err(Decline::Shape),
            };
        }
        if depth > MAX_NESTING || self.streams.len() >= MAX_INSTANCES {
            return Err(Decline::Malformed);
        }
        let mut stream =
            Template::stream(chunk, bytes.clone(), &mut self.names).ok_or(Decline::Template)?;
        for op in &mut stream.ops {
            if let Op::Content(Part::Instance { at, index }) = op {
                *index = self.read_instance(chunk, *at, bytes.end, depth + 1)?.0;
            }
        }
        self.streams.push(stream);
        Ok(Fragment::Stream(self.streams.len() - 1))
    }

    /// Finds (compiling it on first use) the template of every instance read.
    fn look_up_templates(&mut self, chunk: &[u8]) -> Result<(), Decline> {
        if self.templates.len() + self.instances.len() > REMEMBERED_TEMPLATES {
            // A crafted chunk: start over rather than remember without bound.
            self.templates.clear();
        }
        for instance in &mut self.instances {
            let known = self
                .templates
                .iter()
                .position(|(offset, _)| *offset == instance.definition);
            instance.template = match known {
                Some(index) => index,
                None => {
                    let template = definition_body(chunk, instance.definition)
                        .and_then(|body| Template::compile(chunk, body, &mut self.names));
                    self.templates.push((instance.definition, template));
                    self.templates.len() - 1
                }
            };
            if self.templates.get(instance.template).need()?.1.is_none() {
                return Err(Decline::Template);
            }
        }
        Ok(())
    }
}

/// The values of a stream's elements: none (theirs are written in the stream).
const NO_VALUES: Instance = Instance {
    definition: 0,
    values: 0..0,
    template: usize::MAX,
};

/// A record's instances, values and templates, being turned into an event.
struct Instantiate<'d> {
    chunk: &'d [u8],
    decoder: &'d Decoder,
    /// The work left for this record (see [`WORK`]).
    work: Cell<usize>,
}

/// The work one record may ask for, counted as the bytes the crate may write for it:
/// [`TEXT_WORK`] for each byte of a name, text or value placed, [`NODE_WORK`] for each node
/// (element, attribute, part of either) built or visited. An array value repeats its element,
/// a value may be placed many times, and the crate writes every attribute and every value
/// whether the event keeps it or not, so a crafted record of a few KiB could otherwise ask for
/// gigabytes. The crate fails a record that renders to more than 16 MiB or 2^18 nodes (`evtx`
/// 0.15.1, `binxml/compiled.rs`: `MAX_RECORD_OUTPUT`, `MAX_RENDER_NODES`); this is half of it,
/// so a record decoded is one the crate renders. Real records ask for a few tens of KiB.
const WORK: usize = 8 << 20;

/// What a byte of a name, text or value costs: the most the crate writes for it (an ANSI
/// `"` is `&quot;`, an INT8 `-128`).
const TEXT_WORK: usize = 6;

/// What a node costs: its markup, and its share of the crate's nodes. The crate counts a node
/// where it builds it (once for each template instance, and for each copy an array makes) and
/// where it visits it, three times at most: [`WORK`] holds 2^15 nodes, an eighth of its 2^18.
const NODE_WORK: usize = 256;

/// What the records of one chunk may ask for together. The crate renders a chunk's records
/// within 64 MiB and 2^20 nodes, and fails every record once less than a record's share
/// (16 MiB, 2^18 nodes) is left (`MAX_CHUNK_OUTPUT`, `MAX_CHUNK_NODES`, `ChunkBudget::admit`).
const CHUNK_WORK: usize = 48 << 20;

/// What a declined record counts against [`CHUNK_WORK`]: the most the crate may spend on it,
/// its 16 MiB and what it may write past them before it stops. After two such records a chunk
/// has 8 MiB left: the crate's 16 MiB less what those two may have written past theirs.
const DECLINED_WORK: usize = 20 << 20;

/// The element being repeated for each item of an array value: that value's index, the type
/// its items are written as, and the item this copy holds (a range of the value's bytes).
#[derive(Debug, Clone)]
struct Repeat {
    index: u16,
    kind: u8,
    item: Range<usize>,
}

/// The items of an array value: the type they are written as, and their ranges in its bytes.
#[derive(Debug, Clone, Copy)]
struct Items<'a> {
    kind: u8,
    ranges: &'a [Range<usize>],
}

impl Instantiate<'_> {
    /// The event of the record whose stream is `root`: the first element it holds must be
    /// `<Event>` with content, which the XML reader reads. The crate writes all of a stream's
    /// roots: one with more is declined.
    fn record(&self, root: Fragment, builder: &mut EventBuilder) -> Result<(), Decline> {
        let (instance, template) = match root {
            Fragment::Instance(index) => self.instance(index)?,
            Fragment::Stream(index) => {
                let stream = self.decoder.streams.get(index).need()?;
                if stream.roots().nth(1).is_some() {
                    return Err(Decline::Shape);
                }
                match stream.ops.first() {
                    Some(Op::Content(Part::Instance { index, .. })) => self.instance(*index)?,
                    Some(Op::Open(_)) => (&NO_VALUES, stream),
                    _ => return Err(Decline::Root),
                }
            }
        };
        let element = template.root().ok_or(Decline::Root)?;
        if element.name.as_deref() != Some("Event") || element.empty {
            return Err(Decline::Root);
        }
        self.charge(instance, element, "Event", None)?;
        let content = 1..element.after.checked_sub(1).need()?;
        self.content(builder, instance, &template.ops, content, None)?;
        if !builder.end() {
            return Err(Decline::Malformed);
        }
        Ok(())
    }

    /// The elements of an embedded BinXML value, in place.
    fn fragment(&self, builder: &mut EventBuilder, fragment: Fragment) -> Result<(), Decline> {
        match fragment {
            Fragment::Instance(index) => {
                let (instance, template) = self.instance(index)?;
                let root = template.root().need()?;
                self.element(builder, instance, &template.ops, 0, root, true)
            }
            Fragment::Stream(index) => {
                let stream = self.decoder.streams.get(index).need()?;
                for (at, op) in stream.roots() {
                    match op {
                        Op::Open(element) => {
                            self.element(builder, &NO_VALUES, &stream.ops, at, element, true)?;
                        }
                        Op::Content(Part::Instance { index, .. }) => {
                            self.fragment(builder, Fragment::Instance(*index))?;
                        }
                        _ => return Err(Decline::Malformed),
                    }
                }
                Ok(())
            }
        }
    }

    /// The instance at `index` with its template; charges the template's nodes, which the
    /// crate builds for each instance placed.
    fn instance(&self, index: usize) -> Result<(&Instance, &Template), Decline> {
        let instance = self.decoder.instances.get(index).need()?;
        let template = self.decoder.templates.get(instance.template).need()?;
        let template = template.1.as_ref().need()?;
        let nodes: usize = template.ops.iter().map(op_nodes).sum();
        self.spend(nodes.saturating_mul(NODE_WORK))?;
        Ok((instance, template))
    }

    /// The value at `index` of `instance` (`None` past its values: it writes nothing).
    fn value(&self, instance: &Instance, index: u16) -> Option<&Value> {
        let at = instance.values.start + usize::from(index);
        (at < instance.values.end)
            .then(|| self.decoder.values.get(at))
            .flatten()
    }

    fn bytes(&self, value: &Value) -> Result<&[u8], Decline> {
        self.chunk.get(value.bytes.clone()).need()
    }

    /// Whether `value` is NULL as the crate takes it (an empty embedded BinXML value is).
    fn is_null(value: &Value) -> bool {
        value.kind == kind::NULL || (value.kind == kind::BIN_XML && value.nested.is_none())
    }

    fn is_empty(&self, value: &Value) -> bool {
        value.nested.is_none() && value::is_empty(value.kind, self.bytes(value).unwrap_or_default())
    }

    /// The ops in `range` of a template: the content of an element. Each costs a node, and
    /// what the crate writes for it, whether the event keeps it or not.
    fn content(
        &self,
        builder: &mut EventBuilder,
        instance: &Instance,
        ops: &[Op],
        range: Range<usize>,
        repeat: Option<&Repeat>,
    ) -> Result<(), Decline> {
        let mut at = range.start;
        while at < range.end {
            self.spend(NODE_WORK)?;
            match ops.get(at).need()? {
                Op::Open(element) => {
                    self.element(builder, instance, ops, at, element, false)?;
                    at = element.after;
                    continue;
                }
                Op::Content(part) => {
                    self.spend(
                        self.part_size(instance, part, repeat)
                            .saturating_mul(TEXT_WORK),
                    )?;
                    self.part(builder, instance, part, repeat)?;
                }
                Op::Close => return Err(Decline::Malformed),
            }
            at += 1;
        }
        Ok(())
    }

    /// A part of an element's content, as the XML reader reads what the crate writes for it.
    fn part(
        &self,
        builder: &mut EventBuilder,
        instance: &Instance,
        part: &Part,
        repeat: Option<&Repeat>,
    ) -> Result<(), Decline> {
        match part {
            Part::Value { index, optional } => {
                return self.substitution(builder, instance, *index, *optional, repeat);
            }
            Part::Instance { index, .. } => {
                return self.fragment(builder, Fragment::Instance(*index));
            }
            // A name the XML reader may not read as written.
            Part::Other | Part::EntityRef(None) => return Err(Decline::Content),
            _ if !builder.wants_text() => {}
            Part::Text(text) | Part::CData(text) => builder.text().push_str(text),
            Part::Literal { kind, bytes } => {
                let bytes = self.chunk.get(bytes.clone()).need()?;
                value::render(*kind, bytes, builder.text())?;
            }
            // Written `&#N;`, read back as that character (a surrogate stays as written).
            Part::CharRef(unit) => match char::from_u32(u32::from(*unit)) {
                Some(c) => builder.text().push(c),
                None => builder.text().push_str(&format!("&#{unit};")),
            },
            // Written `&name;`: the XML reader resolves the five predefined entities only.
            Part::EntityRef(name) => {
                let name = name.as_deref().unwrap_or_default();
                match predefined_entity(name) {
                    Some(c) => builder.text().push(c),
                    None => builder.text().push_str(&format!("&{name};")),
                }
            }
        }
        Ok(())
    }

    /// The bytes a part is written from, which bound what the crate writes for it (see
    /// [`TEXT_WORK`]): an embedded BinXML value's elements are charged where they are placed.
    fn part_size(&self, instance: &Instance, part: &Part, repeat: Option<&Repeat>) -> usize {
        match part {
            Part::Text(text) | Part::CData(text) => text.len(),
            Part::Literal { bytes, .. } => bytes.len(),
            Part::EntityRef(Some(name)) => name.len(),
            Part::Value { index, .. } => match (self.value(instance, *index), repeat) {
                (Some(value), _) if value.nested.is_some() => 0,
                (Some(_), Some(repeat)) if repeat.index == *index => repeat.item.len(),
                (Some(value), _) => value.bytes.len(),
                (None, _) => 0,
            },
            _ => 0,
        }
    }

    /// The element `element` (the op at `at`), once or once per item of an array value in
    /// it; a template's root (`root`) is never left out nor repeated.
    fn element(
        &self,
        builder: &mut EventBuilder,
        instance: &Instance,
        ops: &[Op],
        at: usize,
        element: &Element,
        root: bool,
    ) -> Result<(), Decline> {
        let left_out = element
            .dependency
            .and_then(|index| self.value(instance, index))
            .is_some_and(Self::is_null);
        if left_out && !root {
            return Ok(());
        }
        let name = element.name.as_deref().ok_or(Decline::Template)?;
        if builder.depth() >= MAX_EVENT_DEPTH {
            return Err(Decline::Malformed);
        }
        match self.repeats(instance, ops, at, element)? {
            Some((index, items)) if !root => items.ranges.iter().try_for_each(|item| {
                let repeat = Repeat {
                    index,
                    kind: items.kind,
                    item: item.clone(),
                };
                self.copy(builder, instance, ops, at, name, Some(&repeat))
            }),
            _ => self.copy(builder, instance, ops, at, name, None),
        }
    }

    /// One copy of the element at `at`, named `name`, holding the item `repeat` says.
    fn copy(
        &self,
        builder: &mut EventBuilder,
        instance: &Instance,
        ops: &[Op],
        at: usize,
        name: &str,
        repeat: Option<&Repeat>,
    ) -> Result<(), Decline> {
        let Some(Op::Open(element)) = ops.get(at) else {
            return Err(Decline::Malformed);
        };
        self.charge(instance, element, name, repeat)?;
        let attribute = |key: &[u8]| self.attribute(instance, element, key);
        builder.start(name.as_bytes(), element.empty, attribute)?;
        if element.empty {
            return Ok(());
        }
        let content = at + 1..element.after.checked_sub(1).need()?;
        self.content(builder, instance, ops, content, repeat)?;
        builder.end();
        Ok(())
    }

    /// Charges a copy of `element`, named `name`, for what the crate builds and writes of it
    /// but its content: the element, its name (opened and closed), and every attribute with
    /// its parts, whether the event uses it or not.
    fn charge(
        &self,
        instance: &Instance,
        element: &Element,
        name: &str,
        repeat: Option<&Repeat>,
    ) -> Result<(), Decline> {
        self.spend(NODE_WORK.saturating_add(name.len().saturating_mul(2 * TEXT_WORK)))?;
        for attribute in &element.attributes {
            let name = attribute.name.as_deref().map_or(0, str::len);
            let bytes = attribute.parts.iter().fold(name, |sum, part| {
                sum.saturating_add(self.part_size(instance, part, repeat))
            });
            let nodes = attribute.parts.len().saturating_add(1);
            self.spend(nodes.saturating_mul(NODE_WORK))?;
            self.spend(bytes.saturating_mul(TEXT_WORK))?;
        }
        Ok(())
    }

    /// The array value of several items in the content of `element` (the op at `at`) whose
    /// items each make a copy of it; `None` when it has none. Checks its attributes too:
    /// embedded BinXML, arrays of several items and content not followed are declined there.
    fn repeats(
        &self,
        instance: &Instance,
        ops: &[Op],
        at: usize,
        element: &Element,
    ) -> Result<Option<(u16, Items<'_>)>, Decline> {
        for attribute in &element.attributes {
            attribute.name.as_ref().ok_or(Decline::Template)?;
            for part in &attribute.parts {
                match part {
                    Part::Text(_) | Part::Literal { .. } => {}
                    Part::Value { index, .. } => {
                        if let Some(value) = self.value(instance, *index)
                            && (value.nested.is_some() || self.items(value)?.is_some())
                        {
                            return Err(Decline::Content);
                        }
                    }
                    // References, CDATA and the rest in an attribute: not followed.
                    _ => return Err(Decline::Content),
                }
            }
        }
        if element.empty {
            return Ok(None);
        }
        let mut found = None;
        let mut next = at + 1;
        while next + 1 < element.after {
            match ops.get(next).need()? {
                Op::Open(child) => {
                    next = child.after;
                    continue;
                }
                Op::Content(Part::Value { index, .. }) => {
                    if let Some(value) = self.value(instance, *index)
                        && let Some(items) = self.items(value)?
                    {
                        if found.is_some() {
                            // Two arrays: the crate repeats for every pair of items.
                            return Err(Decline::Content);
                        }
                        found = Some((*index, items));
                    }
                }
                _ => {}
            }
            next += 1;
        }
        Ok(found)
    }

    /// The items of an array value of more than one item.
    fn items(&self, value: &Value) -> Result<Option<Items<'_>>, Decline> {
        let Some((kind, items)) = &value.items else {
            return Ok(None);
        };
        let ranges = self.decoder.items.get(items.clone()).need()?;
        Ok((ranges.len() > 1).then_some(Items {
            kind: *kind,
            ranges,
        }))
    }

    /// Appends the text of `value` (not embedded BinXML) as the crate writes it.
    fn render(&self, value: &Value, text: &mut String) -> Result<(), Decline> {
        let bytes = self.bytes(value)?;
        match &value.items {
            Some((kind, items)) => {
                let items = self.decoder.items.get(items.clone()).need()?;
                value::render_items(*kind, bytes, items, text)
            }
            None => value::render(value.kind, bytes, text),
        }
    }

    /// The substitution of the value at `index` in content.
    fn substitution(
        &self,
        builder: &mut EventBuilder,
        instance: &Instance,
        index: u16,
        optional: bool,
        repeat: Option<&Repeat>,
    ) -> Result<(), Decline> {
        let Some(value) = self.value(instance, index) else {
            return Ok(());
        };
        if let Some(nested) = value.nested {
            // Embedded BinXML: its elements go here.
            return self.fragment(builder, nested);
        }
        if (optional && self.is_empty(value)) || !builder.wants_text() {
            return Ok(());
        }
        match repeat {
            Some(repeat) if repeat.index == index => value::render(
                repeat.kind,
                self.bytes(value)?.get(repeat.item.clone()).need()?,
                builder.text(),
            ),
            _ => self.render(value, builder.text()),
        }
    }

    /// The value of the attribute `key` of `element` as the XML reader finds it: the first
    /// one so named that is written (one with no text is left out). Charged with the element
    /// (see [`Instantiate::charge`]).
    fn attribute(
        &self,
        instance: &Instance,
        element: &Element,
        key: &[u8],
    ) -> Result<Option<String>, Decline> {
        for attribute in &element.attributes {
            if attribute
                .name
                .as_deref()
                .map(|name| local_name(name).as_bytes())
                != Some(key)
            {
                continue;
            }
            let written = attribute.parts.iter().any(|part| match part {
                Part::Text(text) => !text.is_empty(),
                Part::Literal { kind, bytes } => {
                    !value::is_empty(*kind, self.chunk.get(bytes.clone()).unwrap_or_default())
                }
                Part::Value { index, .. } => self
                    .value(instance, *index)
                    .is_some_and(|value| !self.is_empty(value)),
                _ => true,
            });
            if !written {
                continue;
            }
            let mut text = String::new();
            for part in &attribute.parts {
                match part {
                    Part::Text(part) => text.push_str(part),
                    Part::Literal { kind, bytes } => {
                        value::render(*kind, self.chunk.get(bytes.clone()).need()?, &mut text)?;
                    }
                    Part::Value { index, .. } => {
                        if let Some(value) = self.value(instance, *index) {
                            self.render(value, &mut text)?;
                        }
                    }
                    // Declined before (see `repeats`).
                    _ => return Err(Decline::Content),
                }
            }
            return Ok(Some(text));
        }
        Ok(None)
    }

    /// Takes `amount` from the record's work; declines once it is spent.
    fn spend(&self, amount: usize) -> Result<(), Decline> {
        let left = self.work.get().checked_sub(amount).need()?;
        self.work.set(left);
        Ok(())
    }
}

/// The nodes an op stands for, as the crate counts them: an element with its attributes and
/// their parts, a part of content.
fn op_nodes(op: &Op) -> usize {
    match op {
        Op::Open(element) => element
            .attributes
            .iter()
            .fold(1, |sum, attribute| sum + 1 + attribute.parts.len()),
        Op::Content(_) => 1,
        Op::Close => 0,
    }
}

// --- both ways, for the equivalence tests and the fuzz target ---------------------------

/// One record of a chunk, decoded from its bytes and through the `evtx` crate.
#[cfg(any(test, feature = "internals"))]
#[derive(Debug, Clone)]
pub struct DecodedTwice {
    /// The record id its header gives.
    pub record_id: u64,
    /// What the decoder made of it, or why it declined.
    pub fast: Result<Event, Decline>,
    /// What rendering it to XML and reading that back gives (the error as text).
    pub reference: Result<Event, String>,
}

/// Every record of `chunk` (64 KiB, from its signature on) that a walk by the record headers
/// finds, decoded both ways (a record the crate does not yield, or fails on, is an error on
/// its side); empty when the crate cannot parse the chunk. For the equivalence tests and the
/// fuzz target: not part of the supported API.
#[cfg(any(test, feature = "internals"))]
pub fn decode_both_ways(chunk: &[u8]) -> Vec<DecodedTwice> {
    use super::walk::Walk;
    use evtx::err::EvtxError;
    use evtx::{EvtxChunkData, ParserSettings};
    use std::collections::HashMap;
    use std::sync::Arc;
    let settings = Arc::new(ParserSettings::default().indent(false).num_threads(1));
    let Ok(mut data) = EvtxChunkData::new(chunk.to_vec(), false) else {
        return Vec::new();
    };
    let Ok(mut parsed) = data.parse(settings) else {
        return Vec::new();
    };
    let origin = Origin::default();
    // The crate's results: by the record's offset, or by id when it failed.
    let mut built: HashMap<usize, Result<Event, String>> = HashMap::new();
    let mut failed: HashMap<u64, String> = HashMap::new();
    for record in parsed.iter() {
        match record {
            Ok(record) => {
                let binxml_start = usize::try_from(record.binxml_offset).unwrap_or(usize::MAX);
                let start = binxml_start.saturating_sub(super::walk::RECORD_HEADER_SIZE);
                built.insert(start, super::record::to_event(record, origin));
            }
            Err(EvtxError::FailedToParseRecord { record_id, source }) => {
                failed.insert(record_id, source.to_string());
            }
            Err(_) => {}
        }
    }
    let mut decoder = Decoder::default();
    Walk::new(chunk, chunk.len())
        .map(|header| {
            let bytes = RecordBytes::from(header);
            let reference = built.remove(&header.start).unwrap_or_else(|| {
                Err(failed
                    .get(&header.id)
                    .cloned()
                    .unwrap_or_else(|| "not yielded by the evtx crate".into()))
            });
            DecodedTwice {
                record_id: header.id,
                fast: decoder.try_decode(chunk, &bytes, origin),
                reference,
            }
        })
        .collect()
}

/// Every record of `chunk` (64 KiB, from its signature on) that a walk by the record headers
/// finds, decoded from its bytes alone (no `evtx` crate). For the benchmarks: not part of the
/// supported API.
#[cfg(any(test, feature = "internals"))]
pub fn decode_chunk(chunk: &[u8]) -> Vec<Result<Event, Decline>> {
    use super::walk::Walk;
    let mut decoder = Decoder::default();
    Walk::new(chunk, chunk.len())
        .map(|header| decoder.try_decode(chunk, &RecordBytes::from(header), Origin::default()))
        .collect()
}
