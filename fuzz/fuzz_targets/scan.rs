//! The whole analysis of one in-memory input made of arbitrary bytes.
//!
//! The first byte picks how the rest is laid out, so that the fuzzer reaches the chunk and
//! record parsers and not only the file-header checks:
//! - bit 0: off = the bytes are the whole file; on = the bytes are one chunk (or more), put
//!   after a valid 4 KiB file header;
//! - bit 1: the literal prefilter on (as by default) or off (every record rendered).
#![no_main]

use evtx_doctor::sources::{Found, Source};
use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::{NoProgress, Options, analyze_inputs};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| Knowledge::builtin().expect("the built-in rules load"))
}

/// A file header as Windows writes it for a one-chunk log (CRC left wrong on purpose: it is
/// only reported).
fn file_header() -> Vec<u8> {
    let mut header = vec![0u8; 4096];
    header[..8].copy_from_slice(b"ElfFile\0");
    header[32..36].copy_from_slice(&128u32.to_le_bytes());
    header[36..38].copy_from_slice(&1u16.to_le_bytes());
    header[38..40].copy_from_slice(&3u16.to_le_bytes());
    header[40..42].copy_from_slice(&4096u16.to_le_bytes());
    header[42..44].copy_from_slice(&1u16.to_le_bytes());
    header
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes: Vec<u8> = if mode & 1 == 1 {
        let mut file = file_header();
        file.extend_from_slice(rest);
        file
    } else {
        rest.to_vec()
    };
    let found = Found {
        path: PathBuf::from("fuzz.evtx"),
        display: "fuzz.evtx".into(),
        source: Some(Source::Memory(Arc::from(bytes))),
        error: None,
        error_kind: None,
    };
    let options = Options {
        threads: Some(1),
        prefilter: mode & 2 == 0,
        ..Options::default()
    };
    let report = analyze_inputs(vec![found], knowledge(), &options, &NoProgress)
        .expect("a one-thread pool starts");
    // Invariants every report keeps, whatever the input.
    let input = &report.inputs[0];
    assert_eq!(
        input.chunks,
        input.chunks_read + input.chunks_skipped + input.chunks_empty + input.chunks_unreadable,
        "every chunk slot is accounted for once"
    );
    assert!(input.problems.len() as u64 <= input.problem_count);
    assert!(input.problems.len() <= evtx_doctor::report::MAX_PROBLEMS_PER_INPUT);
});
