//! One chunk slot: read it, prefilter it, parse it, and keep the events that match a rule.

use super::binxml::string_table_reads;
use super::decode::{Decoder, filetime_timestamp as header_time};
use super::layout::{CHUNK_HEADER_SIZE, CHUNK_MAGIC, CHUNK_SIZE};
use super::prefilter::{Hits, Prefilter};
use super::record;
use super::select::{Choice, Selection, Verdict};
use super::walk::{RECORD_HEADER_SIZE, u32_at};
use crate::event::{Event, Origin};
use crate::report::ProblemKind;
use crate::report::{Counts, Problem, ProblemLog};
use crate::rules::{Match, RuleScratch, RuleSet};
use crate::sources::Span;
use evtx::err::EvtxError;
use evtx::{EvtxChunkData, ParserSettings};
use jiff::Timestamp;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Event logs older than this are damaged timestamps (FILETIME 0 is 1601-01-01).
const EARLIEST_PLAUSIBLE: Timestamp = Timestamp::constant(631_152_000, 0); // 1990-01-01

/// Problems listed per chunk; past it they are counted and summed up in one problem, so a
/// chunk of garbage cannot fill the report (each input lists at most
/// [`MAX_PROBLEMS_PER_INPUT`](crate::report::MAX_PROBLEMS_PER_INPUT) anyway).
pub(crate) const MAX_PROBLEMS_PER_CHUNK: usize = 20;

/// A chunk of zeros, to tell empty slots fast (one `memcmp`, also in debug builds).
static ZEROS: [u8; CHUNK_SIZE as usize] = [0; CHUNK_SIZE as usize];

/// What the scanner needs to know, shared by every chunk task.
pub(crate) struct ScanContext<'a> {
    pub rules: &'a RuleSet,
    pub prefilter: Option<&'a Prefilter>,
    pub settings: Arc<ParserSettings>,
}

/// Per-thread buffers, reused from chunk to chunk.
pub(crate) struct Scratch {
    buf: Vec<u8>,
    hits: Hits,
    selection: Selection,
    decoder: Decoder,
    rules: RuleScratch,
}

impl Scratch {
    pub(crate) fn new(prefilter: Option<&Prefilter>) -> Self {
        Scratch {
            buf: Vec::with_capacity(CHUNK_SIZE as usize),
            hits: prefilter.map(Prefilter::new_hits).unwrap_or_default(),
            selection: Selection::default(),
            decoder: Decoder::default(),
            rules: RuleScratch::default(),
        }
    }
}

/// What happened to a chunk slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ChunkState {
    /// Parsed.
    #[default]
    Read,
    /// The prefilter proved no rule can match in it.
    Skipped,
    /// Never written (all zeros).
    Empty,
    /// Could not be read at all.
    Unreadable,
}

/// An event that a rule matched.
#[derive(Debug, Clone)]
pub(crate) struct Matched {
    pub event: Event,
    pub found: Match,
    /// The record's offset in the input.
    pub position: u64,
}

/// The result of scanning one chunk slot.
#[derive(Debug)]
pub(crate) struct ChunkOutcome {
    pub state: ChunkState,
    pub crc_mismatch: bool,
    pub records_read: u64,
    pub records_skipped: u64,
    pub records_unreadable: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub matches: Vec<Matched>,
    /// At most [`MAX_PROBLEMS_PER_CHUNK`] problems, then one `more_bad_records`.
    pub problems: ProblemLog,
}

impl Default for ChunkOutcome {
    fn default() -> Self {
        ChunkOutcome {
            state: ChunkState::default(),
            crc_mismatch: false,
            records_read: 0,
            records_skipped: 0,
            records_unreadable: 0,
            first: None,
            last: None,
            matches: Vec::new(),
            problems: ProblemLog::new(MAX_PROBLEMS_PER_CHUNK),
        }
    }
}

impl ChunkOutcome {
    fn problem(
        &mut self,
        kind: ProblemKind,
        chunk: u64,
        offset: Option<u64>,
        record_id: Option<u64>,
        message: String,
    ) {
        // Thousands of broken records in one chunk say no more than the first few: the rest
        // are counted (`records_unreadable`) and summed up in one problem.
        self.problems.push(Problem {
            kind,
            chunk: Some(chunk),
            offset,
            record_id,
            message,
        });
    }

