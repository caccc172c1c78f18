//! Hostile input (issue 4): whatever the input, analysis never panics, never hangs, never
//! allocates without bound, names every problem with its file and position, and loses nothing
//! that is readable.
//!
//! Damaged inputs are built from the fixtures (written by evtx-forge) with `evtx_forge::Damage`
//! and with hand-made patches of header fields.

mod common;
use common::fixture;

use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::report::{InputReport, InputStatus, MAX_PROBLEMS_PER_INPUT, Problem, Report};
use evtx_doctor::{Options, analyze};
use evtx_forge::{CHUNK_SIZE, Damage, FILE_HEADER_SIZE, record_offsets, seal};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const CHUNK: usize = CHUNK_SIZE;
const HEADER: usize = FILE_HEADER_SIZE;

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| Knowledge::builtin().expect("built-in rules load"))
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture exists")
}

fn run_with(paths: &[PathBuf], options: &Options) -> Report {
    analyze(paths, knowledge(), options)
}

fn run(paths: &[PathBuf]) -> Report {
    run_with(paths, &Options::default())
}

/// Every record parsed: exact record counts.
fn no_prefilter() -> Options {
    Options {
        prefilter: false,
        ..Options::default()
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file written");
    path
}

fn damaged(name: &str, damage: &[Damage]) -> Vec<u8> {
    let mut bytes = fixture_bytes(name);
    for d in damage {
        d.apply(&mut bytes).expect("damage applies");
    }
    bytes
}

/// Findings keyed by (rule, domain lower-cased, error code) with their counts.
type Keyed = BTreeMap<(String, Option<String>, Option<u32>), u64>;

fn keyed(report: &Report) -> Keyed {
    report
        .findings
        .iter()
        .map(|f| {
            (
                (
                    f.rule.clone(),
                    f.domain.as_ref().map(|d| d.to_lowercase()),
                    f.error_code,
                ),
                f.count,
            )
        })
        .collect()
}

fn only_input(report: &Report) -> &InputReport {
    assert_eq!(report.inputs.len(), 1, "{:#?}", report.inputs);
    &report.inputs[0]
}

fn problems_of<'r>(input: &'r InputReport, kind: &str) -> Vec<&'r Problem> {
    input.problems.iter().filter(|p| p.kind == kind).collect()
}

/// The accounting every input report keeps.
fn check_accounting(input: &InputReport) {
    assert_eq!(
        input.counts.chunks,
        input.counts.chunks_read
            + input.counts.chunks_skipped
            + input.counts.chunks_empty
            + input.counts.chunks_unreadable,
        "{}: every chunk slot is accounted for once: {input:#?}",
        input.path
    );
    assert!(input.problems.len() as u64 <= input.problem_count);
    assert!(input.problems.len() <= MAX_PROBLEMS_PER_INPUT);
    for problem in &input.problems {
        assert!(!problem.message.is_empty(), "{problem:?} explains itself");
    }
}

/// The fixture every damage test starts from: 611 RPC 8453 failures for two domains in a file
/// of 5 chunks (3 old-form events on 2024-03-04, 2 new-form events on 2024-03-05).
const BASE: &str = "kb2867278-rpc-8453.evtx";

fn intact() -> &'static Report {
    static INTACT: OnceLock<Report> = OnceLock::new();
    INTACT.get_or_init(|| run_with(&[fixture(BASE)], &no_prefilter()))
}

