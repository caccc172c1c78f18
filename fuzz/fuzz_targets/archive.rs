//! Arbitrary bytes as an archive (zip, gzip, tar, 7z: sniffed by content, as every input), read
//! through the whole engine with small limits.
//!
//! The first byte picks how the rest arrives: bit 0 off = bytes in memory (zip by its central
//! directory, 7z by position), on = a stream read once (zip by its local headers, 7z held in
//! memory up to the limit). Seeds in `fuzz/seeds/archive/` are small real archives of a
//! one-chunk log, so mutations reach entry headers, deflate data, tar and 7z headers.
#![no_main]

use evtx_doctor::{Engine, Knowledge, Limits, Options, Source};
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let options = Options {
            // Small bounds keep each execution quick; the bounds themselves are what is tested.
            limits: Limits {
                expansion_bytes: 64 << 20,
                ratio_after: 1 << 20,
                buffered_bytes: 4 << 20,
                entries: 1000,
                ..Limits::default()
            },
            ..Options::default()
        };
        Engine::new(Knowledge::builtin().expect("the built-in rules load"), options)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let source = if mode & 1 == 0 {
        Source::borrowed("fuzz.archive", rest)
    } else {
        Source::stream("fuzz.archive", Cursor::new(rest))
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool");
    let report = pool.install(|| engine().analyze([source]));
    // Every input is accounted for, and its problem list is bounded.
    assert!(!report.inputs.is_empty());
    for input in &report.inputs {
        assert!(input.problems.len() as u64 <= input.problem_count);
        assert!(input.problems.len() <= evtx_doctor::report::MAX_PROBLEMS_PER_INPUT);
        assert!(!input.path.chars().any(char::is_control), "{:?}", input.path);
    }
});
