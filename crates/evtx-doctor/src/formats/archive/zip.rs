//! Zip archives (PKWARE APPNOTE 6.3), read two ways and never trusted:
//!
//! - with random access, from the central directory at the end: its end record is looked for
//!   only where it can be (the last 64 KiB + 22 bytes), the entry count it claims is bounded by
//!   the directory's real size, records are read one by one as far as they go, and entries
//!   whose data overlap (the "overlapping files" bomb) are refused;
//! - as a stream, front to back by local headers (an archive inside a compressed entry, or on
//!   standard input), data descriptors included.
//!
//! Entries are stored, deflated or deflate64-ed; other methods and encrypted entries are named.

use super::inflate::{Member, Method};
use super::{EntryError, clean_name};
use crate::report::ProblemKind;
use crate::sources::{Span, SpanReader, read_up_to};
use std::io::{self, BufRead, BufReader, Read};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const END64_SIG: u32 = 0x0606_4b50;
const END64_LOCATOR_SIG: u32 = 0x0706_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const END_SIZE: usize = 22;
const CENTRAL_SIZE: u64 = 46;
const LOCAL_SIZE: usize = 30;
/// The end record lies within its size plus the longest comment of the end of the file.
const END_SEARCH: u64 = END_SIZE as u64 + 0xFFFF;

/// An entry of the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZipEntry {
    /// The name, decoded (UTF-8 or code page 437) and cleaned for a report.
    pub name: String,
    method: u16,
    flags: u16,
    compressed: u64,
    /// The size the directory claims (never trusted for memory).
    pub size: u64,
    /// Where its local header is, in the archive.
    local: u64,
}

impl ZipEntry {
    /// A folder, not a file.
    pub(crate) fn is_dir(&self) -> bool {
        self.name.ends_with('/') || self.name.ends_with('\\')
    }
}

/// What the central directory says, and what was wrong with it.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    /// The entries in directory order.
    pub entries: Vec<ZipEntry>,
    /// Entries not read because their data overlap an earlier entry's.
    pub overlapping: Vec<String>,
    /// What was wrong with the directory (its entries were read as far as they go).
    pub problems: Vec<EntryError>,
}

/// Reads the central directory of the zip archive in `span`, at most `max_entries` entries.
///
/// Work and memory are bounded by the directory's real size, whatever its records claim.
pub(crate) fn read_directory(span: Span<'_>, max_entries: usize) -> Result<Directory, EntryError> {
    let end = find_end(span)?;
    let mut directory = Directory::default();
    // Data before the archive (a self-extractor) shifts every offset by the same amount.
    let expected_start = end.at.saturating_sub(end.cd_size);
    let shift = expected_start.saturating_sub(end.cd_offset);
    let cd_start = end.cd_offset.saturating_add(shift);
    if cd_start.saturating_add(end.cd_size) > span.len() {
        return Err(EntryError::new(
            ProblemKind::ArchiveUnreadable,
            format!(
                "the central directory (at byte {cd_start}, {} bytes) lies past the end of the \
                 archive ({} bytes): the archive was cut",
                end.cd_size,
                span.len()
            ),
        ));
    }
    let room = end.cd_size / CENTRAL_SIZE;
    if end.entries > room {
        directory.problems.push(EntryError::new(
            ProblemKind::ArchiveLyingDirectory,
            format!(
                "the archive claims {} entries but its directory can hold at most {room}; the \
                 entries it really holds are read",
                end.entries
            ),
        ));
    }
    let mut reader = BufReader::new(span.sub(cd_start, end.cd_size).reader_at(0));
    loop {
        match read_central(&mut reader, shift) {
            Ok(Some(entry)) => {
                if directory.entries.len() >= max_entries {
                    directory.problems.push(EntryError::new(
                        ProblemKind::ArchiveTooManyEntries,
                        format!("the archive holds more than {max_entries} entries; only the first {max_entries} are read"),
                    ));
                    break;
                }
                directory.entries.push(entry);
            }
            Ok(None) => break,
            Err(err) => {
                directory.problems.push(err);
                break;
            }
        }
    }
    let claimed = end.entries.min(room);
    if (directory.entries.len() as u64) < claimed && directory.problems.is_empty() {
        directory.problems.push(EntryError::new(
            ProblemKind::ArchiveDamaged,
            format!(
                "the directory lists {} entries of the {claimed} the archive claims",
                directory.entries.len()
            ),
        ));
    }
    drop_overlapping(&mut directory);
    Ok(directory)
}

