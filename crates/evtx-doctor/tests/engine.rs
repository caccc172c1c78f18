//! The engine as a tool embedding it uses it: every source kind gives the same report as the
//! file on disk, streaming into a sink gives what `analyze` gives, runs stop when asked, and
//! archives of every kind are read as streams.

mod common;

use common::fixture;
use evtx_doctor::report::{Finding, Report, Verdict};
use evtx_doctor::{
    Cancel, Completion, Engine, Flow, InputDone, Knowledge, Matched, Options, ReportBuilder, Sink,
    Source, analyze,
};
use std::io::{Cursor, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Fixtures with findings of every shape.
const FIXTURES: &[&str] = &[
    "kb2867278-rpc-8453.evtx",
    "kb2962509-credentials.evtx",
    "damaged-middle-chunk.evtx",
    "health-recovered.evtx",
    "more-657-results.evtx",
];

fn engine() -> Engine {
    Engine::new(Knowledge::builtin().unwrap(), Options::default())
}

/// What must not depend on how the bytes arrived: findings (but for the sample's input
/// name), verdicts, the timeline (as JSON), and per input the records and chunks read.
type Essence = (Vec<Finding>, Vec<Verdict>, String, Vec<(u64, u64, u64)>);

fn essence(report: &Report) -> Essence {
    let findings = report
        .findings
        .iter()
        .cloned()
        .map(|mut f| {
            for sample in &mut f.samples {
                sample.input.clear();
            }
            f
        })
        .collect();
    let read = report
        .inputs
        .iter()
        .map(|i| {
            (
                i.counts.records_read + i.counts.records_skipped,
                i.counts.records_unreadable,
                i.counts.chunks,
            )
        })
        .collect();
    let timeline = serde_json::to_string(&report.timeline).unwrap();
    (findings, report.verdicts.clone(), timeline, read)
}

fn zip_of(name: &str, bytes: &[u8], method: zip::CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    writer.start_file(name, options).unwrap();
    writer.write_all(bytes).unwrap();
    writer.finish().unwrap().into_inner()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A tar archive (ustar) of one file.
fn tar_of(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    header[100..108].copy_from_slice(b"0000644\0");
    header[124..136].copy_from_slice(format!("{:011o}\0", bytes.len()).as_bytes());
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[148..156].fill(b' ');
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(bytes);
    out.resize(out.len().next_multiple_of(512) + 1024, 0);
    out
}

/// A reader that hands out at most 1000 bytes a call, as pipes do.
struct Trickle<R>(R);

impl<R: std::io::Read> std::io::Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1000);
        self.0.read(&mut buf[..n])
    }
}

#[test]
fn every_source_kind_and_archive_gives_the_report_of_the_file() {
    let engine = engine();
    for name in FIXTURES {
        let path = fixture(name);
        let bytes = std::fs::read(&path).unwrap();
        let reference = engine.analyze([Source::path(&path)]);
        assert!(
            !reference.findings.is_empty() || !reference.verdicts.is_empty(),
            "{name}"
        );
        let expected = essence(&reference);
        let shared: Arc<[u8]> = Arc::from(bytes.clone());
        let variants: Vec<(&str, Source<'_>)> = vec![
            ("bytes", Source::bytes(*name, bytes.clone())),
            ("shared", Source::shared(*name, shared)),
            ("borrowed", Source::borrowed(*name, &bytes)),
            ("reader", Source::reader(*name, Cursor::new(bytes.clone()))),
            (
                "stream",
                Source::stream(*name, Trickle(Cursor::new(bytes.clone()))),
            ),
            (
                "deflated zip",
                Source::bytes(
                    "x.zip",
                    zip_of(name, &bytes, zip::CompressionMethod::Deflated),
                ),
            ),
            (
                "stored zip",
                Source::bytes(
                    "x.zip",
                    zip_of(name, &bytes, zip::CompressionMethod::Stored),
                ),
            ),
            (
                "zip as a stream",
                Source::stream(
                    "x.zip",
                    Trickle(Cursor::new(zip_of(
                        name,
                        &bytes,
                        zip::CompressionMethod::Deflated,
                    ))),
                ),
            ),
            ("gzip", Source::bytes("x.evtx.gz", gzip(&bytes))),
            ("tar", Source::bytes("x.tar", tar_of(name, &bytes))),
            (
                "tar.gz",
                Source::bytes("x.tgz", gzip(&tar_of(name, &bytes))),
            ),
            (
                "zip in a zip",
                Source::bytes(
                    "outer.zip",
                    zip_of(
                        "inner.zip",
                        &zip_of(name, &bytes, zip::CompressionMethod::Deflated),
                        zip::CompressionMethod::Deflated,
                    ),
                ),
            ),
        ];
        for (how, source) in variants {
            let report = engine.analyze([source]);
            assert_eq!(essence(&report), expected, "{name} as {how}");
            assert_eq!(report.completion, Completion::Complete);
        }
    }
}

