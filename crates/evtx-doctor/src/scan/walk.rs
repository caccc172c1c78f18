//! A chunk's records, walked by their headers alone, as the `evtx` crate walks them.

use super::layout::CHUNK_HEADER_SIZE;

/// Record header size: magic (4), size (4), record id (8), FILETIME (8).
pub(crate) const RECORD_HEADER_SIZE: usize = 24;
const RECORD_MAGIC: [u8; 4] = [0x2a, 0x2a, 0, 0];
/// A record's size also counts the copy of the size that ends it.
const SMALLEST_RECORD: usize = RECORD_HEADER_SIZE + 4;

/// What a record header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordHeader {
    /// Offset of the record in the chunk.
    pub start: usize,
    /// Its size, header and trailing size copy included.
    pub size: usize,
    pub id: u64,
    pub filetime: u64,
}

impl RecordHeader {
    /// Where its BinXML is in the chunk.
    pub(crate) fn binxml(&self) -> std::ops::Range<usize> {
        self.start + RECORD_HEADER_SIZE..self.start + self.size - 4
    }

    /// The offset just past it.
    pub(crate) fn end(&self) -> usize {
        self.start + self.size
    }
}

/// The records from the chunk header on, one after another, up to the chunk's free space
/// offset or its last record (by the id in the chunk header), whichever comes first. The walk
/// stops early at the first header that does not check out or whose record would end past
/// the free space or past `valid` (the bytes the file holds); [`Walk::stop`] says where, and
/// [`Walk::finished`] whether the walk got to the end.
pub(crate) struct Walk<'c> {
    chunk: &'c [u8],
    at: usize,
    /// The free space offset (or the chunk's end, when it says more).
    end: usize,
    valid: usize,
    last_id: Option<u64>,
    done: bool,
    finished: bool,
}

impl<'c> Walk<'c> {
    /// Walks `chunk`, of which the first `valid` bytes come from the file.
    pub(crate) fn new(chunk: &'c [u8], valid: usize) -> Self {
        // Free space offset at 48, last record id at 32 of the chunk header.
        let free = u32_at(chunk, 48).map_or(chunk.len(), |free| free as usize);
        Walk {
            chunk,
            at: CHUNK_HEADER_SIZE,
            end: free.min(chunk.len()),
            valid,
            last_id: u64_at(chunk, 32),
            done: false,
            finished: false,
        }
    }

    /// Where the records end, as the `evtx` crate sees it: the free space offset, or the
    /// chunk's end when that says more.
    pub(crate) fn live_end(&self) -> usize {
        self.end
    }

    /// The id of the chunk's last record, as its header says.
    pub(crate) fn last_id(&self) -> Option<u64> {
        self.last_id
    }

    /// Where the walk stopped (or is): every record before it was returned.
    pub(crate) fn stop(&self) -> usize {
        self.at
    }

    /// Whether the walk went through every record the `evtx` crate would walk: it ended at
    /// the free space or at the last record, not at a record it could not read.
    pub(crate) fn finished(&self) -> bool {
        self.finished
    }
}

impl Iterator for Walk<'_> {
    type Item = RecordHeader;

    fn next(&mut self) -> Option<RecordHeader> {
        if self.done {
            return None;
        }
        let start = self.at;
        if start >= self.end {
            self.done = true;
            self.finished = true;
            return None;
        }
        let record = (|| {
            if self.chunk.get(start..start.checked_add(4)?)? != RECORD_MAGIC {
                return None;
            }
            let size = usize::try_from(u32_at(self.chunk, start + 4)?).ok()?;
            let end = start.checked_add(size)?;
            if size < SMALLEST_RECORD || end > self.end || end > self.valid {
                return None;
            }
            let filetime = u64_at(self.chunk, start + 16)?;
            // The crate refuses a header whose time it cannot represent.
            super::decode::filetime_timestamp(filetime)?;
            Some(RecordHeader {
                start,
                size,
                id: u64_at(self.chunk, start + 8)?,
                filetime,
            })
        })();
        match record {
            Some(record) => {
                self.at = record.end();
                // The `evtx` crate stops at the last record the chunk header names.
                self.done = self.last_id == Some(record.id);
                self.finished = self.done;
                Some(record)
            }
            None => {
                self.done = true;
                None
            }
        }
    }
}

