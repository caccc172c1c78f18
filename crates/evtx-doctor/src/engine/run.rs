//! One run: sources expanded into inputs, each input's content sniffed and handed to its
//! reader (evtx, archive, export), what they find handed to the sink.

use super::meter::{Budget, SourceMeter, kind_of};
use super::sink::{
    Completion, Flow, InputDone, InputId, InputOrder, InputProblem, InputStart, Matched, Progress,
};
use super::{Cancel, Inner, Sink};
use crate::event::Event;
use crate::formats::sniff::{Content, SNIFF_BYTES, sniff_bytes};
use crate::report::ProblemKind;
use crate::report::{Counts, InputKind, InputReport, InputStatus, Problem};
use crate::rules::Match;
use crate::scan::{ChunkOutcome, ScanContext};
use crate::sources::{Blob, Leaf, Source, Span, What, describe_io, expand, has_extension};
use jiff::Timestamp;
use rayon::prelude::*;
use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

/// Event logs older than this are damaged timestamps (FILETIME 0 is 1601-01-01).
const EARLIEST_PLAUSIBLE: Timestamp = Timestamp::constant(631_152_000, 0); // 1990-01-01

pub(crate) struct Run<'r> {
    pub inner: &'r Inner,
    sink: Mutex<&'r mut (dyn Sink + Send)>,
    cancel: Option<&'r Cancel>,
    stop: AtomicBool,
    /// Why the run stopped early: 0 not, 1 the sink, 2 cancelled.
    why: AtomicU8,
    next_id: AtomicU64,
    pub budget: Budget,
    done: AtomicU64,
    total: Option<u64>,
}

/// What a top-level input (a file, bytes, a stream) brings, before it is opened.
enum TopData<'s> {
    Path(Leaf),
    Blob(Blob<'s>),
    Stream(Box<dyn Read + Send + 's>),
    Failed(ProblemKind, String),
}

struct Top<'s> {
    order: InputOrder,
    name: String,
    size: Option<u64>,
    data: TopData<'s>,
}

/// An input to read: a top-level one, or an entry of an archive.
pub(crate) struct Pending<'p> {
    pub order: InputOrder,
    pub name: String,
    pub data: Data<'p>,
    /// Archives and compressed streams around it.
    pub depth: u32,
    /// Found in a folder walk (or an archive found so): nothing is said of it unless it is a
    /// log or holds one.
    pub quiet: bool,
}

/// An input's bytes.
pub(crate) enum Data<'p> {
    /// Random access.
    Span(Span<'p>),
    /// A stream read once.
    Stream(&'p mut dyn Read),
    /// It cannot be read: (problem kind, message).
    Failed(ProblemKind, String),
}

/// What the readers of one source share: its expansion meter, and its progress.
pub(crate) struct Context<'c> {
    pub meter: &'c SourceMeter,
    /// Whether reads of this input's bytes advance the run's progress (a top-level input
    /// read directly).
    pub counts: bool,
    /// Bytes already counted for the top-level source.
    pub advanced: &'c AtomicU64,
}

impl<'r> Run<'r> {
    pub(crate) fn new(
        inner: &'r Inner,
        sink: &'r mut (dyn Sink + Send),
        cancel: Option<&'r Cancel>,
    ) -> Self {
        Run {
            inner,
            sink: Mutex::new(sink),
            cancel,
            stop: AtomicBool::new(false),
            why: AtomicU8::new(0),
            next_id: AtomicU64::new(0),
            budget: Budget::new(inner.options.limits.expansion_bytes),
            done: AtomicU64::new(0),
            total: None,
        }
    }

    pub(crate) fn go(mut self, sources: Vec<Source<'_>>) -> Completion {
        let tops = expand_sources(sources);
        self.total = tops.iter().map(|top| top.size).sum();
        let run = &self;
        tops.into_par_iter().for_each(|top| run.top(top));
        let end = match self.why.load(Ordering::Relaxed) {
            0 => Completion::Complete,
            1 => Completion::Stopped,
            _ => Completion::Cancelled,
        };
        if let Ok(mut sink) = self.sink.lock() {
            sink.finished(end);
        }
        end
    }