#[test]
fn streaming_into_a_sink_gives_what_analyze_gives() {
    let engine = engine();
    let paths: Vec<_> = FIXTURES.iter().map(|name| fixture(name)).collect();
    let batch = analyze(&paths, engine.knowledge(), engine.options());
    let mut builder = ReportBuilder::new(&engine);
    let end = engine.run(paths.iter().map(Source::from), &mut builder);
    assert_eq!(end, Completion::Complete);
    assert_eq!(builder.finish(), batch);
}

#[test]
fn the_report_does_not_depend_on_the_threads_or_the_pool() {
    let paths: Vec<_> = FIXTURES.iter().map(|name| fixture(name)).collect();
    let reference = engine().analyze(paths.iter().map(Source::from));
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let given = engine().with_pool(Arc::new(pool));
        assert_eq!(given.analyze(paths.iter().map(Source::from)), reference);
    }
    // One engine shared by tasks of the caller's own pool.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let engine = engine();
    let reports: Vec<Report> = pool.install(|| {
        use rayon::prelude::*;
        (0..4)
            .into_par_iter()
            .map(|_| engine.analyze(paths.iter().map(Source::from)))
            .collect()
    });
    assert!(reports.iter().all(|report| *report == reference));
}

/// Counts matches, stops after `max`.
struct Counter {
    max: usize,
    seen: usize,
    done: Vec<InputDone>,
}