/// In which chunks the fixture's matched events are (from the samples' origin is not enough:
/// analyze each chunk alone).
fn matches_per_chunk() -> &'static Vec<u64> {
    static PER_CHUNK: OnceLock<Vec<u64>> = OnceLock::new();
    PER_CHUNK.get_or_init(|| {
        let bytes = fixture_bytes(BASE);
        let chunks = (bytes.len() - HEADER) / CHUNK;
        let dir = tempfile::tempdir().unwrap();
        (0..chunks)
            .map(|k| {
                let mut one = bytes[..HEADER].to_vec();
                one.extend_from_slice(&bytes[HEADER + k * CHUNK..HEADER + (k + 1) * CHUNK]);
                let path = write(dir.path(), "one.evtx", &one);
                run(&[path]).summary.events_matched
            })
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Inputs that cannot be read at all

#[test]
fn missing_path_is_an_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such.evtx");
    let other = fixture(BASE);
    let report = run(&[missing.clone(), other]);
    assert_eq!(report.inputs.len(), 2);
    let input = &report.inputs[0];
    assert_eq!(input.path, missing.to_string_lossy());
    assert_eq!(input.status, InputStatus::Unreadable);
    assert_eq!(input.problems[0].kind, "cannot_open");
    assert!(input.problems[0].message.contains("no such file"));
    assert_eq!(report.summary.unreadable_inputs, 1);
    // The other input is still analyzed.
    assert_eq!(keyed(&report), keyed(intact()));
}

#[test]
fn directory_without_logs_gives_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "readme.md", b"# not a log");
    write(dir.path(), "picture.png", b"\x89PNG\r\n\x1a\n");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let report = run(&[dir.path().to_owned()]);
    assert!(report.findings.is_empty());
    assert_eq!(report.summary.unreadable_inputs, 0);
    assert!(
        report.inputs.is_empty(),
        "files without a log extension are not inputs: {:#?}",
        report.inputs
    );
}

#[test]
fn empty_file_is_not_evtx() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.evtx", b"");
    let report = run(&[path]);
    let input = only_input(&report);
    assert_eq!(input.status, InputStatus::Unreadable);
    assert_eq!(input.problems[0].kind, "not_evtx");
    assert!(input.problems[0].message.contains("empty"));
    assert_eq!(report.summary.unreadable_inputs, 1);
}

#[test]
fn other_file_named_evtx_is_not_evtx() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"Dear support, please find the logs attached.\r\n".repeat(3000);
    text.extend_from_slice(&[0xff, 0xfe, 0, 1, 2, 3]);
    for (name, bytes) in [
        ("letter.evtx", text),
        ("zeros.evtx", vec![0u8; 3 * CHUNK]),
        ("tiny.evtx", b"E".to_vec()),
        ("magic-only.evtx", b"ElfFile\0".to_vec()),
    ] {
        let path = write(dir.path(), name, &bytes);
        let report = run(&[path]);
        let input = only_input(&report);
        assert_eq!(input.status, InputStatus::Unreadable, "{name}: {input:#?}");
        assert!(
            input.problems.iter().any(|p| p.kind == "not_evtx"),
            "{name}: {input:#?}"
        );
        assert_eq!(report.summary.unreadable_inputs, 1, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "locked.evtx", &fixture_bytes(BASE));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&path).is_ok() {
        // Root (and CAP_DAC_OVERRIDE) read it anyway: nothing to prove here.
        return common::skip("this user can read a mode-000 file (running as root)");
    }
    let report = run(&[path, fixture(BASE)]);
    let input = &report.inputs[0];
    assert_eq!(input.status, InputStatus::Unreadable);
    assert_eq!(input.problems[0].kind, "cannot_open");
    assert!(input.problems[0].message.contains("permission denied"));
    assert_eq!(keyed(&report), keyed(intact()));
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_a_folder_is_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    write(&logs, "Application.evtx", &fixture_bytes(BASE));
    std::os::unix::fs::symlink(&logs, logs.join("loop")).unwrap();
    std::os::unix::fs::symlink(logs.join("self.evtx"), logs.join("self.evtx")).unwrap();
    let started = Instant::now();
    let report = run(&[dir.path().to_owned()]);
    assert!(started.elapsed() < Duration::from_secs(60));
    let readable: Vec<_> = report
        .inputs
        .iter()
        .filter(|i| i.status != InputStatus::Unreadable)
        .collect();
    assert_eq!(readable.len(), 1, "{:#?}", report.inputs);
    assert_eq!(keyed(&report), keyed(intact()));
}

