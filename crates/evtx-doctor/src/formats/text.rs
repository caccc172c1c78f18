//! Text exports as a stream of UTF-8 bytes, whatever their encoding (UTF-8 with or without a
//! BOM, UTF-16 LE/BE), with the position in the file and the line number of what was consumed.

use encoding_rs::{Decoder, UTF_16BE, UTF_16LE};
use std::io::{self, Read};

/// The encodings a text export may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// UTF-8, or anything ASCII-compatible (invalid bytes are replaced, never fatal).
    Utf8,
    /// UTF-16 little endian (Windows "Unicode").
    Utf16Le,
    /// UTF-16 big endian.
    Utf16Be,
}

/// Detects the encoding of a text file from its first bytes; returns it and the BOM length.
pub(crate) fn detect(head: &[u8]) -> (Encoding, u64) {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        // No BOM, but an ASCII character followed (or preceded) by a zero byte.
        [c, 0, ..] if *c != 0 && c.is_ascii() => (Encoding::Utf16Le, 0),
        [0, c, ..] if *c != 0 && c.is_ascii() => (Encoding::Utf16Be, 0),
        _ => (Encoding::Utf8, 0),
    }
}

/// Decodes `head` (the first bytes of a file, possibly cut anywhere) to text, for sniffing.
pub(crate) fn decode_head(head: &[u8]) -> String {
    let (encoding, bom) = detect(head);
    let body = head.get(bom as usize..).unwrap_or_default();
    match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(body).into_owned(),
        Encoding::Utf16Le => UTF_16LE.decode_without_bom_handling(body).0.into_owned(),
        Encoding::Utf16Be => UTF_16BE.decode_without_bom_handling(body).0.into_owned(),
    }
}

/// How many bytes are read from the source at a time.
const BLOCK: usize = 64 * 1024;

/// A reader of a text stream as UTF-8 (BOM removed).
pub(crate) struct TextReader<R> {
    reader: R,
    /// Bytes read while detecting the encoding, not decoded yet.
    head: Vec<u8>,
    decoder: Option<Decoder>,
    raw: Vec<u8>,
    /// Decoded bytes not yet handed out.
    pending: Vec<u8>,
    pending_start: usize,
    done: bool,
}

