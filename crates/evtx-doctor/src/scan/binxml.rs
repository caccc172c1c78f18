//! BinXML template definitions, read once per chunk into a [`Template`]: its elements,
//! attributes, text and substitution slots, as ops in document order (token streams written
//! without a template, as Event Viewer saves records, are read the same way); a chunk's names
//! are read once ([`Names`]). The decoder (`scan/decode`) instantiates templates into events;
//! the prefilter asks one where it puts the event id ([`Template::event_id_slot`]) and reads
//! that value alone ([`event_id`]).
//!
//! The tokens are read as the `evtx` crate reads a template definition. Layouts from
//! [MS-EVEN6] (BinXml): tokens, names, template definitions and instances, value types.
//! Anything malformed, out of bounds or past the limits gives `None`.

use super::walk::u32_at;
use std::collections::HashMap;
use std::ops::Range;

/// How deep elements may nest before a template is declined (Windows writes four or five).
pub(crate) const MAX_DEPTH: usize = 32;

/// How many tokens a template may have before it is declined (Windows writes a few dozen;
/// a crafted chunk could point thousands of records at 64 KiB of tokens).
const MAX_TOKENS: usize = 4096;

/// A template definition: next-template offset (4), GUID (16), body size (4), then the body.
pub(crate) const DEFINITION_HEADER_SIZE: usize = 24;

/// A compiled template definition.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    /// In document order; the first is the root element's [`Op::Open`].
    pub(crate) ops: Vec<Op>,
}

/// A template's token, as far as an event depends on it.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// An element opens.
    Open(Element),
    /// Content of the open element.
    Content(Part),
    /// The open element ends.
    Close,
}

/// An element of a template.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// Its name when it is plain (no prefix, no character XML would escape); `None` for a
    /// name the decoder does not reproduce.
    pub(crate) name: Option<Name>,
    /// The substitution whose NULL value leaves the element out.
    pub(crate) dependency: Option<u16>,
    pub(crate) attributes: Vec<Attribute>,
    /// `<x/>`: no content, no [`Op::Close`].
    pub(crate) empty: bool,
    /// The index of the op after the element (past its content and close).
    pub(crate) after: usize,
}

/// An attribute: its name (as [`Element::name`]), and the parts its value is made of.
#[derive(Debug, Clone)]
pub(crate) struct Attribute {
    pub(crate) name: Option<Name>,
    pub(crate) parts: Vec<Part>,
}

/// A part of an element's content or of an attribute's value.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// Text written in the template.
    Text(String),
    /// A substitution: the value at `index` of the instance.
    Value { index: u16, optional: bool },
    /// A value of another type than string written in a stream (see [`Template::stream`]):
    /// its type and bytes.
    Literal { kind: u8, bytes: Range<usize> },
    /// A character reference (`&#N;`).
    CharRef(u16),
    /// An entity reference (`&name;`), its name when plain.
    EntityRef(Option<Name>),
    /// A CDATA section's text.
    CData(String),
    /// A template instance in a stream (content only): its token is at `at` in the chunk.
    /// `index` is free for the decoder (which instance it read there).
    Instance { at: usize, index: usize },
    /// Not reproduced: a processing instruction, embedded BinXML written in a stream.
    Other,
}

/// Where a template puts the event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventIdSlot {
    /// The value of this substitution.
    Substitution(u16),
    /// Written in the template.
    Literal(u16),
}

/// Where the body of the template defined at `definition` is in `chunk`.
pub(crate) fn definition_body(chunk: &[u8], definition: usize) -> Option<Range<usize>> {
    let size = usize::try_from(u32_at(chunk, definition.checked_add(20)?)?).ok()?;
    let start = definition.checked_add(DEFINITION_HEADER_SIZE)?;
    let end = start.checked_add(size)?;
    (end <= chunk.len()).then_some(start..end)
}

/// What a token stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A template definition: element starts carry a dependency, values are substitutions,
    /// one root element.
    Definition,
    /// A record's stream or an embedded fragment that is not one template instance: values
    /// are written in it, template instances may be, any number of roots.
    Stream,
}

impl Template {
    /// Compiles the template whose body is `body` (a range of `chunk`); `None` when it is
    /// malformed or has a token the `evtx` crate would refuse in a template definition.
    /// `names` holds the chunk's names read so far.
    pub(crate) fn compile(chunk: &[u8], body: Range<usize>, names: &mut Names) -> Option<Template> {
        let end = body.end.min(chunk.len());
        Compiler::new(chunk, names, end, Mode::Definition).run(body.start)
    }

    /// Compiles the token stream at `range` of `chunk` that is not a template definition.
    pub(crate) fn stream(chunk: &[u8], range: Range<usize>, names: &mut Names) -> Option<Template> {
        let end = range.end.min(chunk.len());
        Compiler::new(chunk, names, end, Mode::Stream).run(range.start)
    }

