//! Streamed corpora and the command line.

mod common;

use std::io::BufWriter;
use std::process::Command;

use common::{fixtures_dir, read_chunks};
use evtx_forge::corpus::{CorpusOptions, write_corpus};

fn corpus(size: u64, every: u64, seed: u64) -> (Vec<u8>, evtx_forge::corpus::CorpusSummary) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corpus.evtx");
    let file = std::fs::File::create(&path).unwrap();
    let (_, summary) =
        write_corpus(BufWriter::new(file), &CorpusOptions::new(size, every, seed)).unwrap();
    (std::fs::read(&path).unwrap(), summary)
}

#[test]
fn signal_events_sit_in_every_nth_chunk() {
    let (bytes, summary) = corpus(3 << 20, 3, 7);
    let chunks = (3 << 20) / 65536 - 1; // whole chunks after the 4 KiB header
    assert_eq!(bytes.len(), 4096 + chunks * 65536);
    assert_eq!(summary.chunks as usize, chunks);
    let (read, errors) = read_chunks(&bytes, true);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(read.len(), chunks);
    let mut total = 0;
    let mut failures = 0;
    for (n, records) in &read {
        let f = records
            .iter()
            .filter(|r| r.provider == "Directory Synchronization" && r.event_id == 611)
            .count();
        let heartbeats = records
            .iter()
            .filter(|r| {
                r.provider == "Directory Synchronization" && [653, 654].contains(&r.event_id)
            })
            .count();
        if n % 3 == 0 {
            assert!(f >= 1 && heartbeats >= 2, "chunk {n}: {f} 611s");
        } else {
            assert_eq!(f, 0, "chunk {n}");
        }
        failures += f;
        total += records.len();
        assert!(records.iter().all(|r| r.computer == "SYNC01.contoso.com"));
    }
    assert_eq!(total as u64, summary.records);
    assert_eq!(failures as u64, summary.signal_611);
    // Record ids run on across chunks.
    let ids: Vec<u64> = read
        .iter()
        .flat_map(|(_, r)| r.iter().map(|r| r.record_id))
        .collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1));
}

#[test]
fn signal_every_1_puts_failures_in_every_chunk_and_is_deterministic() {
    let (a, _) = corpus(1 << 20, 1, 11);
    let (b, _) = corpus(1 << 20, 1, 11);
    assert!(a == b, "same seed, same bytes");
    let (read, errors) = read_chunks(&a, true);
    assert!(errors.is_empty());
    assert!(
        read.iter()
            .all(|(_, rs)| rs.iter().any(|r| r.event_id == 611))
    );
}

#[test]
fn cli_build_corpus_and_fixture_check() {
    let exe = env!("CARGO_BIN_EXE_evtx-forge");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("built.evtx");
    let spec = fixtures_dir().join("kb2867278-rpc-8439.toml");
    let status = Command::new(exe)
        .args(["build", spec.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(std::fs::read(&out).unwrap() == std::fs::read(spec.with_extension("evtx")).unwrap());

    let big = dir.path().join("corpus.evtx");
    let output = Command::new(exe)
        .args([
            "corpus",
            "--size",
            "1MiB",
            "--signal-every",
            "2",
            "--seed",
            "3",
            "-o",
            big.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::metadata(&big).unwrap().len(), 4096 + 15 * 65536);

    let check = Command::new(exe)
        .args(["fixtures", "--check", fixtures_dir().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    // A fixture directory whose .evtx is stale fails the check and names the file.
    let stale = dir.path().join("stale");
    std::fs::create_dir(&stale).unwrap();
    std::fs::copy(&spec, stale.join("x.toml")).unwrap();
    std::fs::write(stale.join("x.evtx"), b"old").unwrap();
    let check = Command::new(exe)
        .args(["fixtures", "--check", stale.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("x.evtx"));
    let regen = Command::new(exe)
        .args(["fixtures", stale.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(regen.success());
    assert!(
        std::fs::read(stale.join("x.evtx")).unwrap()
            == std::fs::read(spec.with_extension("evtx")).unwrap()
    );
}
