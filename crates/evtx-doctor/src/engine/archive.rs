//! Archives: each entry becomes an input of its own, read as it inflates (never held whole),
//! through the run's meter. Entries of a zip read by position inflate in parallel; entries
//! of a stream (tar, a zip inside a compressed entry) one after another.

use super::meter::{Consumed, Metered};
use super::run::{Context, Data, Input, Pending, Run};
use crate::formats::archive::inflate::Member;
use crate::formats::archive::tar::TarStream;
use crate::formats::archive::zip::{self, Opened, ZipStream};
use crate::formats::archive::{EntryError, has_extension, sevenz, skipped_name};
use crate::formats::sniff::Content;
use crate::report::InputKind;
use crate::report::ProblemKind;
use crate::sources::Span;
use flate2::bufread::GzDecoder;
use rayon::prelude::*;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicBool, Ordering};

impl<R: BufRead> Consumed for Member<R> {
    fn consumed(&self) -> Option<u64> {
        Some(Member::consumed(self))
    }
}

/// What the entries of one archive share.
struct Expansion<'a, 'r> {
    run: &'a Run<'r>,
    ctx: &'a Context<'a>,
    parent: &'a Input<'a, 'r>,
    depth: u32,
    /// Whether an entry was a log (or said something).
    any: AtomicBool,
}

impl Expansion<'_, '_> {
    fn pending<'p>(&self, index: usize, name: &str, data: Data<'p>) -> Pending<'p> {
        let mut order = self.parent.order.clone();
        order.push(u32::try_from(index).unwrap_or(u32::MAX));
        Pending {
            order,
            name: format!("{}!{name}", self.parent.name),
            data,
            depth: self.depth + 1,
            // Entries that are not logs are dropped without a word; a .evtx entry is named
            // whatever it holds.
            quiet: !has_extension(name, "evtx"),
        }
    }

    /// Reads an entry that is a stream through the meter; returns the reader back.
    fn metered<R: Read + Consumed>(
        &self,
        index: usize,
        name: &str,
        reader: R,
        drain: bool,
    ) -> io::Result<R> {
        let limits = &self.run.inner.options.limits;
        let progress = |n: u64| self.run.advance(self.ctx, n);
        let mut metered = Metered::new(reader, &self.run.budget, self.ctx.meter, limits);
        if self.ctx.counts {
            metered = metered.with_progress(&progress);
        }
        let child = self.child_ctx(false);
        let pending = self.pending(index, name, Data::Stream(&mut metered));
        self.process(pending, &child);
        if drain && metered.hit().is_none() {
            io::copy(&mut metered, &mut io::sink())?;
        }
        // A bound reached ends what this archive can give.
        if let Some(hit) = metered.hit() {
            return Err(io::Error::other(hit.clone()));
        }
        Ok(metered.into_inner())
    }

    fn child_ctx(&self, direct: bool) -> Context<'_> {
        Context {
            meter: self.ctx.meter,
            counts: direct && self.ctx.counts,
            advanced: self.ctx.advanced,
        }
    }

    fn process(&self, pending: Pending<'_>, ctx: &Context<'_>) {
        if self.run.process(pending, ctx) {
            self.any.store(true, Ordering::Relaxed);
        }
    }

    fn failed(&self, index: usize, name: &str, err: EntryError) {
        let pending = self.pending(index, name, Data::Failed(err.kind, err.message));
        self.process(
            Pending {
                quiet: false,
                ..pending
            },
            &self.child_ctx(false),
        );
    }
}

/// Reads a zip archive by position: its directory, then its entries in parallel.
pub(super) fn zip_span<'r>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    span: Span<'_>,
    depth: u32,
    ctx: &Context<'_>,
) {
    let directory = match zip::read_directory(span, run.inner.options.limits.entries) {
        Ok(directory) => directory,
        Err(err) => {
            // No directory (a cut download): what its local headers still hold.
            input.problem(0, entry_problem(&err));
            let mut reader = span.reader_at(0);
            return expand_stream(run, input, Content::Zip, &mut reader, depth, ctx, true);
        }
    };
    for err in &directory.problems {
        input.problem(0, entry_problem(err));
    }
    if let Some(first) = directory.overlapping.first() {
        let count = directory.overlapping.len();
        input.problem(
            0,
            super::run::problem(
                ProblemKind::ArchiveOverlappingEntries,
                None,
                format!(
                    "{count} entries (the first: {first}) share their bytes with another entry, as \
                     zip bombs do; they are not read"
                ),
            ),
        );
    }
    let quiet = input.quiet;
    let ((), any) = expand(run, input, depth, ctx, |expansion| {
        directory
            .entries
            .par_iter()
            .enumerate()
            .for_each(|(index, entry)| {
                if run.stopped() || entry.is_dir() || skipped_name(&entry.name) {
                    return;
                }
                match zip::open(span, entry) {
                    Err(err) => expansion.failed(index, &entry.name, err),
                    Ok(Opened::Stored(bytes)) => {
                        let pending = expansion.pending(index, &entry.name, Data::Span(bytes));
                        expansion.process(pending, &expansion.child_ctx(true));
                    }
                    Ok(Opened::Compressed(member)) => {
                        let _ = expansion.metered(index, &entry.name, member, false);
                    }
                }
            });
    });
    no_logs(input, quiet, any);
}