/// A named pipe (or socket, or device) among the logs, found in a folder or named: opening
/// a pipe blocks until someone writes to it, so it is never opened.
#[cfg(unix)]
#[test]
fn named_pipe_is_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Application.evtx", &fixture_bytes(BASE));
    let fifo = dir.path().join("System.evtx");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        return common::skip("mkfifo is not available");
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    let paths = [dir.path().to_owned(), fifo.clone()];
    std::thread::spawn(move || {
        let _ = sender.send(run(&paths));
    });
    let report = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the analysis does not wait on the pipe");
    assert_eq!(keyed(&report), keyed(intact()));
    let named = report
        .inputs
        .iter()
        .filter(|i| i.path == fifo.to_string_lossy())
        .collect::<Vec<_>>();
    assert!(!named.is_empty(), "{:#?}", report.inputs);
    for input in named {
        assert_eq!(input.status, InputStatus::Unreadable);
        assert!(input.problems[0].message.contains("not a regular file"));
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_file_name_is_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"App\xfflication.evtx");
    let path = dir.path().join(name);
    std::fs::write(&path, fixture_bytes(BASE)).unwrap();
    // Named directly and found in a folder.
    for report in [
        run(std::slice::from_ref(&path)),
        run(&[dir.path().to_owned()]),
    ] {
        let input = only_input(&report);
        assert_eq!(input.status, InputStatus::Ok);
        assert!(
            input.path.contains("App\u{fffd}lication.evtx"),
            "{}",
            input.path
        );
        assert_eq!(keyed(&report), keyed(intact()));
        // Samples name the file the same lossy way.
        assert!(
            report
                .findings
                .iter()
                .flat_map(|f| &f.samples)
                .all(|s| s.input == input.path)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Damaged headers and chunks

#[test]
fn destroyed_file_header_chunks_found_by_signature() {
    let dir = tempfile::tempdir().unwrap();
    let mut zeroed = fixture_bytes(BASE);
    zeroed[..HEADER].fill(0);
    let mut garbage = fixture_bytes(BASE);
    for (i, b) in garbage[..HEADER].iter_mut().enumerate() {
        *b = (i * 7 + 3) as u8;
    }
    for (name, bytes) in [
        ("bad-magic.evtx", damaged(BASE, &[Damage::BadFileHeader])),
        ("zeroed-header.evtx", zeroed),
        ("garbage-header.evtx", garbage),
        ("no-header.evtx", fixture_bytes(BASE)[HEADER..].to_vec()),
    ] {
        let path = write(dir.path(), name, &bytes);
        let report = run_with(&[path], &no_prefilter());
        let input = only_input(&report);
        check_accounting(input);
        assert_eq!(input.status, InputStatus::Damaged, "{name}");
        let header = problems_of(input, "bad_file_header");
        assert_eq!(header.len(), 1, "{name}: {input:#?}");
        assert_eq!(header[0].offset, Some(0));
        assert_eq!(input.counts.chunks, 5);
        assert_eq!(input.counts.chunks_read, 5);
        assert_eq!(
            input.counts.records_read,
            intact().inputs[0].counts.records_read
        );
        assert_eq!(
            keyed(&report),
            keyed(intact()),
            "{name}: every finding survives"
        );
    }
}

/// The first chunk signature far into the file (past 2 MiB of zeros) is still found.
#[test]
fn chunks_found_by_signature_after_megabytes_of_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0u8; 2 << 20];
    bytes.extend_from_slice(&fixture_bytes(BASE));
    let header = 2 << 20;
    bytes[header..header + HEADER].fill(0);
    let path = write(dir.path(), "zeros-first.evtx", &bytes);
    let report = run(&[path]);
    let input = only_input(&report);
    check_accounting(input);
    assert_eq!(problems_of(input, "bad_file_header").len(), 1);
    assert_eq!(input.counts.chunks_read + input.counts.chunks_skipped, 5);
    assert_eq!(keyed(&report), keyed(intact()));
}

#[test]
fn header_and_first_chunk_destroyed_keep_file_chunk_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = fixture_bytes(BASE);
    bytes[..HEADER + CHUNK].fill(0xAB);
    let path = write(dir.path(), "cut.evtx", &bytes);
    let report = run(&[path]);
    let input = only_input(&report);
    check_accounting(input);
    assert_eq!(input.status, InputStatus::Damaged);
    // Chunk 0 is named as lost, the others keep their numbers in the file.
    let lost = problems_of(input, "bad_chunk_magic");
    assert_eq!(lost.len(), 1, "{input:#?}");
    assert_eq!(lost[0].chunk, Some(0));
    assert_eq!(lost[0].offset, Some(HEADER as u64));
    assert_eq!(input.counts.chunks, 5);
    assert_eq!(input.counts.chunks_unreadable, 1);
    let per_chunk = matches_per_chunk();
    let expected: u64 = per_chunk.iter().skip(1).sum();
    assert_eq!(report.summary.events_matched, expected);
    for sample in report.findings.iter().flat_map(|f| &f.samples) {
        assert_ne!(sample.chunk, Some(0));
    }
}

