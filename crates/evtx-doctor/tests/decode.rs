//! The decoder that builds events straight from a record's bytes (`scan/decode.rs`) against
//! the `evtx` crate's rendering read back as XML: every field of every record is equal, or
//! the decoder declined. On every fixture, on evtx-forge corpora, and on the shared corpus
//! (skipped with a note when absent).

mod common;

use common::{corpus, fold_skipped_into_read};
use evtx_doctor::internals::{Decline, DecodedTwice, decode_both_ways};
use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::Report;
use evtx_doctor::{Options, Source, analyze};
use evtx_forge::corpus::{CorpusOptions, write_corpus};
use evtx_forge::file_header;
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

const CHUNK: usize = 65536;

/// How many records were decoded, of how many, across some chunks; why the others were
/// declined; the records whose two events differ.
#[derive(Debug, Default)]
struct Tally {
    decoded: usize,
    records: usize,
    /// Why, and whether the `evtx` crate reads those records.
    declined: BTreeMap<(Decline, bool), usize>,
    mismatches: Vec<String>,
    /// Records of classic providers (the sync engine's shape: `Qualifiers`, unnamed `<Data>`
    /// strings), and how many of them were decoded.
    classic: usize,
    classic_decoded: usize,
}

impl Tally {
    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} of {} records decoded",
            self.decoded, self.records
        );
        for ((why, read), count) in &self.declined {
            let crate_says = if *read { "read" } else { "fails" };
            eprintln!("  declined, {why} (the evtx crate {crate_says}): {count}");
        }
        for mismatch in self.mismatches.iter().take(5) {
            eprintln!("{mismatch}");
        }
        assert!(
            self.mismatches.is_empty(),
            "{what}: {} records decoded differently",
            self.mismatches.len()
        );
    }
}

/// Checks every record of every chunk of the .evtx file `bytes` (named `what`).
fn check_file(bytes: &[u8], what: &str, tally: &mut Tally) {
    for (number, chunk) in bytes
        .get(4096..)
        .unwrap_or_default()
        .chunks_exact(CHUNK)
        .enumerate()
    {
        if chunk.starts_with(b"ElfChnk\0") {
            check_chunk(chunk, &format!("{what} chunk {number}"), tally);
        }
    }
}

fn check_chunk(chunk: &[u8], what: &str, tally: &mut Tally) {
    for DecodedTwice {
        record_id,
        fast,
        reference,
    } in decode_both_ways(chunk)
    {
        tally.records += 1;
        let classic = reference.as_ref().is_ok_and(|event| {
            event.qualifiers.is_some()
                && !event.data.is_empty()
                && event.data.iter().all(|item| item.name.is_none())
        });
        tally.classic += usize::from(classic);
        tally.classic_decoded += usize::from(classic && fast.is_ok());
        let fast = match fast {
            Ok(fast) => fast,
            Err(why) => {
                *tally.declined.entry((why, reference.is_ok())).or_default() += 1;
                continue;
            }
        };
        tally.decoded += 1;
        match reference {
            Ok(reference) if reference == fast => {}
            Ok(reference) => tally.mismatches.push(format!(
                "{what}: record {record_id}\n  decoded:   {fast:?}\n  reference: {reference:?}"
            )),
            Err(err) => tally.mismatches.push(format!(
                "{what}: record {record_id} decoded, but the evtx crate says: {err}\n{fast:?}"
            )),
        }
    }
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "evtx"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_record_decodes_as_the_evtx_crate_renders_it() {
    let mut tally = Tally::default();
    let files = fixtures();
    assert!(files.len() > 5, "fixtures found: {}", files.len());
    for path in files {
        check_file(
            &std::fs::read(&path).unwrap(),
            &path.display().to_string(),
            &mut tally,
        );
    }
    tally.report("fixtures");
    assert!(tally.records > 100);
    // evtx-forge writes what Windows writes for these providers: all of it is followed.
    assert_eq!(tally.decoded, tally.records);
}

#[test]
fn every_forge_corpus_record_decodes_as_the_evtx_crate_renders_it() {
    let mut tally = Tally::default();
    for (seed, signal_every) in [(1, 1), (7, 1), (3, 2), (11, 1)] {
        let options = CorpusOptions::new(4096 + 6 * CHUNK as u64, signal_every, seed);
        let file = write_corpus(Cursor::new(Vec::new()), &options)
            .unwrap()
            .0
            .into_inner();
        check_file(&file, &format!("forge seed {seed}"), &mut tally);
    }
    tally.report("forge");
    assert!(tally.records > 500);
    assert_eq!(tally.decoded, tally.records);
}

#[test]
fn every_shared_corpus_record_decodes_as_the_evtx_crate_renders_it_or_is_declined() {
    let Some(root) = corpus() else {
        return;
    };
    let mut tally = Tally::default();
    let mut stack = vec![root];
    let mut files = 0;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .collect();
            entries.sort();
            stack.extend(entries);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
        {
            files += 1;
            check_file(
                &std::fs::read(&path).unwrap(),
                &path.display().to_string(),
                &mut tally,
            );
        }
    }
    tally.report(&format!("shared corpus, {files} files"));
    assert!(files > 0 && tally.records > 0);
    // The sync engine's events are classic ones: every such record is decoded.
    assert!(tally.classic > 100, "{tally:?}");
    assert_eq!(tally.classic_decoded, tally.classic);
    // Most real records are manifest events whose EventData or UserData is an embedded BinXML
    // fragment (value type 0x21): declined, they go through the crate. Classic events (the
    // sync engine's among them) are decoded, and equal.
    assert!(tally.decoded > 0, "{tally:?}");
}

