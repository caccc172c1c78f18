//! BinXML as Windows writes it into a chunk: name strings and template definitions stored
//! once per chunk (inline on first use, by offset afterwards), and one template instance with
//! typed substitution values per record.

use std::collections::HashMap;

use crate::error::ForgeError;
use crate::event::{EventData, EventRecord, Layout};

/// The namespace of every event.
const EVENT_NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// Seconds between 1601-01-01 and 1970-01-01, in 100 ns ticks.
const FILETIME_UNIX_EPOCH: i128 = 116_444_736_000_000_000;

/// BinXML value types used here (MS-EVEN6 2.2.3.4.2).
mod ty {
    pub const NULL: u8 = 0x00;
    pub const STRING: u8 = 0x01;
    pub const UINT8: u8 = 0x04;
    pub const UINT16: u8 = 0x06;
    pub const UINT32: u8 = 0x08;
    pub const UINT64: u8 = 0x0a;
    pub const FILETIME: u8 = 0x11;
    pub const SID: u8 = 0x13;
    pub const HEX64: u8 = 0x15;
}

/// The per-chunk string and template tables, as offsets into the chunk.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    strings: HashMap<String, u32>,
    pub(crate) string_buckets: [u32; 64],
    templates: HashMap<Shape, (u32, [u8; 16])>,
    pub(crate) template_buckets: [u32; 32],
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            strings: HashMap::new(),
            string_buckets: [0; 64],
            templates: HashMap::new(),
            template_buckets: [0; 32],
        }
    }
}

/// The EVTX name hash: `h = h * 65599 + unit` over the UTF-16 units, low 16 bits kept.
pub fn name_hash(name: &str) -> u16 {
    let hash = name.encode_utf16().fold(0u32, |h, unit| {
        h.wrapping_mul(65599).wrapping_add(u32::from(unit))
    });
    (hash & 0xffff) as u16
}

/// FILETIME (100 ns ticks since 1601-01-01 UTC) of a timestamp.
pub fn filetime(time: jiff::Timestamp) -> u64 {
    let ticks = time.as_nanosecond() / 100 + FILETIME_UNIX_EPOCH;
    u64::try_from(ticks).unwrap_or(0)
}

/// What makes two events share a template: everything in the body that is not a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    /// `Some(name)` for the provider-literal layout.
    literal_provider: Option<String>,
    guid: Option<String>,
    event_source_name: Option<String>,
    /// `Err(n)` for `n` unnamed data elements; `Ok(names)` for named data.
    data_names: Result<Vec<String>, usize>,
}

impl Shape {
    fn of(event: &EventRecord) -> Shape {
        Shape {
            literal_provider: match event.layout {
                Layout::ProviderLiteral => Some(event.provider.clone()),
                Layout::ProviderSubstitution => None,
            },
            guid: event.provider_guid.clone(),
            event_source_name: event.event_source_name.clone(),
            data_names: match &event.data {
                EventData::Unnamed(v) => Err(v.len()),
                EventData::Named(v) => Ok(v.iter().map(|(n, _)| n.clone()).collect()),
            },
        }
    }

    /// A stable 128-bit identifier for the shape, used as the template GUID.
    fn guid(&self) -> [u8; 16] {
        // An explicit, length-prefixed encoding of the shape (not Debug output, whose format
        // may change between Rust versions and would silently change every file's bytes).
        let mut key = Vec::new();
        let mut put = |tag: u8, s: Option<&str>| {
            key.push(tag);
            if let Some(s) = s {
                key.extend_from_slice(&(s.len() as u32).to_le_bytes());
                key.extend_from_slice(s.as_bytes());
            }
        };
        put(b'P', self.literal_provider.as_deref());
        put(b'G', self.guid.as_deref());
        put(b'S', self.event_source_name.as_deref());
        match &self.data_names {
            Err(n) => put(b'U', Some(&n.to_string())),
            Ok(names) => {
                for name in names {
                    put(b'N', Some(name));
                }
            }
        }
        let a = fnv1a(0xcbf2_9ce4_8422_2325, &key);
        let b = fnv1a(0x6c62_272e_07bb_0142, &key);
        let mut guid = [0u8; 16];
        guid[..8].copy_from_slice(&a.to_le_bytes());
        guid[8..].copy_from_slice(&b.to_le_bytes());
        guid
    }

