//! Which records of a chunk the prefilter admitted are worth building, decided before the
//! `evtx` crate sees the chunk, and the others kept out of its way.
//!
//! The `evtx` crate builds every record its chunk iterator walks over (most of the cost of
//! parsing a chunk), and walks from one record to the next by the size in each record header.
//! So each run of two or more records that cannot match is turned into one: the size field of
//! its first record is set, in our copy of the chunk, to the length of the whole run. The
//! crate then builds that first record only (its BinXML ends where it always did; the rest of
//! the run follows as unread bytes) and goes on at the next record worth building. Nothing
//! else changes: template definitions and names that later records refer to by offset stay
//! where they were, and the chunk's CRCs were checked before.

use super::binxml::Template;
use super::chunk::{ChunkOutcome, FiletimeSpan};
use super::decode::RecordBytes;
use super::prefilter::{AnchorCursor, Hits, Prefilter};
use super::record;
use super::walk::Walk;
use std::ops::Range;

/// The records walked in an admitted chunk, and which of them are to be built.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    /// The records walked, by offset.
    records: Vec<Walked>,
    /// Where the walk stopped: the `evtx` crate may find records past it (it resyncs after a
    /// broken one), which the caller judges one by one.
    stop: usize,
    /// Runs of records to merge: index of the first in `records`, and how many.
    runs: Vec<(usize, usize)>,
    /// The event ids of the records with an anchor.
    event_ids: record::EventIds,
    /// Whether the walk went through every record the `evtx` crate would walk.
    finished: bool,
}

/// A record walked, and whether it could match.
#[derive(Debug, Clone)]
struct Walked {
    start: usize,
    id: u64,
    filetime: u64,
    binxml: Range<usize>,
    /// The body of the template it instantiates, when it has the usual shape.
    template: Option<Range<usize>>,
    wanted: bool,
}

/// What to do with a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    /// No record can match: skip it (its records were counted).
    Skip,
    /// Parse it, building the records chosen.
    Parse,
    /// Its records or templates reach past the bytes read: read the whole chunk and choose
    /// again (nothing was counted).
    ReadAll,
}

/// What the selection says of a record the `evtx` crate yielded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Walked and wanted: build it.
    Build,
    /// Walked and ruled out (or a merged run): already counted, do not build.
    Skip,
    /// Not walked: judge it on its own.
    Unknown,
}

