//! .evtx inputs: chunk slots scanned in parallel, read by position when the bytes allow it,
//! else as they arrive from a stream through a bounded window (an archive entry inflating,
//! standard input): memory is the window's, whatever the size of the log.

use super::meter::kind_of;
use super::run::{Context, Input, Run, problem};
use crate::formats::sniff::Content;
use crate::report::InputKind;
use crate::report::ProblemKind;
use crate::scan::{
    CHUNK_MAGIC, CHUNK_SIZE, FILE_HEADER_SIZE, FILE_MAGIC, SIGNATURE_SEARCH, Scratch, Slot,
    SlotBytes, header_facts, layout, scan_chunk, truncation,
};
use crate::sources::{Span, describe_io, has_extension};
use rayon::prelude::*;
use std::io::{self, Read};

/// Chunks read from a stream while the previous ones are scanned: two such batches are held
/// at a time (2 MiB).
const BATCH: usize = 16;

/// Whether an input of unknown content is worth searching for chunk signatures: one named
/// .evtx, or one the user named.
fn worth_searching(input: &Input<'_, '_>, content: Content) -> bool {
    content == Content::Evtx
        || !input.quiet
        || has_extension(std::path::Path::new(&input.name), "evtx")
}

/// Scans an .evtx input whose bytes are read by position.
pub(super) fn span<'r>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    content: Content,
    span: Span<'_>,
    ctx: &Context<'_>,
) {
    if !worth_searching(input, content) {
        return;
    }
    input.quiet = false;
    let layout = match layout(&span) {
        Ok(layout) => layout,
        Err(not_evtx) => return input.fail(ProblemKind::NotEvtx, not_evtx.0),
    };
    input.kind = InputKind::Evtx;
    input.with_tally(|tally| tally.counts.chunks = layout.slots);
    for problem in layout.header_problems.iter().cloned() {
        input.problem(0, problem);
    }
    input.start();
    let input: &Input<'_, '_> = input;
    let scan = run.scan_context();
    let origin = input.origin();
    (0..layout.slots).into_par_iter().for_each_init(
        || Scratch::new(scan.prefilter),
        |scratch, number| {
            if run.stopped() {
                return;
            }
            let offset = layout
                .base
                .saturating_add(number.saturating_mul(CHUNK_SIZE));
            let slot = Slot {
                bytes: SlotBytes::At(span),
                number,
                offset,
                declared_chunks: layout.declared_chunks,
                input: origin,
            };
            let outcome = scan_chunk(&scan, slot, scratch);
            input.chunk(offset, true, outcome);
            run.advance(ctx, span.len().saturating_sub(offset).min(CHUNK_SIZE));
        },
    );
}

/// One chunk slot read from a stream.
struct Held {
    buf: Vec<u8>,
    len: usize,
    number: u64,
    offset: u64,
}

/// Where the chunks of a stream start, once its head is read.
struct Start {
    /// Offset of the first chunk slot read.
    offset: u64,
    /// Its number.
    number: u64,
    declared: Option<u64>,
    /// What was read past `offset` already.
    prefix: Vec<u8>,
}

/// Scans an .evtx input that arrives as a stream.
pub(super) fn stream<'r>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    content: Content,
    reader: &mut dyn Read,
    _ctx: &Context<'_>,
) {
    if !worth_searching(input, content) {
        return;
    }
    input.quiet = false;
    let start = match find_start(input, reader) {
        Ok(Some(start)) => start,
        Ok(None) => return,
        Err(err) => return input.fail(kind_of(&err, ProblemKind::CannotRead), describe_io(&err)),
    };
    input.kind = InputKind::Evtx;
    input.start();
    let input: &Input<'_, '_> = input;
    let scan = run.scan_context();
    let origin = input.origin();
    let declared = start.declared;
    let mut source = io::Cursor::new(start.prefix).chain(reader);
    let mut next = (start.number, start.offset);
    let (mut current, mut failure) = fill(&mut source, Vec::new(), &mut next);
    let mut spare = Vec::new();
    loop {
        if current.is_empty() || run.stopped() {
            break;
        }
        let batch_failed = failure.is_some();
        // The batch read is scanned by the pool while this thread reads the next one (the
        // stream stays on this thread: it need not be `Send`).
        let (following, error) = rayon::in_place_scope(|scope| {
            let batch = &mut current;
            let scan = &scan;
            scope.spawn(move |_| {
                batch.par_iter_mut().for_each_init(
                    || Scratch::new(scan.prefilter),
                    |scratch, held| {
                        if run.stopped() {
                            return;
                        }
                        let slot = Slot {
                            bytes: SlotBytes::Held(&mut held.buf, held.len),
                            number: held.number,
                            offset: held.offset,
                            declared_chunks: declared,
                            input: origin,
                        };
                        let outcome = scan_chunk(scan, slot, scratch);
                        input.chunk(held.offset, true, outcome);
                    },
                );
            });
            if batch_failed {
                (Vec::new(), None)
            } else {
                fill(&mut source, std::mem::take(&mut spare), &mut next)
            }
        });
        spare = std::mem::replace(&mut current, following);
        if failure.is_none() {
            failure = error;
        }
    }
    let (slots, end) = next;
    input.with_tally(|tally| {
        tally.counts.chunks = slots;
        tally.bytes_streamed = end;
    });
    if let Some(err) = failure {
        let kind = kind_of(&err, ProblemKind::IoError);
        input.shared_problem(
            end,
            problem(
                kind,
                Some(end),
                format!("reading stopped at byte {end}: {}", describe_io(&err)),
            ),
        );
    } else if let Some(cut) = truncation(declared, slots, end) {
        input.shared_problem(end, cut);
    }
}

