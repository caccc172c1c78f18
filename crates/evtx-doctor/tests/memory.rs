//! Memory stays bounded by the thread count, not by the size of an entry: a 192 MiB log inside
//! a zip is analyzed from a file and from a stream with the peak resident memory measured
//! around the run (Linux: `/proc/self/clear_refs` resets the peak, `VmHWM` reads it).
//!
//! The tests of this binary take turns (`ONE_AT_A_TIME`), and no other test runs in it, so
//! no other work's memory is counted.

mod common;

use common::{deflated_zeros, gzip};

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

/// This test's turn to measure, or `None` (with a visible skip note) where the system cannot.
fn measuring() -> Option<std::sync::MutexGuard<'static, ()>> {
    let turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !reset_peak() || peak_rss().is_none() {
        common::skip("no /proc/self/clear_refs to measure the peak resident memory");
        return None;
    }
    Some(turn)
}

#[test]
fn a_large_zipped_log_is_read_in_bounded_memory() {
    let Some(_turn) = measuring() else {
        return;
    };
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
            entry.counts.chunks, summary.chunks,
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
    let Some(_turn) = measuring() else {
        return;
    };
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

/// A gzip member around a raw deflate stream (the trailer's CRC is not checked before the
/// end, which a bomb never reaches).
fn gzip_member(deflated: &[u8], size: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend_from_slice(deflated);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out
}

/// A ustar header for a file `name` of `size` bytes (base-256 size, as GNU tar writes sizes of
/// 8 GiB and more).
fn tar_header(name: &str, size: u64) -> Vec<u8> {
    let mut header = vec![0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    header[100..108].copy_from_slice(b"0000644\0");
    header[124] = 0x80;
    header[128..136].copy_from_slice(&size.to_be_bytes());
    header[136..148].copy_from_slice(b"00000000000\0");
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].fill(b' ');
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    header
}

/// Bombs of every archive format customers send — gzip, tar.gz, 7z, and gzip inside zip —
/// stop early with a named problem, in bounded memory, and the log beside them is still read.
#[test]
fn bombs_of_every_archive_format_stop_early_in_bounded_memory() {
    let Some(_turn) = measuring() else {
        return;
    };
    const TEN_GIB: u64 = 10 << 30;
    let zeros = deflated_zeros(10 << 10);
    // Application.evtx.gz: 10 GiB of zeros.
    let gz = gzip_member(&zeros, TEN_GIB);
    // logs.tar.gz: one entry claiming 10 GiB, its bytes zeros (a tar of zeros would end at the
    // first zero block: the header makes it an entry).
    let mut tar = tar_header("Application.evtx", TEN_GIB);
    let mut head = flate2::Compress::new(flate2::Compression::fast(), false);
    let mut deflated = Vec::with_capacity(1024);
    head.compress_vec(&tar, &mut deflated, flate2::FlushCompress::Full)
        .unwrap();
    deflated.extend_from_slice(&zeros);
    tar.clear();
    let tgz = gzip_member(&deflated, TEN_GIB);
    // logs.7z: 96 MiB of zeros in LZMA, past the 64 MiB from which the ratio is judged (7z is
    // read by position: the entry's stream is metered).
    let seven = {
        use sevenz_rust2::{ArchiveEntry, ArchiveWriter};
        let mut writer = ArchiveWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
        let big = vec![0u8; 96 << 20];
        writer
            .push_archive_entry(ArchiveEntry::new_file("Application.evtx"), Some(&big[..]))
            .unwrap();
        writer.finish().unwrap().into_inner()
    };
    // logs.zip holding bomb.gz (stored): a bomb one level down.
    let inner = gzip_member(&zeros, TEN_GIB);
    let nested = {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("inner/Application.evtx.gz", stored).unwrap();
        zip.write_all(&inner).unwrap();
        zip.finish().unwrap().into_inner()
    };
    let log = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/kb2867278-rpc-8453.evtx"
    ))
    .unwrap();
    let good = gzip(&log);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let engine = Engine::new(Knowledge::builtin().unwrap(), Options::default());
    assert!(reset_peak());
    let before = peak_rss().unwrap();
    let report = pool.install(|| {
        engine.analyze([
            Source::bytes("Application.evtx.gz", gz),
            Source::bytes("logs.tar.gz", tgz),
            Source::bytes("logs.7z", seven),
            Source::bytes("logs.zip", nested),
            Source::stream("good.evtx.gz", std::io::Cursor::new(good)),
        ])
    });
    let grew = peak_rss().unwrap().saturating_sub(before);
    let kinds = |prefix: &str| -> Vec<String> {
        report
            .inputs
            .iter()
            .filter(|i| i.path.starts_with(prefix))
            .flat_map(|i| i.problems.iter().map(|p| p.kind.to_string()))
            .collect()
    };
    for bomb in ["Application.evtx.gz", "logs.tar.gz", "logs.7z", "logs.zip"] {
        let kinds = kinds(bomb);
        assert!(
            kinds
                .iter()
                .any(|k| k == "archive_bomb" || k == "archive_too_large"),
            "{bomb}: {kinds:?}\n{:#?}",
            report.inputs
        );
    }
    let expanded: u64 = report.inputs.iter().map(|i| i.bytes).sum();
    assert!(
        expanded < 1 << 30,
        "stopped early: {} MiB expanded in all",
        expanded >> 20
    );
    let good: Vec<_> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(good.contains(&"phs.611.rpc-8453"), "{good:?}");
    assert!(
        grew < 256 << 20,
        "four bombs grew the resident memory by {} MiB",
        grew >> 20
    );
}