#[test]
fn file_header_crc_mismatch_is_flagged_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "crc.evtx",
        &damaged(BASE, &[Damage::BadHeaderCrc]),
    );
    let report = run(&[path]);
    let input = only_input(&report);
    assert_eq!(input.status, InputStatus::Damaged);
    assert_eq!(problems_of(input, "file_header_crc_mismatch").len(), 1);
    assert_eq!(keyed(&report), keyed(intact()));
}

#[test]
fn bad_chunk_magic_costs_only_that_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let per_chunk = matches_per_chunk();
    for chunk in 0..per_chunk.len() as u64 {
        let path = write(
            dir.path(),
            "magic.evtx",
            &damaged(BASE, &[Damage::BadChunkMagic { chunk }]),
        );
        let report = run(&[path]);
        let input = only_input(&report);
        check_accounting(input);
        assert_eq!(input.counts.chunks_unreadable, 1);
        let bad = problems_of(input, "bad_chunk_magic");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].chunk, Some(chunk));
        assert_eq!(bad[0].offset, Some(HEADER as u64 + chunk * CHUNK as u64));
        let expected: u64 = per_chunk.iter().sum::<u64>() - per_chunk[chunk as usize];
        assert_eq!(report.summary.events_matched, expected, "chunk {chunk}");
    }
}

#[test]
fn damaged_middle_chunk_fixture_keeps_611_events_on_both_sides() {
    let report = run(&[fixture("damaged-middle-chunk.evtx")]);
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule == "phs.611.rpc-8453")
        .expect("the 8453 finding");
    assert_eq!(finding.count, 5);
    assert_eq!(finding.from_damaged_chunks, 0);
    let input = only_input(&report);
    check_accounting(input);
    assert_eq!(input.status, InputStatus::Damaged);
    assert_eq!(input.counts.chunks_unreadable, 1);
}

#[test]
fn crc_mismatch_chunks_are_read_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let chunks = only_input(intact()).counts.chunks;
    // Header CRCs of every chunk, and the records CRC of chunk 0.
    let mut bytes = damaged(
        BASE,
        &(0..chunks)
            .map(|chunk| Damage::BadChunkCrc { chunk })
            .collect::<Vec<_>>(),
    );
    for b in &mut bytes[HEADER + 52..HEADER + 56] {
        *b = !*b;
    }
    let path = write(dir.path(), "crc.evtx", &bytes);
    // With the prefilter, chunks that cannot match are not parsed, but still checked.
    let skimmed = run(std::slice::from_ref(&path));
    let input = only_input(&skimmed);
    assert_eq!(input.counts.chunks_crc_mismatch, chunks);
    assert_eq!(
        problems_of(input, "chunk_crc_mismatch").len() as u64,
        chunks
    );
    assert_eq!(keyed(&skimmed), keyed(intact()));
    let report = run_with(&[path], &no_prefilter());
    let input = only_input(&report);
    check_accounting(input);
    assert_eq!(input.status, InputStatus::Damaged);
    assert_eq!(input.counts.chunks_crc_mismatch, chunks);
    assert_eq!(input.counts.chunks_read, chunks);
    assert_eq!(
        input.counts.records_read,
        intact().inputs[0].counts.records_read
    );
    let flagged = problems_of(input, "chunk_crc_mismatch");
    assert_eq!(flagged.len() as u64, chunks);
    for (k, problem) in flagged.iter().enumerate() {
        assert_eq!(problem.chunk, Some(k as u64));
        assert_eq!(problem.offset, Some((HEADER + k * CHUNK) as u64));
    }
    assert_eq!(keyed(&report), keyed(intact()));
    for finding in &report.findings {
        assert_eq!(
            finding.from_damaged_chunks, finding.count,
            "{}: every event rests on a damaged chunk",
            finding.rule
        );
        assert!(finding.from_damaged_chunks > 0);
    }
}