impl<R: Read> TextReader<R> {
    /// Reads the first bytes of `reader` to detect its encoding; returns the reader, the
    /// encoding and the BOM length.
    pub(crate) fn new(mut reader: R) -> io::Result<(Self, Encoding, u64)> {
        let mut head = [0u8; 4];
        let mut n = 0;
        while let Some(rest) = head.get_mut(n..).filter(|rest| !rest.is_empty()) {
            match reader.read(rest) {
                Ok(0) => break,
                Ok(read) => n += read,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        let head = head.get(..n).unwrap_or_default();
        let (encoding, bom) = detect(head);
        let decoder = match encoding {
            Encoding::Utf8 => None,
            Encoding::Utf16Le => Some(UTF_16LE.new_decoder_without_bom_handling()),
            Encoding::Utf16Be => Some(UTF_16BE.new_decoder_without_bom_handling()),
        };
        let reader = TextReader {
            reader,
            head: head.get(bom as usize..).unwrap_or_default().to_vec(),
            decoder,
            raw: vec![0; BLOCK],
            pending: Vec::new(),
            pending_start: 0,
            done: false,
        };
        Ok((reader, encoding, bom))
    }

    /// The next raw bytes into `self.raw`: what detection read first, then the stream.
    fn read_raw(&mut self) -> io::Result<usize> {
        if !self.head.is_empty() {
            let n = self.head.len().min(self.raw.len());
            if let (Some(dst), Some(src)) = (self.raw.get_mut(..n), self.head.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.head.drain(..n);
            return Ok(n);
        }
        loop {
            match self.reader.read(&mut self.raw) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }
}

impl<R: Read> Read for TextReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let pending = self.pending.get(self.pending_start..).unwrap_or_default();
            if !pending.is_empty() {
                let n = pending.len().min(buf.len());
                if let (Some(dst), Some(src)) = (buf.get_mut(..n), pending.get(..n)) {
                    dst.copy_from_slice(src);
                }
                self.pending_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            let n = self.read_raw()?;
            let raw = self.raw.get(..n).unwrap_or_default();
            let Some(decoder) = self.decoder.as_mut() else {
                if n == 0 {
                    self.done = true;
                }
                // UTF-8: hand the bytes out as they are.
                let take = n.min(buf.len());
                if let (Some(dst), Some(src)) = (buf.get_mut(..take), raw.get(..take)) {
                    dst.copy_from_slice(src);
                }
                self.pending.clear();
                self.pending
                    .extend_from_slice(raw.get(take..).unwrap_or_default());
                self.pending_start = 0;
                return Ok(take);
            };
            let last = n == 0;
            self.pending.clear();
            self.pending_start = 0;
            let capacity = decoder
                .max_utf8_buffer_length(raw.len())
                .unwrap_or(raw.len() * 3 + 16);
            self.pending.resize(capacity, 0);
            let (_, _, written, _) = decoder.decode_to_utf8(raw, &mut self.pending, last);
            self.pending.truncate(written);
            if last {
                self.done = true;
            }
        }
    }
}

/// Line ends made LF where a line ends with a lone CR (old Mac Excel and some editors write
/// CR-only files); CRLF and LF pass unchanged, so a line is always what ends with `\n`.
pub(crate) struct LoneCr<R> {
    inner: R,
    /// The last byte handed in was a CR whose follower is not read yet.
    held_cr: bool,
    /// A byte made but not handed out yet (reads of one byte).
    spare: Option<u8>,
    done: bool,
}

impl<R> LoneCr<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> Self {
        LoneCr {
            inner,
            held_cr: false,
            spare: None,
            done: false,
        }
    }
}

impl<R: Read> Read for LoneCr<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(byte) = self.spare.take() {
            if let Some(slot) = buf.get_mut(0) {
                *slot = byte;
            }
            return Ok(1);
        }
        if buf.len() < 2 {
            // A held CR needs room for the byte that decides it: read two, keep one back.
            let mut two = [0u8; 2];
            let n = self.read(&mut two)?;
            if let (Some(slot), Some(&byte)) = (buf.get_mut(0), two.first()) {
                *slot = byte;
            }
            if n == 2 {
                self.spare = two.get(1).copied();
            }
            return Ok(n.min(1));
        }
        loop {
            if self.done {
                return Ok(0);
            }
            let first = usize::from(self.held_cr);
            let n = match buf.get_mut(first..) {
                Some(rest) => self.inner.read(rest)?,
                None => 0,
            };
            let mut total = first + n;
            if self.held_cr {
                self.held_cr = false;
                let follower = if n > 0 { buf.get(1).copied() } else { None };
                if let Some(slot) = buf.get_mut(0) {
                    *slot = if follower == Some(b'\n') {
                        b'\r'
                    } else {
                        b'\n'
                    };
                }
            }
            if n == 0 {
                self.done = true;
            }
            let Some(filled) = buf.get_mut(..total) else {
                return Ok(0);
            };
            for i in memchr::memchr_iter(b'\r', filled).collect::<Vec<_>>() {
                match filled.get(i + 1) {
                    Some(b'\n') => {}
                    Some(_) => {
                        if let Some(cr) = filled.get_mut(i) {
                            *cr = b'\n';
                        }
                    }
                    // The last byte: what follows decides, unless the stream ended.
                    None if n > 0 => {
                        self.held_cr = true;
                        total -= 1;
                    }
                    None => {
                        if let Some(cr) = filled.get_mut(i) {
                            *cr = b'\n';
                        }
                    }
                }
            }
            if total > 0 || self.done {
                return Ok(total);
            }
        }
    }
}

/// A sliding window over a text stream that knows the file offset and line number of its
/// first byte.
pub(crate) struct Window<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    /// File offset of `buf[start]`.
    offset: u64,
    /// Newlines before `buf[start]`.
    lines: u64,
    utf16: bool,
    eof: bool,
    io_error: Option<io::Error>,
}

impl<R: Read> Window<R> {
    /// A window over `reader`, whose first byte is at file offset `offset`.
    pub(crate) fn new(reader: R, encoding: Encoding, offset: u64) -> Self {
        Window {
            reader,
            buf: Vec::new(),
            start: 0,
            offset,
            lines: 0,
            utf16: encoding != Encoding::Utf8,
            eof: false,
            io_error: None,
        }
    }

    /// The bytes in the window.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// File offset of the window's first byte.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Line number (1-based) of the window's first byte.
    pub(crate) fn line(&self) -> u64 {
        self.lines + 1
    }

