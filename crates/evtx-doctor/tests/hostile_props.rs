//! Property tests over the fixtures (issue 4): random truncations and random byte flips and
//! overwrites never panic and never produce a finding the intact file does not have.
//!
//! Case counts are modest so the suite stays fast in debug builds; raise them with
//! `PROPTEST_CASES=500 cargo test --release -p evtx-doctor --test hostile_props`.

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::{InputReport, MAX_PROBLEMS_PER_INPUT, Report};
use evtx_doctor::{Options, Source, analyze};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Fixtures with findings of every shape: plain 611s, a joined diagnosis (KB2962509), and one
/// already damaged.
const FIXTURES: &[&str] = &[
    "kb2867278-rpc-8453.evtx",
    "kb2962509-credentials.evtx",
    "damaged-middle-chunk.evtx",
    "kb2867278-duplicate-key.evtx",
];

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| Knowledge::builtin().expect("built-in rules load"))
}

fn fixture_bytes(index: usize) -> &'static [u8] {
    static BYTES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    &BYTES.get_or_init(|| {
        FIXTURES
            .iter()
            .map(|name| {
                let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../fixtures")
                    .join(name);
                std::fs::read(path).expect("fixture exists")
            })
            .collect()
    })[index]
}

/// Analyzes `bytes` as one in-memory input.
fn analyze_bytes(bytes: Vec<u8>) -> Report {
    analyze(
        [Source::bytes("damaged.evtx", bytes)],
        knowledge(),
        &Options::default(),
    )
}

type Key = (String, Option<String>, Option<u32>);

/// Findings by (rule, domain lower-cased, error code): (count, count from damaged chunks).
fn keyed(report: &Report) -> BTreeMap<Key, (u64, u64)> {
    report
        .findings
        .iter()
        .map(|f| {
            let key = (
                f.rule.clone(),
                f.domain.as_ref().map(|d| d.to_lowercase()),
                f.error_code,
            );
            (key, (f.count, f.from_damaged_chunks))
        })
        .collect()
}

fn intact(index: usize) -> &'static BTreeMap<Key, (u64, u64)> {
    static INTACT: OnceLock<Vec<BTreeMap<Key, (u64, u64)>>> = OnceLock::new();
    &INTACT.get_or_init(|| {
        (0..FIXTURES.len())
            .map(|i| keyed(&analyze_bytes(fixture_bytes(i).to_vec())))
            .collect()
    })[index]
}

fn check_accounting(input: &InputReport) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        input.counts.chunks,
        input.counts.chunks_read
            + input.counts.chunks_skipped
            + input.counts.chunks_empty
            + input.counts.chunks_unreadable
    );
    prop_assert!(input.problems.len() as u64 <= input.problem_count);
    prop_assert!(input.problems.len() <= MAX_PROBLEMS_PER_INPUT);
    Ok(())
}

/// The strict property: every finding is one the intact file has, with no more events.
fn within_intact(report: &Report, index: usize) -> Result<(), TestCaseError> {
    let intact = intact(index);
    for (key, (count, _)) in keyed(report) {
        let allowed = intact.get(&key).map(|&(c, _)| c);
        prop_assert!(
            allowed.is_some_and(|c| count <= c),
            "{}: {:?} × {} not in the intact file ({:?})",
            FIXTURES[index],
            key,
            count,
            allowed
        );
    }
    Ok(())
}

/// With bytes changed inside a chunk, a changed event can read differently (a flipped letter
/// in a domain name makes another domain), but only from a chunk whose CRC no longer matches:
/// what rests on sound chunks is within the intact file, and the rest is flagged.
fn within_intact_or_flagged(report: &Report, index: usize) -> Result<(), TestCaseError> {
    let intact = intact(index);
    for (key, (count, damaged)) in keyed(report) {
        let sound = count - damaged;
        let allowed = intact.get(&key).map_or(0, |&(c, _)| c);
        prop_assert!(
            sound <= allowed,
            "{}: {:?}: {} events from sound chunks, the intact file has {}",
            FIXTURES[index],
            key,
            sound,
            allowed
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A file cut anywhere.
    #[test]
    fn truncation_never_adds_findings(index in 0..FIXTURES.len(), at in 0.0..1.0f64) {
        let bytes = fixture_bytes(index);
        let cut = ((bytes.len() as f64) * at) as usize;
        let report = analyze_bytes(bytes[..cut].to_vec());
        check_accounting(&report.inputs[0])?;
        within_intact(&report, index)?;
    }

    /// Random bytes overwritten (single bytes and a short run), the file otherwise whole.
    #[test]
    fn byte_flips_never_add_unflagged_findings(
        index in 0..FIXTURES.len(),
        flips in prop::collection::vec((0.0..1.0f64, any::<u8>()), 1..24),
        run in prop::option::of((0.0..1.0f64, 1..600usize, any::<u8>())),
    ) {
        let mut bytes = fixture_bytes(index).to_vec();
        let len = bytes.len();
        for (at, value) in flips {
            let at = ((len as f64) * at) as usize % len;
            bytes[at] ^= value | 1;
        }
        if let Some((at, size, value)) = run {
            let at = ((len as f64) * at) as usize % len;
            let end = (at + size).min(len);
            bytes[at..end].fill(value);
        }
        let report = analyze_bytes(bytes);
        let input = &report.inputs[0];
        check_accounting(input)?;
        within_intact_or_flagged(&report, index)?;
        if input.counts.chunks_crc_mismatch == 0 && input.counts.chunks_unreadable == 0 {
            within_intact(&report, index)?;
        }
    }

    /// Whole 64 KiB slots replaced by random bytes or by another chunk of the same file.
    #[test]
    fn replaced_chunks_never_add_unflagged_findings(
        index in 0..FIXTURES.len(),
        slot in 0..5usize,
        seed in any::<u64>(),
    ) {
        let mut bytes = fixture_bytes(index).to_vec();
        let chunks = (bytes.len() - 4096) / 65536;
        let slot = slot % chunks;
        let start = 4096 + slot * 65536;
        let mut state = seed | 1;
        for b in &mut bytes[start..start + 65536] {
            // xorshift: cheap, deterministic noise.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        if seed % 2 == 0 {
            // Keep the signature so the chunk parser gets the garbage.
            bytes[start..start + 8].copy_from_slice(b"ElfChnk\0");
        }
        let report = analyze_bytes(bytes);
        check_accounting(&report.inputs[0])?;
        within_intact_or_flagged(&report, index)?;
    }
}
