//! Builds an [`Event`] straight from a record's bytes: its template (compiled once per chunk)
//! and its substitution values, with no XML and no `evtx` crate record.
//!
//! The `evtx` crate stays the reference: the result must be the `Event` that rendering the
//! record to XML and reading it back ([`super::record::to_event`]) gives. So this decoder
//! follows the same steps — the crate's rules for instantiating a template (an element whose
//! dependency names a NULL value is left out, an empty attribute is omitted, values rendered
//! as the crate renders them) and then the XML reader's rules for what lands in which field
//! (`event/xml.rs`, mirrored in [`Fields`]). Whatever it does not follow — a token, value
//! type or template shape outside that subset, or anything out of bounds — gives `None`, and
//! the caller goes through the crate as before. `tests/decode.rs` compares the two paths on
//! every record of the fixtures, the forge corpora and the shared corpus.
//!
//! Layouts from [MS-EVEN6] (BinXml): tokens, names, template instances, value types.

use super::walk::u32_at;
use crate::event::{DataItem, Event, Origin};
use jiff::Timestamp;
use std::fmt::Write as _;
use std::ops::Range;

/// How deep elements may nest before a template is declined (Windows writes four or five).
const MAX_DEPTH: usize = 32;

/// How many tokens a template may have before it is declined (Windows writes a few dozen).
const MAX_TOKENS: usize = 4096;

/// How many templates a chunk's decoder remembers (Windows uses a few dozen a chunk).
const REMEMBERED_TEMPLATES: usize = 256;

/// How many substitution values a record may have before it is declined.
const MAX_VALUES: usize = 1024;

/// A template's tokens, as far as an [`Event`] depends on them.
#[derive(Debug, Clone)]
enum Op {
    /// An element opens.
    Open {
        name: String,
        /// The substitution whose NULL value leaves the element out (`0xFFFF`: none).
        dependency: u16,
        attributes: Vec<Attribute>,
        /// `<x/>`: no content, no end token.
        empty: bool,
        /// The index of the op after the element (its content and end).
        after: usize,
    },
    /// Text written in the template.
    Text(String),
    /// A substitution: the value at `index`.
    Value { index: u16, optional: bool },
    /// The open element ends.
    Close,
}

/// An attribute: its name, and the parts its value is made of.
#[derive(Debug, Clone)]
struct Attribute {
    name: String,
    parts: Vec<Part>,
}

/// A part of an attribute's value.
#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Value { index: u16, optional: bool },
}

/// A record's substitution value: its type and where its bytes are in the chunk.
#[derive(Debug, Clone)]
struct Value {
    kind: u8,
    bytes: Range<usize>,
}

/// Value types (MS-EVEN6 2.2.18).
mod kind {
    pub const NULL: u8 = 0x00;
    pub const STRING: u8 = 0x01;
    pub const INT8: u8 = 0x03;
    pub const UINT8: u8 = 0x04;
    pub const INT16: u8 = 0x05;
    pub const UINT16: u8 = 0x06;
    pub const INT32: u8 = 0x07;
    pub const UINT32: u8 = 0x08;
    pub const INT64: u8 = 0x09;
    pub const UINT64: u8 = 0x0a;
    pub const BOOL: u8 = 0x0d;
    pub const BINARY: u8 = 0x0e;
    pub const GUID: u8 = 0x0f;
    pub const SIZE_T: u8 = 0x10;
    pub const FILETIME: u8 = 0x11;
    pub const SID: u8 = 0x13;
    pub const HEX_INT32: u8 = 0x14;
    pub const HEX_INT64: u8 = 0x15;
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

/// Decodes a chunk's records into events; remembers the chunk's templates. Per thread,
/// cleared for each chunk.
#[derive(Debug, Default)]
pub(crate) struct Decoder {
    /// Template definition offset → its ops (`None`: declined).
    templates: Vec<(usize, Option<Vec<Op>>)>,
    values: Vec<Value>,
}

impl Decoder {
    /// Forgets the last chunk's templates.
    pub(crate) fn clear(&mut self) {
        self.templates.clear();
    }