    /// Whether the run must stop (the sink asked, or it was cancelled).
    pub(crate) fn stopped(&self) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return true;
        }
        if self.cancel.is_some_and(Cancel::is_cancelled) {
            self.halt(2);
            return true;
        }
        false
    }

    fn halt(&self, why: u8) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self
            .why
            .compare_exchange(0, why, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Calls the sink (not once the run stopped).
    pub(crate) fn tell(&self, call: impl FnOnce(&mut dyn Sink) -> Flow) {
        if self.stopped() {
            return;
        }
        let Ok(mut sink) = self.sink.lock() else {
            self.halt(1);
            return;
        };
        // Again under the lock: another thread may have stopped the run while this one
        // waited, and a sink that said stop is called no more.
        if self.stopped() {
            return;
        }
        if call(&mut **sink) == Flow::Stop {
            self.halt(1);
        }
    }

    /// The scanner's view of the engine.
    pub(crate) fn scan_context(&self) -> ScanContext<'r> {
        ScanContext {
            rules: self.inner.knowledge.rules(),
            prefilter: self.inner.prefilter.as_ref(),
            settings: std::sync::Arc::clone(&self.inner.settings),
        }
    }

    /// `n` more bytes of the sources were read.
    pub(crate) fn advance(&self, ctx: &Context<'_>, n: u64) {
        if !ctx.counts || n == 0 {
            return;
        }
        ctx.advanced.fetch_add(n, Ordering::Relaxed);
        self.add_progress(n);
    }

    fn add_progress(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let total = self.total;
        self.tell(|sink| sink.progress(Progress { done, total }));
    }

    fn top(&self, top: Top<'_>) {
        if self.stopped() {
            return;
        }
        let Top {
            order,
            name,
            size,
            data,
        } = top;
        let meter = SourceMeter::new(size);
        let advanced = AtomicU64::new(0);
        let ctx = Context {
            meter: &meter,
            counts: true,
            advanced: &advanced,
        };
        let pending = |data, quiet| Pending {
            order: order.clone(),
            name: name.clone(),
            data,
            depth: 0,
            quiet,
        };
        match data {
            TopData::Path(leaf) => match open_leaf(&leaf) {
                Ok(blob) => {
                    self.process(pending(Data::Span(blob.span()), leaf.walked), &ctx);
                }
                Err((kind, message)) => {
                    // A walked file that cannot be opened is said only when it looks like a log.
                    let named = !leaf.walked || has_extension(&leaf.path, "evtx");
                    if named {
                        self.process(pending(Data::Failed(kind, message), false), &ctx);
                    }
                }
            },
            TopData::Blob(blob) => {
                self.process(pending(Data::Span(blob.span()), false), &ctx);
            }
            TopData::Stream(mut stream) => {
                let mut counted = Counting {
                    inner: &mut *stream,
                    run: self,
                    ctx: &ctx,
                };
                self.process(pending(Data::Stream(&mut counted), false), &ctx);
            }
            TopData::Failed(kind, message) => {
                self.process(pending(Data::Failed(kind, message), false), &ctx);
            }
        }
        // Settle the source's progress at its size, whatever was counted as it went.
        if let Some(size) = size {
            let counted = advanced.load(Ordering::Relaxed);
            self.add_progress(size.saturating_sub(counted));
        }
    }

    /// Reads one input: sniffs its content and hands it to its reader. Returns whether it
    /// was an input of the report (a log, or something said of it).
    pub(crate) fn process(&self, pending: Pending<'_>, ctx: &Context<'_>) -> bool {
        if self.stopped() {
            return false;
        }
        let Pending {
            order,
            name,
            data,
            depth,
            quiet,
        } = pending;
        let mut input = Input::new(self, order, name, quiet);
        match data {
            Data::Failed(kind, message) => {
                input.fail(kind, message);
            }
            Data::Span(span) => {
                input.bytes = span.len();
                let mut head = vec![0u8; SNIFF_BYTES.min(usize::try_from(span.len()).unwrap_or(0))];
                let content = match span.read_at(0, &mut head) {
                    Ok(n) => sniff_bytes(head.get(..n).unwrap_or_default()),
                    Err(err) => {
                        input.fail(ProblemKind::CannotOpen, describe_io(&err));
                        return input.finish();
                    }
                };
                self.dispatch_span(&mut input, content, span, depth, ctx);
            }
            Data::Stream(stream) => {
                let mut head = Vec::with_capacity(SNIFF_BYTES);
                if let Err(err) = stream.take(SNIFF_BYTES as u64).read_to_end(&mut head) {
                    let kind = if depth > 0 {
                        ProblemKind::ArchiveEntryDamaged
                    } else {
                        ProblemKind::CannotRead
                    };
                    input.fail(kind_of(&err, kind), describe_io(&err));
                    return input.finish();
                }
                let content = sniff_bytes(&head);
                let mut replay = io::Cursor::new(head).chain(stream);
                self.dispatch_stream(&mut input, content, &mut replay, depth, ctx);
            }
        }
        input.finish()
    }

    fn dispatch_span(
        &self,
        input: &mut Input<'_, 'r>,
        content: Content,
        span: Span<'_>,
        depth: u32,
        ctx: &Context<'_>,
    ) {
        if content.is_container() && !self.deep_enough(input, depth) {
            return;
        }
        match content {
            Content::Zip => super::archive::zip_span(self, input, span, depth, ctx),
            Content::Gzip | Content::Tar => {
                let mut reader = span.reader_at(0);
                super::archive::stream(self, input, content, &mut reader, depth, ctx);
            }
            Content::SevenZip => super::archive::sevenz_span(self, input, span, depth, ctx),
            Content::Xml | Content::Csv | Content::Text => {
                let mut reader = span.reader_at(0);
                super::export::read(self, input, content, &mut reader, ctx);
            }
            Content::Evtx | Content::Unknown => super::evtx::span(self, input, content, span, ctx),
        }
    }

    fn dispatch_stream(
        &self,
        input: &mut Input<'_, 'r>,
        content: Content,
        stream: &mut dyn Read,
        depth: u32,
        ctx: &Context<'_>,
    ) {
        if content.is_container() && !self.deep_enough(input, depth) {
            return;
        }
        match content {
            Content::Zip | Content::Gzip | Content::Tar => {
                super::archive::stream(self, input, content, stream, depth, ctx);
            }
            Content::SevenZip => super::archive::sevenz_stream(self, input, stream, depth, ctx),
            Content::Xml | Content::Csv | Content::Text => {
                super::export::read(self, input, content, stream, ctx)
            }
            Content::Evtx | Content::Unknown => {
                super::evtx::stream(self, input, content, stream, ctx)
            }
        }
    }

    /// Whether an archive at `depth` may be opened; names it when not.
    fn deep_enough(&self, input: &mut Input<'_, '_>, depth: u32) -> bool {
        let limit = self.inner.options.limits.depth;
        if depth < limit {
            return true;
        }
        input.kind = InputKind::Archive;
        input.fail(
            ProblemKind::ArchiveTooDeep,
            format!("an archive nested more than {limit} deep is not opened"),
        );
        false
    }

    fn new_id(&self) -> InputId {
        InputId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

/// Counts the bytes read from a top-level stream, for progress and the expansion ratio.
struct Counting<'a, 'r> {
    inner: &'a mut dyn Read,
    run: &'a Run<'r>,
    ctx: &'a Context<'a>,
}

impl Read for Counting<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ctx.meter.read(n as u64);
        self.run.advance(self.ctx, n as u64);
        Ok(n)
    }
}

