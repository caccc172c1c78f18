//! Decompressing an archive member as a stream: stored bytes, deflate (RFC 1951) and
//! deflate64 (zip method 9), read from a `BufRead` so that no input byte past the member is
//! taken from it (members of a zip read front to back follow each other).

use std::io::{self, BufRead, Read};

/// How a member's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// As they are.
    Stored,
    /// Deflate.
    Deflate,
    /// Deflate64 ("enhanced deflate", which Windows Explorer writes for large files).
    Deflate64,
}

enum Inflater {
    Stored,
    Deflate(flate2::Decompress),
    Deflate64(Box<deflate64::InflaterManaged>),
}

/// One step of decompression.
struct Step {
    consumed: usize,
    written: usize,
    /// The compressed stream ended.
    end: bool,
}

impl Inflater {
    fn new(method: Method) -> Self {
        match method {
            Method::Stored => Inflater::Stored,
            Method::Deflate => Inflater::Deflate(flate2::Decompress::new(false)),
            Method::Deflate64 => Inflater::Deflate64(Box::new(deflate64::InflaterManaged::new())),
        }
    }

    fn step(&mut self, input: &[u8], output: &mut [u8]) -> io::Result<Step> {
        match self {
            Inflater::Stored => {
                let n = input.len().min(output.len());
                if let (Some(dst), Some(src)) = (output.get_mut(..n), input.get(..n)) {
                    dst.copy_from_slice(src);
                }
                Ok(Step {
                    consumed: n,
                    written: n,
                    end: false,
                })
            }
            Inflater::Deflate(state) => {
                let (before_in, before_out) = (state.total_in(), state.total_out());
                let status = state
                    .decompress(input, output, flate2::FlushDecompress::None)
                    .map_err(|err| corrupt(&err.to_string()))?;
                Ok(Step {
                    consumed: usize::try_from(state.total_in() - before_in).unwrap_or(0),
                    written: usize::try_from(state.total_out() - before_out).unwrap_or(0),
                    end: status == flate2::Status::StreamEnd,
                })
            }
            Inflater::Deflate64(state) => {
                let result = state.inflate(input, output);
                if result.data_error {
                    return Err(corrupt("invalid deflate64 data"));
                }
                Ok(Step {
                    consumed: result.bytes_consumed,
                    written: result.bytes_written,
                    end: state.finished(),
                })
            }
        }
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the compressed data is damaged ({what})"),
    )
}

/// A member's decompressed bytes, read from `input`.
pub(crate) struct Member<R> {
    input: R,
    inflater: Inflater,
    /// Compressed bytes left, when the archive says how many there are.
    remaining: Option<u64>,
    /// Compressed bytes consumed.
    consumed: u64,
    done: bool,
}

impl<R: BufRead> Member<R> {
    /// A member compressed with `method`, of `compressed` bytes when known (a stored member
    /// must say).
    pub(crate) fn new(input: R, method: Method, compressed: Option<u64>) -> Self {
        Member {
            input,
            inflater: Inflater::new(method),
            remaining: compressed,
            consumed: 0,
            done: false,
        }
    }

    /// Compressed bytes consumed so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Skips what is left of the member's compressed bytes, without decompressing them, when
    /// their number is known; returns whether it was.
    pub(crate) fn skip_compressed(&mut self) -> io::Result<bool> {
        let Some(remaining) = self.remaining else {
            return Ok(self.done);
        };
        let skipped = io::copy(&mut (&mut self.input).take(remaining), &mut io::sink())?;
        if skipped < remaining {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the archive ends inside this entry",
            ));
        }
        self.remaining = Some(0);
        self.done = true;
        Ok(true)
    }

    /// The compressed input, positioned after what was consumed.
    #[cfg(test)]
    pub(crate) fn into_input(self) -> R {
        self.input
    }
}

impl<R: BufRead> Read for Member<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while !self.done {
            let available = self.input.fill_buf()?;
            let limit = self.remaining.map_or(available.len(), |r| {
                usize::try_from(r).map_or(available.len(), |r| r.min(available.len()))
            });
            let input = available.get(..limit).unwrap_or_default();
            let exhausted = input.is_empty();
            if exhausted && matches!(self.inflater, Inflater::Stored) {
                if self.remaining.is_some_and(|r| r > 0) {
                    return Err(cut_short());
                }
                self.done = true;
                break;
            }
            let step = self.inflater.step(input, buf)?;
            self.input.consume(step.consumed);
            self.consumed += step.consumed as u64;
            if let Some(remaining) = self.remaining.as_mut() {
                *remaining -= step.consumed as u64;
            }
            if step.end {
                self.done = true;
            }
            if step.written > 0 {
                return Ok(step.written);
            }
            if step.end {
                break;
            }
            if step.consumed == 0 {
                // No progress: the input ended (or the member's bytes did) before the
                // compressed stream did.
                return Err(if exhausted {
                    cut_short()
                } else {
                    corrupt("no progress")
                });
            }
        }
        Ok(0)
    }
}

fn cut_short() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the compressed data ends before the entry does (a cut or damaged archive)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_deflated_member_stops_at_its_end_and_leaves_what_follows() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut stream = deflate(&data);
        stream.extend_from_slice(b"NEXT");
        let mut member = Member::new(&stream[..], Method::Deflate, None);
        let mut out = Vec::new();
        member.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
        let mut rest = Vec::new();
        member.into_input().read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"NEXT");
    }

    #[test]
    fn a_cut_member_is_an_error_not_a_hang() {
        let data = vec![7u8; 100_000];
        let stream = deflate(&data);
        let cut = &stream[..stream.len() / 2];
        let mut out = Vec::new();
        let err = Member::new(cut, Method::Deflate, None)
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        // Garbage: an error.
        let garbage = vec![0xffu8; 1000];
        assert!(
            Member::new(&garbage[..], Method::Deflate, None)
                .read_to_end(&mut out)
                .is_err()
        );
        // A stored member longer than its archive.
        let mut out = Vec::new();
        let err = Member::new(&b"abc"[..], Method::Stored, Some(10))
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn compressed_bytes_are_skipped_without_decompressing() {
        let mut stream = deflate(&[1u8; 5000]);
        let len = stream.len() as u64;
        stream.extend_from_slice(b"NEXT");
        let mut member = Member::new(&stream[..], Method::Deflate, Some(len));
        let mut first = [0u8; 10];
        member.read_exact(&mut first).unwrap();
        assert!(member.skip_compressed().unwrap());
        let mut rest = Vec::new();
        member.into_input().read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"NEXT");
    }
}