    /// The event the record `record` of `chunk` holds, read from `origin`; `None` when the
    /// record has a shape this decoder does not follow (the `evtx` crate is then asked).
    pub(crate) fn decode(
        &mut self,
        chunk: &[u8],
        record: &RecordBytes,
        origin: Origin,
    ) -> Option<Event> {
        let binxml = record.binxml.clone();
        if binxml.end > chunk.len() {
            return None;
        }
        // Fragment header (4), template instance token (1), unknown (1), template id (4),
        // definition offset (4).
        let head = chunk.get(binxml.start..binxml.start.checked_add(6)?)?;
        if head != [0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01] {
            return None;
        }
        let definition = usize::try_from(u32_at(chunk, binxml.start + 10)?).ok()?;
        let mut at = binxml.start + 14;
        // The definition: next offset (4), GUID (16), body size (4), body.
        let body_size = usize::try_from(u32_at(chunk, definition.checked_add(20)?)?).ok()?;
        let body_start = definition.checked_add(24)?;
        let body = body_start..body_start.checked_add(body_size)?;
        if body.end > chunk.len() {
            return None;
        }
        if definition == at {
            // Defined right here: the values follow it.
            at = body.end;
            if at > binxml.end {
                return None;
            }
        }
        self.read_values(chunk, at, binxml.end)?;
        let ops = template(&mut self.templates, chunk, definition, body)?;
        let mut event = instantiate(chunk, ops, &self.values)?;
        let time = filetime_timestamp(record.filetime)?;
        event.time = event.time.or(Some(time));
        event.record_id = event.record_id.or(Some(record.id));
        event.origin = origin;
        Some(event)
    }

    /// Reads the value descriptors at `at` (count, then size, type and a zero per value) and
    /// where each value is; they must end by `end`, followed by nothing or an end-of-stream
    /// token.
    fn read_values(&mut self, chunk: &[u8], at: usize, end: usize) -> Option<()> {
        self.values.clear();
        let count = usize::try_from(u32_at(chunk, at)?).ok()?;
        if count > MAX_VALUES {
            return None;
        }
        let mut offset = at.checked_add(4)?.checked_add(count.checked_mul(4)?)?;
        if offset > end {
            return None;
        }
        for i in 0..count {
            let d = at + 4 + i * 4;
            let size = usize::from(u16::from_le_bytes([*chunk.get(d)?, *chunk.get(d + 1)?]));
            let kind = *chunk.get(d + 2)?;
            let next = offset.checked_add(size)?;
            if next > end {
                return None;
            }
            self.values.push(Value {
                kind,
                bytes: offset..next,
            });
            offset = next;
        }
        match chunk.get(offset..end)? {
            [] | [0x00, ..] => Some(()),
            _ => None,
        }
    }
}

/// The compiled template defined at `definition` in `templates`, compiled on first use.
fn template<'t>(
    templates: &'t mut Vec<(usize, Option<Vec<Op>>)>,
    chunk: &[u8],
    definition: usize,
    body: Range<usize>,
) -> Option<&'t [Op]> {
    let index = match templates
        .iter()
        .position(|(offset, _)| *offset == definition)
    {
        Some(index) => index,
        None => {
            let ops = compile(chunk, body);
            if templates.len() >= REMEMBERED_TEMPLATES {
                // A crafted chunk: compile each time rather than remember without bound.
                templates.pop();
            }
            templates.push((definition, ops));
            templates.len() - 1
        }
    };
    templates.get(index)?.1.as_deref()
}

