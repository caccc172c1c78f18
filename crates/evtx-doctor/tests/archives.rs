//! Archives customers send, and hostile ones (issue 16): 7z, gzip members, zip bombs of every
//! shape, lying directories, fake end records. Each gives the log's finding or a named
//! problem, never a crash, a hang, or memory that follows what an archive claims.

mod common;

use common::{deflated_zeros, fixture, gzip};
use evtx_doctor::report::{InputReport, Report};
use evtx_doctor::{Knowledge, Limits, Options, Source, analyze};
use std::io::Cursor;

fn log() -> Vec<u8> {
    std::fs::read(fixture("kb2867278-rpc-8453.evtx")).unwrap()
}

fn run(sources: Vec<Source<'_>>) -> Report {
    analyze(sources, &Knowledge::builtin().unwrap(), &Options::default())
}

fn run_limited(sources: Vec<Source<'_>>, limits: Limits) -> Report {
    let options = Options {
        limits,
        ..Options::default()
    };
    analyze(sources, &Knowledge::builtin().unwrap(), &options)
}

fn input<'a>(report: &'a Report, name: &str) -> &'a InputReport {
    report
        .inputs
        .iter()
        .find(|i| i.path == name)
        .unwrap_or_else(|| panic!("no input {name} in {:#?}", report.inputs))
}

fn kinds(input: &InputReport) -> Vec<&str> {
    input.problems.iter().map(|p| p.kind.as_str()).collect()
}

/// The 5 failures of the fixture were found.
fn found_the_log(report: &Report) -> bool {
    report.findings.iter().map(|f| f.count).sum::<u64>() == 5
}