    /// The root element (the first, in a stream).
    pub(crate) fn root(&self) -> Option<&Element> {
        match self.ops.first()? {
            Op::Open(element) => Some(element),
            _ => None,
        }
    }

    /// The ops at the top level, in order: each root element (its `Open`) or instance.
    pub(crate) fn roots(&self) -> impl Iterator<Item = (usize, &Op)> {
        let mut at = 0;
        std::iter::from_fn(move || {
            let op = self.ops.get(at)?;
            let here = at;
            at = match op {
                Op::Open(element) => element.after,
                _ => at + 1,
            };
            Some((here, op))
        })
    }

    /// Where the template puts `System/EventID`: its content must be one substitution or one
    /// text, and there must be one such element.
    pub(crate) fn event_id_slot(&self) -> Option<EventIdSlot> {
        // The open elements: whether each is `System`.
        let mut open: Vec<bool> = Vec::new();
        let mut found = None;
        for (at, op) in self.ops.iter().enumerate() {
            match op {
                Op::Open(element) => {
                    let name = element.name.as_deref();
                    if open.last() == Some(&true) && name == Some("EventID") {
                        if found.is_some() || element.empty {
                            return None;
                        }
                        let slot = match (self.ops.get(at + 1)?, self.ops.get(at + 2)?) {
                            (Op::Content(Part::Value { index, .. }), Op::Close) => {
                                EventIdSlot::Substitution(*index)
                            }
                            (Op::Content(Part::Text(text)), Op::Close) => {
                                // As the XML reader takes it: the low 16 bits of a number.
                                let id = text.trim().parse::<u32>().ok()?;
                                EventIdSlot::Literal((id & 0xFFFF) as u16)
                            }
                            _ => return None,
                        };
                        found = Some(slot);
                    }
                    if !element.empty {
                        open.push(name == Some("System"));
                    }
                }
                Op::Close => {
                    open.pop()?;
                }
                Op::Content(_) => {}
            }
        }
        found
    }
}

/// Reads a template body's tokens into ops.
struct Compiler<'c> {
    chunk: &'c [u8],
    names: &'c mut Names,
    mode: Mode,
    /// Where the body ends.
    end: usize,
    ops: Vec<Op>,
    /// Indices of the `Open` ops of the open elements.
    open: Vec<usize>,
    /// The element whose start tag is being read.
    opening: Option<usize>,
    roots: usize,
}

impl<'c> Compiler<'c> {
    fn new(chunk: &'c [u8], names: &'c mut Names, end: usize, mode: Mode) -> Self {
        Compiler {
            chunk,
            names,
            mode,
            end,
            ops: Vec::new(),
            open: Vec::new(),
            opening: None,
            roots: 0,
        }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.chunk.get(at).copied().filter(|_| at < self.end)
    }