/// The "no CRC32" chunk flag (0x4) sits outside the header CRC: it does not make a changed
/// chunk pass.
#[test]
fn no_crc_flag_does_not_hide_damage() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = fixture_bytes(BASE);
    put_u32(&mut bytes, HEADER + 120, 0x4);
    // A changed byte in the first record's data.
    let first = record_offsets(&bytes[HEADER..HEADER + CHUNK])[0];
    bytes[HEADER + first + 100] ^= 0x20;
    let path = write(dir.path(), "flag.evtx", &bytes);
    let report = run(&[path]);
    let input = only_input(&report);
    assert_eq!(input.counts.chunks_crc_mismatch, 1);
    assert_eq!(problems_of(input, "chunk_crc_mismatch")[0].chunk, Some(0));
}

#[test]
fn zeroed_chunk_costs_only_that_chunk_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let per_chunk = matches_per_chunk();
    let chunk = per_chunk
        .iter()
        .position(|&n| n > 0)
        .expect("a chunk with matches") as u64;
    let path = write(
        dir.path(),
        "zeroed.evtx",
        &damaged(BASE, &[Damage::ZeroChunk { chunk }]),
    );
    let report = run(&[path]);
    let input = only_input(&report);
    check_accounting(input);
    assert_eq!(input.counts.chunks_empty, 1);
    assert_eq!(input.status, InputStatus::Damaged);
    let zeroed = problems_of(input, "zeroed_chunk");
    assert_eq!(zeroed.len(), 1, "{input:#?}");
    assert_eq!(zeroed[0].chunk, Some(chunk));
    let expected: u64 = per_chunk.iter().sum::<u64>() - per_chunk[chunk as usize];
    assert_eq!(report.summary.events_matched, expected);
}

