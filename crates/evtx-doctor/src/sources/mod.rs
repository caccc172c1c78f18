//! Sources: where an analysis's bytes come from, and how they are read.
//!
//! A [`Source`] is a path (a file, a folder walked recursively, a glob), bytes in memory
//! (owned, shared or borrowed for the call), a reader that seeks, or a stream that only reads
//! (standard input). Each has a name for the report. What the bytes are — .evtx, an archive,
//! an export — is decided later, from their content, by [`formats`](crate::formats).

mod blob;
mod walk;

pub use blob::ReadSeek;
pub(crate) use blob::read_up_to;
pub(crate) use blob::{Blob, ReadAt, Span, SpanReader};
pub(crate) use walk::{Leaf, describe_io, expand, has_extension};

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

/// One input to analyze, with the name the report gives it.
///
/// ```
/// use evtx_doctor::Source;
///
/// let from_disk = Source::path("logs/Application.evtx");
/// let in_memory = Source::bytes("upload-17.zip", vec![0u8; 0]);
/// let borrowed = Source::borrowed("pasted.txt", b"Log Name: Application");
/// assert_eq!(in_memory.name(), "upload-17.zip");
/// # let _ = (from_disk, borrowed);
/// ```
pub struct Source<'a> {
    name: String,
    pub(crate) what: What<'a>,
}

/// What a source holds (every variant covariant in `'a`, so that sources of different
/// lifetimes mix).
pub(crate) enum What<'a> {
    /// A file, folder or glob.
    Path(PathBuf),
    /// Bytes in memory.
    Memory(Memory<'a>),
    /// A reader that seeks (its length is found when the run opens it).
    Seekable(Box<dyn ReadSeek + 'a>),
    /// A stream read once, front to back.
    Stream(Box<dyn Read + Send + 'a>),
}

/// Bytes in memory, as the caller gave them.
pub(crate) enum Memory<'a> {
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
    Borrowed(&'a [u8]),
}

impl<'a> Memory<'a> {
    /// The bytes, read by position.
    pub(crate) fn into_blob(self) -> Blob<'a> {
        match self {
            Memory::Owned(bytes) => Blob::Owned(bytes),
            Memory::Shared(bytes) => Blob::Shared(bytes),
            Memory::Borrowed(bytes) => Blob::Borrowed(bytes),
        }
    }
}

impl std::fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match &self.what {
            What::Path(_) => "path",
            What::Memory(_) => "bytes",
            What::Seekable(_) => "reader",
            What::Stream(_) => "stream",
        };
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("what", &what)
            .finish()
    }
}

impl<'a> Source<'a> {
    /// A file, a folder (walked recursively, log and archive files only) or a glob
    /// (`logs/*.evtx`, `**/App*.evtx`) the shell did not expand. Named as written.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        Source {
            name: path.to_string_lossy().into_owned(),
            what: What::Path(path),
        }
    }

    /// Bytes in memory, owned by the run (`Vec<u8>`, `Box<[u8]>`, ...); never copied.
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Source {
            name: name.into(),
            what: What::Memory(Memory::Owned(bytes.into())),
        }
    }

    /// Bytes in memory shared with the caller; never copied.
    pub fn shared(name: impl Into<String>, bytes: Arc<[u8]>) -> Self {
        Source {
            name: name.into(),
            what: What::Memory(Memory::Shared(bytes)),
        }
    }

    /// Bytes borrowed for the duration of the run; never copied.
    pub fn borrowed(name: impl Into<String>, bytes: &'a [u8]) -> Self {
        Source {
            name: name.into(),
            what: What::Memory(Memory::Borrowed(bytes)),
        }
    }

    /// A reader that seeks (a file opened by the caller, a `Cursor`, a network object with
    /// ranges): read by position, one read at a time.
    pub fn reader(name: impl Into<String>, reader: impl ReadSeek + 'a) -> Self {
        Source {
            name: name.into(),
            what: What::Seekable(Box::new(reader)),
        }
    }

    /// A stream that is read once, front to back (a pipe, a socket, an HTTP body). Every
    /// format reads from it but 7z, which needs to seek: a 7z stream is read into memory up to
    /// [`Limits::buffered_bytes`](crate::Limits::buffered_bytes).
    pub fn stream(name: impl Into<String>, reader: impl Read + Send + 'a) -> Self {
        Source {
            name: name.into(),
            what: What::Stream(Box::new(reader)),
        }
    }

    /// Standard input, named `-` (`Get-Clipboard | evtx-doctor analyze -`).
    pub fn stdin() -> Self {
        Source::stream("-", std::io::stdin())
    }

    /// The name the report gives it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same source under another name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

impl From<PathBuf> for Source<'static> {
    fn from(path: PathBuf) -> Self {
        Source::path(path)
    }
}

impl From<&std::path::Path> for Source<'static> {
    fn from(path: &std::path::Path) -> Self {
        Source::path(path)
    }
}

impl From<&PathBuf> for Source<'static> {
    fn from(path: &PathBuf) -> Self {
        Source::path(path.clone())
    }
}

impl From<&str> for Source<'static> {
    /// A path.
    fn from(path: &str) -> Self {
        Source::path(path)
    }
}