    fn u16(&self, at: usize) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte(at)?, self.byte(at + 1)?]))
    }

    fn run(mut self, mut at: usize) -> Option<Template> {
        let mut tokens = 0;
        while let Some(token) = self.byte(at) {
            at += 1;
            tokens += 1;
            if tokens > MAX_TOKENS {
                return None;
            }
            at = match token {
                0x00 => break,
                // A fragment header: version and flags.
                0x0f => at.checked_add(3)?,
                0x01 | 0x41 => self.open_start(at, token == 0x41)?,
                0x02 => {
                    let index = self.opening.take()?;
                    if self.open.len() >= MAX_DEPTH {
                        return None;
                    }
                    self.open.push(index);
                    at
                }
                0x03 => {
                    let index = self.opening.take()?;
                    let after = self.ops.len();
                    let Op::Open(element) = self.ops.get_mut(index)? else {
                        return None;
                    };
                    element.empty = true;
                    element.after = after;
                    at
                }
                0x04 => {
                    if self.opening.is_some() {
                        return None;
                    }
                    let index = self.open.pop()?;
                    self.ops.push(Op::Close);
                    let after = self.ops.len();
                    if let Some(Op::Open(element)) = self.ops.get_mut(index) {
                        element.after = after;
                    }
                    at
                }
                0x05 | 0x45 => self.literal(at)?,
                0x06 | 0x46 => {
                    let index = self.opening?;
                    let (name, next) = self.name_ref(at)?;
                    // Namespace declarations (`xmlns:auto-ns2`) have a prefix.
                    let name = self.names.plain(self.chunk, name, true)?;
                    let Op::Open(element) = self.ops.get_mut(index)? else {
                        return None;
                    };
                    element.attributes.push(Attribute {
                        name,
                        parts: Vec::new(),
                    });
                    next
                }
                0x0d | 0x0e if self.mode == Mode::Definition => {
                    let index = self.u16(at)?;
                    known_value_type(self.byte(at + 2)?)?;
                    let optional = token == 0x0e;
                    self.content(Part::Value { index, optional })?;
                    at + 3
                }
                0x07 | 0x47 => {
                    let (units, next) = self.utf16_counted(at)?;
                    self.content(Part::CData(raw_text(units)))?;
                    next
                }
                0x08 | 0x48 => {
                    self.content(Part::CharRef(self.u16(at)?))?;
                    at + 2
                }
                0x09 | 0x49 => {
                    let (name, next) = self.name_ref(at)?;
                    // The crate reads the name, and fails when it cannot.
                    let name = self.names.plain(self.chunk, name, false)?;
                    self.content(Part::EntityRef(name))?;
                    next
                }
                // A processing instruction: its target's name, its data.
                0x0a => {
                    let (name, next) = self.name_ref(at)?;
                    self.names.plain(self.chunk, name, false)?;
                    self.content(Part::Other)?;
                    next
                }
                0x0b => {
                    let (_, next) = self.utf16_counted(at)?;
                    self.content(Part::Other)?;
                    next
                }
                0x0c if self.mode == Mode::Stream => {
                    if self.opening.is_some() {
                        return None;
                    }
                    let next = instance_end(self.chunk, at - 1, self.end)?;
                    self.ops.push(Op::Content(Part::Instance {
                        at: at - 1,
                        index: usize::MAX,
                    }));
                    next
                }
                // Template instances in a definition, substitutions in a stream, unknown
                // tokens: refused by the crate.
                _ => return None,
            };
        }
        let roots_fit = match self.mode {
            Mode::Definition => self.roots == 1,
            Mode::Stream => true,
        };
        (self.open.is_empty() && self.opening.is_none() && roots_fit)
            .then_some(Template { ops: self.ops })
    }

    /// A value written at `at` (past the token): its type, then the value, sized by its type
    /// (a string by its length).
    fn literal(&mut self, at: usize) -> Option<usize> {
        let kind = self.byte(at)?;
        let start = at + 1;
        if kind == 0x01 {
            let (units, next) = self.utf16_counted(start)?;
            self.content(Part::Text(xml_text(units)))?;
            return Some(next);
        }
        if self.mode == Mode::Definition {
            // Other types in a definition: not followed.
            return None;
        }
        let size = match kind {
            0x00 => 0,
            0x03 | 0x04 => 1,
            0x05 | 0x06 => 2,
            0x07 | 0x08 | 0x0b | 0x0d | 0x14 => 4,
            0x09 | 0x0a | 0x0c | 0x11 | 0x15 => 8,
            0x0f | 0x12 => 16,
            0x13 => 8 + 4 * usize::from(self.byte(start + 1)?),
            0x21 => {
                // Embedded BinXML: its length, then the fragment (not followed).
                let size = usize::from(self.u16(start)?);
                let next = start.checked_add(2 + size)?;
                (next <= self.end).then_some(())?;
                self.content(Part::Other)?;
                return Some(next);
            }
            // Binary, ANSI strings, size_t and arrays need a size a stream does not give:
            // the crate refuses them.
            _ => return None,
        };
        let bytes = start..start.checked_add(size)?;
        (bytes.end <= self.end).then_some(())?;
        let next = bytes.end;
        self.content(Part::Literal { kind, bytes })?;
        Some(next)
    }

    /// An element start at `at` (past the token): dependency (2), data size (4), name,
    /// attribute list size (4) when it has attributes.
    fn open_start(&mut self, at: usize, has_attributes: bool) -> Option<usize> {
        let definition = self.mode == Mode::Definition;
        if self.opening.is_some() || (definition && self.open.is_empty() && self.roots > 0) {
            return None;
        }
        if self.open.is_empty() {
            self.roots += 1;
        }
        // A stream's element starts carry no dependency.
        let (dependency, at) = if definition {
            (self.u16(at)?, at + 2)
        } else {
            (0xFFFF, at)
        };
        let (name, next) = self.name_ref(at + 4)?;
        let name = self.names.plain(self.chunk, name, false)?;
        self.opening = Some(self.ops.len());
        self.ops.push(Op::Open(Element {
            name,
            dependency: (dependency != 0xFFFF).then_some(dependency),
            attributes: Vec::new(),
            empty: false,
            after: 0,
        }));
        if has_attributes {
            next.checked_add(4)
        } else {
            Some(next)
        }
    }

    /// Adds a text or value to the attribute being read, or to the open element's content.
    fn content(&mut self, part: Part) -> Option<()> {
        match self.opening {
            Some(index) => {
                let Op::Open(element) = self.ops.get_mut(index)? else {
                    return None;
                };
                element.attributes.last_mut()?.parts.push(part);
            }
            None => {
                // Content outside the root element: refused.
                self.open.last()?;
                self.ops.push(Op::Content(part));
            }
        }
        Some(())
    }

    /// A name reference at `at`: the name's offset, and where the tokens go on (past the name
    /// when it is defined right there).
    fn name_ref(&self, at: usize) -> Option<(usize, usize)> {
        let name = usize::try_from(u32_at(self.chunk, at)?).ok()?;
        let next = at + 4;
        if next > self.end {
            return None;
        }
        if name != next {
            return Some((name, next));
        }
        // Next-string offset (4), hash (2), length (2), the characters, a terminating zero.
        let chars = usize::from(self.u16(next + 6)?);
        let past = next.checked_add(10)?.checked_add(chars * 2)?;
        (past <= self.end).then_some((name, past))
    }

    /// A counted UTF-16 string at `at` (length, then the characters): its code units' bytes
    /// and where the tokens go on.
    fn utf16_counted(&self, at: usize) -> Option<(&'c [u8], usize)> {
        let chars = usize::from(self.u16(at)?);
        let next = at.checked_add(2)?.checked_add(chars * 2)?;
        if next > self.end {
            return None;
        }
        Some((self.chunk.get(at + 2..next)?, next))
    }
}