#[test]
fn garbage_record_costs_only_that_record() {
    let dir = tempfile::tempdir().unwrap();
    let intact_records = only_input(intact()).counts.records_read;
    for (chunk, record_index) in [(0, 0), (0, 5), (1, 17), (4, 1)] {
        let path = write(
            dir.path(),
            "garbage.evtx",
            &damaged(
                BASE,
                &[Damage::GarbageInRecord {
                    chunk,
                    record_index,
                }],
            ),
        );
        let report = run_with(&[path], &no_prefilter());
        let input = only_input(&report);
        check_accounting(input);
        assert_eq!(input.status, InputStatus::Damaged);
        assert_eq!(
            input.counts.chunks_read, input.counts.chunks,
            "no chunk is lost"
        );
        assert_eq!(input.counts.chunks_crc_mismatch, 0, "the damage is sealed");
        let bad = problems_of(input, "bad_record");
        assert!(!bad.is_empty(), "{input:#?}");
        assert!(bad.iter().all(|p| p.chunk == Some(chunk)));
        assert!(
            bad.iter()
                .all(|p| p.record_id.is_some() || p.offset.is_some()),
            "{bad:#?}"
        );
        assert_eq!(
            input.counts.records_read + input.counts.records_unreadable,
            intact_records,
            "({chunk}, {record_index}): {input:#?}"
        );
        assert!(input.counts.records_unreadable >= 1);
        // Findings never grow; with a noise record hit they are intact.
        for (key, count) in keyed(&report) {
            assert!(keyed(intact()).get(&key).is_some_and(|&c| count <= c));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Truncation

/// Each record's end offset in the file.
fn record_ends(bytes: &[u8]) -> Vec<usize> {
    let chunks = (bytes.len() - HEADER) / CHUNK;
    let mut ends = Vec::new();
    for k in 0..chunks {
        let start = HEADER + k * CHUNK;
        let chunk = &bytes[start..start + CHUNK];
        for at in record_offsets(chunk) {
            let size = u32::from_le_bytes(chunk[at + 4..at + 8].try_into().unwrap()) as usize;
            ends.push(start + at + size);
        }
    }
    ends
}

#[test]
fn truncation_at_many_offsets_keeps_what_is_before_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = fixture_bytes(BASE);
    let ends = record_ends(&bytes);
    let intact_keys = keyed(intact());
    let mut cuts: Vec<usize> = vec![1, 7, 8, 100, HEADER - 1, HEADER, HEADER + 1, HEADER + 8];
    for k in 0..(bytes.len() - HEADER) / CHUNK {
        let start = HEADER + k * CHUNK;
        cuts.extend([start + 511, start + 512, start + 600, start + CHUNK - 1]);
        cuts.extend((1..8).map(|i| start + i * (CHUNK / 8) + 13 * i));
    }
    cuts.extend(ends.iter().step_by(37).flat_map(|&e| [e - 1, e, e + 1]));
    cuts.sort_unstable();
    cuts.dedup();
    let paths: Vec<PathBuf> = cuts
        .iter()
        .map(|&cut| write(dir.path(), &format!("cut-{cut:07}.evtx"), &bytes[..cut]))
        .collect();
    // All cuts in one run, as a customer's folder of broken copies would be.
    let report = run_with(&paths, &no_prefilter());
    assert_eq!(report.inputs.len(), cuts.len());
    for (input, &cut) in report.inputs.iter().zip(&cuts) {
        check_accounting(input);
        // Every record whose data ends before the cut is read (nothing readable is lost; the
        // size copy in a record's last 4 bytes is not needed), and no record the cut goes
        // through is read as if it were whole.
        let whole = ends.iter().filter(|&&e| e <= cut + 4).count() as u64;
        if cut >= HEADER {
            assert_eq!(input.counts.records_read, whole, "cut at {cut}: {input:#?}");
        }
        // ...and the cut is named.
        if cut < bytes.len() {
            assert_ne!(input.status, InputStatus::Ok, "cut at {cut}");
            assert!(
                input.problem_count > 0 && !input.problems.is_empty(),
                "cut at {cut}"
            );
        }
    }
    // No finding the intact file lacks, no count above it.
    for (key, count) in keyed(&report) {
        assert!(
            intact_keys
                .get(&key)
                .is_some_and(|&c| count <= c * cuts.len() as u64),
            "{key:?}"
        );
    }
    // Analyzed alone, every cut's findings are within the intact file's.
    for (&cut, path) in cuts.iter().zip(&paths).step_by(5) {
        let alone = run(std::slice::from_ref(path));
        for (key, count) in keyed(&alone) {
            assert!(
                intact_keys.get(&key).is_some_and(|&c| count <= c),
                "cut at {cut}: {key:?} × {count}"
            );
        }
    }
}

#[test]
fn truncation_at_a_chunk_boundary_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = fixture_bytes(BASE);
    let per_chunk = matches_per_chunk();
    for k in 0..per_chunk.len() {
        let cut = HEADER + k * CHUNK;
        let path = write(dir.path(), "cut.evtx", &bytes[..cut]);
        let report = run(&[path]);
        let input = only_input(&report);
        check_accounting(input);
        assert_eq!(input.counts.chunks, k as u64);
        let truncated = problems_of(input, "truncated_file");
        assert_eq!(truncated.len(), 1, "cut after {k} chunks: {input:#?}");
        assert_eq!(truncated[0].offset, Some(cut as u64));
        assert_eq!(
            report.summary.events_matched,
            per_chunk[..k].iter().sum::<u64>()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes the input claims

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn declared_sizes_far_beyond_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = fixture_bytes(BASE);
    let chunk0 = HEADER;
    let offsets = record_offsets(&base[chunk0..chunk0 + CHUNK]);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    for (field, at, sealed) in [
        ("free space offset", 48, true),
        ("free space offset", 48, false),
        ("last record offset", 44, true),
        ("header size", 40, true),
    ] {
        for value in [u32::MAX, 0x7fff_ffff, CHUNK as u32 + 1] {
            let mut bytes = base.clone();
            put_u32(&mut bytes, chunk0 + at, value);
            if sealed {
                seal(&mut bytes[chunk0..chunk0 + CHUNK]);
            }
            cases.push((field, bytes));
        }
    }
    for (at, value) in [(8, u64::MAX), (16, u64::MAX), (24, 0), (32, u64::MAX)] {
        let mut bytes = base.clone();
        put_u64(&mut bytes, chunk0 + at, value);
        seal(&mut bytes[chunk0..chunk0 + CHUNK]);
        cases.push(("record numbers", bytes));
    }
    // Record sizes: huge, zero, past the chunk; the copy of the size at the record's end too.
    for value in [u32::MAX, 0, 27, CHUNK as u32, 0x0100_0000] {
        let mut bytes = base.clone();
        put_u32(&mut bytes, chunk0 + offsets[3] + 4, value);
        seal(&mut bytes[chunk0..chunk0 + CHUNK]);
        cases.push(("record size", bytes));
    }
    // File header: chunk count, header size and block size.
    for (at, value) in [(42usize, u16::MAX), (40, u16::MAX), (40, 0), (32, u16::MAX)] {
        let mut bytes = base.clone();
        bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
        cases.push(("file header", bytes));
    }
    let intact_keys = keyed(intact());
    let intact_records = only_input(intact()).counts.records_read;
    for (i, (field, bytes)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("case-{i}.evtx"), bytes);
        let started = Instant::now();
        let report = run_with(&[path], &no_prefilter());
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "case {i} ({field}) is slow"
        );
        let input = only_input(&report);
        check_accounting(input);
        assert!(
            input.counts.records_read <= intact_records,
            "case {i} ({field})"
        );
        assert!(
            input.counts.records_read + 200 >= intact_records,
            "case {i} ({field}): only chunk 0 may suffer: {input:#?}"
        );
        for (key, count) in keyed(&report) {
            assert!(
                intact_keys.get(&key).is_some_and(|&c| count <= c),
                "case {i} ({field}): {key:?}"
            );
        }
    }
}

#[test]
fn huge_record_size_costs_only_that_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = fixture_bytes(BASE);
    let chunk0 = HEADER;
    let offsets = record_offsets(&bytes[chunk0..chunk0 + CHUNK]);
    put_u32(&mut bytes, chunk0 + offsets[3] + 4, u32::MAX);
    seal(&mut bytes[chunk0..chunk0 + CHUNK]);
    let path = write(dir.path(), "size.evtx", &bytes);
    let report = run_with(&[path], &no_prefilter());
    let input = only_input(&report);
    let bad = problems_of(input, "bad_record");
    assert_eq!(bad.len(), 1, "{input:#?}");
    assert_eq!(bad[0].chunk, Some(0));
    assert_eq!(bad[0].offset, Some((chunk0 + offsets[3]) as u64));
    assert_eq!(input.counts.records_unreadable, 1);
    assert_eq!(
        input.counts.records_read + 1,
        only_input(intact()).counts.records_read
    );
}

