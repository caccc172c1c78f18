//! Helpers shared by the integration tests (each test file uses some of them).
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

/// A file of the repository's `fixtures/` folder.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

/// The file `name` of `fixtures/exports/`.
pub fn export(name: &str) -> PathBuf {
    fixture("exports").join(name)
}

/// The report of the export `fixtures/exports/<name>` with the built-in knowledge.
pub fn analyze_export(name: &str) -> evtx_doctor::Report {
    evtx_doctor::analyze(
        [evtx_doctor::Source::path(export(name))],
        &evtx_doctor::Knowledge::builtin().unwrap(),
        &evtx_doctor::Options::default(),
    )
}

/// Says that the running test skips its work, and why, where `cargo test` shows it: written
/// straight to the process's standard error, which libtest does not capture (it captures
/// only `print!`/`eprint!`), so the note is seen without `--nocapture`. The caller returns.
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}

/// The shared corpus of real .evtx files: `EVTX_DOCTOR_CORPUS`, or `../shared/corpus` beside
/// the repository; `None` (with a visible [`skip`] note) when absent, so the calling test
/// passes as skipped.
pub fn corpus() -> Option<PathBuf> {
    let path = std::env::var_os("EVTX_DOCTOR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if path.is_dir() {
        Some(path)
    } else {
        skip(&format!(
            "no corpus at {} (set EVTX_DOCTOR_CORPUS)",
            path.display()
        ));
        None
    }
}

/// `report` as if it had been made with the prefilter on: what the prefilter skipped is read
/// without it, so those counters are the only ones that may differ, and they are folded into
/// the read ones (and the option set), to compare reports made with it on and off.
pub fn fold_skipped_into_read(report: &mut evtx_doctor::Report) {
    report.options.prefilter = true;
    for input in &mut report.inputs {
        input.counts.records_read += std::mem::take(&mut input.counts.records_skipped);
        input.counts.chunks_read += std::mem::take(&mut input.counts.chunks_skipped);
    }
    report.summary.records_read += std::mem::take(&mut report.summary.records_skipped);
}

/// A raw deflate stream of `mib` MiB of zeros, made of one compressed MiB repeated (each piece
/// ends on a full flush, so pieces join): a 10 GiB bomb costs 10 MiB to build.
pub fn deflated_zeros(mib: usize) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let zeros = vec![0u8; 1 << 20];
    let mut piece = Vec::with_capacity(8 << 10);
    compress
        .compress_vec(&zeros, &mut piece, flate2::FlushCompress::Full)
        .unwrap();
    let mut out = Vec::with_capacity(piece.len() * mib + 16);
    for _ in 0..mib {
        out.extend_from_slice(&piece);
    }
    // The final (empty, fixed-Huffman) block: BFINAL=1, BTYPE=01, end-of-block code.
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

/// `bytes` gzipped.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}
