//! The prefilter only skips what cannot match: with it on and off, and with 1 or 2 threads,
//! the reports are the same (but for the counters of what was skipped) on every fixture, on
//! evtx-forge content where every chunk holds password-sync events (the 256 MiB benchmark
//! workload in small), on noise with a few signal chunks mixed with real chunks, and on the
//! whole shared corpus (`EVTX_DOCTOR_CORPUS`, else `../shared/corpus`; skipped with a note
//! when absent).

mod common;
use common::{corpus, fold_skipped_into_read};

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::Report;
use evtx_doctor::{Options, analyze};
use evtx_forge::corpus::{CorpusOptions, SignalMix, write_corpus};
use std::io::Cursor;
use std::path::{Path, PathBuf};

const CHUNK: usize = 65536;
const HEADER: usize = 4096;

fn run(paths: &[PathBuf], threads: usize, prefilter: bool) -> Report {
    let options = Options {
        prefilter,
        ..Options::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut report = pool.install(|| analyze(paths, &Knowledge::builtin().unwrap(), &options));
    fold_skipped_into_read(&mut report);
    report
}

/// Same report with the prefilter on (1 and 2 threads) and off; returns it.
fn invariant(paths: &[PathBuf]) -> Report {
    let reference = run(paths, 2, false);
    assert_eq!(run(paths, 1, true), reference, "prefilter on, 1 thread");
    assert_eq!(run(paths, 2, true), reference, "prefilter on, 2 threads");
    reference
}

/// Same diagnosis with the prefilter on (with each of `threads`) and off: findings, verdicts,
/// timeline, events matched, and every input's chunk accounting; returns the report.
fn same_diagnosis(paths: &[PathBuf], threads: &[usize]) -> Report {
    let reference = run(paths, 2, false);
    for &threads in threads {
        let with = run(paths, threads, true);
        assert_eq!(with.findings, reference.findings, "{threads} threads");
        assert_eq!(with.verdicts, reference.verdicts, "{threads} threads");
        assert_eq!(with.timeline, reference.timeline, "{threads} threads");
        assert_eq!(
            with.summary.events_matched,
            reference.summary.events_matched
        );
        assert_eq!(with.inputs.len(), reference.inputs.len());
        for (a, b) in with.inputs.iter().zip(&reference.inputs) {
            assert_eq!(a.path, b.path);
            assert_eq!(a.kind, b.kind, "{}", a.path);
            assert_eq!(a.counts.chunks, b.counts.chunks, "{}", a.path);
            assert_eq!(a.counts.chunks_read, b.counts.chunks_read, "{}", a.path);
            assert_eq!(a.counts.chunks_empty, b.counts.chunks_empty, "{}", a.path);
            assert_eq!(
                a.counts.chunks_unreadable, b.counts.chunks_unreadable,
                "{}",
                a.path
            );
            assert_eq!(
                a.counts.chunks_crc_mismatch, b.counts.chunks_crc_mismatch,
                "{}",
                a.path
            );
        }
    }
    reference
}

/// The inputs whose whole entry (record counts and time span included) differs with the
/// prefilter on and off.
fn differing_inputs(paths: &[PathBuf]) -> Vec<String> {
    let with = run(paths, 2, true);
    let without = run(paths, 2, false);
    with.inputs
        .iter()
        .zip(&without.inputs)
        // In a chunk whose CRC does not match, the evtx crate reports record errors for
        // records it renders; the prefilter renders none of a chunk's records that cannot
        // match, so it may see fewer of those errors (the findings are the same).
        .filter(|(a, b)| a != b && a.counts.chunks_crc_mismatch == 0)
        .map(|(a, b)| format!("{}\n  with:    {a:?}\n  without: {b:?}", a.path))
        .collect()
}

/// How many 611 events the findings count.
fn count_611(report: &Report) -> u64 {
    report
        .findings
        .iter()
        .filter(|f| f.event_ids.contains(&611))
        .map(|f| f.count)
        .sum()
}

fn forge(size: u64, signal_every: u64, seed: u64) -> Vec<u8> {
    let options = CorpusOptions::new(size, signal_every, seed);
    write_corpus(Cursor::new(Vec::new()), &options)
        .unwrap()
        .0
        .into_inner()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn every_fixture() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "evtx"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    // One by one (a report per fixture) and all together.
    for file in &files {
        invariant(std::slice::from_ref(file));
    }
    let report = invariant(&files);
    assert!(!report.findings.is_empty());
}

/// The all-signal benchmark workload in small: every chunk holds a 653, a 611 and a 654
/// among the noise, so every chunk is parsed and the record-level check does the skipping.
#[test]
fn signal_in_every_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "signal.evtx", &forge(4 << 20, 1, 11));
    let report = invariant(std::slice::from_ref(&file));
    let chunks = report.inputs[0].counts.chunks;
    assert!(chunks >= 60, "{chunks}");
    let failures = count_611(&report);
    assert_eq!(failures, chunks, "one 611 per chunk, each diagnosed");
    // With the prefilter on, the chunks are all read but only their 611 and 654 are built:
    // the rest are ruled out one by one (scan/select.rs), the 653 by its event id (no rule is
    // about it; scan/binxml.rs reads it from the record's bytes).
    let options = Options::default();
    let on = analyze(
        std::slice::from_ref(&file),
        &Knowledge::builtin().unwrap(),
        &options,
    );
    let input = &on.inputs[0];
    assert_eq!(input.counts.chunks_skipped, 0);
    assert_eq!(input.counts.records_read, 2 * chunks);
    assert!(input.counts.records_skipped > 30 * chunks, "{input:?}");
}

