//! Memory stays bounded by the thread count, not by the size of an entry: a 192 MiB log inside
//! a zip is analyzed from a file and from a stream with the peak resident memory measured
//! around the run (Linux: `/proc/self/clear_refs` resets the peak, `VmHWM` reads it).
//!
//! The tests of this binary take turns (`ONE_AT_A_TIME`), and no other test runs in it, so
//! no other work's memory is counted.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};

use evtx_doctor::{Engine, Knowledge, Options, Source};
use evtx_forge::corpus::{CorpusOptions, write_corpus};

/// Held by each test while it measures.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Peak resident memory of this process since the last reset, in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resets the peak to what is resident now; false where the system cannot.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[test]
fn a_large_zipped_log_is_read_in_bounded_memory() {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !reset_peak() || peak_rss().is_none() {
        // Visible in the normal output: libtest does not capture direct writes to stderr.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED a_large_zipped_log_is_read_in_bounded_memory: no /proc/self/clear_refs"
        );
        return;
    }
    const LOG_BYTES: u64 = 192 << 20;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("Application.evtx");
    let (_, summary) = write_corpus(
        BufWriter::new(File::create(&log).unwrap()),
        &CorpusOptions::new(LOG_BYTES, 1024, 7),
    )
    .unwrap();
    let zipped = dir.path().join("logs.zip");
    {
        let mut zip = zip::ZipWriter::new(File::create(&zipped).unwrap());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        zip.start_file("Application.evtx", options).unwrap();
        std::io::copy(&mut BufReader::new(File::open(&log).unwrap()), &mut zip).unwrap();
        zip.finish().unwrap();
    }
    std::fs::remove_file(&log).unwrap();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let engine = Engine::new(Knowledge::builtin().unwrap(), Options::default());
    let sources: [fn(&std::path::Path) -> Source<'static>; 2] = [
        |path| Source::path(path),
        |path| Source::stream("logs.zip", BufReader::new(File::open(path).unwrap())),
    ];
    for source in sources {
        assert!(reset_peak());
        let before = peak_rss().unwrap();
        let report = pool.install(|| engine.analyze([source(&zipped)]));
        let grew = peak_rss().unwrap().saturating_sub(before);
        let entry = &report.inputs[0];
        assert!(
            entry.path.ends_with("logs.zip!Application.evtx"),
            "{:#?}",
            report.inputs
        );
        assert_eq!(
            entry.bytes,
            summary.chunks * 65536 + 4096,
            "the entry's size, as read"
        );
        assert_eq!(
            entry.chunks, summary.chunks,
            "every chunk of the entry was read"
        );
        assert!(!report.findings.is_empty(), "the signal chunks were found");
        // The old reader held the whole entry (192 MiB, then a copy); now it is batches of
        // 64 KiB chunks per thread.
        assert!(
            grew < 64 << 20,
            "analyzing a {} MiB zipped log grew the resident memory by {} MiB",
            LOG_BYTES >> 20,
            grew >> 20
        );
    }
}

/// A quote that is never closed, over hundreds of thousands of lines that do not look like
/// rows: the row stops at 16 MiB as it grows (issue 16.5: memory followed the file, 600 MB
/// took 1.2 GiB), and the rows after it are read.
#[test]
fn an_unclosed_csv_quote_is_bounded_as_the_row_grows() {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !reset_peak() || peak_rss().is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED an_unclosed_csv_quote_is_bounded_as_the_row_grows: no /proc/self/clear_refs"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    {
        let mut out = BufWriter::new(File::create(&path).unwrap());
        writeln!(out, "Level,Date and Time,Source,Event ID,Task Category").unwrap();
        writeln!(
            out,
            "Error,3/4/2024 8:00:00 AM,Directory Synchronization,611,None,\"never closed"
        )
        .unwrap();
        let filler = "x".repeat(99);
        for _ in 0..1_200_000 {
            writeln!(out, "{filler}").unwrap();
        }
        writeln!(
            out,
            "Information,3/4/2024 9:00:00 AM,ADSync,654,None,after the bad row"
        )
        .unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 100 << 20);
    let engine = Engine::new(Knowledge::builtin().unwrap(), Options::default());
    assert!(reset_peak());
    let before = peak_rss().unwrap();
    let report = engine.analyze([Source::path(&path)]);
    let grew = peak_rss().unwrap().saturating_sub(before);
    let input = &report.inputs[0];
    assert!(
        input
            .problems
            .iter()
            .any(|p| p.message.contains("longer than 16 MiB")),
        "{:#?}",
        input.problems.first()
    );
    assert!(
        grew < 96 << 20,
        "a {} MiB export with an unclosed quote grew the resident memory by {} MiB",
        size >> 20,
        grew >> 20
    );
}
