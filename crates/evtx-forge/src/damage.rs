//! Deliberate damage to a finished file, for testing how readers cope.

use serde::Deserialize;

use crate::chunk::{CHUNK_SIZE, record_offsets, seal};
use crate::error::ForgeError;
use crate::file::FILE_HEADER_SIZE;

/// One kind of damage. In a spec: `[[damage]]` with `kind` in kebab case, e.g.
/// `kind = "bad-chunk-magic"`, `chunk = 1`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Damage {
    /// The chunk's `ElfChnk\0` signature is overwritten with `DAMAGED!`; readers skip it.
    BadChunkMagic {
        /// Chunk index (0 = first).
        chunk: u64,
    },
    /// The chunk's stored header CRC (offset 124) is inverted; its contents are intact, so
    /// readers that do not validate checksums still read its records.
    BadChunkCrc {
        /// Chunk index.
        chunk: u64,
    },
    /// The file header's stored CRC (offset 124) is inverted.
    BadHeaderCrc,
    /// The file is cut at this byte offset.
    TruncateAt {
        /// Length of the file after truncation.
        offset: u64,
    },
    /// The whole chunk is zeroed.
    ZeroChunk {
        /// Chunk index.
        chunk: u64,
    },
    /// Eight bytes of 0xFF replace the start of a record's BinXML (fragment header and
    /// template instance token); the chunk CRCs are then recomputed so only the BinXML is
    /// bad and the other records of the chunk still parse.
    GarbageInRecord {
        /// Chunk index.
        chunk: u64,
        /// Index of the record within the chunk (0 = first).
        record_index: usize,
    },
    /// The file header's `ElfFile\0` signature is overwritten with `NotEvtx!`.
    BadFileHeader,
}

impl Damage {
    /// Apply the damage to the file bytes.
    pub fn apply(&self, bytes: &mut Vec<u8>) -> Result<(), ForgeError> {
        let fail = |reason: String| ForgeError::Damage {
            damage: format!("{self:?}"),
            reason,
        };
        let chunk_range = |chunk: u64, len: usize| {
            let start = FILE_HEADER_SIZE as u64 + chunk * CHUNK_SIZE as u64;
            let end = start + CHUNK_SIZE as u64;
            if end > len as u64 {
                Err(fail(format!("the file has no chunk {chunk}")))
            } else {
                Ok(start as usize..end as usize)
            }
        };
        if bytes.len() < FILE_HEADER_SIZE && !matches!(self, Damage::TruncateAt { .. }) {
            return Err(fail("the file is shorter than its header".into()));
        }
        match *self {
            Damage::BadChunkMagic { chunk } => {
                let r = chunk_range(chunk, bytes.len())?;
                bytes[r.start..r.start + 8].copy_from_slice(b"DAMAGED!");
            }
            Damage::BadChunkCrc { chunk } => {
                let r = chunk_range(chunk, bytes.len())?;
                for b in &mut bytes[r.start + 124..r.start + 128] {
                    *b = !*b;
                }
            }
            Damage::BadHeaderCrc => {
                for b in &mut bytes[124..128] {
                    *b = !*b;
                }
            }
            Damage::TruncateAt { offset } => {
                if offset > bytes.len() as u64 {
                    return Err(fail(format!("the file is only {} bytes", bytes.len())));
                }
                bytes.truncate(offset as usize);
            }
            Damage::ZeroChunk { chunk } => {
                let r = chunk_range(chunk, bytes.len())?;
                bytes[r].fill(0);
            }
            Damage::GarbageInRecord {
                chunk,
                record_index,
            } => {
                let r = chunk_range(chunk, bytes.len())?;
                let data = &mut bytes[r];
                let offsets = record_offsets(data);
                let at = *offsets.get(record_index).ok_or_else(|| {
                    fail(format!(
                        "chunk {chunk} has {} records, no record {record_index}",
                        offsets.len()
                    ))
                })?;
                data[at + 24..at + 32].fill(0xff);
                seal(data);
            }
            Damage::BadFileHeader => {
                bytes[0..8].copy_from_slice(b"NotEvtx!");
            }
        }
        Ok(())
    }
}