/// The names a chunk's templates use, each read once (by its offset in the chunk), and the
/// names of earlier chunks, each built once (by its characters).
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Offset → the name (`None`: the crate cannot read it).
    read: Vec<(usize, Option<Known>)>,
    /// The names met so far by their characters (UTF-16LE, as the chunks hold them): the
    /// chunks of a log write the same few dozen names again and again.
    known: HashMap<Box<[u8]>, Option<Known>>,
}

/// A name as read: shared by the templates of a chunk.
pub(crate) type Name = std::sync::Arc<str>;

/// A name, and whether the decoder writes it as the crate does (see [`is_plain`]) without a
/// prefix allowed and with one.
#[derive(Debug, Clone)]
struct Known {
    name: Name,
    plain: bool,
    plain_prefixed: bool,
}

/// How many names [`Names`] remembers by offset (a chunk uses a few dozen).
const REMEMBERED_NAMES: usize = 1024;

/// How many names [`Names`] remembers by their characters; past it, it starts afresh. Only
/// names of up to [`KNOWN_NAME_BYTES`] are remembered, so that a crafted chunk of long names
/// costs a few MiB at most.
const KNOWN_NAMES: usize = 4096;

/// See [`KNOWN_NAMES`] (real names are a few dozen bytes).
const KNOWN_NAME_BYTES: usize = 256;

impl Names {
    /// Forgets the last chunk's offsets (not the names met).
    pub(crate) fn clear(&mut self) {
        self.read.clear();
    }

    /// The name whose string-table entry is at `at`: `None` when the crate cannot read it,
    /// `Some(None)` when it is not plain (see [`is_plain`]), else the name.
    fn plain(&mut self, chunk: &[u8], at: usize, prefixed: bool) -> Option<Option<Name>> {
        let known = match self.read.iter().find(|(offset, _)| *offset == at) {
            Some((_, known)) => known.clone(),
            None => {
                let known = self.look_up(chunk, at);
                if self.read.len() < REMEMBERED_NAMES {
                    self.read.push((at, known.clone()));
                }
                known
            }
        }?;
        let plain = if prefixed {
            known.plain_prefixed
        } else {
            known.plain
        };
        Some(plain.then_some(known.name))
    }

    /// The name whose entry is at `at`, built when its characters are met the first time.
    fn look_up(&mut self, chunk: &[u8], at: usize) -> Option<Known> {
        let units = name_units(chunk, at)?;
        if let Some(known) = self.known.get(units) {
            return known.clone();
        }
        let known = read_name(units).map(|name| Known {
            plain: is_plain(&name, false),
            plain_prefixed: is_plain(&name, true),
            name: Name::from(name),
        });
        if units.len() <= KNOWN_NAME_BYTES {
            if self.known.len() >= KNOWN_NAMES {
                self.known.clear();
            }
            self.known.insert(units.into(), known.clone());
        }
        known
    }
}

/// The name held in `units`, the characters of a string-table entry, up to the first NUL;
/// `None` when the crate cannot read it (not UTF-16).
fn read_name(units: &[u8]) -> Option<String> {
    let mut name = String::new();
    let rest = push_plain_ascii(&mut name, units);
    for c in char::decode_utf16(utf16_until_nul(rest)) {
        name.push(c.ok()?);
    }
    Some(name)
}