/// The end of central directory record, resolved through its zip64 form.
#[derive(Debug)]
struct End {
    /// Where the (zip64) end record is.
    at: u64,
    entries: u64,
    cd_size: u64,
    cd_offset: u64,
}

fn find_end(span: Span<'_>) -> Result<End, EntryError> {
    let len = span.len();
    let tail_start = len.saturating_sub(END_SEARCH);
    let mut tail = vec![0u8; usize::try_from(len - tail_start).unwrap_or(0)];
    let n = span.read_at(tail_start, &mut tail).map_err(io_problem)?;
    tail.truncate(n);
    // The record whose comment ends the file exactly; failing that, the last one.
    let signature = END_SIG.to_le_bytes();
    let mut fallback = None;
    let mut found = None;
    for at in memchr::memmem::rfind_iter(&tail, &signature) {
        let Some(record) = tail.get(at..at + END_SIZE) else {
            continue;
        };
        let comment = u64::from(le16(record, 20));
        if (at + END_SIZE) as u64 + comment == tail.len() as u64 {
            found = Some(at);
            break;
        }
        fallback = fallback.or(Some(at));
    }
    let Some(at) = found.or(fallback) else {
        return Err(EntryError::new(
            ProblemKind::ArchiveUnreadable,
            "not a readable zip archive: no end of central directory record (a cut archive?)"
                .into(),
        ));
    };
    let record = tail.get(at..at + END_SIZE).unwrap_or_default();
    let at_abs = tail_start + at as u64;
    let mut end = End {
        at: at_abs,
        entries: u64::from(le16(record, 10)),
        cd_size: u64::from(le32(record, 12)),
        cd_offset: u64::from(le32(record, 16)),
    };
    let needs64 =
        end.entries == 0xFFFF || end.cd_size == 0xFFFF_FFFF || end.cd_offset == 0xFFFF_FFFF;
    // The zip64 locator lies just before the end record.
    let locator = at
        .checked_sub(20)
        .and_then(|start| tail.get(start..at))
        .filter(|locator| le32(locator, 0) == END64_LOCATOR_SIG);
    if let Some(locator) = locator {
        let offset = le64(locator, 8);
        let mut record = [0u8; 56];
        let n = span.read_at(offset, &mut record).map_err(io_problem)?;
        if n == record.len() && le32(&record, 0) == END64_SIG {
            end = End {
                at: offset,
                entries: le64(&record, 32),
                cd_size: le64(&record, 40),
                cd_offset: le64(&record, 48),
            };
        } else if needs64 {
            return Err(EntryError::new(
                ProblemKind::ArchiveUnreadable,
                "not a readable zip archive: its zip64 end record is missing or damaged".into(),
            ));
        }
    }
    Ok(end)
}

