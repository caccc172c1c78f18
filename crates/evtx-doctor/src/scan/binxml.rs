//! Just enough BinXML to read a record's event id without building the record: where its
//! template puts `System/EventID`, and that value among the record's substitutions.
//!
//! Layouts from [MS-EVEN6] (BinXml): tokens, names, template instances. Anything unexpected
//! (a token this does not follow, a second `System/EventID`, a value of another type) gives
//! `None`: the id is then unknown, and nothing is ruled out for it.

use super::walk::u32_at;
use std::ops::Range;

/// Where a template puts the event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventIdSlot {
    /// The value of this substitution.
    Substitution(u16),
    /// Written in the template.
    Literal(u16),
}

/// How deep elements may nest before the walk gives up (Windows writes four or five levels).
const MAX_DEPTH: usize = 32;

/// How many tokens a template may have before the walk gives up (Windows writes a few dozen;
/// a crafted chunk could point thousands of records at 64 KiB of tokens).
const MAX_TOKENS: usize = 4096;

/// Where the template whose body is `body` (a range of `chunk`) puts `System/EventID`. The
/// tokens are read as the `evtx` crate reads a template definition.
pub(crate) fn event_id_slot(chunk: &[u8], body: Range<usize>) -> Option<EventIdSlot> {
    let end = body.end.min(chunk.len());
    let byte = |at: usize| chunk.get(at).copied().filter(|_| at < end);
    // Open elements: whether each is `System`; the name of the element being opened.
    let mut open: Vec<bool> = Vec::new();
    let mut opening: Option<usize> = None;
    let mut found = None;
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
            0x0f => at += 3,
            0x01 | 0x41 => {
                // Dependency id (2), data size (4), the name, the attribute list's size.
                let (name, next) = name_ref(chunk, at + 6)?;
                opening = Some(name);
                at = if token == 0x41 { next + 4 } else { next };
            }
            0x02 => {
                let name = opening.take()?;
                if open.last() == Some(&true) && name_is(chunk, name, "EventID")? {
                    if found.is_some() {
                        return None;
                    }
                    found = Some(content(chunk, at, end)?);
                }
                if open.len() >= MAX_DEPTH {
                    return None;
                }
                open.push(name_is(chunk, name, "System")?);
            }
            0x03 => {
                opening.take()?;
            }
            0x04 => {
                open.pop()?;
            }
            0x05 | 0x45 => at = skip_string_value(chunk, at)?,
            0x06 | 0x46 | 0x09 | 0x49 | 0x0a => at = name_ref(chunk, at)?.1,
            0x0b | 0x07 | 0x47 => at = skip_utf16(chunk, at)?,
            0x0d | 0x0e => at += 3,
            0x08 | 0x48 => at += 2,
            _ => return None,
        }
    }
    found
}

/// A name reference at `at`: the name's offset, and where the tokens go on (past the name
/// when it is defined right there).
fn name_ref(chunk: &[u8], at: usize) -> Option<(usize, usize)> {
    let name = usize::try_from(u32_at(chunk, at)?).ok()?;
    let next = at + 4;
    Some((
        name,
        if name == next {
            skip_name(chunk, next)?
        } else {
            next
        },
    ))
}

/// What the `EventID` element holds, from its first content token at `at`: one substitution
/// or one string, then the end of the element.
fn content(chunk: &[u8], at: usize, end: usize) -> Option<EventIdSlot> {
    let (slot, next) = match chunk.get(at)? {
        0x0d | 0x0e => {
            let index = u16::from_le_bytes([*chunk.get(at + 1)?, *chunk.get(at + 2)?]);
            (EventIdSlot::Substitution(index), at + 4)
        }
        0x05 | 0x45 => {
            let text = utf16_value(chunk, at + 1)?;
            // As the XML reader takes it: the low 16 bits of a number.
            let id = text.trim().parse::<u32>().ok()?;
            (
                EventIdSlot::Literal((id & 0xFFFF) as u16),
                skip_string_value(chunk, at + 1)?,
            )
        }
        _ => return None,
    };
    (next < end && chunk.get(next) == Some(&0x04)).then_some(slot)
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
    // definition offset (4); the definition itself when it is defined here: next offset (4),
    // GUID (16), body size (4), body. Then the substitutions: count, sizes and types, values.
    let mut at = binxml.start.checked_add(14)?;
    if definition == at {
        let size = usize::try_from(u32_at(chunk, at + 20)?).ok()?;
        at = at.checked_add(24)?.checked_add(size)?;
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

/// Past a name defined at `at`: next-string offset (4), hash (2), length (2), the characters,
/// a terminating zero (2).
fn skip_name(chunk: &[u8], at: usize) -> Option<usize> {
    let chars = usize::from(u16::from_le_bytes([
        *chunk.get(at + 6)?,
        *chunk.get(at + 7)?,
    ]));
    at.checked_add(8)?.checked_add(chars * 2)?.checked_add(2)
}

/// Whether the name at `at` is `wanted`.
fn name_is(chunk: &[u8], at: usize, wanted: &str) -> Option<bool> {
    let chars = usize::from(u16::from_le_bytes([
        *chunk.get(at + 6)?,
        *chunk.get(at + 7)?,
    ]));
    let bytes = chunk.get(at + 8..at + 8 + chars * 2)?;
    Some(
        chars == wanted.len()
            && bytes
                .chunks_exact(2)
                .zip(wanted.bytes())
                .all(|(c, w)| c == [w, 0]),
    )
}

/// Past a value token's content at `at`: a string (type 1) only.
fn skip_string_value(chunk: &[u8], at: usize) -> Option<usize> {
    (*chunk.get(at)? == 0x01).then_some(())?;
    skip_utf16(chunk, at + 1)
}

/// Past a counted UTF-16 string at `at`: length (2), the characters.
fn skip_utf16(chunk: &[u8], at: usize) -> Option<usize> {
    let chars = usize::from(u16::from_le_bytes([*chunk.get(at)?, *chunk.get(at + 1)?]));
    at.checked_add(2)?.checked_add(chars * 2)
}

/// The text of a string value token's content at `at`.
fn utf16_value(chunk: &[u8], at: usize) -> Option<String> {
    (*chunk.get(at)? == 0x01).then_some(())?;
    let chars = usize::from(u16::from_le_bytes([
        *chunk.get(at + 1)?,
        *chunk.get(at + 2)?,
    ]));
    let bytes = chunk.get(at + 3..at + 3 + chars * 2)?;
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
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
            let id = event_id_slot(chunk, body)
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
            eprintln!("skipped: no corpus at {}", path.display());
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