/// The characters of the string-table entry at `at`, when the entry, its terminating NUL
/// included, is in the chunk.
fn name_units(chunk: &[u8], at: usize) -> Option<&[u8]> {
    let chars = usize::from(u16::from_le_bytes([
        *chunk.get(at.checked_add(6)?)?,
        *chunk.get(at.checked_add(7)?)?,
    ]));
    let end = at.checked_add(8)?.checked_add(chars * 2)?;
    chunk.get(end..end.checked_add(2)?)?;
    chunk.get(at + 8..end)
}

/// UTF-16LE code units up to the first NUL.
fn utf16_until_nul(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .as_chunks::<2>()
        .0
        .iter()
        .map(|&unit| u16::from_le_bytes(unit))
        .take_while(|&unit| unit != 0)
}

/// Whether the `evtx` crate reads the chunk's string table, which it does before any record
/// and fails the whole chunk without: every entry the header's 64 offsets and the links
/// from entry to entry lead to must be a name it reads (`StringCache::populate`, evtx
/// 0.15.1; a link to an entry read already ends a chain). Checked without building the
/// names, in time linear in the chunk (each entry is followed once).
pub(crate) fn string_table_reads(chunk: &[u8]) -> bool {
    // The string table's offsets, at 128 in the header.
    const TABLE: usize = 128;
    let mut read = OffsetSet::new(chunk.len());
    for bucket in 0..64 {
        let Some(mut at) = u32_at(chunk, TABLE + bucket * 4).map(|at| at as usize) else {
            return false;
        };
        if at == 0 {
            continue;
        }
        loop {
            let Some(units) = name_units(chunk, at) else {
                return false;
            };
            if char::decode_utf16(utf16_until_nul(units)).any(|c| c.is_err()) {
                return false;
            }
            read.insert(at);
            match u32_at(chunk, at).map(|next| next as usize) {
                Some(next) if next != 0 && !read.contains(next) => at = next,
                _ => break,
            }
        }
    }
    true
}

/// A set of offsets in a chunk: a list while it is short (a chunk Windows writes has a few
/// dozen names), one bit per offset past that, so that a crafted table of thousands of
/// entries is still read in linear time. (A bitset from the start, allocated and zeroed for
/// every chunk, was 1.9 M of the 16 MiB dense run's 174 M instructions.)
struct OffsetSet {
    few: [usize; 64],
    len: usize,
    bits: Vec<u64>,
    chunk_len: usize,
}

impl OffsetSet {
    fn new(chunk_len: usize) -> Self {
        OffsetSet {
            few: [0; 64],
            len: 0,
            bits: Vec::new(),
            chunk_len,
        }
    }

    fn insert(&mut self, at: usize) {
        if self.bits.is_empty() {
            if let Some(slot) = self.few.get_mut(self.len) {
                *slot = at;
                self.len += 1;
                return;
            }
            self.bits = vec![0; self.chunk_len / 64 + 1];
            for at in self.few {
                set_bit(&mut self.bits, at);
            }
        }
        set_bit(&mut self.bits, at);
    }

    fn contains(&self, at: usize) -> bool {
        if self.bits.is_empty() {
            return self.few.iter().take(self.len).any(|&seen| seen == at);
        }
        self.bits
            .get(at / 64)
            .is_some_and(|bits| bits & (1 << (at % 64)) != 0)
    }
}

fn set_bit(bits: &mut [u64], at: usize) {
    if let Some(word) = bits.get_mut(at / 64) {
        *word |= 1 << (at % 64);
    }
}