    /// What it adds to its input's counts (`is_chunk`: a chunk slot, whose state counts).
    pub(crate) fn counts(&self, is_chunk: bool) -> Counts {
        let state = |wanted: ChunkState| u64::from(is_chunk && self.state == wanted);
        Counts {
            // The slots of a file are counted from its layout, not chunk by chunk.
            chunks: 0,
            chunks_read: state(ChunkState::Read),
            chunks_skipped: state(ChunkState::Skipped),
            chunks_empty: state(ChunkState::Empty),
            chunks_unreadable: state(ChunkState::Unreadable),
            chunks_crc_mismatch: u64::from(self.crc_mismatch),
            records_read: self.records_read,
            records_skipped: self.records_skipped,
            records_unreadable: self.records_unreadable,
        }
    }

    /// Sums up the problems that were not listed, in one more problem.
    fn close(mut self, chunk: u64, offset: u64) -> Self {
        self.problems.sum_up(|more| Problem {
            kind: ProblemKind::MoreBadRecords,
            chunk: Some(chunk),
            offset: Some(offset),
            record_id: None,
            message: format!(
                "{more} more problems in this chunk are not listed (the records that could not be read are all counted)"
            ),
        });
        self
    }

    pub(crate) fn saw(&mut self, time: Timestamp) {
        // A zero or garbage FILETIME says nothing about when the log was written.
        if time < EARLIEST_PLAUSIBLE {
            return;
        }
        self.first = Some(self.first.map_or(time, |first| first.min(time)));
        self.last = Some(self.last.map_or(time, |last| last.max(time)));
    }
}

/// Where a chunk slot's bytes come from.
pub(crate) enum SlotBytes<'s> {
    /// Read by position from the input's bytes (only what the prefilter needs).
    At(Span<'s>),
    /// Already read (from a stream): the buffer, and how many of its bytes the input held.
    Held(&'s mut Vec<u8>, usize),
}

/// A chunk slot to scan.
pub(crate) struct Slot<'s> {
    /// Its bytes.
    pub bytes: SlotBytes<'s>,
    /// Its number in the file.
    pub number: u64,
    /// Its offset in the input.
    pub offset: u64,
    /// How many chunks the file header says were written, when it has one.
    pub declared_chunks: Option<u64>,
    /// What events read from it carry as `origin.input`.
    pub input: usize,
}

/// Scans a chunk slot.
///
/// Memory: the slot is read into the thread's fixed 64 KiB buffer (or comes in one) whatever
/// the chunk header claims; the `evtx` crate's parsing of it is bounded by its own per-record
/// and per-chunk budgets; at most [`MAX_PROBLEMS_PER_CHUNK`] + 1 problems are kept.
pub(crate) fn scan_chunk(
    ctx: &ScanContext<'_>,
    slot: Slot<'_>,
    scratch: &mut Scratch,
) -> ChunkOutcome {
    let (number, offset) = (slot.number, slot.offset);
    scan_slot(ctx, slot, scratch).close(number, offset)
}

