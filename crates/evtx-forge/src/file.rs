//! The file: a 4096-byte header followed by chunks, written in memory or streamed.

use std::io::{Seek, SeekFrom, Write};

use crate::chunk::{ChunkBuilder, put_u32};
use crate::error::ForgeError;
use crate::event::EventRecord;

/// Size of the file header block.
pub const FILE_HEADER_SIZE: usize = 4096;

/// The most chunks the header's 16-bit chunk count can describe.
const MAX_CHUNKS: u64 = 0xffff;

/// Where a pushed record ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The record id it was given.
    pub record_id: u64,
    /// The index of its chunk (0 = first chunk after the file header).
    pub chunk: u64,
}

/// The 4096-byte file header for a file with `chunk_count` chunks.
pub fn file_header(chunk_count: u64, next_record_id: u64) -> Vec<u8> {
    let mut header = vec![0u8; FILE_HEADER_SIZE];
    header[0..8].copy_from_slice(b"ElfFile\0");
    header[8..16].copy_from_slice(&0u64.to_le_bytes());
    header[16..24].copy_from_slice(&chunk_count.saturating_sub(1).to_le_bytes());
    header[24..32].copy_from_slice(&next_record_id.to_le_bytes());
    put_u32(&mut header, 32, 128);
    header[36..38].copy_from_slice(&1u16.to_le_bytes()); // minor version
    header[38..40].copy_from_slice(&3u16.to_le_bytes()); // major version
    header[40..42].copy_from_slice(&(FILE_HEADER_SIZE as u16).to_le_bytes());
    header[42..44].copy_from_slice(&(chunk_count.min(MAX_CHUNKS) as u16).to_le_bytes());
    put_u32(&mut header, 120, 0); // flags: clean
    let crc = crc32fast::hash(&header[..120]);
    put_u32(&mut header, 124, crc);
    header
}

/// Record numbering and chunking shared by both writers.
#[derive(Debug)]
struct Core {
    chunk: ChunkBuilder,
    sealed: u64,
    next_id: u64,
}

impl Core {
    fn new(start_record_id: u64) -> Self {
        Core {
            chunk: ChunkBuilder::new(),
            sealed: 0,
            next_id: start_record_id,
        }
    }

    /// Push a record; returns where it went and the chunk it sealed to make room, if any.
    fn push(&mut self, event: &EventRecord) -> Result<(Placement, Option<Vec<u8>>), ForgeError> {
        let id = event.record_id.unwrap_or(self.next_id);
        let mut sealed = None;
        if !self.chunk.try_push(event, id)? {
            if self.sealed + 1 >= MAX_CHUNKS {
                return Err(ForgeError::TooManyChunks);
            }
            sealed = Some(self.chunk.take());
            self.sealed += 1;
            self.chunk.try_push(event, id)?;
        }
        self.next_id = id + 1;
        Ok((
            Placement {
                record_id: id,
                chunk: self.sealed,
            },
            sealed,
        ))
    }

    /// Push only if the record fits in the current chunk.
    fn push_in_current(&mut self, event: &EventRecord) -> Result<Option<Placement>, ForgeError> {
        let id = event.record_id.unwrap_or(self.next_id);
        if !self.chunk.try_push(event, id)? {
            return Ok(None);
        }
        self.next_id = id + 1;
        Ok(Some(Placement {
            record_id: id,
            chunk: self.sealed,
        }))
    }

    /// Seal the open chunk (if it holds records); returns it and the total chunk count.
    fn finish(&mut self) -> (Option<Vec<u8>>, u64) {
        if self.chunk.len() == 0 {
            return (None, self.sealed);
        }
        self.sealed += 1;
        (Some(self.chunk.take()), self.sealed)
    }
}

/// Writes an .evtx file in memory.
///
/// ```
/// use evtx_forge::{EventRecord, EvtxWriter};
/// let mut writer = EvtxWriter::new();
/// let time = "2024-03-04T08:00:00Z".parse().unwrap();
/// writer.push(&EventRecord::new("MsiInstaller", 1040, time)).unwrap();
/// let bytes = writer.finish();
/// assert_eq!(bytes.len(), 4096 + 65536);
/// ```
#[derive(Debug)]
pub struct EvtxWriter {
    core: Core,
    chunks: Vec<u8>,
}

impl Default for EvtxWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl EvtxWriter {
    /// A writer whose first automatic record id is 1.
    pub fn new() -> Self {
        Self::with_start_record_id(1)
    }

    /// A writer whose first automatic record id is `start`.
    pub fn with_start_record_id(start: u64) -> Self {
        EvtxWriter {
            core: Core::new(start),
            chunks: Vec::new(),
        }
    }

    /// Append a record (a new chunk starts when it does not fit in the current one).
    pub fn push(&mut self, event: &EventRecord) -> Result<Placement, ForgeError> {
        let (placement, sealed) = self.core.push(event)?;
        if let Some(chunk) = sealed {
            self.chunks.extend_from_slice(&chunk);
        }
        Ok(placement)
    }

    /// The whole file: header and chunks.
    pub fn finish(mut self) -> Vec<u8> {
        let (last, count) = self.core.finish();
        if let Some(chunk) = last {
            self.chunks.extend_from_slice(&chunk);
        }
        let mut bytes = file_header(count, self.core.next_id);
        bytes.extend_from_slice(&self.chunks);
        bytes
    }
}

/// Writes an .evtx file to a stream one chunk at a time, so memory stays at one chunk
/// whatever the file size. The header is written as a placeholder first and rewritten by
/// [`EvtxStreamWriter::finish`], hence `Seek`.
#[derive(Debug)]
pub struct EvtxStreamWriter<W: Write + Seek> {
    core: Core,
    out: W,
}

impl<W: Write + Seek> EvtxStreamWriter<W> {
    /// Start a file on `out` (at its current position 0) with record ids from `start`.
    pub fn new(mut out: W, start_record_id: u64) -> Result<Self, ForgeError> {
        out.write_all(&file_header(0, start_record_id))?;
        Ok(EvtxStreamWriter {
            core: Core::new(start_record_id),
            out,
        })
    }

    /// Append a record, writing out the previous chunk when a new one starts.
    pub fn push(&mut self, event: &EventRecord) -> Result<Placement, ForgeError> {
        let (placement, sealed) = self.core.push(event)?;
        if let Some(chunk) = sealed {
            self.out.write_all(&chunk)?;
        }
        Ok(placement)
    }

    /// Append a record only if it fits in the current chunk; `None` otherwise.
    pub fn push_in_current_chunk(
        &mut self,
        event: &EventRecord,
    ) -> Result<Option<Placement>, ForgeError> {
        self.core.push_in_current(event)
    }

    /// Number of chunks written or being filled (the current chunk's index + 1).
    pub fn chunks_started(&self) -> u64 {
        self.core.sealed + 1
    }

    /// Write the last chunk and the final header; returns the stream.
    pub fn finish(mut self) -> Result<W, ForgeError> {
        let (last, count) = self.core.finish();
        if let Some(chunk) = last {
            self.out.write_all(&chunk)?;
        }
        self.out.seek(SeekFrom::Start(0))?;
        self.out.write_all(&file_header(count, self.core.next_id))?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }
}