/// Whether the decoder writes `name` as the crate does: nothing XML would escape, and no
/// prefix unless `prefixed` (then one, before a non-empty local name).
fn is_plain(name: &str, prefixed: bool) -> bool {
    let local = match name.split_once(':') {
        Some((prefix, local)) if prefixed && !prefix.is_empty() => local,
        _ => name,
    };
    !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A name without its prefix, as the XML reader matches attributes.
pub(crate) fn local_name(name: &str) -> &str {
    name.split_once(':').map_or(name, |(_, local)| local)
}

/// Where the stream goes on after the template instance whose token is at `at`: past its
/// definition when it is defined right there, and past its values (sized by their
/// descriptors), all by `end`.
pub(crate) fn instance_end(chunk: &[u8], at: usize, end: usize) -> Option<usize> {
    // Token (1), unknown (1), template id (4), definition offset (4).
    let definition = usize::try_from(u32_at(chunk, at + 6)?).ok()?;
    let mut descriptors = at + 10;
    if definition == descriptors {
        descriptors = definition_body(chunk, definition)?.end;
    }
    let count = usize::try_from(u32_at(chunk, descriptors)?).ok()?;
    let mut next = descriptors
        .checked_add(4)?
        .checked_add(count.checked_mul(4)?)?;
    if next > end {
        return None;
    }
    for i in 0..count {
        let d = descriptors + 4 + i * 4;
        next = next.checked_add(usize::from(u16::from_le_bytes([
            *chunk.get(d)?,
            *chunk.get(d + 1)?,
        ])))?;
    }
    (next <= end).then_some(next)
}

/// Whether `kind` is a value type the `evtx` crate knows (MS-EVEN6 2.2.18).
pub(crate) fn known_value_type(kind: u8) -> Option<()> {
    matches!(kind, 0x00..=0x15 | 0x20 | 0x21 | 0x23 | 0x81..=0x95).then_some(())
}

/// UTF-16LE code units as the `evtx` crate writes them into XML and the XML reader reads them
/// back: up to the first NUL; a lone surrogate, a control character other than tab, line
/// feed and carriage return, U+FFFE and U+FFFF each written as `_`.
pub(crate) fn xml_text(bytes: &[u8]) -> String {
    let mut text = String::new();
    push_xml_text(&mut text, bytes);
    text
}

/// UTF-16LE code units as the crate writes them unescaped (CDATA): up to the first NUL, a
/// lone surrogate as U+FFFD.
fn raw_text(bytes: &[u8]) -> String {
    char::decode_utf16(utf16_until_nul(bytes))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// [`xml_text`], appended to `text`.
///
/// Text is mostly printable ASCII broken by line ends (a stack trace): runs of it are copied
/// as bytes, and only the units between runs are decoded one by one.
pub(crate) fn push_xml_text(text: &mut String, bytes: &[u8]) {
    text.reserve(bytes.len() / 2);
    let mut rest = bytes;
    loop {
        rest = push_plain_ascii(text, rest);
        let Some((&[low, high], after)) = rest.split_first_chunk::<2>() else {
            return;
        };
        let unit = u16::from_le_bytes([low, high]);
        rest = after;
        let c = match unit {
            0 => return,
            0xD800..=0xDBFF => match after.split_first_chunk::<2>() {
                Some((&[low, high], after_pair)) => {
                    let next = u16::from_le_bytes([low, high]);
                    match char::decode_utf16([unit, next]).next() {
                        Some(Ok(c)) => {
                            rest = after_pair;
                            c
                        }
                        _ => '_',
                    }
                }
                None => '_',
            },
            _ => match char::from_u32(u32::from(unit)) {
                Some(c @ ('\t' | '\n' | '\r')) => c,
                Some(c) if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => '_',
                Some(c) => c,
                // A low surrogate alone.
                None => '_',
            },
        };
        text.push(c);
    }
}

/// Appends the leading UTF-16LE code units of `bytes` that are printable ASCII (most text
/// is, and needs no decoding), and returns the bytes after them.
fn push_plain_ascii<'b>(text: &mut String, bytes: &'b [u8]) -> &'b [u8] {
    // Gathered a block at a time into bytes, then appended at once.
    let mut block = [0u8; 64];
    let mut rest = bytes;
    loop {
        let mut taken = 0;
        for (slot, &[low, high]) in block.iter_mut().zip(rest.as_chunks::<2>().0) {
            if high != 0 || !(0x20..0x7f).contains(&low) {
                break;
            }
            *slot = low;
            taken += 1;
        }
        let ascii = block.get(..taken).unwrap_or_default();
        text.push_str(std::str::from_utf8(ascii).unwrap_or_default());
        rest = rest.get(taken * 2..).unwrap_or_default();
        if taken < block.len() {
            return rest;
        }
    }
}