fn seven_zip(entries: &[(&str, &[u8])], solid: bool) -> Vec<u8> {
    use sevenz_rust2::{ArchiveEntry, ArchiveWriter, SourceReader};
    let mut writer = ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    if solid {
        let names = entries
            .iter()
            .map(|(n, _)| ArchiveEntry::new_file(n))
            .collect();
        let readers = entries.iter().map(|(_, b)| SourceReader::new(*b)).collect();
        writer.push_archive_entries(names, readers).unwrap();
    } else {
        for (name, bytes) in entries {
            writer
                .push_archive_entry(ArchiveEntry::new_file(name), Some(*bytes))
                .unwrap();
        }
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn seven_zip_archives_are_read_solid_or_not() {
    let log = log();
    for solid in [false, true] {
        let bytes = seven_zip(
            &[("readme.txt", b"hello"), ("logs/Application.evtx", &log)],
            solid,
        );
        let report = run(vec![Source::bytes("logs.7z", bytes.clone())]);
        assert!(
            found_the_log(&report),
            "solid {solid}: {:#?}",
            report.inputs
        );
        input(&report, "logs.7z!logs/Application.evtx");
        // From a stream: held in memory (7z must be read by position), same report.
        let streamed = run(vec![Source::stream("logs.7z", Cursor::new(bytes))]);
        assert_eq!(streamed.findings, report.findings);
    }
}

#[test]
fn hostile_seven_zip_archives_are_named() {
    let good = seven_zip(&[("Application.evtx", &log())], false);
    // A start header of zeros (an archive never finished): refused before any search.
    let mut unfinished = good.clone();
    unfinished[8..32].fill(0);
    // A stream larger than what is held in memory for a format that must seek.
    let report = run_limited(
        vec![
            Source::bytes("unfinished.7z", unfinished),
            Source::bytes("cut.7z", good[..good.len() / 2].to_vec()),
            Source::stream("big.7z", Cursor::new(good.clone())),
        ],
        Limits {
            buffered_bytes: 1024,
            ..Limits::default()
        },
    );
    assert_eq!(
        kinds(input(&report, "unfinished.7z")),
        ["archive_unreadable"]
    );
    assert!(!kinds(input(&report, "cut.7z")).is_empty());
    assert_eq!(kinds(input(&report, "big.7z")), ["archive_too_large"]);
    // Random bytes after the signature.
    let mut garbage = good[..6].to_vec();
    garbage.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let report = run(vec![Source::bytes("garbage.7z", garbage)]);
    assert_eq!(report.inputs.len(), 1);
}

#[test]
fn gzip_members_follow_each_other_and_padding_ends_them() {
    let log = log();
    let (head, tail) = log.split_at(100_000);
    let mut members = gzip(head);
    members.extend(gzip(tail));
    members.extend([0u8; 1024]);
    let report = run(vec![Source::bytes("Application.evtx.gz", members)]);
    assert!(found_the_log(&report), "{:#?}", report.inputs);
    assert!(report.inputs[0].problems.is_empty(), "{:#?}", report.inputs);
}

/// A zip archive written here, field by field: entries of (name, method, data, uncompressed
/// size claimed), at the offsets given (or one after another).
struct ZipBuilder {
    bytes: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl ZipBuilder {
    fn new() -> Self {
        ZipBuilder {
            bytes: Vec::new(),
            central: Vec::new(),
            count: 0,
        }
    }

    /// Adds an entry whose data start at the current end; returns its local header offset.
    fn entry(&mut self, name: &str, method: u16, data: &[u8], size: u32) -> u32 {
        let offset = self.bytes.len() as u32;
        self.local(name, method, data.len() as u32, size);
        self.bytes.extend_from_slice(data);
        self.central_record(name, method, data.len() as u32, size, offset);
        offset
    }

    fn local(&mut self, name: &str, method: u16, compressed: u32, size: u32) {
        let b = &mut self.bytes;
        b.extend_from_slice(b"PK\x03\x04");
        b.extend_from_slice(&[20, 0, 0, 0]);
        b.extend_from_slice(&method.to_le_bytes());
        b.extend_from_slice(&[0; 8]); // time, date, crc
        b.extend_from_slice(&compressed.to_le_bytes());
        b.extend_from_slice(&size.to_le_bytes());
        b.extend_from_slice(&(name.len() as u16).to_le_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(name.as_bytes());
    }

    /// A directory record pointing at `offset` (several may point at one local header).
    fn central_record(&mut self, name: &str, method: u16, compressed: u32, size: u32, offset: u32) {
        let c = &mut self.central;
        c.extend_from_slice(b"PK\x01\x02");
        c.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
        c.extend_from_slice(&method.to_le_bytes());
        c.extend_from_slice(&[0; 8]);
        c.extend_from_slice(&compressed.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&[0; 12]);
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.count += 1;
    }

    /// The archive, its end record claiming `claimed` entries (or the real count).
    fn finish(mut self, claimed: Option<u16>) -> Vec<u8> {
        let cd_offset = self.bytes.len() as u32;
        let cd_size = self.central.len() as u32;
        self.bytes.extend_from_slice(&self.central);
        let count = claimed.unwrap_or(self.count);
        self.bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        self.bytes.extend_from_slice(&count.to_le_bytes());
        self.bytes.extend_from_slice(&count.to_le_bytes());
        self.bytes.extend_from_slice(&cd_size.to_le_bytes());
        self.bytes.extend_from_slice(&cd_offset.to_le_bytes());
        self.bytes.extend_from_slice(&[0, 0]);
        self.bytes
    }
}

#[test]
fn zip_bombs_stop_early_and_the_rest_is_read() {
    let log = log();
    // One entry of 10 GiB of zeros, named like a log.
    let mut one = ZipBuilder::new();
    one.entry("bomb.evtx", 8, &deflated_zeros(10 << 10), u32::MAX);
    let one = one.finish(None);
    // Many directory records sharing one compressed stream.
    let mut shared = ZipBuilder::new();
    let data = deflated_zeros(512);
    let offset = shared.entry("a.evtx", 8, &data, u32::MAX);
    for i in 0..1000 {
        let name = format!("copy{i}.evtx");
        shared.central_record(&name, 8, data.len() as u32, u32::MAX, offset);
    }
    let shared = shared.finish(None);
    // Nested, 42.zip style: an archive of 16 archives of 16 bombs each (stored layers).
    let mut leaf = ZipBuilder::new();
    for i in 0..16 {
        leaf.entry(&format!("{i}.evtx"), 8, &deflated_zeros(256), u32::MAX);
    }
    let leaf = leaf.finish(None);
    let mut nested = ZipBuilder::new();
    for i in 0..16 {
        nested.entry(&format!("{i}.zip"), 0, &leaf, leaf.len() as u32);
    }
    let nested = nested.finish(None);
    let report = run(vec![
        Source::bytes("one.zip", one),
        Source::bytes("shared.zip", shared),
        Source::bytes("nested.zip", nested),
        Source::bytes("Application.evtx", log),
    ]);
    assert!(found_the_log(&report), "the log beside the bombs is read");
    let bomb = input(&report, "one.zip!bomb.evtx");
    assert_eq!(kinds(bomb).last(), Some(&"archive_bomb"), "{bomb:#?}");
    assert!(bomb.bytes < 1 << 30);
    let shared = input(&report, "shared.zip");
    assert!(
        kinds(shared).contains(&"archive_overlapping_entries"),
        "{shared:#?}"
    );
    // The nested archives: stopped by the ratio of what their source expanded to.
    let stopped = report
        .inputs
        .iter()
        .filter(|i| i.path.starts_with("nested.zip!"))
        .filter(|i| kinds(i).contains(&"archive_bomb"))
        .count();
    assert!(stopped >= 1, "{:#?}", report.inputs);
}

#[test]
fn lying_directories_and_fake_end_records_are_bounded() {
    let log = log();
    // An end record claiming 65534 entries for a directory of one.
    let mut lying = ZipBuilder::new();
    lying.entry("Application.evtx", 0, &log, log.len() as u32);
    let lying = lying.finish(Some(0xFFFE));
    // 2 MB of fake end records before a real archive, and a file of nothing else (a search
    // over every candidate was quadratic: 52 s for 2 MB).
    let mut real = ZipBuilder::new();
    real.entry("Application.evtx", 0, &log, log.len() as u32);
    let real = real.finish(None);
    let fakes = b"PK\x05\x06".repeat(1 << 19);
    let mut prefixed = fakes.clone();
    prefixed.extend_from_slice(&real);
    // A zip64 locator pointing at an end record claiming 187 million entries (the zip crate
    // allocated 38 GB for it).
    let mut zip64 = real.clone();
    let end = zip64.len() - 22;
    let end_record = zip64.split_off(end);
    let at = zip64.len() as u64;
    let cd_size = u32::from_le_bytes(end_record[12..16].try_into().unwrap()) as u64;
    let cd_offset = u32::from_le_bytes(end_record[16..20].try_into().unwrap()) as u64;
    zip64.extend_from_slice(b"PK\x06\x06");
    zip64.extend_from_slice(&44u64.to_le_bytes());
    zip64.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    zip64.extend_from_slice(&187_000_000u64.to_le_bytes());
    zip64.extend_from_slice(&187_000_000u64.to_le_bytes());
    zip64.extend_from_slice(&cd_size.to_le_bytes());
    zip64.extend_from_slice(&cd_offset.to_le_bytes());
    zip64.extend_from_slice(b"PK\x06\x07\0\0\0\0");
    zip64.extend_from_slice(&at.to_le_bytes());
    zip64.extend_from_slice(&1u32.to_le_bytes());
    let mut end_record = end_record;
    end_record[8..12].copy_from_slice(&[0xFF; 4]);
    zip64.extend_from_slice(&end_record);
    let report = run(vec![
        Source::bytes("lying.zip", lying),
        Source::bytes("prefixed.zip", prefixed),
        Source::bytes("fakes.zip", fakes),
        Source::bytes("zip64.zip", zip64),
    ]);
    assert!(kinds(input(&report, "lying.zip")).contains(&"archive_lying_directory"));
    assert!(kinds(input(&report, "zip64.zip")).contains(&"archive_lying_directory"));
    input(&report, "lying.zip!Application.evtx");
    input(&report, "prefixed.zip!Application.evtx");
    input(&report, "zip64.zip!Application.evtx");
    assert_eq!(kinds(input(&report, "fakes.zip")), ["archive_unreadable"]);
    assert_eq!(
        report.findings.iter().map(|f| f.count).sum::<u64>(),
        5,
        "three copies, once"
    );
}