/// Opens a file found from a path: never what is not a regular file (opening a named pipe
/// waits for a writer).
fn open_leaf(leaf: &Leaf) -> Result<Blob<'static>, (ProblemKind, String)> {
    if let Some((kind, message)) = &leaf.error {
        return Err((*kind, message.clone()));
    }
    match std::fs::metadata(&leaf.path) {
        Ok(meta) if !meta.is_file() => {
            return Err((
                ProblemKind::CannotOpen,
                "not a regular file (a pipe, socket or device); it is not read".into(),
            ));
        }
        Err(err) => return Err((ProblemKind::CannotOpen, describe_io(&err))),
        Ok(_) => {}
    }
    Blob::open(&leaf.path).map_err(|err| (ProblemKind::CannotOpen, describe_io(&err)))
}

/// Turns the sources into top-level inputs, in order: paths expanded (folders walked, globs
/// matched), readers that seek measured.
fn expand_sources(sources: Vec<Source<'_>>) -> Vec<Top<'_>> {
    let mut tops = Vec::new();
    for (index, source) in sources.into_iter().enumerate() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let name = crate::formats::archive::clean_name(source.name());
        match source.what {
            What::Path(path) => {
                let mut leaves = Vec::new();
                expand(&path, &mut leaves);
                for (n, leaf) in leaves.into_iter().enumerate() {
                    let size = if leaf.error.is_none() {
                        std::fs::metadata(&leaf.path)
                            .ok()
                            .filter(|m| m.is_file())
                            .map(|m| m.len())
                    } else {
                        None
                    };
                    tops.push(Top {
                        order: vec![index, u32::try_from(n).unwrap_or(u32::MAX)],
                        name: crate::formats::archive::clean_name(&leaf.display),
                        size,
                        data: TopData::Path(leaf),
                    });
                }
            }
            What::Memory(memory) => {
                use crate::sources::ReadAt;
                let blob = memory.into_blob();
                tops.push(Top {
                    order: vec![index],
                    size: Some(blob.size()),
                    name,
                    data: TopData::Blob(blob),
                });
            }
            What::Seekable(reader) => {
                let (size, data) = match Blob::reader(reader) {
                    Ok(blob) => {
                        use crate::sources::ReadAt;
                        (Some(blob.size()), TopData::Blob(blob))
                    }
                    Err(err) => (
                        None,
                        TopData::Failed(ProblemKind::CannotOpen, describe_io(&err)),
                    ),
                };
                tops.push(Top {
                    order: vec![index],
                    name,
                    size,
                    data,
                });
            }
            What::Stream(stream) => tops.push(Top {
                order: vec![index],
                name,
                size: None,
                data: TopData::Stream(stream),
            }),
        }
    }
    tops
}