/// Reads `input` as an archive with `read`, each entry an input of its own; returns what
/// `read` gave and whether an entry was a log (or said something).
fn expand<'r, T>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    depth: u32,
    ctx: &Context<'_>,
    read: impl FnOnce(&Expansion<'_, 'r>) -> T,
) -> (T, bool) {
    input.container = true;
    input.kind = InputKind::Archive;
    let expansion = Expansion {
        run,
        ctx,
        parent: input,
        depth,
        any: AtomicBool::new(false),
    };
    let read = read(&expansion);
    (read, expansion.any.into_inner())
}

/// Reads a gzip stream, a tar archive or a zip archive front to back.
pub(super) fn stream<'r>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    content: Content,
    reader: &mut dyn Read,
    depth: u32,
    ctx: &Context<'_>,
) {
    expand_stream(run, input, content, reader, depth, ctx, false);
}

/// [`stream`]; when `recovering` an archive whose directory is lost, nothing more is said of
/// it unless an entry was found.
fn expand_stream<'r>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    content: Content,
    reader: &mut dyn Read,
    depth: u32,
    ctx: &Context<'_>,
    recovering: bool,
) {
    let quiet = input.quiet;
    let (failure, any) = expand(run, input, depth, ctx, |expansion| match content {
        Content::Gzip => gzip(expansion, reader),
        Content::Tar => tar(expansion, reader),
        _ => zip_stream(expansion, reader),
    });
    if recovering && !any {
        return;
    }
    if let Some(err) = failure {
        input.problem(0, entry_problem(&err));
    }
    no_logs(input, quiet, any);
}

/// A gzip stream (its members one after another) is the file it compresses, and keeps its
/// name.
fn gzip(expansion: &Expansion<'_, '_>, reader: &mut dyn Read) -> Option<EntryError> {
    let decoder = Gunzip::new(BufReader::with_capacity(
        64 * 1024,
        Counted {
            inner: reader,
            count: 0,
        },
    ));
    let limits = &expansion.run.inner.options.limits;
    let progress = |n: u64| expansion.run.advance(expansion.ctx, n);
    let mut metered = Metered::new(decoder, &expansion.run.budget, expansion.ctx.meter, limits);
    if expansion.ctx.counts {
        metered = metered.with_progress(&progress);
    }
    let mut order = expansion.parent.order.clone();
    order.push(0);
    let pending = Pending {
        order,
        name: expansion.parent.name.clone(),
        data: Data::Stream(&mut metered),
        depth: expansion.depth + 1,
        quiet: expansion.parent.quiet
            && !expansion
                .parent
                .name
                .to_ascii_lowercase()
                .ends_with(".evtx.gz"),
    };
    expansion.process(pending, &expansion.child_ctx(false));
    None
}

/// A tar archive: its regular files in order.
fn tar(expansion: &Expansion<'_, '_>, reader: &mut dyn Read) -> Option<EntryError> {
    let mut archive = TarStream::new(reader);
    let mut index = 0;
    while let Some(entry) = archive.next_entry() {
        if expansion.run.stopped() {
            return None;
        }
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => return Some(err),
        };
        if !skipped_name(&entry.name) {
            let mut bytes = archive.entry(&entry);
            let pending = expansion.pending(index, &entry.name, Data::Stream(&mut bytes));
            expansion.process(pending, &expansion.child_ctx(false));
        }
        index += 1;
    }
    None
}

/// A zip archive read by its local headers (inside a compressed entry, or from a stream).
fn zip_stream(expansion: &Expansion<'_, '_>, reader: &mut dyn Read) -> Option<EntryError> {
    let mut archive = ZipStream::new(BufReader::with_capacity(64 * 1024, reader));
    let mut index = 0;
    while let Some(entry) = archive.next_entry() {
        if expansion.run.stopped() {
            return None;
        }
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => return Some(err),
        };
        let skip = entry.is_dir() || skipped_name(&entry.name);
        let read = match archive.open(&entry) {
            Ok(member) => {
                // An entry of unknown length is read to its end to find the next one.
                let drained = if skip {
                    let mut member = member;
                    let mut metered = Metered::new(
                        &mut member,
                        &expansion.run.budget,
                        expansion.ctx.meter,
                        &expansion.run.inner.options.limits,
                    );
                    io::copy(&mut metered, &mut io::sink()).map(|_| member)
                } else {
                    expansion.metered(index, &entry.name, member, true)
                };
                match drained.and_then(|mut member| member.skip_compressed()) {
                    Ok(read) => Some(read),
                    Err(err) => return Some(io_entry_problem(&err)),
                }
            }
            Err(err) => {
                if !skip {
                    expansion.failed(index, &entry.name, err);
                }
                None
            }
        };
        if let Err(err) = archive.finish_entry(&entry, read) {
            return Some(err);
        }
        index += 1;
    }
    None
}