/// The event id of the record whose BinXML is `binxml`, instantiating a template defined at
/// `definition` that puts it in `slot`.
pub(crate) fn event_id(
    chunk: &[u8],
    binxml: Range<usize>,
    definition: usize,
    slot: EventIdSlot,
) -> Option<u16> {
    let index = match slot {
        EventIdSlot::Literal(id) => return Some(id),
        EventIdSlot::Substitution(index) => usize::from(index),
    };
    // The template instance: fragment header (4), token (1), unknown (1), template id (4),
    // definition offset (4); the definition itself when it is defined here. Then the
    // substitutions: count, sizes and types, values.
    let mut at = binxml.start.checked_add(14)?;
    if definition == at {
        at = definition_body(chunk, definition)?.end;
    }
    let count = usize::try_from(u32_at(chunk, at)?).ok()?;
    let values = at.checked_add(4)?.checked_add(count.checked_mul(4)?)?;
    if index >= count || values > binxml.end {
        return None;
    }
    let descriptor = |i: usize| -> Option<(usize, u8)> {
        let d = at + 4 + i * 4;
        let size = u16::from_le_bytes([*chunk.get(d)?, *chunk.get(d + 1)?]);
        Some((usize::from(size), *chunk.get(d + 2)?))
    };
    let mut offset = values;
    for i in 0..index {
        offset = offset.checked_add(descriptor(i)?.0)?;
    }
    let (size, kind) = descriptor(index)?;
    let value = chunk.get(offset..offset.checked_add(size)?.min(binxml.end))?;
    match (kind, value) {
        (0x06, [a, b]) => Some(u16::from_le_bytes([*a, *b])),
        (0x08, [a, b, _, _]) => Some(u16::from_le_bytes([*a, *b])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_event_xml;
    use crate::scan::record::template_definition;
    use crate::scan::walk::Walk;
    use evtx::{EvtxChunkData, ParserSettings};
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::Arc;

    /// The text of UTF-16 units as decoded one by one (the definition [`push_xml_text`]'s
    /// runs of ASCII must agree with).
    fn text_unit_by_unit(units: &[u16]) -> String {
        char::decode_utf16(units.iter().copied().take_while(|&unit| unit != 0))
            .map(|c| match c {
                Ok(c @ ('\t' | '\n' | '\r')) => c,
                Ok(c) if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => '_',
                Ok(c) => c,
                Err(_) => '_',
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn xml_text_is_the_text_unit_by_unit(
            units in proptest::collection::vec(
                proptest::prop_oneof![
                    40 => 0x20u16..0x7f,
                    1 => 0u16..0x20,
                    1 => 0x7fu16..0x800,
                    1 => 0xD7F0u16..0xE010,
                    1 => 0xFFF0u16..=0xFFFF,
                ],
                0..300,
            ),
            odd in proptest::bool::ANY,
        ) {
            let mut bytes: Vec<u8> = units.iter().flat_map(|unit| unit.to_le_bytes()).collect();
            if odd {
                bytes.push(b'x');
            }
            proptest::prop_assert_eq!(xml_text(&bytes), text_unit_by_unit(&units));
        }
    }

    /// Every record of `chunk` whose event id is read from its bytes, checked against the id
    /// of the record as the `evtx` crate renders it; how many were read, of how many.
    fn check(chunk: &[u8], what: &str) -> (usize, usize) {
        let settings = Arc::new(ParserSettings::default().num_threads(1));
        let Ok(mut data) = EvtxChunkData::new(chunk.to_vec(), false) else {
            return (0, 0);
        };
        let Ok(mut parsed) = data.parse(settings) else {
            return (0, 0);
        };
        let rendered: HashMap<u64, u16> = parsed
            .iter()
            .filter_map(Result::ok)
            .filter_map(|record| {
                let id = record.event_record_id;
                let xml = record.into_xml_bytes().ok()?;
                Some((id, parse_event_xml(&xml.data).ok()?.event_id))
            })
            .collect();
        let (mut known, mut total) = (0, 0);
        for header in Walk::new(chunk, chunk.len()) {
            let binxml = header.binxml();
            let Some(&expected) = rendered.get(&header.id) else {
                continue;
            };
            total += 1;
            let Some(body) = template_definition(chunk, binxml.clone()) else {
                continue;
            };
            let definition = u32_at(chunk, binxml.start + 10).unwrap() as usize;
            let id = Template::compile(chunk, body, &mut Names::default())
                .and_then(|template| template.event_id_slot())
                .and_then(|slot| event_id(chunk, binxml, definition, slot));
            if let Some(id) = id {
                assert_eq!(id, expected, "{what}: record {}", header.id);
                known += 1;
            }
        }
        (known, total)
    }

    #[test]
    fn event_ids_of_forged_records() {
        let options = evtx_forge::corpus::CorpusOptions::new(4096 + 2 * 65536, 1, 3);
        let file = evtx_forge::corpus::write_corpus(std::io::Cursor::new(Vec::new()), &options)
            .unwrap()
            .0
            .into_inner();
        let (known, total) = check(&file[4096..4096 + 65536], "forge");
        assert!(total > 50);
        assert_eq!(known, total);
    }

    #[test]
    fn event_ids_of_the_fixtures() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let (mut known, mut total) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "evtx") {
                let bytes = std::fs::read(&path).unwrap();
                for chunk in bytes.get(4096..).unwrap_or_default().chunks_exact(65536) {
                    let (k, t) = check(chunk, &path.display().to_string());
                    known += k;
                    total += t;
                }
            }
        }
        assert!(total > 100);
        assert_eq!(known, total, "every fixture record's id is read");
    }

    /// Whether the `evtx` crate parses `chunk` (builds its string table), when it reads its
    /// header at all.
    fn crate_parses(chunk: &[u8]) -> Option<bool> {
        let mut data = EvtxChunkData::new(chunk.to_vec(), false).ok()?;
        Some(data.parse(Arc::new(ParserSettings::default())).is_ok())
    }

    /// The fixtures' chunks, each 64 KiB.
    fn fixture_chunks() -> Vec<Vec<u8>> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut chunks = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "evtx") {
                let bytes = std::fs::read(&path).unwrap();
                let file_chunks = bytes.get(4096..).unwrap_or_default().chunks_exact(65536);
                chunks.extend(file_chunks.map(<[u8]>::to_vec));
            }
        }
        chunks
    }

    #[test]
    fn the_string_table_is_read_as_the_crate_reads_it() {
        let chunks = fixture_chunks();
        assert!(chunks.len() > 10);
        let mut agreed = 0;
        for chunk in &chunks {
            if let Some(parses) = crate_parses(chunk) {
                assert_eq!(string_table_reads(chunk), parses);
                agreed += 1;
            }
        }
        assert!(agreed > 10);
        // Damage: every byte of the header's string offsets and of the first entries they
        // lead to, set to values that break an offset, a length or a character.
        let chunk = chunks
            .iter()
            .filter(|c| crate_parses(c) == Some(true))
            .max_by_key(|c| u32_at(c, 48))
            .unwrap();
        let entries: Vec<usize> = (0..64)
            .filter_map(|bucket| u32_at(chunk, 128 + bucket * 4).map(|at| at as usize))
            .filter(|&at| at != 0)
            .collect();
        assert!(!entries.is_empty());
        let mut places: Vec<usize> = (128..384).collect();
        for &at in entries.iter().take(8) {
            places.extend(at..at + 24);
        }
        let (mut checked, mut failing) = (0, 0);
        for &place in &places {
            for value in [0x00, 0x01, 0xD8, 0xDC, 0xFF] {
                let mut damaged = chunk.clone();
                damaged[place] = value;
                let Some(parses) = crate_parses(&damaged) else {
                    continue;
                };
                assert_eq!(
                    string_table_reads(&damaged),
                    parses,
                    "byte {place} set to {value:#x}"
                );
                checked += 1;
                failing += usize::from(!parses);
            }
        }
        assert!(
            checked > 1000 && failing > 50,
            "{checked} checked, {failing} failing"
        );
    }

    #[test]
    fn a_long_chain_of_names_is_read_once_and_a_loop_ends() {
        // 1000 entries of one name each, chained, the last linking back to the first.
        let mut chunk = vec![0u8; 65536];
        chunk[128..132].copy_from_slice(&512u32.to_le_bytes());
        let entry = |i: usize| 512 + i * 16;
        for i in 0..1000 {
            let next = if i == 999 { entry(0) } else { entry(i + 1) };
            let at = entry(i);
            chunk[at..at + 4].copy_from_slice(&(next as u32).to_le_bytes());
            chunk[at + 6..at + 8].copy_from_slice(&1u16.to_le_bytes());
            chunk[at + 8..at + 10].copy_from_slice(&u16::from(b'a').to_le_bytes());
        }
        assert!(string_table_reads(&chunk));
        // A lone surrogate in the 900th name fails the table.
        let at = entry(900);
        chunk[at + 8..at + 10].copy_from_slice(&0xD800u16.to_le_bytes());
        assert!(!string_table_reads(&chunk));
    }

    /// Every record of the shared corpus (skipped with a note when absent): an id read is the
    /// rendered one.
    #[test]
    fn event_ids_of_the_shared_corpus() {
        let path = std::env::var_os("EVTX_DOCTOR_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
            });
        let Ok(entries) = std::fs::read_dir(&path) else {
            // Written past libtest's capture, so that the skip shows in `cargo test`.
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr().lock(),
                format_args!(
                    "SKIPPED {}: no corpus at {}\n",
                    "event_ids_of_the_shared_corpus",
                    path.display()
                ),
            );
            return;
        };
        let (mut known, mut total) = (0, 0);
        let mut stack: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(
                    std::fs::read_dir(&path)
                        .unwrap()
                        .filter_map(|e| e.ok().map(|e| e.path())),
                );
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
            {
                let bytes = std::fs::read(&path).unwrap();
                for chunk in bytes.get(4096..).unwrap_or_default().chunks_exact(65536) {
                    if chunk.starts_with(b"ElfChnk\0") {
                        if let Some(parses) = crate_parses(chunk) {
                            assert_eq!(string_table_reads(chunk), parses, "{}", path.display());
                        }
                        let (k, t) = check(chunk, &path.display().to_string());
                        known += k;
                        total += t;
                    }
                }
            }
        }
        eprintln!("{known} of {total} corpus records: event id read from the bytes");
        assert!(known * 10 > total * 9, "{known} of {total}");
    }
}