/// The `decode` fuzz target's seeds (`fuzz/seeds/decode`: chunks cut at their free space, one
/// of them built to hold embedded BinXML, arrays, the value types manifest events use and a
/// record written as a token stream, one with arrays that repeat elements whose attributes
/// all place one string): every record decodes as the crate renders it.
#[test]
fn every_fuzz_seed_record_decodes_as_the_evtx_crate_renders_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/decode");
    let mut tally = Tally::default();
    let mut seeds = 0;
    for (path, chunk) in chunks_in(&dir) {
        check_chunk(&chunk, &path.display().to_string(), &mut tally);
        seeds += 1;
    }
    tally.report("fuzz seeds");
    assert!(seeds >= 5 && tally.records > 10, "{tally:?}");
    assert_eq!(tally.decoded, tally.records);
}

/// Chunks the `decode` fuzz target once found the decoder and the crate disagreeing on, and
/// chunks built to ask for unbounded work, in `tests/data/decode`, named after the cause:
/// they agree now. Built ones: an array of 4,096 items repeating an element that holds 600
/// others; an array repeating an element whose 100 attributes (which no event field uses)
/// each place a 4,000-byte string, which the crate writes for every copy (past its 16 MiB);
/// four such records, then a small one the crate refuses too, their render budget spent.
#[test]
fn fuzz_findings_decode_as_the_evtx_crate_renders_them_or_are_declined() {
    let mut tally = Tally::default();
    for (path, chunk) in chunks_in(&findings()) {
        check_chunk(&chunk, &path.display().to_string(), &mut tally);
    }
    tally.report("fuzz findings");
    assert!(tally.records > 0);
}

/// The records the crate cannot render for what they ask (past 16 MiB of output, or after
/// records that spent their chunk's budget) are declined, whether the decoder runs out of
/// work in them or not.
#[test]
fn records_past_the_crates_budgets_are_declined() {
    for (name, records) in [
        ("unused-attributes-past-the-crate-budget", 1),
        ("declined-records-spend-the-chunk-budget", 5),
    ] {
        let mut chunk = std::fs::read(findings().join(name)).unwrap();
        chunk.resize(CHUNK, 0);
        let decoded = decode_both_ways(&chunk);
        assert_eq!(decoded.len(), records, "{name}");
        for record in decoded {
            let what = format!("{name}: record {}", record.record_id);
            assert_eq!(record.fast.err(), Some(Decline::Malformed), "{what}");
            assert!(record.reference.is_err(), "{what}");
        }
    }
}

/// The built findings that ask past the crate's budgets, and the seeds, each as an .evtx
/// file of its one chunk, give the same report with the prefilter (and so the decoder) on and
/// off: a record the decoder declines is read by the crate, which reports what it cannot
/// render. (Every record of these is one the prefilter wants: the other findings hold records
/// it skips, whose damage only a run without it reports.)
#[test]
fn crafted_records_give_the_same_report_with_the_prefilter_on_and_off() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/decode");
    let crafted = [
        "unused-attributes-past-the-crate-budget",
        "declined-records-spend-the-chunk-budget",
    ];
    let files = chunks_in(&seeds)
        .into_iter()
        .chain(chunks_in(&findings()).into_iter().filter(|(path, _)| {
            path.file_name()
                .is_some_and(|name| crafted.iter().any(|c| name == *c))
        }));
    let (mut checked, mut unreadable) = (0, 0);
    for (path, chunk) in files {
        let mut file = file_header(1, 1);
        file.extend_from_slice(&chunk);
        let name = format!("{}.evtx", path.display());
        let off = report(&name, &file, false);
        assert_eq!(report(&name, &file, true), off, "{name}");
        checked += 1;
        unreadable += off
            .inputs
            .iter()
            .map(|input| input.counts.records_unreadable)
            .sum::<u64>();
    }
    assert!(checked >= 8, "{checked}");
    // The crafted records the crate refuses are reported, both ways: all six.
    assert_eq!(unreadable, 6);
}

/// The report on the .evtx file `bytes` named `name`, with the prefilter on or off; the
/// counters of what the prefilter skipped (read without it) are added to those read.
fn report(name: &str, bytes: &[u8], prefilter: bool) -> Report {
    let options = Options {
        prefilter,
        ..Options::default()
    };
    let knowledge = Knowledge::builtin().unwrap();
    let mut report = analyze([Source::borrowed(name, bytes)], &knowledge, &options);
    fold_skipped_into_read(&mut report);
    report
}

fn findings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/decode")
}

/// Every file of `dir` (a chunk cut at its free space), zero-filled to a whole chunk.
fn chunks_in(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut chunks: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let mut chunk = std::fs::read(&path).unwrap();
            chunk.resize(CHUNK, 0);
            (path, chunk)
        })
        .collect();
    chunks.sort();
    chunks
}