/// Reads one central directory record; `None` at the end of the directory.
fn read_central<R: BufRead>(reader: &mut R, shift: u64) -> Result<Option<ZipEntry>, EntryError> {
    let mut fixed = [0u8; CENTRAL_SIZE as usize];
    match read_exactly(reader, &mut fixed) {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(err) => return Err(io_problem(err)),
    }
    if le32(&fixed, 0) != CENTRAL_SIG {
        // What follows the last record (digital signature, zip64 end records) ends it too.
        return Ok(None);
    }
    let flags = le16(&fixed, 8);
    let method = le16(&fixed, 10);
    let mut compressed = u64::from(le32(&fixed, 20));
    let mut size = u64::from(le32(&fixed, 24));
    let name_len = usize::from(le16(&fixed, 28));
    let extra_len = usize::from(le16(&fixed, 30));
    let comment_len = u64::from(le16(&fixed, 32));
    let mut local = u64::from(le32(&fixed, 42));
    let mut variable = vec![0u8; name_len + extra_len];
    if !read_exactly(reader, &mut variable).map_err(io_problem)? {
        return Err(cut_directory());
    }
    let skipped = io::copy(&mut reader.take(comment_len), &mut io::sink()).map_err(io_problem)?;
    if skipped < comment_len {
        return Err(cut_directory());
    }
    let (raw_name, extra) = variable.split_at(name_len);
    let mut name = decode_name(raw_name, flags);
    for (id, data) in extra_fields(extra) {
        match id {
            // Zip64: the fields whose 32-bit value is saturated, in this order.
            0x0001 => {
                let mut values = data.chunks_exact(8).map(|v| le64(v, 0));
                if size == 0xFFFF_FFFF {
                    size = values.next().unwrap_or(size);
                }
                if compressed == 0xFFFF_FFFF {
                    compressed = values.next().unwrap_or(compressed);
                }
                if local == 0xFFFF_FFFF {
                    local = values.next().unwrap_or(local);
                }
            }
            // Info-ZIP Unicode path: the UTF-8 name, if it belongs to this header's name.
            0x7075 => {
                if let (Some(&1), Some(crc), Some(utf8)) =
                    (data.first(), data.get(1..5), data.get(5..))
                    && le32(crc, 0) == crc32fast::hash(raw_name)
                    && let Ok(utf8) = std::str::from_utf8(utf8)
                {
                    name = utf8.to_owned();
                }
            }
            _ => {}
        }
    }
    Ok(Some(ZipEntry {
        name: clean_name(&name),
        method,
        flags,
        compressed,
        size,
        local: local.saturating_add(shift),
    }))
}

fn cut_directory() -> EntryError {
    EntryError::new(
        ProblemKind::ArchiveDamaged,
        "the central directory ends inside a record".into(),
    )
}

/// Refuses entries whose bytes overlap an earlier entry's: no archive a tool writes has them,
/// and they let a few kilobytes expand a thousand times over (the "overlapping files" bomb).
fn drop_overlapping(directory: &mut Directory) {
    let mut order: Vec<usize> = (0..directory.entries.len()).collect();
    order.sort_by_key(|&i| directory.entries.get(i).map_or(0, |e| e.local));
    let mut overlapping = vec![false; directory.entries.len()];
    let mut reach = 0u64;
    for &i in &order {
        let Some(entry) = directory.entries.get(i) else {
            continue;
        };
        if entry.is_dir() && entry.compressed == 0 {
            continue;
        }
        if entry.local < reach {
            if let Some(flag) = overlapping.get_mut(i) {
                *flag = true;
            }
            continue;
        }
        reach = entry
            .local
            .saturating_add(LOCAL_SIZE as u64)
            .saturating_add(entry.compressed);
    }
    let mut index = 0;
    let mut dropped = Vec::new();
    directory.entries.retain(|entry| {
        let keep = !overlapping.get(index).copied().unwrap_or(false);
        index += 1;
        if !keep {
            dropped.push(entry.name.clone());
        }
        keep
    });
    directory.overlapping = dropped;
}