fn scan_slot(ctx: &ScanContext<'_>, slot: Slot<'_>, scratch: &mut Scratch) -> ChunkOutcome {
    let Slot {
        bytes,
        number,
        offset,
        declared_chunks,
        input,
    } = slot;
    let mut out = ChunkOutcome::default();
    let Scratch {
        buf: own_buf,
        hits,
        selection,
        decoder,
        rules,
    } = scratch;
    let (buf, source, mut read) = match bytes {
        SlotBytes::At(source) => {
            match read_slot(&source, offset, ctx.prefilter.is_some(), own_buf) {
                Ok(read) => (own_buf, Some(source), read),
                Err(err) => return unreadable(out, number, offset, &err),
            }
        }
        SlotBytes::Held(buf, held) => {
            let held = held.min(CHUNK_SIZE as usize);
            buf.resize(CHUNK_SIZE as usize, 0);
            let read = SlotRead { held, filled: held };
            read.zero_tail(buf);
            (buf, None, read)
        }
    };
    let n = read.held;
    // A chunk without its signature was read whole.
    let head = buf.get(..read.filled).unwrap_or_default();
    if ZEROS.get(..read.filled).is_some_and(|zeros| head == zeros) {
        out.state = ChunkState::Empty;
        if declared_chunks.is_some_and(|declared| number < declared) {
            out.problem(
                ProblemKind::ZeroedChunk,
                number,
                Some(offset),
                None,
                "the chunk is all zeros although the file header counts it as written; what it held is lost".into(),
            );
        }
        return out;
    }
    if !head.starts_with(CHUNK_MAGIC) {
        out.state = ChunkState::Unreadable;
        out.problem(
            ProblemKind::BadChunkMagic,
            number,
            Some(offset),
            None,
            "no chunk signature (ElfChnk) where a chunk should start; the chunk is skipped".into(),
        );
        return out;
    }
    if n < CHUNK_HEADER_SIZE {
        out.state = ChunkState::Unreadable;
        out.problem(
            ProblemKind::TruncatedChunk,
            number,
            Some(offset),
            None,
            format!("the file ends {n} bytes into the chunk header"),
        );
        return out;
    }
    if n < CHUNK_SIZE as usize {
        // The rest is zero-filled: the records before the cut are still read.
        out.problem(
            ProblemKind::TruncatedChunk,
            number,
            Some(offset),
            None,
            format!("the file ends {n} bytes into this chunk; the records before the cut are read"),
        );
    }

    // Checked before the prefilter, so the report names the damage whether or not the chunk
    // is parsed.
    if !checksums_match(buf) {
        out.crc_mismatch = true;
        out.problem(
            ProblemKind::ChunkCrcMismatch,
            number,
            Some(offset),
            None,
            "the chunk's CRC does not match; its records are read anyway and findings resting on them say so".into(),
        );
    }

    let filter = match ctx.prefilter {
        Some(prefilter) => {
            let mut choice = selection.choose(prefilter, hits, buf, n, read.filled, &mut out);
            if choice == Choice::ReadAll {
                // Its records or templates reach past the free space: the rest of the chunk,
                // and the same again.
                if let Some(source) = &source
                    && let Err(err) = read.rest(source, offset, buf)
                {
                    return unreadable(out, number, offset, &err);
                }
                choice = selection.choose(prefilter, hits, buf, n, read.filled, &mut out);
            }
            if choice != Choice::Parse {
                // Its records were counted as skipped.
                out.state = ChunkState::Skipped;
                return out;
            }
            decoder.clear();
            decoder.adopt(selection.take_templates());
            Some(Filter {
                prefilter,
                hits,
                selection,
                decoder,
            })
        }
        None => None,
    };

    read.zero_tail(buf);
    let data = std::mem::take(buf);
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        let place = Place {
            number,
            offset,
            valid: n,
        };
        parse_chunk(ctx, data, input, place, filter, rules, &mut out)
    }));
    match parsed {
        Ok(data) => *buf = data,
        Err(_) => {
            out.state = ChunkState::Unreadable;
            out.problem(
                ProblemKind::ParserPanic,
                number,
                Some(offset),
                None,
                "the EVTX parser failed on this chunk; its remaining records are skipped".into(),
            );
        }
    }
    out
}

/// The bytes of a chunk slot in the buffer.
#[derive(Debug, Clone, Copy)]
struct SlotRead {
    /// How many bytes of the slot the file holds (fewer than a chunk at its end).
    held: usize,
    /// How many of them are in the buffer; past them, zeros once [`SlotRead::zero_tail`] ran
    /// (before the chunk is parsed), until then possibly an earlier chunk's bytes.
    filled: usize,
}

/// The first read of a slot: the page that holds the chunk header.
const FIRST_READ: usize = 4096;

/// Reads chunk slot at `offset` into `buf` (a chunk's size); zeros past it when the file ends
/// inside the slot.
///
/// With `partly`, a chunk is read up to its free space only (rounded up to a page): what
/// lies past it belongs to no record (a chunk of a small log is mostly free space), unless
/// the chunk header's string or template tables point there. [`Selection::choose`] asks for
/// the rest ([`Choice::ReadAll`]) when a record or template reaches past it.
fn read_slot(
    source: &Span<'_>,
    offset: u64,
    partly: bool,
    buf: &mut Vec<u8>,
) -> io::Result<SlotRead> {
    // Each read overwrites the buffer: no need to zero it first (it matters for huge files of
    // empty slots).
    buf.resize(CHUNK_SIZE as usize, 0);
    let held = usize::try_from(source.len().saturating_sub(offset))
        .unwrap_or(usize::MAX)
        .min(buf.len());
    let mut read = SlotRead { held, filled: 0 };
    let first = held.min(FIRST_READ);
    read.fill_to(source, offset, buf, first)?;
    let needed = if partly && buf.starts_with(CHUNK_MAGIC) {
        records_end(buf).min(held)
    } else {
        held
    };
    read.fill_to(source, offset, buf, needed)?;
    if read.filled == read.held {
        // Past the file's end: zeros, as the chunk's own bytes would be read.
        read.zero_tail(buf);
    }
    // Else the bytes past `filled` are an earlier chunk's until the rest is read or they are
    // zeroed: nothing reads them before (the free space, the records and their templates,
    // and the header's tables all end before `filled`, else `Choice::ReadAll`), and they are
    // zeroed before the chunk is parsed. Zeroing them for every chunk skipped cost ~2% of a
    // run over real chunks.
    Ok(read)
}