/// What was read of one input so far; shared by the tasks that read its chunks.
pub(crate) struct Input<'a, 'r> {
    run: &'a Run<'r>,
    id: InputId,
    pub order: InputOrder,
    pub name: String,
    /// Said nothing of unless it turns out to be a log (or holds problems worth naming).
    pub quiet: bool,
    started: bool,
    pub kind: InputKind,
    pub bytes: u64,
    tally: Mutex<Tally>,
    /// A container: it is an input of the report only when it has a problem.
    pub container: bool,
    /// A container some of whose entries were inputs of the report.
    pub holds_inputs: bool,
}

/// Counters of one input.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    pub counts: Counts,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub problems: u64,
    /// Problems that mean something was lost (not notes).
    pub damage: u64,
    pub unreadable: bool,
    /// Events a rule matched that the time window or computer list left out.
    pub excluded: u64,
    /// Bytes read of an input that arrived as a stream (its size was not known before).
    pub bytes_streamed: u64,
}

impl Tally {
    /// Notes the time of an event read.
    pub(crate) fn saw(&mut self, time: Timestamp) {
        // A zero or garbage FILETIME says nothing about when the log was written.
        if time < EARLIEST_PLAUSIBLE {
            return;
        }
        self.first = Some(self.first.map_or(time, |first| first.min(time)));
        self.last = Some(self.last.map_or(time, |last| last.max(time)));
    }
}

impl<'a, 'r> Input<'a, 'r> {
    fn new(run: &'a Run<'r>, order: InputOrder, name: String, quiet: bool) -> Self {
        Input {
            run,
            id: run.new_id(),
            order,
            name,
            quiet,
            started: false,
            kind: InputKind::Unknown,
            bytes: 0,
            tally: Mutex::new(Tally::default()),
            container: false,
            holds_inputs: false,
        }
    }

    /// The input's id, telling the sink of it first if not done yet.
    pub(crate) fn start(&mut self) -> InputId {
        if !self.started {
            self.started = true;
            let start = InputStart {
                id: self.id,
                order: self.order.clone(),
                name: self.name.clone(),
            };
            self.run.tell(|sink| sink.input(&start));
        }
        self.id
    }