/// FILETIME to a timestamp as the `evtx` crate converts a record header's.
pub(crate) fn filetime_timestamp(filetime: u64) -> Option<Timestamp> {
    const TICKS_PER_SECOND: u64 = 10_000_000;
    const WINDOWS_TO_UNIX_SECONDS: i64 = 11_644_473_600;
    let seconds = i64::try_from(filetime / TICKS_PER_SECOND).ok()? - WINDOWS_TO_UNIX_SECONDS;
    let nanos = i32::try_from((filetime % TICKS_PER_SECOND) * 100).ok()?;
    Timestamp::new(seconds, nanos).ok()
}

// --- compiling a template ---------------------------------------------------------------

/// The ops of the template whose body is `body`; `None` for a shape not followed.
fn compile(chunk: &[u8], body: Range<usize>) -> Option<Vec<Op>> {
    let end = body.end;
    let byte = |at: usize| chunk.get(at).copied().filter(|_| at < end);
    let mut ops = Vec::new();
    // Indices of the `Open` ops of the open elements.
    let mut open: Vec<usize> = Vec::new();
    // The element whose start tag is being read.
    let mut opening: Option<usize> = None;
    let mut roots = 0;
    let mut at = body.start;
    let mut tokens = 0;
    while let Some(token) = byte(at) {
        at += 1;
        tokens += 1;
        if tokens > MAX_TOKENS {
            return None;
        }
        match token {
            0x00 => break,
            0x0f => {
                // A fragment header, only at the start.
                if !ops.is_empty() || opening.is_some() {
                    return None;
                }
                at += 3;
            }
            0x01 | 0x41 => {
                if opening.is_some() || (open.is_empty() && roots > 0) {
                    return None;
                }
                if open.is_empty() {
                    roots += 1;
                }
                let dependency = u16::from_le_bytes([byte(at)?, byte(at + 1)?]);
                let (name, next) = name_ref(chunk, at + 6)?;
                at = if token == 0x41 { next + 4 } else { next };
                opening = Some(ops.len());
                ops.push(Op::Open {
                    name: element_name(chunk, name)?,
                    dependency,
                    attributes: Vec::new(),
                    empty: false,
                    after: 0,
                });
            }
            0x06 | 0x46 => {
                let index = opening?;
                let (name, next) = name_ref(chunk, at)?;
                at = next;
                let name = element_name(chunk, name)?;
                match ops.get_mut(index)? {
                    Op::Open { attributes, .. } => attributes.push(Attribute {
                        name,
                        parts: Vec::new(),
                    }),
                    _ => return None,
                }
            }
            0x02 => {
                let index = opening.take()?;
                if open.len() >= MAX_DEPTH {
                    return None;
                }
                open.push(index);
            }
            0x03 => {
                let index = opening.take()?;
                let after = ops.len();
                match ops.get_mut(index)? {
                    Op::Open {
                        empty, after: a, ..
                    } => {
                        *empty = true;
                        *a = after;
                    }
                    _ => return None,
                }
            }
            0x04 => {
                if opening.is_some() {
                    return None;
                }
                let index = open.pop()?;
                ops.push(Op::Close);
                let after = ops.len();
                if let Some(Op::Open { after: a, .. }) = ops.get_mut(index) {
                    *a = after;
                }
            }
            0x05 | 0x45 => {
                if byte(at)? != 0x01 {
                    return None;
                }
                let (units, next) = utf16_counted(chunk, at + 1, end)?;
                at = next;
                let text = xml_text(units);
                add_content(&mut ops, opening, &open, Part::Text(text))?;
            }
            0x0d | 0x0e => {
                let index = u16::from_le_bytes([byte(at)?, byte(at + 1)?]);
                byte(at + 2)?;
                at += 3;
                let part = Part::Value {
                    index,
                    optional: token == 0x0e,
                };
                add_content(&mut ops, opening, &open, part)?;
            }
            // CDATA, character and entity references, processing instructions, nested
            // template instances, and anything else: not followed.
            _ => return None,
        }
    }
    (open.is_empty() && opening.is_none() && roots == 1).then_some(ops)
}

