//! The whole analysis of one in-memory input made of arbitrary bytes.
//!
//! The first byte picks how the rest is laid out, so that the fuzzer reaches the chunk and
//! record parsers and not only the file-header checks:
//! - bit 0: off = the bytes are the whole file; on = the bytes are one chunk (or more), put
//!   after a valid 4 KiB file header;
//! - bit 1: the literal prefilter on (as by default) or off (every record rendered).
#![no_main]

use evtx_doctor::{Engine, Knowledge, Options, Source};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// An engine with the prefilter on and one with it off, built once.
fn engines() -> &'static [Engine; 2] {
    static ENGINES: OnceLock<[Engine; 2]> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let knowledge = Knowledge::builtin().expect("the built-in rules load");
        [true, false].map(|prefilter| {
            Engine::new(knowledge.clone(), Options { prefilter, ..Options::default() })
        })
    })
}

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool"))
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
    let engine = &engines()[usize::from(mode & 2 != 0)];
    let report = pool().install(|| engine.analyze([Source::bytes("fuzz.evtx", bytes)]));
    // Invariants every report keeps, whatever the input.
    let input = &report.inputs[0];
    let counts = &input.counts;
    assert_eq!(
        counts.chunks,
        counts.chunks_read + counts.chunks_skipped + counts.chunks_empty + counts.chunks_unreadable,
        "every chunk slot is accounted for once"
    );
    assert!(input.problems.len() as u64 <= input.problem_count);
    assert!(input.problems.len() <= evtx_doctor::report::MAX_PROBLEMS_PER_INPUT);
});