    /// Whether the end of the stream was reached (the window holds all that is left).
    pub(crate) fn at_eof(&self) -> bool {
        self.eof
    }

    /// The read error that ended the stream early, if any.
    pub(crate) fn take_error(&mut self) -> Option<io::Error> {
        self.io_error.take()
    }

    /// Reads one more block into the window; false at the end of the stream.
    pub(crate) fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + BLOCK, 0);
        let n = loop {
            match self.buf.get_mut(old..).map(|dst| self.reader.read(dst)) {
                Some(Ok(n)) => break n,
                Some(Err(err)) if err.kind() == io::ErrorKind::Interrupted => {}
                Some(Err(err)) => {
                    self.io_error = Some(err);
                    break 0;
                }
                None => break 0,
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        n > 0
    }

    /// Drops the first `n` bytes of the window, counting their lines and file bytes.
    pub(crate) fn advance(&mut self, n: usize) {
        let n = n.min(self.bytes().len());
        let gone = self.bytes().get(..n).unwrap_or_default();
        let lines = memchr::memchr_iter(b'\n', gone).count() as u64;
        let bytes = if self.utf16 {
            utf16_len(gone)
        } else {
            n as u64
        };
        self.lines += lines;
        self.offset += bytes;
        self.start += n;
    }

    /// File offset of byte `i` of the window.
    pub(crate) fn offset_of(&self, i: usize) -> u64 {
        let bytes = self.bytes();
        let upto = bytes.get(..i.min(bytes.len())).unwrap_or_default();
        self.offset
            + if self.utf16 {
                utf16_len(upto)
            } else {
                upto.len() as u64
            }
    }

    /// Line number (1-based) of byte `i` of the window.
    pub(crate) fn line_of(&self, i: usize) -> u64 {
        let bytes = self.bytes();
        let upto = bytes.get(..i.min(bytes.len())).unwrap_or_default();
        self.line() + memchr::memchr_iter(b'\n', upto).count() as u64
    }
}

/// How many UTF-16 bytes the UTF-8 bytes `utf8` came from: two per character, four for
/// characters outside the basic plane (4-byte UTF-8 sequences).
fn utf16_len(utf8: &[u8]) -> u64 {
    utf8.iter()
        .map(|&b| match b {
            0x80..=0xBF => 0,
            0xF0..=0xFF => 4,
            _ => 2,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn decodes_utf16_and_maps_offsets() {
        let bytes = utf16le("ab\n\u{e9}\u{1F600}x");
        let (reader, encoding, bom) = TextReader::new(&bytes[..]).unwrap();
        assert_eq!((encoding, bom), (Encoding::Utf16Le, 2));
        let mut window = Window::new(reader, encoding, bom);
        while window.fill() {}
        assert_eq!(window.bytes(), "ab\n\u{e9}\u{1F600}x".as_bytes());
        let x = window.bytes().len() - 1;
        // 2 (BOM) + a, b, \n, é = 8 bytes, the emoji 4 bytes.
        assert_eq!(window.offset_of(x), 2 + 2 * 4 + 4);
        assert_eq!(window.line_of(x), 2);
        window.advance(3);
        assert_eq!((window.offset(), window.line()), (8, 2));
    }

    #[test]
    fn utf8_bom_is_skipped() {
        // Read one byte at a time: detection must not lose what it reads.
        let bytes = &b"\xEF\xBB\xBFhello"[..];
        let (mut reader, encoding, bom) =
            TextReader::new(std::io::BufReader::with_capacity(1, bytes)).unwrap();
        assert_eq!((encoding, bom), (Encoding::Utf8, 3));
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "hello");
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let text = b"a\rb\r\nc\nd\r\re\r";
        for block in [1, 2, 3, 64] {
            let mut out = Vec::new();
            let mut reader = LoneCr::new(std::io::BufReader::with_capacity(block, &text[..]));
            reader.read_to_end(&mut out).unwrap();
            assert_eq!(out, b"a\nb\r\nc\nd\n\ne\n", "reads of {block} bytes");
            // And handed out one byte at a time.
            let mut reader = LoneCr::new(std::io::BufReader::with_capacity(block, &text[..]));
            let mut one = Vec::new();
            let mut byte = [0u8; 1];
            while reader.read(&mut byte).unwrap() == 1 {
                one.extend_from_slice(&byte);
            }
            assert_eq!(one, out, "one byte at a time, source reads of {block}");
        }
    }
}