    /// The substitution slots, in index order.
    fn slots(&self) -> Vec<Slot> {
        let mut slots = Vec::new();
        if self.literal_provider.is_none() {
            slots.push(Slot::Provider);
        }
        slots.extend([
            Slot::EventId,
            Slot::Qualifiers,
            Slot::Version,
            Slot::Level,
            Slot::Task,
            Slot::Opcode,
            Slot::Keywords,
            Slot::SystemTime,
            Slot::RecordId,
            Slot::ProcessId,
            Slot::ThreadId,
            Slot::Channel,
            Slot::Computer,
            Slot::UserId,
        ]);
        let n = match &self.data_names {
            Ok(names) => names.len(),
            Err(n) => *n,
        };
        slots.extend((0..n).map(Slot::Data));
        slots
    }
}

fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One substitution value slot of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Provider,
    EventId,
    Qualifiers,
    Version,
    Level,
    Task,
    Opcode,
    Keywords,
    SystemTime,
    RecordId,
    ProcessId,
    ThreadId,
    Channel,
    Computer,
    UserId,
    Data(usize),
}

impl Slot {
    /// The declared type in the template and whether the substitution is optional.
    fn declared(self) -> (u8, bool) {
        match self {
            Slot::Provider | Slot::Channel | Slot::Computer | Slot::Data(_) => (ty::STRING, false),
            Slot::EventId | Slot::Task => (ty::UINT16, false),
            Slot::Qualifiers => (ty::UINT16, true),
            Slot::Version | Slot::Level | Slot::Opcode => (ty::UINT8, false),
            Slot::Keywords => (ty::HEX64, false),
            Slot::SystemTime => (ty::FILETIME, false),
            Slot::RecordId => (ty::UINT64, false),
            Slot::ProcessId | Slot::ThreadId => (ty::UINT32, false),
            Slot::UserId => (ty::SID, true),
        }
    }

    /// The value's type and bytes for one event.
    fn value(self, event: &EventRecord, record_id: u64) -> Result<(u8, Vec<u8>), ForgeError> {
        Ok(match self {
            Slot::Provider => (ty::STRING, utf16(&event.provider)?),
            Slot::EventId => (ty::UINT16, event.event_id.to_le_bytes().to_vec()),
            Slot::Qualifiers => match event.qualifiers {
                Some(q) => (ty::UINT16, q.to_le_bytes().to_vec()),
                None => (ty::NULL, Vec::new()),
            },
            Slot::Version => (ty::UINT8, vec![event.version]),
            Slot::Level => (ty::UINT8, vec![event.level]),
            Slot::Task => (ty::UINT16, event.task.to_le_bytes().to_vec()),
            Slot::Opcode => (ty::UINT8, vec![event.opcode]),
            Slot::Keywords => (ty::HEX64, event.keywords.to_le_bytes().to_vec()),
            Slot::SystemTime => (ty::FILETIME, filetime(event.time).to_le_bytes().to_vec()),
            Slot::RecordId => (ty::UINT64, record_id.to_le_bytes().to_vec()),
            Slot::ProcessId => (ty::UINT32, event.process_id.to_le_bytes().to_vec()),
            Slot::ThreadId => (ty::UINT32, event.thread_id.to_le_bytes().to_vec()),
            Slot::Channel => (ty::STRING, utf16(&event.channel)?),
            Slot::Computer => (ty::STRING, utf16(&event.computer)?),
            Slot::UserId => match &event.user_id {
                Some(sid) => (ty::SID, sid_bytes(sid)?),
                None => (ty::NULL, Vec::new()),
            },
            Slot::Data(i) => (ty::STRING, utf16(event.data.values()[i])?),
        })
    }
}

/// UTF-16LE bytes of a string, without terminator; at most 65535 bytes.
fn utf16(s: &str) -> Result<Vec<u8>, ForgeError> {
    let bytes: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
    if bytes.len() > usize::from(u16::MAX) {
        return Err(ForgeError::ValueTooLarge(format!(
            "a string of {} UTF-16 units (at most 32767)",
            bytes.len() / 2
        )));
    }
    Ok(bytes)
}