/// Adds a text or value to the attribute being read, or to the open element's content.
fn add_content(
    ops: &mut Vec<Op>,
    opening: Option<usize>,
    open: &[usize],
    part: Part,
) -> Option<()> {
    match opening {
        Some(index) => match ops.get_mut(index)? {
            Op::Open { attributes, .. } => attributes.last_mut()?.parts.push(part),
            _ => return None,
        },
        None => {
            // Content outside the root element: not followed.
            open.last()?;
            ops.push(match part {
                Part::Text(text) => Op::Text(text),
                Part::Value { index, optional } => Op::Value { index, optional },
            });
        }
    }
    Some(())
}

/// A name reference at `at`: the name's offset, and where the tokens go on (past the name
/// when it is defined right there).
fn name_ref(chunk: &[u8], at: usize) -> Option<(usize, usize)> {
    let name = usize::try_from(u32_at(chunk, at)?).ok()?;
    let next = at + 4;
    if name != next {
        return Some((name, next));
    }
    // Next-string offset (4), hash (2), length (2), the characters, a terminating zero (2).
    let chars = usize::from(u16::from_le_bytes([
        *chunk.get(next + 6)?,
        *chunk.get(next + 7)?,
    ]));
    Some((
        name,
        next.checked_add(8)?
            .checked_add(chars * 2)?
            .checked_add(2)?,
    ))
}

/// The name defined at `at`, when it is plain (no prefix, no character XML would escape).
fn element_name(chunk: &[u8], at: usize) -> Option<String> {
    let chars = usize::from(u16::from_le_bytes([
        *chunk.get(at.checked_add(6)?)?,
        *chunk.get(at + 7)?,
    ]));
    let bytes = chunk.get(at + 8..(at + 8).checked_add(chars * 2)?)?;
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    let name: String = char::decode_utf16(units).collect::<Result<_, _>>().ok()?;
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    // The XML reader tells these apart from data; their content is not followed here.
    let followed = !matches!(name.as_str(), "UserData" | "RenderingInfo");
    (plain && followed).then_some(name)
}

/// A counted UTF-16 string at `at` (length, then the characters) ending by `end`: its code
/// units' bytes and where the tokens go on.
fn utf16_counted(chunk: &[u8], at: usize, end: usize) -> Option<(&[u8], usize)> {
    let chars = usize::from(u16::from_le_bytes([*chunk.get(at)?, *chunk.get(at + 1)?]));
    let next = at.checked_add(2)?.checked_add(chars * 2)?;
    if next > end {
        return None;
    }
    Some((chunk.get(at + 2..next)?, next))
}

/// UTF-16LE code units as the `evtx` crate writes them into XML and the XML reader reads them
/// back: up to the first NUL, a lone surrogate, a control character other than tab, line
/// feed and carriage return, U+FFFE and U+FFFF each written as `_`.
fn xml_text(bytes: &[u8]) -> String {
    let mut text = String::new();
    push_xml_text(&mut text, bytes);
    text
}

fn push_xml_text(text: &mut String, bytes: &[u8]) {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&unit| unit != 0);
    for c in char::decode_utf16(units) {
        text.push(match c {
            Ok(c @ ('\t' | '\n' | '\r')) => c,
            Ok(c) if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => '_',
            Ok(c) => c,
            Err(_) => '_',
        });
    }
}

// --- instantiating a template -----------------------------------------------------------

