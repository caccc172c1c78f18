//! A readable input: a file on disk read by position, or bytes in memory (archive entries).

use std::fs::File;
use std::io;
use std::sync::Arc;

/// Bytes that can be read at any offset, by several threads at once.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk, read with positioned reads (no shared cursor).
    File {
        /// The open file.
        file: Arc<File>,
        /// Its length when opened.
        len: u64,
    },
    /// Bytes already in memory (an archive entry).
    Memory(Arc<[u8]>),
}

impl Source {
    /// Opens a file.
    pub fn open(path: &std::path::Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        if metadata.is_dir() {
            return Err(io::Error::other("is a directory"));
        }
        Ok(Source::File {
            file: Arc::new(file),
            len: metadata.len(),
        })
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Source::File { len, .. } => *len,
            Source::Memory(bytes) => bytes.len() as u64,
        }
    }

    /// Whether the source holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads up to `buf.len()` bytes at `offset`; fewer only at the end of the source.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::File { file, .. } => read_full_at(file, offset, buf),
            Source::Memory(bytes) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let available = bytes.get(start..).unwrap_or_default();
                let n = available.len().min(buf.len());
                if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
                    dst.copy_from_slice(src);
                }
                Ok(n)
            }
        }
    }
}

/// Reads a [`Source`] from an offset on, as a stream.
#[derive(Debug, Clone)]
pub struct SourceReader<'a> {
    source: &'a Source,
    at: u64,
}

impl Source {
    /// A stream of the bytes from `offset` on.
    pub fn reader_at(&self, offset: u64) -> SourceReader<'_> {
        SourceReader {
            source: self,
            at: offset,
        }
    }
}

impl io::Read for SourceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.source.read_at(self.at, buf)?;
        self.at += n as u64;
        Ok(n)
    }
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