impl SlotRead {
    /// Reads the slot's bytes up to `end` that are not in `buf` yet; a file shorter than it
    /// was when opened ends the slot where it now ends.
    fn fill_to(
        &mut self,
        source: &Span<'_>,
        offset: u64,
        buf: &mut [u8],
        end: usize,
    ) -> io::Result<()> {
        let Some(part) = buf.get_mut(self.filled..end.min(self.held)) else {
            return Ok(());
        };
        let wanted = part.len();
        let n = source.read_at(offset.saturating_add(self.filled as u64), part)?;
        self.filled += n;
        if n < wanted {
            self.held = self.filled;
        }
        Ok(())
    }

    /// Reads the rest of the slot.
    fn rest(&mut self, source: &Span<'_>, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let held = self.held;
        self.fill_to(source, offset, buf, held)?;
        self.zero_tail(buf);
        Ok(())
    }

    /// Zeros what follows the bytes read.
    fn zero_tail(&self, buf: &mut [u8]) {
        if let Some(tail) = buf.get_mut(self.filled..) {
            tail.fill(0);
        }
    }
}

/// Where the bytes that the chunk's records can use end: its free space offset, rounded up to
/// a page; the whole chunk when the header's string or template tables point past it (they
/// do not, in a chunk Windows writes) or the free space offset is out of bounds.
fn records_end(chunk: &[u8]) -> usize {
    // The string table (64 offsets) at 128, then the template table (32) up to 512.
    const TABLES: usize = 128;
    let size = CHUNK_SIZE as usize;
    let Some(free) = u32_at(chunk, 48).and_then(|free| usize::try_from(free).ok()) else {
        return size;
    };
    let end = free
        .max(CHUNK_HEADER_SIZE)
        .next_multiple_of(FIRST_READ)
        .min(size);
    let pointers = (TABLES..CHUNK_HEADER_SIZE).step_by(4);
    if pointers
        .filter_map(|at| u32_at(chunk, at))
        .any(|pointer| pointer as usize >= free)
    {
        return size;
    }
    end
}

/// An outcome for a slot that could not be read.
fn unreadable(mut out: ChunkOutcome, number: u64, offset: u64, err: &io::Error) -> ChunkOutcome {
    out.state = ChunkState::Unreadable;
    out.problem(
        ProblemKind::IoError,
        number,
        Some(offset),
        None,
        format!("cannot read the chunk: {err}"),
    );
    out
}

/// Where a chunk slot is, and how many of its bytes the file holds.
#[derive(Debug, Clone, Copy)]
struct Place {
    number: u64,
    offset: u64,
    /// Bytes read; past them the buffer is zero-filled (a truncated file).
    valid: usize,
}

/// What the prefilter found in a chunk it admitted.
struct Filter<'s> {
    prefilter: &'s Prefilter,
    hits: &'s mut Hits,
    selection: &'s Selection,
    decoder: &'s mut Decoder,
}

/// The events of the records `filter` chose, decoded from their bytes ([`Decoder`]), when
/// every one of them decodes and they are all the records the `evtx` crate would build;
/// `None` otherwise (the crate then builds them). Each comes with its header's time and its
/// offset in the chunk. The decoder holds the chunk's templates compiled so far (see
/// [`Decoder::adopt`]).
fn decode_chosen(
    filter: &mut Filter<'_>,
    chunk: &[u8],
    origin: Origin,
) -> Option<Vec<(Event, Timestamp, usize)>> {
    let mut events = Vec::new();
    for record in filter.selection.wanted_records()? {
        let event = filter.decoder.decode(chunk, &record, origin)?;
        events.push((event, header_time(record.filetime)?, record.start));
    }
    Some(events)
}