/// The event a template instance with `values` holds; `None` for a value not followed.
fn instantiate(chunk: &[u8], ops: &[Op], values: &[Value]) -> Option<Event> {
    let mut fields = Fields::default();
    let mut at = 0;
    let mut depth = 0usize;
    while let Some(op) = ops.get(at) {
        at += 1;
        match op {
            Op::Open {
                name,
                dependency,
                attributes,
                empty,
                after,
            } => {
                if depth > 0 && left_out(values, *dependency) {
                    at = *after;
                    continue;
                }
                let attribute = |key: &str| attribute_value(chunk, values, attributes, key);
                if depth == 0 {
                    // The root: the XML reader wants `<Event>` with content.
                    if name != "Event" || *empty {
                        return None;
                    }
                } else if *empty {
                    fields.empty(name, attribute)?;
                } else {
                    fields.start(name, attribute)?;
                }
                if !*empty {
                    depth += 1;
                }
            }
            Op::Text(text) => fields.text.push_str(text),
            Op::Value { index, optional } => {
                let value = values.get(usize::from(*index))?;
                if *optional && value_is_empty(chunk, value) {
                    continue;
                }
                render(chunk, value, &mut fields.text)?;
            }
            Op::Close => {
                depth = depth.checked_sub(1)?;
                if fields.end() {
                    return Some(fields.event);
                }
            }
        }
    }
    None
}

/// Whether an element depending on the value at `dependency` is left out: that value is NULL
/// (MS-EVEN6 2.2.12; a dependency past the values is none).
fn left_out(values: &[Value], dependency: u16) -> bool {
    values
        .get(usize::from(dependency))
        .is_some_and(|value| value.kind == kind::NULL)
}

/// The value of the attribute `key` as the XML reader finds it: the first one so named that
/// is written (an attribute whose value is empty is left out).
fn attribute_value(
    chunk: &[u8],
    values: &[Value],
    attributes: &[Attribute],
    key: &str,
) -> Option<Option<String>> {
    for attribute in attributes.iter().filter(|a| a.name == key) {
        let mut text = String::new();
        let mut written = false;
        for part in &attribute.parts {
            match part {
                Part::Text(t) => {
                    written |= !t.is_empty();
                    text.push_str(t);
                }
                Part::Value { index, .. } => {
                    let value = values.get(usize::from(*index))?;
                    written |= !value_is_empty(chunk, value);
                    render(chunk, value, &mut text)?;
                }
            }
        }
        if written {
            return Some(Some(text));
        }
    }
    Some(None)
}

/// Whether a value counts as empty (an optional substitution of it writes nothing).
fn value_is_empty(chunk: &[u8], value: &Value) -> bool {
    match value.kind {
        kind::NULL => true,
        kind::STRING => chunk
            .get(value.bytes.clone())
            .is_none_or(|b| b.len() < 2 || b.starts_with(&[0, 0])),
        kind::BINARY => value.bytes.is_empty(),
        _ => false,
    }
}