/// The dense benchmark workload in small: ~5 signal records spread among the noise of every
/// chunk (611 bursts, heartbeat pairs, credential bursts), the rules' answers remembered per
/// thread; every candidate is a finding's event, the 653s are ruled out by their event id.
#[test]
fn dense_mix() {
    let dir = tempfile::tempdir().unwrap();
    let options = CorpusOptions::new(3 << 20, 1, 5).with_mix(SignalMix::Dense);
    let (out, summary) = write_corpus(Cursor::new(Vec::new()), &options).unwrap();
    let file = write(dir.path(), "dense.evtx", &out.into_inner());
    let report = invariant(std::slice::from_ref(&file));
    assert_eq!(count_611(&report), summary.signal_611);
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    for rule in [
        "phs.611.rpc-8439",
        "phs.611.rpc-8453",
        "phs.611.rpc-8593",
        "phs.cloud-credentials",
        "entra.connector.old-password",
    ] {
        assert!(rules.contains(&rule), "{rule} in {rules:?}");
    }
    let on = analyze(
        std::slice::from_ref(&file),
        &Knowledge::builtin().unwrap(),
        &Options::default(),
    );
    // Every signal record but the 653s is a finding's event, and built; no noise record is.
    assert_eq!(on.summary.events_matched, on.inputs[0].counts.records_read);
    assert!(
        on.summary.events_matched * 5 >= summary.signal_records * 3,
        "{:?}",
        on.summary
    );
}

/// The 1 GiB noise workload in small: forge chunks (signal in every 8th) alternating with
/// real chunks of the shared corpus (when there is one), under a fresh file header. Returns
/// the file and how many chunks hold a 611.
fn mixed_file(dir: &Path) -> (PathBuf, u64) {
    let forged = forge(3 << 20, 8, 5);
    let mut real: Vec<Vec<u8>> = Vec::new();
    if let Some(corpus) = corpus() {
        let mut stack = vec![corpus];
        let mut files = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "evtx") {
                    files.push(path);
                }
            }
        }
        files.sort();
        // The first chunk of every 8th file: varied providers and layouts.
        for file in files.iter().step_by(8) {
            let bytes = std::fs::read(file).unwrap();
            if let Some(chunk) = bytes.get(HEADER..HEADER + CHUNK)
                && chunk.starts_with(b"ElfChnk\0")
            {
                real.push(chunk.to_vec());
            }
        }
    }
    let forge_chunks: Vec<&[u8]> = forged[HEADER..].chunks_exact(CHUNK).collect();
    let mut body = Vec::new();
    let mut count = 0u64;
    for (i, chunk) in forge_chunks.iter().enumerate() {
        body.extend_from_slice(chunk);
        count += 1;
        if let Some(real) = real.get(i % real.len().max(1)) {
            body.extend_from_slice(real);
            count += 1;
        }
    }
    let mut bytes = evtx_forge::file_header(count, 1 << 40);
    bytes.extend_from_slice(&body);
    let signal_chunks = forge_chunks.len().div_ceil(8) as u64;
    (write(dir, "mixed.evtx", &bytes), signal_chunks)
}

#[test]
fn noise_with_a_few_signal_chunks_and_real_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let (file, signal_chunks) = mixed_file(dir.path());
    let report = same_diagnosis(std::slice::from_ref(&file), &[1, 2]);
    let failures = count_611(&report);
    assert_eq!(failures, signal_chunks);
}

/// Skipped chunks are summarised by walking their record headers: counts and time spans are
/// the same as a full parse's.
#[test]
fn noise_with_real_chunks_same_whole_report() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = mixed_file(dir.path());
    let differ = differing_inputs(std::slice::from_ref(&file));
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// The whole shared corpus, one report: the same diagnosis with the prefilter on and off.
#[test]
fn whole_corpus_same_diagnosis() {
    let Some(corpus) = corpus() else { return };
    let report = same_diagnosis(&[corpus], &[2]);
    assert!(report.inputs.len() > 100);
}

/// The whole corpus, every undamaged input's entry in full.
#[test]
fn whole_corpus_same_whole_report() {
    let Some(corpus) = corpus() else { return };
    let differ = differing_inputs(&[corpus]);
    assert!(
        differ.is_empty(),
        "{} inputs differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