/// A chunk whose record area is thousands of broken records gives a bounded list of problems
/// (the rest counted), and the next chunk is read.
#[test]
fn thousands_of_bad_records_give_a_bounded_problem_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = fixture_bytes(BASE);
    let chunk0 = HEADER;
    let free = u32::from_le_bytes(bytes[chunk0 + 48..chunk0 + 52].try_into().unwrap()) as usize;
    // Records of 32 bytes with sound headers and 4 bytes of garbage BinXML each; no string or
    // template table (the records they pointed into are gone).
    bytes[chunk0 + 128..chunk0 + 512].fill(0);
    let mut count = 0u64;
    let mut at = 512;
    while at + 32 <= free {
        let r = chunk0 + at;
        bytes[r..r + 4].copy_from_slice(&[0x2a, 0x2a, 0, 0]);
        put_u32(&mut bytes, r + 4, 32);
        put_u64(&mut bytes, r + 8, count + 1);
        put_u64(&mut bytes, r + 16, 0x01DA_6E12_3456_7890);
        bytes[r + 24..r + 28].fill(0xff);
        put_u32(&mut bytes, r + 28, 32);
        count += 1;
        at += 32;
    }
    bytes[chunk0 + at..chunk0 + free].fill(0);
    for (field, value) in [(8, 1), (16, count), (24, 1), (32, count)] {
        put_u64(&mut bytes, chunk0 + field, value);
    }
    put_u32(&mut bytes, chunk0 + 44, (at - 32) as u32);
    seal(&mut bytes[chunk0..chunk0 + CHUNK]);
    let path = write(dir.path(), "many.evtx", &bytes);
    let started = Instant::now();
    let report = run_with(&[path], &no_prefilter());
    assert!(started.elapsed() < Duration::from_secs(60));
    let input = only_input(&report);
    check_accounting(input);
    assert!(
        input.counts.records_unreadable > 1000,
        "{}",
        input.counts.records_unreadable
    );
    let in_chunk0 = input.problems.iter().filter(|p| p.chunk == Some(0)).count();
    assert!(in_chunk0 <= 21, "{in_chunk0} problems listed for chunk 0");
    let more = problems_of(input, "more_bad_records");
    assert_eq!(more.len(), 1, "{input:#?}");
    assert!(more[0].message.contains("more"), "{}", more[0].message);
    // The other chunks are whole.
    assert_eq!(input.counts.chunks_read, input.counts.chunks);
    let expected: u64 = matches_per_chunk().iter().skip(1).sum();
    assert_eq!(report.summary.events_matched, expected);
}