/// Appends the text of `value` as the `evtx` crate writes it; `None` for a type not
/// followed (or a size that does not fit the type).
fn render(chunk: &[u8], value: &Value, text: &mut String) -> Option<()> {
    let bytes = chunk.get(value.bytes.clone())?;
    let le = |n: usize| -> Option<u64> {
        (bytes.len() == n).then_some(())?;
        let mut buf = [0u8; 8];
        buf.get_mut(..n)?.copy_from_slice(bytes);
        Some(u64::from_le_bytes(buf))
    };
    match value.kind {
        kind::NULL => {}
        kind::STRING if bytes.len() % 2 == 0 => push_xml_text(text, bytes),
        kind::INT8 => write!(text, "{}", le(1)? as u8 as i8).ok()?,
        kind::UINT8 => write!(text, "{}", le(1)?).ok()?,
        kind::INT16 => write!(text, "{}", le(2)? as u16 as i16).ok()?,
        kind::UINT16 => write!(text, "{}", le(2)?).ok()?,
        kind::INT32 => write!(text, "{}", le(4)? as u32 as i32).ok()?,
        kind::UINT32 => write!(text, "{}", le(4)?).ok()?,
        kind::INT64 => write!(text, "{}", le(8)? as i64).ok()?,
        kind::UINT64 => write!(text, "{}", le(8)?).ok()?,
        kind::BOOL => match le(4)? as u32 as i32 {
            0 => text.push_str("false"),
            1 => text.push_str("true"),
            raw => write!(text, "{raw}").ok()?,
        },
        kind::BINARY => bytes
            .iter()
            .try_for_each(|b| write!(text, "{b:02X}"))
            .ok()?,
        kind::GUID if bytes.len() == 16 => {
            let d1 = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?);
            let d2 = u16::from_le_bytes(bytes.get(4..6)?.try_into().ok()?);
            let d3 = u16::from_le_bytes(bytes.get(6..8)?.try_into().ok()?);
            write!(text, "{{{d1:08x}-{d2:04x}-{d3:04x}-").ok()?;
            bytes
                .get(8..10)?
                .iter()
                .try_for_each(|b| write!(text, "{b:02x}"))
                .ok()?;
            text.push('-');
            bytes
                .get(10..16)?
                .iter()
                .try_for_each(|b| write!(text, "{b:02x}"))
                .ok()?;
            text.push('}');
        }
        kind::SIZE_T if bytes.len() == 4 || bytes.len() == 8 => {
            write!(text, "0x{:x}", le(bytes.len())?).ok()?;
        }
        kind::HEX_INT32 => write!(text, "0x{:x}", le(4)?).ok()?,
        kind::HEX_INT64 => write!(text, "0x{:x}", le(8)?).ok()?,
        kind::FILETIME => {
            let time = filetime_timestamp(le(8)?)?;
            let dt = jiff::tz::Offset::UTC.to_datetime(time);
            write!(
                text,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.subsec_nanosecond() / 100
            )
            .ok()?;
        }
        kind::SID => {
            let (&[revision, count, a0, a1, a2, a3, a4, a5], subs) = bytes.split_first_chunk()?;
            if subs.len() != usize::from(count) * 4 {
                return None;
            }
            let authority = u64::from_be_bytes([0, 0, a0, a1, a2, a3, a4, a5]);
            write!(text, "S-{revision}-{authority}").ok()?;
            for sub in subs.chunks_exact(4) {
                let sub = u32::from_le_bytes(sub.try_into().ok()?);
                write!(text, "-{sub}").ok()?;
            }
        }
        // ANSI strings, floats, SYSTEMTIME, embedded BinXML, handles, arrays: not followed.
        _ => return None,
    }
    Some(())
}

// --- the fields, as the XML reader fills them -------------------------------------------

/// An element between `<Event>` and the one being read (`event/xml.rs`'s `Parent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parent {
    System,
    EventData,
    Other,
}

impl Parent {
    fn of(name: &str) -> Self {
        match name {
            "System" => Parent::System,
            "EventData" => Parent::EventData,
            _ => Parent::Other,
        }
    }
}

/// The field the text being read belongs to (`event/xml.rs`'s `Field`).
#[derive(Debug, Clone, PartialEq)]
enum Field {
    EventId,
    Level,
    Task,
    RecordId,
    Channel,
    Computer,
    Data(Option<String>),
    Other,
}

/// The event being filled as the XML reader fills it from the elements under `<Event>`.
#[derive(Debug, Default)]
struct Fields {
    event: Event,
    path: Vec<Parent>,
    field: Option<Field>,
    text: String,
}

impl Fields {
    /// `<name ...>` opens.
    fn start(
        &mut self,
        name: &str,
        attribute: impl Fn(&str) -> Option<Option<String>>,
    ) -> Option<()> {
        self.flush();
        self.field = Some(self.open(name, attribute)?);
        self.path.push(Parent::of(name));
        Some(())
    }

    /// `<name .../>`.
    fn empty(
        &mut self,
        name: &str,
        attribute: impl Fn(&str) -> Option<Option<String>>,
    ) -> Option<()> {
        self.flush();
        self.field = Some(self.open(name, attribute)?);
        // An empty element's value is empty, still a value.
        self.flush();
        Some(())
    }