/// An entry's bytes, ready to be read.
pub(crate) enum Opened<'b> {
    /// Stored: a window of the archive, read by position like any file.
    Stored(Span<'b>),
    /// Compressed: a stream.
    Compressed(Box<Member<BufReader<SpanReader<'b>>>>),
}

/// Opens `entry` of the archive in `span`.
pub(crate) fn open<'b>(span: Span<'b>, entry: &ZipEntry) -> Result<Opened<'b>, EntryError> {
    let method = method_of(entry.method, entry.flags)?;
    let mut header = [0u8; LOCAL_SIZE];
    let n = span.read_at(entry.local, &mut header).map_err(io_problem)?;
    if n < LOCAL_SIZE || le32(&header, 0) != LOCAL_SIG {
        return Err(EntryError::new(
            ProblemKind::ArchiveEntryDamaged,
            format!(
                "no local header where the directory says (byte {})",
                entry.local
            ),
        ));
    }
    let data = entry.local
        + LOCAL_SIZE as u64
        + u64::from(le16(&header, 26))
        + u64::from(le16(&header, 28));
    if data.saturating_add(entry.compressed) > span.len() {
        return Err(EntryError::new(
            ProblemKind::ArchiveEntryDamaged,
            format!(
                "the entry's data ({} bytes at byte {data}) reach past the end of the archive",
                entry.compressed
            ),
        ));
    }
    let bytes = span.sub(data, entry.compressed);
    Ok(match method {
        Method::Stored => Opened::Stored(bytes),
        method => Opened::Compressed(Box::new(Member::new(
            BufReader::with_capacity(64 * 1024, bytes.reader_at(0)),
            method,
            Some(entry.compressed),
        ))),
    })
}

/// The decompression of method `method`, or why the entry cannot be read.
fn method_of(method: u16, flags: u16) -> Result<Method, EntryError> {
    if flags & 1 != 0 || method == 99 {
        return Err(EntryError::new(
            ProblemKind::ArchiveEntryEncrypted,
            "the entry is encrypted (a password-protected archive): extract it with its \
             password and analyze the files"
                .into(),
        ));
    }
    match method {
        0 => Ok(Method::Stored),
        8 => Ok(Method::Deflate),
        9 => Ok(Method::Deflate64),
        other => Err(EntryError::new(
            ProblemKind::ArchiveEntryUnsupported,
            format!(
                "the entry is compressed with {} (zip method {other}), which is not read: \
                 extract it and analyze the file",
                method_name(other)
            ),
        )),
    }
}

fn method_name(method: u16) -> &'static str {
    match method {
        1 => "Shrink",
        6 => "Implode",
        12 => "bzip2",
        14 => "LZMA",
        93 => "Zstandard",
        95 => "XZ",
        98 => "PPMd",
        _ => "an unknown method",
    }
}

/// A zip archive read front to back by its local headers.
pub(crate) struct ZipStream<R> {
    input: R,
    /// Entries read so far (for problems).
    entries: u64,
    done: bool,
}

/// A local header read from a stream.
#[derive(Debug)]
pub(crate) struct StreamEntry {
    /// The name, cleaned for a report.
    pub name: String,
    method: u16,
    flags: u16,
    compressed: Option<u64>,
    zip64: bool,
}

impl StreamEntry {
    /// A folder, not a file.
    pub(crate) fn is_dir(&self) -> bool {
        self.name.ends_with('/') || self.name.ends_with('\\')
    }
}

impl<R: BufRead> ZipStream<R> {
    /// A zip archive in `input`, from its first byte.
    pub(crate) fn new(input: R) -> Self {
        ZipStream {
            input,
            entries: 0,
            done: false,
        }
    }

    /// The next entry's local header; `None` at the central directory (the end).
    pub(crate) fn next_entry(&mut self) -> Option<Result<StreamEntry, EntryError>> {
        if self.done {
            return None;
        }
        let result = self.read_local();
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result.transpose()
    }

