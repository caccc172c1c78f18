//! One 64 KiB chunk: a 512-byte header with CRCs and tables, then records.

use crate::binxml::{Tables, render_record};
use crate::error::ForgeError;
use crate::event::EventRecord;

/// Size of a chunk.
pub const CHUNK_SIZE: usize = 0x10000;
/// Size of a chunk header, including the string and template tables.
pub const CHUNK_HEADER_SIZE: usize = 512;

/// Bytes always left free at the end of a chunk. libevtx (20181227) silently drops a record
/// that ends in the last 3 bytes of its chunk, so records stop at least this far from the end.
pub const CHUNK_TAIL_RESERVE: usize = 8;

/// A chunk being filled with records.
#[derive(Debug)]
pub(crate) struct ChunkBuilder {
    buf: Vec<u8>,
    free: usize,
    tables: Tables,
    first_id: u64,
    last_id: u64,
    last_offset: u32,
    records: usize,
}

impl ChunkBuilder {
    pub(crate) fn new() -> Self {
        ChunkBuilder {
            buf: vec![0; CHUNK_SIZE],
            free: CHUNK_HEADER_SIZE,
            tables: Tables::default(),
            first_id: 0,
            last_id: 0,
            last_offset: 0,
            records: 0,
        }
    }

    /// Number of records in the chunk.
    pub(crate) fn len(&self) -> usize {
        self.records
    }

    /// Add the record if it fits; `Ok(false)` leaves the chunk unchanged.
    pub(crate) fn try_push(
        &mut self,
        event: &EventRecord,
        record_id: u64,
    ) -> Result<bool, ForgeError> {
        let mut tables = self.tables.clone();
        let bytes = render_record(event, record_id, self.free as u32, &mut tables)?;
        if self.free + bytes.len() > CHUNK_SIZE - CHUNK_TAIL_RESERVE {
            if self.records == 0 {
                return Err(ForgeError::RecordTooLarge {
                    record_id,
                    size: bytes.len(),
                });
            }
            return Ok(false);
        }
        self.buf[self.free..self.free + bytes.len()].copy_from_slice(&bytes);
        if self.records == 0 {
            self.first_id = record_id;
        }
        self.last_id = record_id;
        self.last_offset = self.free as u32;
        self.free += bytes.len();
        self.records += 1;
        self.tables = tables;
        Ok(true)
    }

    /// Seal the chunk (header fields, tables, CRCs), return its bytes and start afresh.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        let mut buf = std::mem::replace(&mut self.buf, vec![0; CHUNK_SIZE]);
        buf[0..8].copy_from_slice(b"ElfChnk\0");
        for (at, v) in [
            (8, self.first_id),
            (16, self.last_id),
            (24, self.first_id),
            (32, self.last_id),
        ] {
            buf[at..at + 8].copy_from_slice(&v.to_le_bytes());
        }
        put_u32(&mut buf, 40, 128);
        put_u32(&mut buf, 44, self.last_offset);
        put_u32(&mut buf, 48, self.free as u32);
        for (i, offset) in self.tables.string_buckets.iter().enumerate() {
            put_u32(&mut buf, 128 + i * 4, *offset);
        }
        for (i, offset) in self.tables.template_buckets.iter().enumerate() {
            put_u32(&mut buf, 384 + i * 4, *offset);
        }
        seal(&mut buf);
        *self = ChunkBuilder::new();
        buf
    }
}

pub(crate) fn put_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn get_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// Recompute a chunk's event-records CRC (offset 52) and header CRC (offset 124) from its
/// contents; the free space offset (48) says where the records end.
pub fn seal(chunk: &mut [u8]) {
    let free = (get_u32(chunk, 48) as usize).clamp(CHUNK_HEADER_SIZE, chunk.len());
    let records_crc = crc32fast::hash(&chunk[CHUNK_HEADER_SIZE..free]);
    put_u32(chunk, 52, records_crc);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&chunk[..120]);
    hasher.update(&chunk[128..CHUNK_HEADER_SIZE]);
    put_u32(chunk, 124, hasher.finalize());
}

/// The offsets (within the chunk) of its records, found by walking record sizes from 512 up
/// to the free space offset.
pub fn record_offsets(chunk: &[u8]) -> Vec<usize> {
    let free = (get_u32(chunk, 48) as usize).min(chunk.len());
    let mut offsets = Vec::new();
    let mut at = CHUNK_HEADER_SIZE;
    while at + 8 <= free && chunk[at..at + 4] == [0x2a, 0x2a, 0, 0] {
        offsets.push(at);
        let size = get_u32(chunk, at + 4) as usize;
        if size < 28 {
            break;
        }
        at += size;
    }
    offsets
}