    /// The open element ends; whether it was `<Event>`.
    fn end(&mut self) -> bool {
        self.flush();
        self.path.pop().is_none()
    }

    /// What an opening tag tells, and the field its text belongs to.
    fn open(
        &mut self,
        name: &str,
        attribute: impl Fn(&str) -> Option<Option<String>>,
    ) -> Option<Field> {
        let event = &mut self.event;
        Some(match (self.path.last(), name) {
            (Some(Parent::System), "Provider") => {
                if let Some(value) = match attribute("Name")? {
                    Some(value) => Some(value),
                    None => attribute("EventSourceName")?,
                } {
                    event.provider = value;
                }
                Field::Other
            }
            (Some(Parent::System), "EventID") => {
                event.qualifiers = attribute("Qualifiers")?.and_then(|q| q.trim().parse().ok());
                Field::EventId
            }
            (Some(Parent::System), "Level") => Field::Level,
            (Some(Parent::System), "Task") => Field::Task,
            (Some(Parent::System), "TimeCreated") => {
                event.time = attribute("SystemTime")?.and_then(|t| t.trim().parse().ok());
                Field::Other
            }
            (Some(Parent::System), "EventRecordID") => Field::RecordId,
            (Some(Parent::System), "Channel") => Field::Channel,
            (Some(Parent::System), "Computer") => Field::Computer,
            (Some(Parent::EventData), "Data") => Field::Data(attribute("Name")?),
            _ => Field::Other,
        })
    }

    /// The text read so far goes to its field.
    fn flush(&mut self) {
        let Some(field) = self.field.take() else {
            self.text.clear();
            return;
        };
        if field == Field::Other {
            self.text.clear();
            return;
        }
        let value = std::mem::take(&mut self.text);
        let event = &mut self.event;
        match field {
            Field::EventId => {
                if let Ok(id) = value.trim().parse::<u32>() {
                    event.event_id = (id & 0xFFFF) as u16;
                }
            }
            Field::Level => event.level = value.trim().parse().ok(),
            Field::Task => event.task = value.trim().parse().ok(),
            Field::RecordId => event.record_id = value.trim().parse().ok(),
            Field::Channel => event.channel = value,
            Field::Computer => event.computer = value,
            Field::Data(name) => event.data.push(DataItem { name, value }),
            Field::Other => {}
        }
    }
}

// --- both ways, for the equivalence tests and the fuzz target ---------------------------

/// One record of a chunk, decoded from its bytes and through the `evtx` crate.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct DecodedTwice {
    /// The record id its header gives.
    pub record_id: u64,
    /// What [`Decoder`] made of it (`None`: declined).
    pub fast: Option<Event>,
    /// What rendering it to XML and reading that back gives (the error as text).
    pub reference: Result<Event, String>,
}

/// Every record of `chunk` (64 KiB, from its signature on) that a walk by the record headers
/// finds, decoded both ways (a record the crate does not yield, or fails on, is an error on
/// its side); empty when the crate cannot parse the chunk. For the equivalence tests and the
/// fuzz target: not part of the supported API.
#[doc(hidden)]
pub fn decode_both_ways(chunk: &[u8]) -> Vec<DecodedTwice> {
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
    super::walk::Walk::new(chunk, chunk.len())
        .map(|header| {
            let bytes = RecordBytes {
                start: header.start,
                binxml: header.binxml(),
                id: header.id,
                filetime: header.filetime,
            };
            let reference = built.remove(&header.start).unwrap_or_else(|| {
                Err(failed
                    .get(&header.id)
                    .cloned()
                    .unwrap_or_else(|| "not yielded by the evtx crate".into()))
            });
            DecodedTwice {
                record_id: header.id,
                fast: decoder.decode(chunk, &bytes, origin),
                reference,
            }
        })
        .collect()
}