    /// The id events read from it carry while the run streams.
    pub(crate) fn origin(&self) -> usize {
        usize::try_from(self.id.0).unwrap_or(usize::MAX)
    }

    /// Nothing can be read of it.
    pub(crate) fn fail(&mut self, kind: ProblemKind, message: String) {
        self.quiet = false;
        self.with_tally(|tally| tally.unreadable = true);
        self.problem(0, problem(kind, None, message));
    }

    pub(crate) fn with_tally<T>(&self, change: impl FnOnce(&mut Tally) -> T) -> T {
        let mut tally = match self.tally.lock() {
            Ok(tally) => tally,
            Err(poisoned) => poisoned.into_inner(),
        };
        change(&mut tally)
    }

    /// A problem at `position` of the input.
    pub(crate) fn problem(&mut self, position: u64, problem: Problem) {
        self.start();
        self.shared_problem(position, problem);
    }

    /// [`Input::problem`] from a task sharing the input (the input was started before).
    pub(crate) fn shared_problem(&self, position: u64, problem: Problem) {
        let note = problem.is_note();
        self.with_tally(|tally| {
            tally.problems += 1;
            tally.damage += u64::from(!note);
        });
        let input = self.id;
        self.run.tell(|sink| {
            sink.problem(InputProblem {
                input,
                position,
                problem,
            })
        });
    }

    /// An event a rule matched: kept if the options' window and computers keep it.
    pub(crate) fn matched(&self, position: u64, event: Event, found: Match) {
        if !self.run.inner.options.keeps(&event) {
            self.with_tally(|tally| tally.excluded += 1);
            return;
        }
        let matched = Matched {
            input: self.id,
            position,
            event,
            rule: found.rule,
            fields: found.fields,
        };
        self.run.tell(|sink| sink.matched(matched));
    }

    /// What scanning one chunk gave (from the task that scanned it).
    pub(crate) fn chunk(&self, chunk_offset: u64, is_chunk: bool, outcome: ChunkOutcome) {
        self.with_tally(|tally| {
            tally.counts += outcome.counts(is_chunk);
            for time in [outcome.first, outcome.last].into_iter().flatten() {
                tally.saw(time);
            }
        });
        let (problems, _) = outcome.problems.finish();
        for problem in problems {
            let position = problem.offset.unwrap_or(chunk_offset);
            self.shared_problem(position, problem);
        }
        for matched in outcome.matches {
            self.matched(matched.position, matched.event, matched.found);
        }
    }

    /// Tells the sink what was read of it; returns whether it, or an entry inside it, was an
    /// input of the report.
    fn finish(mut self) -> bool {
        let tally = self.with_tally(std::mem::take);
        if self.quiet || (self.container && tally.problems == 0) {
            return self.holds_inputs;
        }
        let id = self.start();
        let nothing_read = tally.counts.chunks_read + tally.counts.chunks_skipped == 0;
        let status = if tally.unreadable
            || (self.kind == InputKind::Evtx && nothing_read && tally.counts.chunks_unreadable > 0)
        {
            InputStatus::Unreadable
        } else if tally.damage > 0 {
            InputStatus::Damaged
        } else {
            InputStatus::Ok
        };
        let report = InputReport {
            path: self.name.clone(),
            kind: self.kind,
            status,
            bytes: self.bytes.max(tally.bytes_streamed),
            counts: tally.counts,
            first_event: tally.first,
            last_event: tally.last,
            problems: Vec::new(),
            problem_count: tally.problems,
        };
        let done = InputDone {
            input: id,
            order: self.order.clone(),
            report,
            excluded: tally.excluded,
        };
        // Said even when the run stops: what was read is part of the answer.
        if let Ok(mut sink) = self.run.sink.lock() {
            let _ = sink.input_done(done);
        }
        true
    }
}

/// A problem without a chunk.
pub(crate) fn problem(kind: ProblemKind, offset: Option<u64>, message: String) -> Problem {
    Problem {
        kind,
        chunk: None,
        offset,
        record_id: None,
        message,
    }
}