/// A 7z archive read by position: its entries in order, block by block.
pub(super) fn sevenz_span<'r>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    span: Span<'_>,
    depth: u32,
    ctx: &Context<'_>,
) {
    let quiet = input.quiet;
    let entries = run.inner.options.limits.entries;
    let (result, any) = expand(run, input, depth, ctx, |expansion| {
        sevenz::read(span, entries, &mut |index, name, entry| {
            if run.stopped() {
                return Ok(false);
            }
            if skipped_name(name) {
                return Ok(true);
            }
            match entry {
                sevenz::Entry::Failed(err) => expansion.failed(index, name, err),
                sevenz::Entry::Bytes(bytes) => {
                    // Read to its end through the meter: the crate would drain the rest
                    // unmetered.
                    expansion.metered(index, name, Unmeasured(bytes), true)?;
                }
            }
            Ok(true)
        })
    });
    match result {
        Ok(problems) => {
            for err in problems {
                input.problem(0, entry_problem(&err));
            }
        }
        Err(err) => {
            // The archive itself could not be read: that is the problem, not a lack of logs.
            input.problem(0, entry_problem(&err));
            input.holds_inputs = any;
            return;
        }
    }
    no_logs(input, quiet, any);
}

/// A decompressing reader that does not say how much it consumed (7z blocks).
struct Unmeasured<R>(R);

impl<R: Read> Read for Unmeasured<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> Consumed for Unmeasured<R> {
    fn consumed(&self) -> Option<u64> {
        None
    }
}

/// A 7z archive arriving as a stream: held in memory (it must be read by position) up to
/// the limit.
pub(super) fn sevenz_stream<'r>(
    run: &Run<'r>,
    input: &mut Input<'_, 'r>,
    reader: &mut dyn Read,
    depth: u32,
    ctx: &Context<'_>,
) {
    let limit = run.inner.options.limits.buffered_bytes;
    let mut bytes = Vec::new();
    match reader.take(limit.saturating_add(1)).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 <= limit => {
            let blob = crate::sources::Blob::Owned(bytes);
            sevenz_span(run, input, blob.span(), depth, ctx);
        }
        Ok(_) => input.fail(
            ProblemKind::ArchiveTooLarge,
            format!(
                "a 7z archive read from a stream is held in memory, and this one is larger than \
                 the limit of {}: save it to a file and analyze that",
                super::meter::human(limit)
            ),
        ),
        Err(err) => input.fail(
            super::meter::kind_of(&err, ProblemKind::CannotRead),
            crate::sources::describe_io(&err),
        ),
    }
}

/// An archive the user named that holds no log says so.
fn no_logs(input: &mut Input<'_, '_>, quiet: bool, any: bool) {
    input.holds_inputs = any;
    if !quiet && !any {
        input.problem(
            0,
            super::run::problem(
                ProblemKind::ArchiveNoLogs,
                None,
                "the archive holds no event log (.evtx, XML, CSV or text export)".into(),
            ),
        );
    }
}

fn entry_problem(err: &EntryError) -> crate::report::Problem {
    super::run::problem(err.kind, None, err.message.clone())
}

fn io_entry_problem(err: &io::Error) -> EntryError {
    EntryError::new(
        super::meter::kind_of(err, ProblemKind::ArchiveDamaged),
        format!(
            "the archive cannot be read further: {}",
            crate::sources::describe_io(err)
        ),
    )
}

/// Counts the compressed bytes a decoder takes.
struct Counted<'a> {
    inner: &'a mut dyn Read,
    count: u64,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// The members of a gzip stream one after another (as `gzip -d` reads them), ending at the
/// input's end, at zeros (padding) or at what is no gzip member; knows what it consumed.
struct Gunzip<'a> {
    member: Option<GzDecoder<BufReader<Counted<'a>>>>,
    count: u64,
}

impl<'a> Gunzip<'a> {
    fn new(input: BufReader<Counted<'a>>) -> Self {
        Gunzip {
            member: Some(GzDecoder::new(input)),
            count: 0,
        }
    }
}

impl Read for Gunzip<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(member) = self.member.as_mut() {
            let n = member.read(buf)?;
            self.count = member.get_ref().get_ref().count;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // This member ended: another one follows when the gzip magic does.
            let mut input = self.member.take().map(GzDecoder::into_inner);
            if let Some(rest) = input.as_mut()
                && rest.fill_buf()?.starts_with(&[0x1f, 0x8b])
            {
                self.member = input.map(GzDecoder::new);
            }
        }
        Ok(0)
    }
}

impl Consumed for Gunzip<'_> {
    fn consumed(&self) -> Option<u64> {
        Some(self.count)
    }
}