/// The little-endian `u32` at `at`, when `bytes` hold it.
pub(super) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let slice = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(slice.try_into().ok()?))
}

/// The little-endian `u64` at `at`, when `bytes` hold it.
pub(super) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let slice = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(slice.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk with records of `sizes` (ids from 1) and the header fields the walk reads.
    fn chunk(sizes: &[usize], last_id: u64, free: Option<usize>) -> Vec<u8> {
        let mut chunk = vec![0u8; 65536];
        let mut at = CHUNK_HEADER_SIZE;
        for (i, &size) in sizes.iter().enumerate() {
            chunk[at..at + 4].copy_from_slice(&RECORD_MAGIC);
            chunk[at + 4..at + 8].copy_from_slice(&(size as u32).to_le_bytes());
            chunk[at + 8..at + 16].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            chunk[at + 16..at + 24].copy_from_slice(&(1000 + i as u64).to_le_bytes());
            at += size;
        }
        let free = free.unwrap_or(at);
        chunk[32..40].copy_from_slice(&last_id.to_le_bytes());
        chunk[48..52].copy_from_slice(&(free as u32).to_le_bytes());
        chunk
    }

    fn starts(walk: &mut Walk<'_>) -> Vec<usize> {
        walk.map(|record| record.start).collect()
    }

    #[test]
    fn walks_to_the_free_space() {
        let bytes = chunk(&[100, 200, 60], 3, None);
        let mut walk = Walk::new(&bytes, bytes.len());
        let records: Vec<RecordHeader> = walk.by_ref().collect();
        assert_eq!(records.len(), 3);
        assert_eq!(records[1].start, 612);
        assert_eq!(records[1].binxml(), 636..808);
        assert_eq!(records[2].id, 3);
        assert_eq!(records[2].filetime, 1002);
        assert_eq!(walk.stop(), 872);
        assert!(walk.finished());
    }

    #[test]
    fn stops_after_the_last_record_the_header_names() {
        // Free space says more, as after issue #197 of the evtx crate; the crate stops at
        // the last record, and so does the walk.
        let bytes = chunk(&[100, 200, 60], 2, None);
        let mut walk = Walk::new(&bytes, bytes.len());
        assert_eq!(starts(&mut walk), [512, 612]);
        assert!(walk.finished());
    }

    #[test]
    fn a_record_it_cannot_read_ends_the_walk_unfinished() {
        let mut bytes = chunk(&[100, 200, 60], 3, None);
        bytes[612] = 0x2b; // magic of the second record
        let mut walk = Walk::new(&bytes, bytes.len());
        assert_eq!(starts(&mut walk), [512]);
        assert_eq!(walk.stop(), 612);
        assert!(!walk.finished());

        let mut bytes = chunk(&[100, 200, 60], 3, None);
        bytes[616..620].copy_from_slice(&12u32.to_le_bytes()); // smaller than a header
        let mut walk = Walk::new(&bytes, bytes.len());
        assert_eq!(starts(&mut walk), [512]);
        assert!(!walk.finished());
    }

    #[test]
    fn records_past_the_free_space_or_the_file_are_left_alone() {
        // The free space offset cuts the second record.
        let bytes = chunk(&[100, 200, 60], 3, Some(700));
        let mut walk = Walk::new(&bytes, bytes.len());
        assert_eq!(starts(&mut walk), [512]);
        assert!(!walk.finished());
        // The file ends inside the third record.
        let bytes = chunk(&[100, 200, 60], 3, None);
        let mut walk = Walk::new(&bytes, 850);
        assert_eq!(starts(&mut walk), [512, 612]);
        assert_eq!(walk.stop(), 812);
        assert!(!walk.finished());
    }

    #[test]
    fn an_empty_chunk_is_finished_at_once() {
        let bytes = chunk(&[], 0, None);
        let mut walk = Walk::new(&bytes, bytes.len());
        assert_eq!(starts(&mut walk), Vec::<usize>::new());
        assert!(walk.finished());
        // A header that claims the whole chunk, over zeros.
        let bytes = chunk(&[], 0, Some(65536));
        let mut walk = Walk::new(&bytes, bytes.len());
        assert_eq!(starts(&mut walk), Vec::<usize>::new());
        assert!(!walk.finished());
    }
}