/// The binary form of a SID string like `S-1-5-21-1-2-3-500`.
pub fn sid_bytes(sid: &str) -> Result<Vec<u8>, ForgeError> {
    let bad = || ForgeError::spec(format!("not a SID: {sid:?}"));
    let mut parts = sid.strip_prefix("S-").ok_or_else(bad)?.split('-');
    let revision: u8 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let authority: u64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let subs = parts
        .map(|p| p.parse::<u32>().map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    if subs.len() > 15 || authority >= 1 << 48 {
        return Err(bad());
    }
    let mut out = vec![revision, subs.len() as u8];
    out.extend_from_slice(&authority.to_be_bytes()[2..]);
    for s in subs {
        out.extend_from_slice(&s.to_le_bytes());
    }
    Ok(out)
}

/// A node of a template body.
enum Node {
    Element {
        name: &'static str,
        attrs: Vec<(&'static str, Content)>,
        children: Vec<Node>,
    },
    Content(Content),
}

/// Text content or attribute value: literal text or a substitution slot.
enum Content {
    Text(String),
    Sub(Slot),
}

fn el(name: &'static str, attrs: Vec<(&'static str, Content)>, children: Vec<Node>) -> Node {
    Node::Element {
        name,
        attrs,
        children,
    }
}

fn leaf(name: &'static str, slot: Slot) -> Node {
    el(name, vec![], vec![Node::Content(Content::Sub(slot))])
}

/// The `<Event>` element of a template with this shape.
fn event_tree(shape: &Shape) -> Node {
    let mut provider_attrs = vec![(
        "Name",
        match &shape.literal_provider {
            Some(name) => Content::Text(name.clone()),
            None => Content::Sub(Slot::Provider),
        },
    )];
    if let Some(guid) = &shape.guid {
        provider_attrs.push(("Guid", Content::Text(guid.clone())));
    }
    if let Some(source) = &shape.event_source_name {
        provider_attrs.push(("EventSourceName", Content::Text(source.clone())));
    }
    let system = el(
        "System",
        vec![],
        vec![
            el("Provider", provider_attrs, vec![]),
            el(
                "EventID",
                vec![("Qualifiers", Content::Sub(Slot::Qualifiers))],
                vec![Node::Content(Content::Sub(Slot::EventId))],
            ),
            leaf("Version", Slot::Version),
            leaf("Level", Slot::Level),
            leaf("Task", Slot::Task),
            leaf("Opcode", Slot::Opcode),
            leaf("Keywords", Slot::Keywords),
            el(
                "TimeCreated",
                vec![("SystemTime", Content::Sub(Slot::SystemTime))],
                vec![],
            ),
            leaf("EventRecordID", Slot::RecordId),
            el("Correlation", vec![], vec![]),
            el(
                "Execution",
                vec![
                    ("ProcessID", Content::Sub(Slot::ProcessId)),
                    ("ThreadID", Content::Sub(Slot::ThreadId)),
                ],
                vec![],
            ),
            leaf("Channel", Slot::Channel),
            leaf("Computer", Slot::Computer),
            el(
                "Security",
                vec![("UserID", Content::Sub(Slot::UserId))],
                vec![],
            ),
        ],
    );
    let data = match &shape.data_names {
        Err(n) => (0..*n).map(|i| leaf("Data", Slot::Data(i))).collect(),
        Ok(names) => names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                el(
                    "Data",
                    vec![("Name", Content::Text(name.clone()))],
                    vec![Node::Content(Content::Sub(Slot::Data(i)))],
                )
            })
            .collect(),
    };
    el(
        "Event",
        vec![("xmlns", Content::Text(EVENT_NS.into()))],
        vec![system, el("EventData", vec![], data)],
    )
}

/// Bytes being written at a known chunk offset, with the chunk's tables.
struct Out<'t> {
    buf: Vec<u8>,
    base: u32,
    tables: &'t mut Tables,
}

impl Out<'_> {
    fn pos(&self) -> u32 {
        self.base + self.buf.len() as u32
    }
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn patch_u32(&mut self, at: usize, v: u32) {
        self.buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// A name reference: the offset of the name in the chunk, followed by the name itself
    /// when this is its first use in the chunk.
    fn name(&mut self, name: &str) {
        if let Some(&offset) = self.tables.strings.get(name) {
            self.u32(offset);
            return;
        }
        let offset = self.pos() + 4;
        self.u32(offset);
        let hash = name_hash(name);
        let bucket = usize::from(hash) % 64;
        let next = self.tables.string_buckets[bucket];
        self.u32(next);
        self.u16(hash);
        let units: Vec<u16> = name.encode_utf16().collect();
        self.u16(units.len() as u16);
        for unit in units {
            self.u16(unit);
        }
        self.u16(0);
        self.tables.string_buckets[bucket] = offset;
        self.tables.strings.insert(name.to_owned(), offset);
    }

    fn content(&mut self, content: &Content, index: &dyn Fn(Slot) -> u16) {
        match content {
            Content::Text(text) => {
                self.u8(0x05);
                self.u8(ty::STRING);
                let units: Vec<u16> = text.encode_utf16().collect();
                self.u16(units.len() as u16);
                for unit in units {
                    self.u16(unit);
                }
            }
            Content::Sub(slot) => {
                let (value_type, optional) = slot.declared();
                self.u8(if optional { 0x0e } else { 0x0d });
                self.u16(index(*slot));
                self.u8(value_type);
            }
        }
    }

    fn node(&mut self, node: &Node, index: &dyn Fn(Slot) -> u16) {
        let (name, attrs, children) = match node {
            Node::Content(content) => return self.content(content, index),
            Node::Element {
                name,
                attrs,
                children,
            } => (name, attrs, children),
        };
        self.u8(if attrs.is_empty() { 0x01 } else { 0x41 });
        self.u16(0xffff); // no dependency
        let size_at = self.buf.len();
        self.u32(0);
        self.name(name);
        if !attrs.is_empty() {
            let list_at = self.buf.len();
            self.u32(0);
            for (i, (attr, value)) in attrs.iter().enumerate() {
                self.u8(if i + 1 < attrs.len() { 0x46 } else { 0x06 });
                self.name(attr);
                self.content(value, index);
            }
            let list_size = (self.buf.len() - list_at - 4) as u32;
            self.patch_u32(list_at, list_size);
        }
        if children.is_empty() {
            self.u8(0x03);
        } else {
            self.u8(0x02);
            for child in children {
                self.node(child, index);
            }
            self.u8(0x04);
        }
        let size = (self.buf.len() - size_at - 4) as u32;
        self.patch_u32(size_at, size);
    }
}

