//! Tar archives (POSIX ustar and pax, GNU, v7), read front to back: each regular file becomes
//! a stream of exactly its bytes. Long names (GNU `L`, pax `path`) are bounded; sparse files,
//! links and devices are skipped.

use super::{EntryError, clean_name};
use crate::report::ProblemKind;
use crate::sources::read_up_to;
use std::io::{self, Read};

const BLOCK: usize = 512;
/// The longest name or pax header read; longer ones are refused, not held.
const MAX_META: u64 = 64 * 1024;

/// Whether `head` starts with a tar header: the ustar magic, or an old header whose checksum
/// holds.
pub(crate) fn is_header(head: &[u8]) -> bool {
    let Some(header) = head.get(..BLOCK) else {
        return false;
    };
    let magic = header.get(257..263).unwrap_or_default();
    let checksum_ok = checksum_matches(header);
    let ustar = magic == b"ustar\0" || magic == b"ustar ";
    // An old header has no magic: its checksum and a name say it is one.
    checksum_ok && (ustar || header.first().is_some_and(|&b| b != 0))
}

fn checksum_matches(header: &[u8]) -> bool {
    let Some(stored) = header.get(148..156).and_then(octal) else {
        return false;
    };
    let sum: u64 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    stored == sum
}

/// An octal field (NUL or space terminated), or a base-256 one (high bit set).
fn octal(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|&b| b & 0x80 != 0) {
        return field
            .iter()
            .skip(1)
            .try_fold(u64::from(field.first()? & 0x7f), |acc, &b| {
                acc.checked_mul(256)?.checked_add(u64::from(b))
            });
    }
    let text = std::str::from_utf8(field).ok()?;
    let digits = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if digits.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(digits, 8).ok()
}

/// A regular file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TarEntry {
    /// The name, cleaned for a report.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A tar archive read front to back.
pub(crate) struct TarStream<R> {
    input: R,
    /// Bytes consumed so far.
    at: u64,
    /// Bytes of the current entry (and its padding) not yet consumed.
    pending: u64,
    done: bool,
}

impl<R: Read> TarStream<R> {
    /// A tar archive in `input`, from its first byte.
    pub(crate) fn new(input: R) -> Self {
        TarStream {
            input,
            at: 0,
            pending: 0,
            done: false,
        }
    }

    /// The next regular file; `None` at the end of the archive.
    pub(crate) fn next_entry(&mut self) -> Option<Result<TarEntry, EntryError>> {
        if self.done {
            return None;
        }
        let result = self.read_next();
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result.transpose()
    }

    /// The current entry's bytes; what is not read of them is skipped by the next
    /// [`TarStream::next_entry`].
    pub(crate) fn entry(&mut self, entry: &TarEntry) -> TarEntryReader<'_, R> {
        let left = entry.size.min(self.pending);
        TarEntryReader { stream: self, left }
    }

    fn skip(&mut self, mut n: u64) -> Result<(), EntryError> {
        let skipped = io::copy(&mut Read::take(&mut self.input, n), &mut io::sink())
            .map_err(|err| damaged(self.at, &err.to_string()))?;
        self.at += skipped;
        if skipped < n {
            n -= skipped;
            return Err(damaged(
                self.at,
                &format!("the archive ends {n} bytes early"),
            ));
        }
        Ok(())
    }

    fn read_next(&mut self) -> Result<Option<TarEntry>, EntryError> {
        // What the previous entry's reader left, and its padding.
        let pending = std::mem::take(&mut self.pending);
        self.skip(pending)?;
        let mut long_name: Option<String> = None;
        loop {
            let mut header = [0u8; BLOCK];
            let start = self.at;
            let n = read_up_to(&mut self.input, &mut header)
                .map_err(|err| damaged(start, &err.to_string()))?;
            self.at += n as u64;
            if n == 0 || header.iter().all(|&b| b == 0) {
                return Ok(None);
            }
            if n < BLOCK {
                return Err(damaged(start, "the archive ends inside a header"));
            }
            if !checksum_matches(&header) {
                return Err(damaged(start, "a header's checksum does not match"));
            }
            let size = header
                .get(124..136)
                .and_then(octal)
                .ok_or_else(|| damaged(start, "a header's size cannot be read"))?;
            let padded = size.div_ceil(BLOCK as u64).saturating_mul(BLOCK as u64);
            let kind = header.get(156).copied().unwrap_or(0);
            match kind {
                // GNU long name, pax extended header: bounded metadata for the next entry.
                b'L' | b'x' => {
                    if size > MAX_META {
                        return Err(damaged(
                            start,
                            "a long name or extended header is too large",
                        ));
                    }
                    let mut meta = vec![0u8; usize::try_from(padded).unwrap_or(0)];
                    let read = read_up_to(&mut self.input, &mut meta)
                        .map_err(|err| damaged(start, &err.to_string()))?;
                    self.at += read as u64;
                    if read < meta.len() {
                        return Err(damaged(start, "the archive ends inside a header"));
                    }
                    meta.truncate(usize::try_from(size).unwrap_or(0));
                    if kind == b'L' {
                        let name = meta.split(|&b| b == 0).next().unwrap_or_default();
                        long_name = Some(String::from_utf8_lossy(name).into_owned());
                    } else if let Some(path) = pax_path(&meta) {
                        long_name = Some(path);
                    }
                }
                // A regular file.
                b'0' | 0 | b'7' => {
                    let name = long_name.take().unwrap_or_else(|| header_name(&header));
                    self.pending = padded;
                    let entry = TarEntry {
                        name: clean_name(&name),
                        size,
                    };
                    if entry.name.ends_with('/') {
                        continue_skip(self, padded)?;
                        continue;
                    }
                    return Ok(Some(entry));
                }
                // Folders, links, devices, global headers, sparse files: skipped.
                _ => {
                    long_name = None;
                    self.skip(padded)?;
                }
            }
        }
    }
}