    fn read_local(&mut self) -> Result<Option<StreamEntry>, EntryError> {
        let mut fixed = [0u8; LOCAL_SIZE];
        match read_up_to(&mut self.input, &mut fixed).map_err(io_problem)? {
            0 => return Ok(None),
            LOCAL_SIZE => {}
            _ => {
                return Err(EntryError::new(
                    ProblemKind::ArchiveDamaged,
                    "the archive ends inside a local header".into(),
                ));
            }
        }
        match le32(&fixed, 0) {
            LOCAL_SIG => {}
            CENTRAL_SIG | END_SIG | END64_SIG => return Ok(None),
            _ => {
                return Err(EntryError::new(
                    ProblemKind::ArchiveDamaged,
                    format!(
                        "no zip entry where entry {} should start: what follows is not read",
                        self.entries + 1
                    ),
                ));
            }
        }
        self.entries += 1;
        let flags = le16(&fixed, 6);
        let method = le16(&fixed, 8);
        let mut compressed = u64::from(le32(&fixed, 18));
        let name_len = usize::from(le16(&fixed, 26));
        let extra_len = usize::from(le16(&fixed, 28));
        let mut variable = vec![0u8; name_len + extra_len];
        if !read_exactly(&mut self.input, &mut variable).map_err(io_problem)? {
            return Err(EntryError::new(
                ProblemKind::ArchiveDamaged,
                "the archive ends inside a local header".into(),
            ));
        }
        let (raw_name, extra) = variable.split_at(name_len);
        let mut zip64 = false;
        for (id, data) in extra_fields(extra) {
            if id == 0x0001 {
                zip64 = true;
                // Uncompressed size, then compressed size.
                if let Some(value) = data.get(8..16) {
                    compressed = le64(value, 0);
                }
            }
        }
        let described = flags & 0x08 != 0;
        Ok(Some(StreamEntry {
            name: clean_name(&decode_name(raw_name, flags)),
            method,
            flags,
            compressed: (!described).then_some(compressed),
            zip64,
        }))
    }

    /// The current entry's bytes, decompressed; or why they cannot be read (the stream then
    /// cannot go on when the entry's length is unknown).
    pub(crate) fn open(&mut self, entry: &StreamEntry) -> Result<Member<&mut R>, EntryError> {
        let method = method_of(entry.method, entry.flags);
        let method = match (method, entry.compressed) {
            (Ok(Method::Stored), None) => Err(EntryError::new(
                ProblemKind::ArchiveEntryUnsupported,
                "a stored entry of unknown length inside a compressed archive cannot be \
                 read as a stream: extract the archive and analyze its files"
                    .into(),
            )),
            (method, _) => method,
        };
        match method {
            Ok(method) => Ok(Member::new(&mut self.input, method, entry.compressed)),
            Err(err) => {
                if entry.compressed.is_none() {
                    self.done = true;
                }
                Err(err)
            }
        }
    }

    /// Moves past the current entry: `read` says whether its member was read or skipped to
    /// its end ([`Member::skip_compressed`]); `None` when it was not opened (its bytes are
    /// then skipped raw, which needs their length). Then its data descriptor.
    pub(crate) fn finish_entry(
        &mut self,
        entry: &StreamEntry,
        read: Option<bool>,
    ) -> Result<(), EntryError> {
        if self.done {
            return Ok(());
        }
        let result = self.skip(entry, read);
        if result.is_err() {
            self.done = true;
        }
        result
    }

    fn skip(&mut self, entry: &StreamEntry, read: Option<bool>) -> Result<(), EntryError> {
        match (read, entry.compressed) {
            (Some(true), _) => {}
            (None, Some(compressed)) => {
                let skipped = io::copy(&mut (&mut self.input).take(compressed), &mut io::sink())
                    .map_err(io_problem)?;
                if skipped < compressed {
                    return Err(EntryError::new(
                        ProblemKind::ArchiveDamaged,
                        "the archive ends inside an entry".into(),
                    ));
                }
            }
            _ => {
                return Err(EntryError::new(
                    ProblemKind::ArchiveDamaged,
                    "an entry of unknown length could not be read to its end; the entries \
                     after it are not read"
                        .into(),
                ));
            }
        }
        if entry.flags & 0x08 != 0 {
            // CRC and sizes (8-byte sizes for zip64), after an optional signature.
            let mut first = [0u8; 4];
            if !read_exactly(&mut self.input, &mut first).map_err(io_problem)? {
                return Ok(());
            }
            let mut rest = if entry.zip64 { 16 } else { 8 };
            if le32(&first, 0) == DESCRIPTOR_SIG {
                rest += 4;
            }
            let mut skip = [0u8; 20];
            if let Some(part) = skip.get_mut(..rest) {
                read_exactly(&mut self.input, part).map_err(io_problem)?;
            }
        }
        Ok(())
    }
}