/// Parses a chunk that may hold matches; returns the buffer for reuse.
fn parse_chunk(
    ctx: &ScanContext<'_>,
    data: Vec<u8>,
    input: usize,
    place: Place,
    mut filter: Option<Filter<'_>>,
    rules: &mut RuleScratch,
    out: &mut ChunkOutcome,
) -> Vec<u8> {
    let Place {
        number,
        offset,
        valid,
    } = place;
    let mut chunk_data = match EvtxChunkData::new(data, false) {
        Ok(chunk_data) => chunk_data,
        Err(err) => {
            out.state = ChunkState::Unreadable;
            out.problem(
                ProblemKind::BadChunkHeader,
                number,
                Some(offset),
                None,
                format!("the chunk header cannot be read: {err}"),
            );
            return Vec::new();
        }
    };
    let origin = Origin {
        input,
        chunk: Some(number),
        damaged_chunk: out.crc_mismatch,
    };
    // The engine's parser settings do not carve stale records, so the records walked are all
    // the crate would yield; with its header (read above) and its string table as the crate
    // reads them, the decoded events are what the chunk's records give, and the crate need
    // not parse the chunk (parsing builds every name of the table: 4% of a dense run).
    let decoded = filter
        .as_mut()
        .and_then(|f| decode_chosen(f, &chunk_data.data, origin))
        .filter(|_| string_table_reads(&chunk_data.data));
    if let Some(decoded) = decoded {
        for (event, time, start) in decoded {
            out.records_read += 1;
            out.saw(time);
            if let Some(found) = ctx.rules.evaluate_with(&event, rules) {
                out.matches.push(Matched {
                    event,
                    found,
                    position: offset.saturating_add(start as u64),
                });
            }
        }
        return chunk_data.data;
    }
    match chunk_data.parse(Arc::clone(&ctx.settings)) {
        Ok(mut chunk) => {
            for record in chunk.iter() {
                match record {
                    Ok(record) => {
                        let binxml_start =
                            usize::try_from(record.binxml_offset).unwrap_or(usize::MAX);
                        let binxml =
                            binxml_start..binxml_start.saturating_add(record.binxml_size as usize);
                        // The record header is just before its BinXML.
                        let start = binxml_start.saturating_sub(RECORD_HEADER_SIZE);
                        let record_offset = offset.saturating_add(start as u64);
                        let verdict = filter
                            .as_ref()
                            .map_or(Verdict::Unknown, |f| f.selection.verdict(start));
                        match verdict {
                            Verdict::Skip => continue,
                            Verdict::Build => {
                                out.records_read += 1;
                                out.saw(record.timestamp);
                            }
                            Verdict::Unknown => {
                                if binxml.end > valid {
                                    // The file ends inside this record: what the parser sees
                                    // past the cut are zeros, not the record's text. Read as
                                    // whole it could make a finding the log does not hold.
                                    out.records_unreadable += 1;
                                    let record_id = record.event_record_id;
                                    out.problem(
                                        ProblemKind::TruncatedRecord,
                                        number,
                                        Some(record_offset),
                                        Some(record_id),
                                        format!(
                                            "the file ends inside record {record_id}; it is not read"
                                        ),
                                    );
                                    continue;
                                }
                                out.records_read += 1;
                                out.saw(record.timestamp);
                                let wanted = filter.as_mut().is_none_or(|f| {
                                    record::may_match(
                                        f.prefilter,
                                        f.hits,
                                        record.chunk.data,
                                        binxml.clone(),
                                    )
                                });
                                if !wanted {
                                    continue;
                                }
                            }
                        }
                        let record_id = record.event_record_id;
                        match record::to_event(record, origin) {
                            Ok(event) => {
                                if let Some(found) = ctx.rules.evaluate_with(&event, rules) {
                                    out.matches.push(Matched {
                                        event,
                                        found,
                                        position: record_offset,
                                    });
                                }
                            }
                            Err(message) => {
                                out.records_unreadable += 1;
                                out.problem(
                                    ProblemKind::BadRecord,
                                    number,
                                    Some(record_offset),
                                    Some(record_id),
                                    format!("record {record_id} cannot be rendered: {message}"),
                                );
                            }
                        }
                    }
                    Err(err) => {
                        let (record_id, record_offset) = locate(&err);
                        if let (Some(id), Some(f)) = (record_id, &filter)
                            && f.selection.ruled_out(id)
                        {
                            // A record the prefilter ruled out (or a run of them merged into
                            // one): it was not meant to be built, and is counted as skipped.
                            continue;
                        }
                        out.records_unreadable += 1;
                        out.problem(
                            ProblemKind::BadRecord,
                            number,
                            record_offset.map(|o| offset.saturating_add(o)),
                            record_id,
                            format!("a record cannot be read: {}", describe(&err)),
                        );
                    }
                }
            }
        }
        Err(err) => {
            out.state = ChunkState::Unreadable;
            out.problem(
                ProblemKind::BadChunk,
                number,
                Some(offset),
                None,
                format!("the chunk cannot be parsed: {err}"),
            );
        }
    }
    chunk_data.data
}