/// The bytes of one entry.
pub(crate) struct TarEntryReader<'t, R> {
    stream: &'t mut TarStream<R>,
    left: u64,
}

impl<R: Read> Read for TarEntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
        let Some(buf) = buf.get_mut(..want) else {
            return Ok(0);
        };
        let n = self.stream.input.read(buf)?;
        self.left -= n as u64;
        self.stream.pending = self.stream.pending.saturating_sub(n as u64);
        self.stream.at += n as u64;
        Ok(n)
    }
}

fn continue_skip<R: Read>(stream: &mut TarStream<R>, padded: u64) -> Result<(), EntryError> {
    stream.pending = 0;
    stream.skip(padded)
}

/// The `path` record of a pax extended header (`"%d path=%s\n"` records).
fn pax_path(meta: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(meta);
    text.lines().find_map(|record| {
        let (_, field) = record.split_once(' ')?;
        field.strip_prefix("path=").map(str::to_owned)
    })
}

/// The ustar name: prefix, `/`, name.
fn header_name(header: &[u8]) -> String {
    let field = |range: std::ops::Range<usize>| {
        let bytes = header.get(range).unwrap_or_default();
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned()
    };
    let name = field(0..100);
    let ustar = header.get(257..262) == Some(b"ustar");
    let prefix = if ustar {
        field(345..500)
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

fn damaged(at: u64, what: &str) -> EntryError {
    EntryError::new(
        ProblemKind::ArchiveDamaged,
        format!("the tar archive is damaged at byte {at}: {what}; what follows is not read"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ustar header for a regular file.
    fn header(name: &str, size: u64, kind: u8) -> [u8; BLOCK] {
        let mut h = [0u8; BLOCK];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    }

    fn tar(entries: &[(&str, &[u8], u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data, kind) in entries {
            out.extend_from_slice(&header(name, data.len() as u64, *kind));
            out.extend_from_slice(data);
            out.resize(out.len().next_multiple_of(BLOCK), 0);
        }
        out.extend_from_slice(&[0u8; 2 * BLOCK]);
        out
    }

    fn names_and_bytes(bytes: &[u8], read: bool) -> Vec<(String, Vec<u8>)> {
        let mut stream = TarStream::new(bytes);
        let mut out = Vec::new();
        while let Some(entry) = stream.next_entry() {
            let entry = entry.unwrap();
            let mut data = Vec::new();
            if read {
                stream.entry(&entry).read_to_end(&mut data).unwrap();
            }
            out.push((entry.name, data));
        }
        out
    }

    #[test]
    fn regular_files_are_read_and_the_rest_skipped() {
        let long = "x".repeat(150) + ".evtx";
        let bytes = tar(&[
            ("logs/", b"", b'5'),
            ("logs/a.evtx", b"first file", b'0'),
            ("././@LongLink", format!("{long}\0").as_bytes(), b'L'),
            ("ignored", b"second", b'0'),
            ("link", b"", b'2'),
        ]);
        assert!(is_header(&bytes));
        let read = names_and_bytes(&bytes, true);
        assert_eq!(read.len(), 2);
        assert_eq!(read[0], ("logs/a.evtx".into(), b"first file".to_vec()));
        assert_eq!(read[1], (long.clone(), b"second".to_vec()));
        // Entries not read are skipped all the same.
        assert_eq!(names_and_bytes(&bytes, false).len(), 2);
    }

    #[test]
    fn hostile_headers_are_bounded() {
        // A long name claiming 1 GiB: refused, nothing allocated for it.
        let mut bytes = header("././@LongLink", 1 << 30, b'L').to_vec();
        bytes.extend_from_slice(&[b'a'; 1024]);
        let mut stream = TarStream::new(&bytes[..]);
        assert_eq!(
            stream.next_entry().unwrap().unwrap_err().kind,
            ProblemKind::ArchiveDamaged
        );
        // A file claiming more than the archive holds: its reader ends where the archive does.
        let mut bytes = header("a.evtx", 1 << 32, b'0').to_vec();
        bytes.extend_from_slice(b"short");
        let mut stream = TarStream::new(&bytes[..]);
        let entry = stream.next_entry().unwrap().unwrap();
        let mut data = Vec::new();
        stream.entry(&entry).read_to_end(&mut data).unwrap();
        assert_eq!(data, b"short");
        assert!(stream.next_entry().unwrap().is_err());
        // Not tar.
        assert!(!is_header(b"hello"));
        assert!(!is_header(&[0u8; 1024]));
    }

    #[test]
    fn base_256_sizes_are_read() {
        let mut field = [0u8; 12];
        field[0] = 0x80;
        field[8..].copy_from_slice(&[0x01, 0x00, 0x00, 0x00]);
        assert_eq!(octal(&field), Some(1 << 24));
        assert_eq!(octal(b"00000000012\0"), Some(10));
        assert_eq!(octal(b"garbage!!!!\0"), None);
    }
}
