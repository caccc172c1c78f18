//! Bytes that can be read at any offset, by several threads at once: a file read by position,
//! bytes in memory (owned, shared or borrowed), or a `Read + Seek` behind a lock; and
//! [`Span`], a window of such bytes (a whole input, a stored archive entry).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

/// Anything read by position from several threads.
pub(crate) trait ReadAt: Sync {
    /// Length in bytes (fixed when opened).
    fn size(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset`; fewer only at the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// A `Read + Seek` that can be sent to another thread.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Random-access bytes, owned by a run.
pub(crate) enum Blob<'a> {
    /// A file on disk, read with positioned reads (no shared cursor).
    File { file: File, len: u64 },
    /// Bytes in memory, owned.
    Owned(Vec<u8>),
    /// Bytes in memory, shared with the caller.
    Shared(Arc<[u8]>),
    /// Bytes in memory, borrowed from the caller for the run.
    Borrowed(&'a [u8]),
    /// A reader that seeks: one read at a time, behind a lock.
    Reader {
        reader: Mutex<Box<dyn ReadSeek + 'a>>,
        len: u64,
    },
}

impl<'a> Blob<'a> {
    /// Opens a regular file.
    pub(crate) fn open(path: &std::path::Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        if metadata.is_dir() {
            return Err(io::Error::other("is a directory"));
        }
        Ok(Blob::File {
            file,
            len: metadata.len(),
        })
    }

    /// A reader that seeks; its length is found by seeking to its end.
    pub(crate) fn reader(mut reader: Box<dyn ReadSeek + 'a>) -> io::Result<Self> {
        let len = reader.seek(SeekFrom::End(0))?;
        Ok(Blob::Reader {
            reader: Mutex::new(reader),
            len,
        })
    }

    /// All of it.
    pub(crate) fn span(&self) -> Span<'_> {
        Span {
            data: self,
            start: 0,
            len: self.size(),
        }
    }
}

impl ReadAt for Blob<'_> {
    fn size(&self) -> u64 {
        match self {
            Blob::File { len, .. } | Blob::Reader { len, .. } => *len,
            Blob::Owned(bytes) => bytes.len() as u64,
            Blob::Shared(bytes) => bytes.len() as u64,
            Blob::Borrowed(bytes) => bytes.len() as u64,
        }
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Blob::File { file, .. } => read_full_at(file, offset, buf),
            Blob::Owned(bytes) => Ok(copy_at(bytes, offset, buf)),
            Blob::Shared(bytes) => Ok(copy_at(bytes, offset, buf)),
            Blob::Borrowed(bytes) => Ok(copy_at(bytes, offset, buf)),
            Blob::Reader { reader, len } => {
                let mut reader = reader
                    .lock()
                    .map_err(|_| io::Error::other("the reader failed in another thread"))?;
                if offset >= *len {
                    return Ok(0);
                }
                reader.seek(SeekFrom::Start(offset))?;
                read_up_to(&mut **reader, buf)
            }
        }
    }
}

/// A window `start..start + len` of random-access bytes; cheap to copy.
#[derive(Clone, Copy)]
pub(crate) struct Span<'b> {
    data: &'b dyn ReadAt,
    start: u64,
    len: u64,
}

impl std::fmt::Debug for Span<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Span")
            .field("start", &self.start)
            .field("len", &self.len)
            .finish()
    }
}

impl<'b> Span<'b> {
    /// Length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Reads up to `buf.len()` bytes at `offset` of the window; fewer only at its end.
    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.len.saturating_sub(offset);
        let want = usize::try_from(rest).map_or(buf.len(), |rest| rest.min(buf.len()));
        let Some(buf) = buf.get_mut(..want) else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        self.data.read_at(self.start.saturating_add(offset), buf)
    }

    /// The part `offset..offset + len` of the window (clamped to it).
    pub(crate) fn sub(&self, offset: u64, len: u64) -> Span<'b> {
        let offset = offset.min(self.len);
        Span {
            data: self.data,
            start: self.start + offset,
            len: len.min(self.len - offset),
        }
    }

    /// A stream of the window's bytes from `offset` on, that can also seek.
    pub(crate) fn reader_at(&self, offset: u64) -> SpanReader<'b> {
        SpanReader {
            span: *self,
            at: offset,
        }
    }
}

/// Reads a [`Span`] as a stream; seeks within it.
#[derive(Debug, Clone)]
pub(crate) struct SpanReader<'b> {
    span: Span<'b>,
    at: u64,
}

impl Read for SpanReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.span.read_at(self.at, buf)?;
        self.at += n as u64;
        Ok(n)
    }
}

impl Seek for SpanReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => self.span.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.at.checked_add_signed(delta),
        };
        self.at = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.at)
    }
}

fn copy_at(bytes: &[u8], offset: u64, buf: &mut [u8]) -> usize {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let available = bytes.get(start..).unwrap_or_default();
    let n = available.len().min(buf.len());
    if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
        dst.copy_from_slice(src);
    }
    n
}

/// Reads into `buf` until it is full or the input ends (a `read_exact` that tells how much it
/// got); returns how much was read.
pub(crate) fn read_up_to(reader: &mut (impl Read + ?Sized), buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

fn read_full_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match read_at_once(file, offset + filled as u64, rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

#[cfg(unix)]
fn read_at_once(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at_once(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_their_window_only() {
        let blob = Blob::Owned((0u8..100).collect());
        let span = blob.span().sub(10, 20);
        let mut buf = [0u8; 8];
        assert_eq!(span.read_at(0, &mut buf).unwrap(), 8);
        assert_eq!(buf[0], 10);
        assert_eq!(span.read_at(16, &mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], &[26, 27, 28, 29]);
        assert_eq!(span.read_at(20, &mut buf).unwrap(), 0);
        assert_eq!(span.read_at(u64::MAX, &mut buf).unwrap(), 0);
        let inner = span.sub(15, 100);
        assert_eq!(inner.len(), 5);
        let mut all = Vec::new();
        inner.reader_at(0).read_to_end(&mut all).unwrap();
        assert_eq!(all, [25, 26, 27, 28, 29]);
    }

    #[test]
    fn a_seeking_reader_is_read_by_position() {
        let data: Vec<u8> = (0u8..=255).collect();
        let blob = Blob::reader(Box::new(io::Cursor::new(data))).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(blob.read_at(252, &mut buf).unwrap(), 4);
        assert_eq!(buf, [252, 253, 254, 255]);
        assert_eq!(blob.read_at(3, &mut buf).unwrap(), 4);
        assert_eq!(buf, [3, 4, 5, 6]);
        assert_eq!(blob.read_at(400, &mut buf).unwrap(), 0);
    }
}