/// The extra fields of a header: (id, data).
fn extra_fields(mut extra: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let id = le16(extra.get(..2)?, 0);
        let len = usize::from(le16(extra.get(2..4)?, 0));
        let data = extra.get(4..4 + len)?;
        extra = extra.get(4 + len..).unwrap_or_default();
        Some((id, data))
    })
}

/// A name as its flags say: UTF-8 (bit 11), else code page 437, as the zip format says and
/// Windows Explorer writes.
fn decode_name(raw: &[u8], flags: u16) -> String {
    if flags & 0x800 != 0 || raw.is_ascii() {
        return String::from_utf8_lossy(raw).into_owned();
    }
    raw.iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                CP437_HIGH
                    .chars()
                    .nth(usize::from(b - 0x80))
                    .unwrap_or('\u{fffd}')
            }
        })
        .collect()
}

/// Code page 437, bytes 0x80 to 0xFF.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// Fills `buf` whole; `Ok(false)` when the input ends first (nothing or part of it read).
fn read_exactly<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<bool> {
    Ok(read_up_to(reader, buf)? == buf.len())
}

fn io_problem(err: io::Error) -> EntryError {
    EntryError::new(
        ProblemKind::ArchiveEntryDamaged,
        format!(
            "the archive cannot be read: {}",
            crate::sources::describe_io(&err)
        ),
    )
}