impl Selection {
    /// The templates compiled while choosing (to read event ids), each with its definition's
    /// offset, for the decoder.
    pub(crate) fn take_templates(&mut self) -> impl Iterator<Item = (usize, Template)> + '_ {
        self.event_ids.take_compiled()
    }

    /// Indexes `chunk` (the first `valid` bytes from the file, of which the first `filled`
    /// were read) for the prefilter, walks its records and asks the prefilter about each,
    /// counts and dates the records ruled out in `out`, and merges their runs.
    pub(crate) fn choose(
        &mut self,
        prefilter: &Prefilter,
        hits: &mut Hits,
        chunk: &mut [u8],
        valid: usize,
        filled: usize,
        out: &mut ChunkOutcome,
    ) -> Choice {
        self.records.clear();
        self.runs.clear();
        self.event_ids.start(filled);
        self.finished = false;
        let mut walk = Walk::new(chunk, valid);
        let last_id = walk.last_id();
        // How far the records and their templates reach.
        let mut reach = 0;
        for header in walk.by_ref() {
            let binxml = header.binxml();
            let template = record::template_definition(chunk, binxml.clone());
            reach = reach
                .max(binxml.end)
                .max(template.as_ref().map_or(0, |t| t.end));
            self.records.push(Walked {
                start: header.start,
                id: header.id,
                filetime: header.filetime,
                binxml,
                template,
                wanted: false,
            });
        }
        self.stop = walk.stop();
        let finished = walk.finished();
        self.finished = finished;
        // Only the bytes up to the free space hold records (a chunk of a small log is mostly
        // free space) and, in a chunk Windows writes, their templates; a record or template
        // reaching past it, or records the walk could not reach (the `evtx` crate resyncs
        // past a broken one), and the whole chunk is searched.
        let searched = if finished {
            walk.live_end().max(reach)
        } else {
            chunk.len()
        };
        if searched > filled && filled < valid {
            return Choice::ReadAll;
        }
        let mut skipped_times = FiletimeSpan::new();
        // Without an anchor anywhere, no record can match: the records are only counted.
        if !prefilter.index_anchors_up_to(chunk, searched, hits) {
            out.records_skipped += self.records.len() as u64;
            self.records
                .iter()
                .for_each(|record| skipped_times.add(record.filetime));
            skipped_times.report(out);
            return Choice::Skip;
        }
        let mut run: Option<(usize, usize)> = None;
        // Most records hold no anchor, in their bytes or their template's: told in passing.
        let mut cursor = AnchorCursor::default();
        for index in 0..self.records.len() {
            let Some(walked) = self.records.get(index) else {
                break;
            };
            let (binxml, template) = (walked.binxml.clone(), walked.template.clone());
            let (id, filetime) = (walked.id, walked.filetime);
            let anchored = cursor.anchor_in(hits, &binxml)
                || template
                    .as_ref()
                    .is_none_or(|template| hits.anchor_in(template));
            let wanted = anchored
                && record::admits(
                    prefilter,
                    hits,
                    chunk,
                    binxml,
                    template,
                    Some(&mut self.event_ids),
                );
            if let Some(walked) = self.records.get_mut(index) {
                walked.wanted = wanted;
            }
            if !wanted {
                out.records_skipped += 1;
                skipped_times.add(filetime);
            }
            // The crate stops after the chunk's last record: it must see that record's id.
            let joins = !wanted && id != last_id.unwrap_or(u64::MAX);
            run = match (run, joins) {
                (Some((first, count)), true) => Some((first, count + 1)),
                (None, true) => Some((index, 1)),
                (Some(done), false) => {
                    self.runs.push(done);
                    None
                }
                (None, false) => None,
            };
        }
        skipped_times.report(out);
        self.runs.extend(run);
        if !finished {
            // The `evtx` crate may find records past a broken one, judged one by one as it
            // does: they need the whole chunk searched.
            prefilter.index_followers(chunk, hits, std::slice::from_ref(&(0..chunk.len())));
        } else if self.records.iter().all(|record| !record.wanted) {
            return Choice::Skip;
        }
        self.merge(chunk);
        Choice::Parse
    }

    /// Sets the size field of the first record of each run to the length of the run.
    fn merge(&self, chunk: &mut [u8]) {
        for &(index, count) in &self.runs {
            let Some(first) = self.records.get(index).map(|record| record.start) else {
                continue;
            };
            if count < 2 {
                continue;
            }
            // The run ends where the record after its last one starts, or at the walk's stop.
            let end = self
                .records
                .get(index + count)
                .map_or(self.stop, |record| record.start);
            // Not in a template a wanted record uses (it is not, in any chunk Windows writes;
            // a crafted chunk may point anywhere).
            let size_field = first + 4..first + 8;
            let in_a_wanted_template = self
                .records
                .iter()
                .filter(|record| record.wanted)
                .filter_map(|record| record.template.as_ref())
                .any(|t| t.start < size_field.end && size_field.start < t.end);
            if in_a_wanted_template {
                continue;
            }
            let (Ok(size), Some(field)) = (u32::try_from(end - first), chunk.get_mut(size_field))
            else {
                continue;
            };
            field.copy_from_slice(&size.to_le_bytes());
        }
    }

    /// The ids of the records to build.
    #[cfg(test)]
    fn wanted_ids(&self) -> Vec<u64> {
        self.records
            .iter()
            .filter(|record| record.wanted)
            .map(|record| record.id)
            .collect()
    }

    /// The records to build, in order, when they are all the `evtx` crate would build: the
    /// walk went through every record; `None` otherwise.
    pub(crate) fn wanted_records(&self) -> Option<impl Iterator<Item = RecordBytes> + '_> {
        self.finished.then(|| {
            self.records
                .iter()
                .filter(|record| record.wanted)
                .map(|record| RecordBytes {
                    start: record.start,
                    binxml: record.binxml.clone(),
                    id: record.id,
                    filetime: record.filetime,
                })
        })
    }

    /// What to do with the record starting at `start`.
    pub(crate) fn verdict(&self, start: usize) -> Verdict {
        match self
            .records
            .binary_search_by_key(&start, |record| record.start)
        {
            Ok(index) if self.records.get(index).is_some_and(|record| record.wanted) => {
                Verdict::Build
            }
            Ok(_) => Verdict::Skip,
            Err(_) => Verdict::Unknown,
        }
    }

    /// Whether a record with this id was walked and ruled out (its build errors, if any, are
    /// those of a record not meant to be built).
    pub(crate) fn ruled_out(&self, id: u64) -> bool {
        self.records
            .iter()
            .any(|record| record.id == id && !record.wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Knowledge;
    use evtx::{EvtxChunkData, ParserSettings};
    use evtx_forge::corpus::{CorpusOptions, write_corpus};
    use std::io::Cursor;
    use std::sync::Arc;

    /// A chunk of evtx-forge's sync-server noise with a 653, a 611 and a 654 among it.
    fn signal_chunk() -> Vec<u8> {
        let options = CorpusOptions::new(4096 + 2 * 65536, 1, 3);
        let file = write_corpus(Cursor::new(Vec::new()), &options)
            .unwrap()
            .0
            .into_inner();
        file[4096..4096 + 65536].to_vec()
    }

    /// Every record the `evtx` crate yields from `chunk`: id and XML.
    fn rendered(chunk: Vec<u8>) -> Vec<(u64, String)> {
        let settings = Arc::new(ParserSettings::default().num_threads(1));
        let mut data = EvtxChunkData::new(chunk, false).unwrap();
        let mut parsed = data.parse(settings).unwrap();
        parsed
            .iter()
            .filter_map(Result::ok)
            .map(|record| {
                let id = record.event_record_id;
                (id, record.into_xml().unwrap().data)
            })
            .collect()
    }

    #[test]
    fn merged_runs_leave_the_wanted_records_as_they_were() {
        let knowledge = Knowledge::builtin().unwrap();
        let prefilter = Prefilter::new(&knowledge.rules().literal_plan().unwrap()).unwrap();
        let chunk = signal_chunk();
        let mut patched = chunk.clone();
        let (mut hits, mut selection) = (prefilter.new_hits(), Selection::default());
        let mut out = ChunkOutcome::default();
        let choice = selection.choose(&prefilter, &mut hits, &mut patched, 65536, 65536, &mut out);
        assert_eq!(choice, Choice::Parse);

        let before = rendered(chunk);
        let after = rendered(patched);
        let wanted = selection.wanted_ids();
        // No rule is about 653: its event id, read from its bytes, rules it out.
        assert_eq!(wanted.len(), 2, "the 611 and the 654");
        assert_eq!(selection.records.len(), before.len());
        assert_eq!(out.records_skipped as usize, before.len() - 2);
        for id in &wanted {
            let xml =
                |records: &[(u64, String)]| records.iter().find(|(other, _)| other == id).cloned();
            assert!(xml(&before).is_some());
            assert_eq!(xml(&after), xml(&before), "record {id}");
        }
        // The crate built the two, and one record per run of the others (at most three runs
        // around two records).
        assert!(after.len() <= 2 + 3, "{} of {}", after.len(), before.len());
        assert!(before.len() > 50);
    }

    #[test]
    fn a_chunk_without_an_anchor_is_skipped_and_counted() {
        let knowledge = Knowledge::builtin().unwrap();
        let prefilter = Prefilter::new(&knowledge.rules().literal_plan().unwrap()).unwrap();
        let mut chunk = signal_chunk();
        let original = chunk.clone();
        // Every anchor gone: no provider of any rule in the chunk any more.
        for (from, to) in [
            ("Directory Synchronization", "Directory Xynchronization"),
            ("ADSync", "ADXync"),
        ] {
            let from: Vec<u8> = from.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let to: Vec<u8> = to.encode_utf16().flat_map(u16::to_le_bytes).collect();
            while let Some(at) = memchr::memmem::find(&chunk, &from) {
                chunk[at..at + to.len()].copy_from_slice(&to);
            }
        }
        assert_ne!(chunk, original);
        let (mut hits, mut selection) = (prefilter.new_hits(), Selection::default());
        let mut out = ChunkOutcome::default();
        let mut patched = chunk.clone();
        let choice = selection.choose(&prefilter, &mut hits, &mut patched, 65536, 65536, &mut out);
        assert_eq!(choice, Choice::Skip);
        assert_eq!(patched, chunk, "a skipped chunk is not touched");
        assert_eq!(out.records_skipped as usize, rendered(chunk).len());
        assert!(out.first.is_some() && out.last.is_some());
    }
}

#[cfg(test)]
mod free_space {
    use super::*;
    use crate::knowledge::Knowledge;
    use crate::scan::walk::u32_at;
    use evtx_forge::corpus::{CorpusOptions, write_corpus};
    use std::io::Cursor;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// Replaces every `from` (UTF-16) in `bytes` by `to`, of the same length.
    fn replace(bytes: &mut [u8], from: &str, to: &str) {
        let (from, to) = (utf16(from), utf16(to));
        while let Some(at) = memchr::memmem::find(bytes, &from) {
            bytes[at..at + to.len()].copy_from_slice(&to);
        }
    }

    /// A chunk of sync-server noise with a 653, a 611 and a 654, cut after the 611: the
    /// chunk header's free space and last record id say it ends there. The 611's offset too.
    fn cut_after_611() -> (Vec<u8>, Walked) {
        let options = CorpusOptions::new(4096 + 2 * 65536, 1, 3);
        let file = write_corpus(Cursor::new(Vec::new()), &options)
            .unwrap()
            .0
            .into_inner();
        let mut chunk = file[4096..4096 + 65536].to_vec();
        let (choice, selection, _) = choose_read(&chunk, 65536);
        assert_eq!(choice, Choice::Parse);
        // The wanted records, in order: 611, 654 (no rule is about the 653).
        let wanted: Vec<Walked> = selection
            .records
            .iter()
            .filter(|r| r.wanted)
            .cloned()
            .collect();
        assert_eq!(wanted.len(), 2);
        let the_611 = wanted[0].clone();
        let end = the_611.binxml.end + 4;
        chunk[48..52].copy_from_slice(&(end as u32).to_le_bytes());
        chunk[32..40].copy_from_slice(&the_611.id.to_le_bytes());
        chunk[end..].fill(0);
        (chunk, the_611)
    }

    /// What the built-in rules' prefilter chooses for `chunk`, of which `filled` bytes were
    /// read.
    fn choose_read(chunk: &[u8], filled: usize) -> (Choice, Selection, ChunkOutcome) {
        let plan = Knowledge::builtin()
            .unwrap()
            .rules()
            .literal_plan()
            .unwrap();
        let prefilter = Prefilter::new(&plan).unwrap();
        let (mut selection, mut out) = (Selection::default(), ChunkOutcome::default());
        let mut copy = chunk.to_vec();
        let choice = selection.choose(
            &prefilter,
            &mut prefilter.new_hits(),
            &mut copy,
            65536,
            filled,
            &mut out,
        );
        (choice, selection, out)
    }

    /// Whether the chunk, read whole, is parsed.
    fn choose(chunk: &[u8]) -> (bool, Selection) {
        let (choice, selection, _) = choose_read(chunk, 65536);
        (choice == Choice::Parse, selection)
    }

    #[test]
    fn a_provider_name_in_the_free_space_is_not_an_anchor() {
        let (mut chunk, the_611) = cut_after_611();
        replace(
            &mut chunk,
            "Directory Synchronization",
            "Directory Xynchronization",
        );
        assert!(!choose(&chunk).0);
        let free = the_611.binxml.end + 4;
        let name = utf16("Directory Synchronization for mms error");
        chunk[free + 64..free + 64 + name.len()].copy_from_slice(&name);
        assert!(
            !choose(&chunk).0,
            "what lies past the free space is never read"
        );
    }

    #[test]
    fn a_template_past_the_free_space_is_searched() {
        let (mut chunk, the_611) = cut_after_611();
        let free = the_611.binxml.end + 4;
        // The provider's name gone from everything before the free space...
        replace(
            &mut chunk[..free],
            "Directory Synchronization",
            "Directory Xynchronization",
        );
        assert!(!choose(&chunk).0);
        // ...and the 611 pointed at a template past it that names it: next-template offset
        // (4), GUID (16), body size (4), body. Only the prefilter reads it here.
        let body = utf16("<Provider Name='Directory Synchronization'/>");
        let definition = 20_000;
        chunk[definition + 20..definition + 24].copy_from_slice(&(body.len() as u32).to_le_bytes());
        chunk[definition + 24..definition + 24 + body.len()].copy_from_slice(&body);
        let offset_at = the_611.binxml.start + 10;
        assert!(u32_at(&chunk, offset_at).is_some_and(|offset| (offset as usize) < free));
        chunk[offset_at..offset_at + 4].copy_from_slice(&(definition as u32).to_le_bytes());
        // Read up to the free space only, the chunk must be read whole first.
        let (choice, _, out) = choose_read(&chunk, free.next_multiple_of(4096));
        assert_eq!(choice, Choice::ReadAll);
        assert_eq!(out.records_skipped, 0, "nothing counted yet");
        let (admitted, selection) = choose(&chunk);
        assert!(
            admitted,
            "the template the 611 instantiates names the provider"
        );
        assert_eq!(selection.wanted_ids(), [the_611.id]);
    }
}