/// Render one record (header, BinXML, size copy) as it would sit at `offset` in a chunk
/// with these tables; the tables are updated with the names and template it defines.
pub(crate) fn render_record(
    event: &EventRecord,
    record_id: u64,
    offset: u32,
    tables: &mut Tables,
) -> Result<Vec<u8>, ForgeError> {
    let shape = Shape::of(event);
    let slots = shape.slots();
    let mut out = Out {
        buf: Vec::with_capacity(512),
        base: offset,
        tables,
    };
    out.buf.extend_from_slice(&[0x2a, 0x2a, 0, 0]);
    out.u32(0); // size, patched below
    out.buf.extend_from_slice(&record_id.to_le_bytes());
    out.buf
        .extend_from_slice(&filetime(event.time).to_le_bytes());

    // Fragment header, then the template instance.
    out.buf
        .extend_from_slice(&[0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01]);
    if let Some(&(def_offset, guid)) = out.tables.templates.get(&shape) {
        out.buf.extend_from_slice(&guid[..4]);
        out.u32(def_offset);
    } else {
        let guid = shape.guid();
        let template_id = u32::from_le_bytes([guid[0], guid[1], guid[2], guid[3]]);
        out.u32(template_id);
        let def_offset = out.pos() + 4;
        out.u32(def_offset);
        let bucket = (template_id % 32) as usize;
        let next = out.tables.template_buckets[bucket];
        out.u32(next);
        out.buf.extend_from_slice(&guid);
        let size_at = out.buf.len();
        out.u32(0);
        out.buf.extend_from_slice(&[0x0f, 0x01, 0x01, 0x00]);
        let index = |slot: Slot| slots.iter().position(|s| *s == slot).unwrap_or(0) as u16;
        out.node(&event_tree(&shape), &index);
        out.u8(0x00); // EOF
        let size = (out.buf.len() - size_at - 4) as u32;
        out.patch_u32(size_at, size);
        out.tables.template_buckets[bucket] = def_offset;
        out.tables
            .templates
            .insert(shape.clone(), (def_offset, guid));
    }

    let values = slots
        .iter()
        .map(|slot| slot.value(event, record_id))
        .collect::<Result<Vec<_>, _>>()?;
    out.u32(values.len() as u32);
    for (value_type, bytes) in &values {
        out.u16(bytes.len() as u16);
        out.u8(*value_type);
        out.u8(0);
    }
    for (_, bytes) in &values {
        out.buf.extend_from_slice(bytes);
    }
    out.u8(0x00); // EOF of the document

    let size = out.buf.len() as u32 + 4;
    out.u32(size);
    out.patch_u32(4, size);
    Ok(out.buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_hash_matches_known_values() {
        // h("A") = 0x41; h("AB") = 0x41 * 65599 + 0x42, low 16 bits.
        assert_eq!(name_hash("A"), 0x41);
        assert_eq!(
            name_hash("AB"),
            ((0x41u32.wrapping_mul(65599) + 0x42) & 0xffff) as u16
        );
    }

    #[test]
    fn sid_encoding() {
        assert_eq!(
            sid_bytes("S-1-5-18").unwrap(),
            vec![1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]
        );
        assert!(sid_bytes("X-1").is_err());
    }

    #[test]
    fn filetime_of_unix_epoch() {
        assert_eq!(
            filetime(jiff::Timestamp::UNIX_EPOCH),
            116_444_736_000_000_000
        );
    }
}