/// Whether the chunk's header CRC (at 124, over bytes 0..120 and 128..512) and records CRC
/// (at 52, over 512 up to the free space offset at 48) match.
///
/// Unlike the `evtx` crate, a chunk whose flags say "no CRC32" (0x4) is checked anyway: the
/// flags are outside the header CRC, so one flipped bit would otherwise vouch for anything.
fn checksums_match(chunk: &[u8]) -> bool {
    let u32_at = |at: usize| u32_at(chunk, at);
    let header_ok = match (chunk.get(..120), chunk.get(128..CHUNK_HEADER_SIZE)) {
        (Some(a), Some(b)) => {
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(a);
            hasher.update(b);
            u32_at(124) == Some(hasher.finalize())
        }
        _ => false,
    };
    let records_ok = u32_at(48)
        .and_then(|free| chunk.get(CHUNK_HEADER_SIZE..usize::try_from(free).ok()?))
        .is_some_and(|records| u32_at(52) == Some(crc32fast::hash(records)));
    header_ok && records_ok
}

/// FILETIME of the Unix epoch (FILETIME counts 100 ns from 1601-01-01).
const UNIX_EPOCH_AS_FILETIME: i128 = 116_444_736_000_000_000;

/// FILETIME (100 ns since 1601-01-01) to a timestamp; `None` when out of range.
pub(crate) fn filetime_to_timestamp(filetime: u64) -> Option<Timestamp> {
    let nanos = (i128::from(filetime) - UNIX_EPOCH_AS_FILETIME) * 100;
    Timestamp::from_nanosecond(nanos).ok()
}

/// The earliest and latest plausible FILETIME among records counted from their headers,
/// turned into timestamps once per chunk: the conversion is monotonic, and costs a 128-bit
/// division a record otherwise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FiletimeSpan {
    plausible: (u64, u64),
    seen: Option<(u64, u64)>,
}

impl FiletimeSpan {
    pub(crate) fn new() -> Self {
        let filetime = |time: Timestamp| {
            let ticks = time.as_nanosecond() / 100 + UNIX_EPOCH_AS_FILETIME;
            u64::try_from(ticks.max(0)).unwrap_or(u64::MAX)
        };
        FiletimeSpan {
            // What `ChunkOutcome::saw` keeps, and what converts.
            plausible: (filetime(EARLIEST_PLAUSIBLE), filetime(Timestamp::MAX)),
            seen: None,
        }
    }

    pub(crate) fn add(&mut self, filetime: u64) {
        let (earliest, latest) = self.plausible;
        if filetime < earliest || filetime > latest {
            return;
        }
        self.seen = Some(self.seen.map_or((filetime, filetime), |(first, last)| {
            (first.min(filetime), last.max(filetime))
        }));
    }

    /// Dates `out` by what was seen.
    pub(crate) fn report(self, out: &mut ChunkOutcome) {
        if let Some((first, last)) = self.seen {
            for filetime in [first, last] {
                if let Some(time) = filetime_to_timestamp(filetime) {
                    out.saw(time);
                }
            }
        }
    }
}

/// The record id and in-chunk offset an `evtx` error names, when it names them.
fn locate(err: &EvtxError) -> (Option<u64>, Option<u64>) {
    match err {
        EvtxError::FailedToParseRecord { record_id, .. } => (Some(*record_id), None),
        EvtxError::FailedToReadRecordAt { offset, .. } => (None, Some(*offset)),
        _ => (None, None),
    }
}