// ---------------------------------------------------------------------------------------------
// BinXML template references that loop

/// Makes the template that chunk 0's first record defines instantiate itself (a cycle of
/// one) or the template of the second record, which instantiates the first (a cycle of two).
fn cyclic_templates(two: bool) -> Vec<u8> {
    let mut bytes = fixture_bytes(BASE);
    let chunk0 = HEADER;
    let chunk = &mut bytes[chunk0..chunk0 + CHUNK];
    let offsets = record_offsets(chunk);
    // BinXML starts 24 bytes into a record: fragment header 0f 01 01 00, template instance
    // 0c 01, template id (4), definition offset (4); an inline definition follows: next (4),
    // GUID (16), size (4), body.
    let definition = |chunk: &[u8], record: usize| {
        let binxml = record + 24;
        assert_eq!(
            chunk[binxml..binxml + 6],
            [0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01]
        );
        u32::from_le_bytes(chunk[binxml + 10..binxml + 14].try_into().unwrap()) as usize
    };
    let first = definition(chunk, offsets[0]);
    let target = if two {
        // The second record's template, when it defines another one.
        let second = offsets
            .iter()
            .map(|&r| definition(chunk, r))
            .find(|&d| d != first)
            .expect("two templates in chunk 0");
        // Second's body instantiates the first...
        let body = second + 24;
        chunk[body..body + 6].copy_from_slice(&[0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01]);
        put_u32(chunk, body + 10, first as u32);
        second
    } else {
        first
    };
    // ...and the first's body instantiates the target (itself, or the second).
    let body = first + 24;
    chunk[body..body + 6].copy_from_slice(&[0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01]);
    put_u32(chunk, body + 10, target as u32);
    seal(chunk);
    bytes
}

#[test]
fn cyclic_template_references_fail_the_records_not_the_run() {
    let dir = tempfile::tempdir().unwrap();
    for two in [false, true] {
        let path = write(dir.path(), "cycle.evtx", &cyclic_templates(two));
        for options in [Options::default(), no_prefilter()] {
            let started = Instant::now();
            let report = run_with(std::slice::from_ref(&path), &options);
            assert!(started.elapsed() < Duration::from_secs(60));
            let input = only_input(&report);
            check_accounting(input);
            assert_eq!(input.counts.chunks_crc_mismatch, 0);
            // The records of the broken templates fail and are named; the rest are read.
            if !options.prefilter {
                assert!(input.counts.records_unreadable >= 1, "{input:#?}");
                assert!(
                    problems_of(input, "bad_record").iter().all(
                        |p| p.chunk == Some(0) && (p.record_id.is_some() || p.offset.is_some())
                    )
                );
                assert!(input.counts.records_read > 0);
            }
            let expected: u64 = matches_per_chunk().iter().skip(1).sum();
            assert!(report.summary.events_matched >= expected);
            for (key, count) in keyed(&report) {
                assert!(keyed(intact()).get(&key).is_some_and(|&c| count <= c));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Size

/// A 10 GiB sparse file: the fixture's chunks, then zeros. The zero slots are counted empty
/// (after the header's chunk count, not problems) and the run stays fast.
///
/// Ignored by default: the kernel still hands over 10 GiB of zeros, which takes 10-30 s in a
/// debug build. Run it with `cargo test -p evtx-doctor --test hostile -- --ignored`.
#[test]
#[ignore = "reads 10 GiB of zeros: 10-30 s; run with --ignored"]
fn ten_gib_sparse_file_is_quick() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "sparse.evtx", &fixture_bytes(BASE));
    let size = 10u64 << 30;
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(size).unwrap();
    drop(file);
    let started = Instant::now();
    let report = run(&[path]);
    let elapsed = started.elapsed();
    let input = only_input(&report);
    check_accounting(input);
    let slots = (size - HEADER as u64).div_ceil(CHUNK as u64);
    assert_eq!(input.counts.chunks, slots);
    assert_eq!(input.counts.chunks_empty, slots - 5);
    assert_eq!(input.status, InputStatus::Ok, "{:#?}", input.problems);
    assert_eq!(keyed(&report), keyed(intact()));
    eprintln!("10 GiB sparse file analyzed in {elapsed:?}");
    assert!(elapsed < Duration::from_secs(120), "{elapsed:?}");
}