/// Reads up to [`BATCH`] chunk slots, reusing `buffers`; `next` is the (number, offset) of the
/// next slot, and moves on. Returns the slots read and the error that stopped reading, if any.
fn fill(
    source: &mut (impl Read + ?Sized),
    mut buffers: Vec<Held>,
    next: &mut (u64, u64),
) -> (Vec<Held>, Option<io::Error>) {
    let mut batch = Vec::with_capacity(BATCH);
    while batch.len() < BATCH {
        let mut held = buffers.pop().unwrap_or_else(|| Held {
            buf: vec![0; CHUNK_SIZE as usize],
            len: 0,
            number: 0,
            offset: 0,
        });
        held.buf.resize(CHUNK_SIZE as usize, 0);
        let (len, error) = read_full(source, &mut held.buf);
        if len > 0 {
            held.len = len;
            (held.number, held.offset) = *next;
            next.0 += 1;
            next.1 += len as u64;
            batch.push(held);
        }
        if error.is_some() || len < CHUNK_SIZE as usize {
            return (batch, error);
        }
    }
    (batch, None)
}

/// Reads what `buf` holds; the count and the error that stopped it, if any.
fn read_full(source: &mut (impl Read + ?Sized), buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match source.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return (filled, Some(err)),
        }
    }
    (filled, None)
}

/// Reads the stream's head: a file header, a chunk, or (a damaged header) the first chunk
/// signature in the first 64 MiB. `None` when it is no .evtx at all (the input names why).
fn find_start(input: &mut Input<'_, '_>, reader: &mut dyn Read) -> io::Result<Option<Start>> {
    let mut head = vec![0u8; FILE_HEADER_SIZE as usize];
    let (n, error) = read_full(reader, &mut head);
    if let Some(err) = error {
        return Err(err);
    }
    head.truncate(n);
    if head.starts_with(FILE_MAGIC) {
        if n < FILE_HEADER_SIZE as usize {
            input.fail(
                ProblemKind::NotEvtx,
                format!(
                    "the file ends {n} bytes into its {FILE_HEADER_SIZE}-byte header: it holds no chunk"
                ),
            );
            return Ok(None);
        }
        let (declared, problems) = header_facts(&head);
        for problem in problems {
            input.problem(0, problem);
        }
        return Ok(Some(Start {
            offset: FILE_HEADER_SIZE,
            number: 0,
            declared,
            prefix: Vec::new(),
        }));
    }
    if n == 0 {
        input.fail(ProblemKind::NotEvtx, "the file is empty".into());
        return Ok(None);
    }
    // No file header: the first chunk signature, one window at a time (the windows overlap
    // so that a signature across their border is found).
    let mut window = head;
    let mut window_start = 0u64;
    loop {
        if let Some(at) = memchr::memmem::find(&window, CHUNK_MAGIC) {
            let found = window_start + at as u64;
            let base = found % CHUNK_SIZE;
            let skipped = (found - base) / CHUNK_SIZE;
            if found > 0 {
                let mut message = format!(
                    "the file header is missing or damaged; chunks found by their signature (the first at byte {found})"
                );
                if skipped > 0 {
                    message.push_str(&format!(
                        "; the {skipped} chunk slot(s) before it hold no chunk"
                    ));
                }
                input.problem(0, problem(ProblemKind::BadFileHeader, Some(0), message));
                input.with_tally(|tally| tally.counts.chunks_unreadable += skipped);
            }
            return Ok(Some(Start {
                offset: found,
                number: skipped,
                declared: None,
                prefix: window.split_off(at),
            }));
        }
        let end = window_start + window.len() as u64;
        if end >= SIGNATURE_SEARCH {
            break;
        }
        let keep = window.len().min(CHUNK_MAGIC.len() - 1);
        window_start = end - keep as u64;
        window.drain(..window.len() - keep);
        let before = window.len();
        window.resize(before + (1 << 20), 0);
        let (n, error) = read_full(reader, window.get_mut(before..).unwrap_or_default());
        window.truncate(before + n);
        if let Some(err) = error {
            return Err(err);
        }
        if n == 0 {
            break;
        }
    }
    input.fail(
        ProblemKind::NotEvtx,
        "not an .evtx file: no file header and no chunk signature in its first 64 MiB".into(),
    );
    Ok(None)
}