fn le16(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn le64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::Blob;
    use ::zip::write::SimpleFileOptions;
    use std::io::{Cursor, Write};

    fn archive(files: &[(&str, &[u8])], method: ::zip::CompressionMethod) -> Vec<u8> {
        let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in files {
            let options = SimpleFileOptions::default().compression_method(method);
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn read_all(span: Span<'_>, entry: &ZipEntry) -> Vec<u8> {
        let mut out = Vec::new();
        match open(span, entry).unwrap() {
            Opened::Stored(bytes) => bytes.reader_at(0).read_to_end(&mut out).unwrap(),
            Opened::Compressed(mut member) => member.read_to_end(&mut out).unwrap(),
        };
        out
    }

    #[test]
    fn the_directory_and_the_stream_give_the_same_entries() {
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 97) as u8).collect();
        for method in [
            ::zip::CompressionMethod::Stored,
            ::zip::CompressionMethod::Deflated,
        ] {
            let bytes = archive(&[("a/one.evtx", b"first"), ("two.csv", &big)], method);
            let blob = Blob::Owned(bytes.clone());
            let directory = read_directory(blob.span(), 100).unwrap();
            assert!(directory.problems.is_empty(), "{:?}", directory.problems);
            let names: Vec<&str> = directory.entries.iter().map(|e| e.name.as_str()).collect();
            assert_eq!(names, ["a/one.evtx", "two.csv"]);
            assert_eq!(read_all(blob.span(), &directory.entries[1]), big);

            let mut stream = ZipStream::new(&bytes[..]);
            let mut seen = Vec::new();
            while let Some(entry) = stream.next_entry() {
                let entry = entry.unwrap();
                let mut member = stream.open(&entry).unwrap();
                let mut out = Vec::new();
                member.read_to_end(&mut out).unwrap();
                let read = member.skip_compressed().unwrap();
                stream.finish_entry(&entry, Some(read)).unwrap();
                seen.push((entry.name, out));
            }
            assert_eq!(seen.len(), 2);
            assert_eq!(seen[1].1, big);
        }
    }

    #[test]
    fn a_claimed_entry_count_is_bounded_by_the_directory() {
        let mut bytes = archive(&[("x.evtx", b"abc")], ::zip::CompressionMethod::Stored);
        // Claim 0xFFFE entries in the end record (no zip64: the real count is bounded).
        let end = bytes.len() - END_SIZE;
        bytes[end + 8..end + 12].copy_from_slice(&[0xFE, 0xFF, 0xFE, 0xFF]);
        let blob = Blob::Owned(bytes);
        let directory = read_directory(blob.span(), 100).unwrap();
        assert_eq!(directory.entries.len(), 1);
        assert_eq!(
            directory.problems[0].kind,
            ProblemKind::ArchiveLyingDirectory
        );
    }

    #[test]
    fn fake_end_records_cost_one_pass() {
        let mut bytes = archive(&[("x.evtx", b"abc")], ::zip::CompressionMethod::Stored);
        let fake = END_SIG.to_le_bytes();
        let mut garbage = Vec::new();
        for _ in 0..(1 << 18) {
            garbage.extend_from_slice(&fake);
        }
        // Fakes before the archive and inside its comment space.
        garbage.extend_from_slice(&bytes);
        bytes = garbage;
        let blob = Blob::Owned(bytes);
        let directory = read_directory(blob.span(), 100).unwrap();
        assert_eq!(directory.entries.len(), 1);
        assert_eq!(read_all(blob.span(), &directory.entries[0]), b"abc");
        // Nothing but fakes: refused, quickly.
        let blob = Blob::Owned(fake.repeat(1 << 18));
        assert!(read_directory(blob.span(), 100).is_err());
    }

    #[test]
    fn overlapping_entries_are_refused() {
        let bytes = archive(
            &[("one.evtx", &[5u8; 1000])],
            ::zip::CompressionMethod::Deflated,
        );
        // Duplicate the one directory record: two entries sharing one local header.
        let end = bytes.len() - END_SIZE;
        let cd_offset = u32::from_le_bytes(bytes[end + 16..end + 20].try_into().unwrap()) as usize;
        let record = bytes[cd_offset..end].to_vec();
        let mut forged = bytes[..cd_offset].to_vec();
        forged.extend_from_slice(&record);
        forged.extend_from_slice(&record);
        let mut end_record = bytes[end..].to_vec();
        end_record[8..10].copy_from_slice(&2u16.to_le_bytes());
        end_record[10..12].copy_from_slice(&2u16.to_le_bytes());
        end_record[12..16].copy_from_slice(&(2 * record.len() as u32).to_le_bytes());
        forged.extend_from_slice(&end_record);
        let blob = Blob::Owned(forged);
        let directory = read_directory(blob.span(), 100).unwrap();
        assert_eq!(directory.entries.len(), 1);
        assert_eq!(directory.overlapping, ["one.evtx"]);
    }

    #[test]
    fn encrypted_and_unknown_methods_are_named() {
        assert_eq!(
            method_of(8, 1).unwrap_err().kind,
            ProblemKind::ArchiveEntryEncrypted
        );
        assert_eq!(
            method_of(99, 0).unwrap_err().kind,
            ProblemKind::ArchiveEntryEncrypted
        );
        let unsupported = method_of(12, 0).unwrap_err();
        assert_eq!(unsupported.kind, ProblemKind::ArchiveEntryUnsupported);
        assert!(unsupported.message.contains("bzip2"));
    }

    #[test]
    fn names_in_code_page_437_are_decoded() {
        assert_eq!(decode_name(b"caf\x82.evtx", 0), "café.evtx");
        assert_eq!(decode_name("café".as_bytes(), 0x800), "café");
        assert_eq!(CP437_HIGH.chars().count(), 128);
    }
}