impl Sink for Counter {
    fn matched(&mut self, _matched: Matched) -> Flow {
        self.seen += 1;
        if self.seen >= self.max {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn input_done(&mut self, done: InputDone) -> Flow {
        self.done.push(done);
        Flow::Continue
    }
}

#[test]
fn a_sink_stops_the_run() {
    let engine = engine();
    let path = fixture("kb2867278-rpc-8453.evtx");
    let mut counter = Counter {
        max: 2,
        seen: 0,
        done: Vec::new(),
    };
    let sources = (0..50).map(|_| Source::path(&path));
    assert_eq!(engine.run(sources, &mut counter), Completion::Stopped);
    // A chunk under way may still hand in its match; no other input is started.
    assert!(counter.seen >= 2 && counter.seen < 10, "{}", counter.seen);
    assert!(counter.done.len() < 50);
    // The report of a stopped run says so.
    struct StopAfterOne(ReportBuilder, bool);
    impl Sink for StopAfterOne {
        fn matched(&mut self, matched: Matched) -> Flow {
            self.0.matched(matched);
            if self.1 { Flow::Stop } else { Flow::Continue }
        }
        fn input_done(&mut self, done: InputDone) -> Flow {
            self.1 = true;
            self.0.input_done(done)
        }
        fn finished(&mut self, end: Completion) {
            self.0.finished(end);
        }
    }
    let mut sink = StopAfterOne(ReportBuilder::new(&engine), false);
    engine.run((0..50).map(|_| Source::path(&path)), &mut sink);
    let report = sink.0.finish();
    assert_eq!(report.completion, Completion::Stopped);
    assert!(!report.inputs.is_empty() && report.inputs.len() < 50);
}

/// A stream of endless noise chunks: only cancellation ends its run. It counts the bytes it
/// hands out.
struct Endless {
    head: Vec<u8>,
    chunk: Vec<u8>,
    at: usize,
    given: Arc<AtomicU64>,
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = if !self.head.is_empty() {
            let n = buf.len().min(self.head.len());
            buf[..n].copy_from_slice(&self.head[..n]);
            self.head.drain(..n);
            n
        } else {
            let n = buf.len().min(self.chunk.len() - self.at);
            buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
            self.at = (self.at + n) % self.chunk.len();
            n
        };
        self.given.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Cancelled from another thread, a run ends within the work under way: a window of chunks
/// (how long that takes is in docs/performance.md, not in a timed test).
#[test]
fn cancel_stops_a_run_within_the_chunks_under_way() {
    let bytes = std::fs::read(fixture("noise-only.evtx")).unwrap();
    let given = Arc::new(AtomicU64::new(0));
    let endless = Endless {
        head: bytes[..4096].to_vec(),
        chunk: bytes[4096..4096 + 65536].to_vec(),
        at: 0,
        given: Arc::clone(&given),
    };
    let engine = engine();
    let cancel = Cancel::new();
    let at_cancel = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (cancel, given, at_cancel) =
            (cancel.clone(), Arc::clone(&given), Arc::clone(&at_cancel));
        std::thread::spawn(move || {
            while given.load(Ordering::Relaxed) < 8 << 20 {
                std::thread::sleep(Duration::from_millis(1));
            }
            at_cancel.store(given.load(Ordering::Relaxed), Ordering::Relaxed);
            cancel.cancel();
        })
    };
    let mut builder = ReportBuilder::new(&engine);
    let end = engine.run_cancellable(
        [Source::stream("endless.evtx", endless)],
        &mut builder,
        &cancel,
    );
    watcher.join().unwrap();
    assert_eq!(end, Completion::Cancelled);
    let report = builder.finish();
    assert_eq!(report.completion, Completion::Cancelled);
    assert!(
        report.inputs[0].counts.chunks >= 100,
        "it was reading: {:?}",
        report.inputs[0]
    );
    // Past the cancel: at most the batch being read and the one being scanned (1 MiB each).
    let after = given.load(Ordering::Relaxed) - at_cancel.load(Ordering::Relaxed);
    assert!(after <= 3 << 20, "{after} bytes read after the cancel");
}

#[test]
fn rule_packs_from_strings_join_the_built_in_ones() {
    let pack = r#"
schema = 1
[pack]
id = "test"
title = "A test pack"
[[rule]]
id = "test.611-any"
title = "Any 611 ({domain})"
severity = "warning"
priority = 1000
cause = "A test."
resolution = "None."
[[rule.when]]
providers = ["Directory Synchronization"]
event_ids = [611]
keywords = ["password synchronization failed"]
"#;
    let knowledge = Knowledge::builder()
        .unwrap()
        .pack("test.toml", pack)
        .unwrap()
        .build();
    let engine = Engine::new(knowledge, Options::default());
    let report = engine.analyze([Source::path(fixture("kb2867278-rpc-8453.evtx"))]);
    // It outranks the built-in rules where it matches ("Password synchronization failed"),
    // and leaves them the rest ("Password hash synchronization failed").
    let ours: Vec<(&str, u64)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.count))
        .collect();
    assert_eq!(
        ours,
        [("phs.611.rpc-8453", 2), ("test.611-any", 3)],
        "errors first"
    );
    let err = Knowledge::builder()
        .unwrap()
        .pack("broken.toml", "schema = 1\n[pack]\nid = 3\n")
        .unwrap_err();
    assert!(err.to_string().starts_with("broken.toml:3:"), "{err}");
}

#[test]
fn inputs_are_named_and_ordered_as_given() {
    let engine = engine();
    let bytes = std::fs::read(fixture("kb2867278-rpc-8453.evtx")).unwrap();
    let report = engine.analyze([
        Source::bytes("b\u{1b}[2J.evtx", bytes.clone()),
        Source::path(fixture("nope.evtx")),
        Source::bytes(
            "a.zip",
            zip_of("x/y.evtx", &bytes, zip::CompressionMethod::Deflated),
        ),
    ]);
    let names: Vec<&str> = report.inputs.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        names[0], "b\u{fffd}[2J.evtx",
        "control characters are replaced"
    );
    assert!(names[1].ends_with("nope.evtx"));
    assert_eq!(names[2], "a.zip!x/y.evtx");
}