/// The error and its causes on one line.
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FILETIME of `time`.
    fn filetime(time: &str) -> u64 {
        let time: Timestamp = time.parse().unwrap();
        u64::try_from(time.as_nanosecond() / 100 + UNIX_EPOCH_AS_FILETIME).unwrap()
    }

    /// A chunk slot: signature, free space offset `free`, `0xab` everywhere else.
    fn slot(free: u32) -> Vec<u8> {
        let mut chunk = vec![0xab; CHUNK_SIZE as usize];
        chunk[..8].copy_from_slice(CHUNK_MAGIC);
        chunk[48..52].copy_from_slice(&free.to_le_bytes());
        chunk[128..512].fill(0);
        chunk
    }

    #[test]
    fn records_end_at_the_free_space_rounded_to_a_page() {
        assert_eq!(records_end(&slot(1000)), 4096);
        assert_eq!(records_end(&slot(4096)), 4096);
        assert_eq!(records_end(&slot(5000)), 8192);
        assert_eq!(records_end(&slot(u32::MAX)), 65536);
        // A string or template table entry past the free space: all of it.
        for at in [128, 380, 384, 508] {
            let mut chunk = slot(5000);
            chunk[at..at + 4].copy_from_slice(&6000u32.to_le_bytes());
            assert_eq!(records_end(&chunk), 65536, "table entry at {at}");
        }
    }

    #[test]
    fn a_slot_is_read_up_to_its_records_when_the_prefilter_may_skip_it() {
        let chunk = slot(5000);
        let mut file = vec![0u8; 4096];
        file.extend_from_slice(&chunk);
        file.extend_from_slice(&chunk[..10_000]); // a second slot, cut short
        let blob = crate::sources::Blob::Owned(file);
        let source = blob.span();
        // A buffer an earlier chunk left: what follows the bytes read is zeroed only when
        // the chunk is parsed.
        let mut buf = vec![0xcd; 65536];
        let read = read_slot(&source, 4096, true, &mut buf).unwrap();
        assert_eq!((read.held, read.filled), (65536, 8192));
        assert_eq!(buf[..8192], chunk[..8192]);
        assert!(buf[8192..].iter().all(|&b| b == 0xcd));
        read.zero_tail(&mut buf);
        assert!(buf[8192..].iter().all(|&b| b == 0));
        // Whole without the prefilter, and the rest on demand.
        let read = read_slot(&source, 4096, false, &mut buf).unwrap();
        assert_eq!((read.held, read.filled), (65536, 65536));
        assert_eq!(buf, chunk);
        let mut read = read_slot(&source, 4096, true, &mut buf).unwrap();
        read.rest(&source, 4096, &mut buf).unwrap();
        assert_eq!(read.filled, 65536);
        assert_eq!(buf, chunk);
        // The file's end cuts the slot: what it holds is known without reading it; past the
        // end, zeros at once.
        buf.fill(0xcd);
        let read = read_slot(&source, 4096 + 65536, true, &mut buf).unwrap();
        assert_eq!((read.held, read.filled), (10_000, 8192));
        assert!(buf[8192..].iter().all(|&b| b == 0xcd));
        buf.fill(0xcd);
        let read = read_slot(&source, 4096 + 65536, false, &mut buf).unwrap();
        assert_eq!((read.held, read.filled), (10_000, 10_000));
        assert!(buf[10_000..].iter().all(|&b| b == 0));
    }

    #[test]
    fn a_filetime_span_dates_a_chunk_as_each_record_would() {
        let filetimes = [
            filetime("2024-03-01T10:00:00Z"),
            0,                                // never written
            filetime("1985-06-01T00:00:00Z"), // before any plausible log
            u64::MAX,                         // past what a timestamp holds
            filetime("2024-02-28T23:59:59.9999999Z"),
            filetime("2024-03-02T08:30:00Z"),
        ];
        let mut one_by_one = ChunkOutcome::default();
        for &ft in &filetimes {
            if let Some(time) = filetime_to_timestamp(ft) {
                one_by_one.saw(time);
            }
        }
        let mut span = FiletimeSpan::new();
        filetimes.iter().for_each(|&ft| span.add(ft));
        let mut at_once = ChunkOutcome::default();
        span.report(&mut at_once);
        assert_eq!(at_once.first, one_by_one.first);
        assert_eq!(at_once.last, one_by_one.last);
        assert_eq!(
            at_once.first.map(|t| t.to_string()).as_deref(),
            Some("2024-02-28T23:59:59.9999999Z")
        );
        // Nothing plausible: no dates.
        let mut span = FiletimeSpan::new();
        span.add(0);
        let mut out = ChunkOutcome::default();
        span.report(&mut out);
        assert_eq!((out.first, out.last), (None, None));
    }
}
