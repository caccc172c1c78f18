//! Streamed corpora and the command line.

mod common;

use std::io::BufWriter;
use std::process::Command;

use common::{fixtures_dir, read_chunks};
use evtx_forge::corpus::{CorpusOptions, CorpusSummary, SignalMix, write_corpus};

fn corpus(size: u64, every: u64, seed: u64) -> (Vec<u8>, CorpusSummary) {
    corpus_of(CorpusOptions::new(size, every, seed))
}

fn corpus_of(options: CorpusOptions) -> (Vec<u8>, CorpusSummary) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corpus.evtx");
    let file = std::fs::File::create(&path).unwrap();
    let (_, summary) = write_corpus(BufWriter::new(file), &options).unwrap();
    (std::fs::read(&path).unwrap(), summary)
}

/// Whether a record is one of the signal events (not noise).
fn is_signal(r: &common::Parsed) -> bool {
    (r.provider == "Directory Synchronization"
        && [0, 115, 611, 653, 654, 655, 659].contains(&r.event_id))
        || (r.provider == "ADSync" && r.event_id == 6900)
}

#[test]
fn the_dense_mix_spreads_several_signal_records_through_every_chunk() {
    let options = CorpusOptions::new(4096 + 8 * 65536, 1, 7).with_mix(SignalMix::Dense);
    let (bytes, summary) = corpus_of(options.clone());
    let (again, _) = corpus_of(options);
    assert!(bytes == again, "same seed, same bytes");
    let (read, errors) = read_chunks(&bytes, true);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(read.len(), 8);
    let mut signals = 0;
    // Chunks with a signal record in their second half.
    let mut late_chunks = 0;
    let mut domains = std::collections::BTreeSet::new();
    let mut credential_ids = std::collections::BTreeSet::new();
    let mut traces = std::collections::BTreeSet::new();
    for (n, records) in &read {
        let positions: Vec<usize> = (0..records.len())
            .filter(|&i| is_signal(&records[i]))
            .collect();
        // Several a chunk (a scene of five; one left over from a full chunk may move on), and
        // among the noise, not in a block at the start.
        assert!(positions.len() >= 4, "chunk {n}: {positions:?}");
        assert!(
            positions.windows(2).any(|w| w[1] > w[0] + 1),
            "chunk {n}: {positions:?}"
        );
        late_chunks += usize::from(positions.last().unwrap() * 2 > records.len());
        signals += positions.len();
        for r in records.iter().filter(|r| is_signal(r)) {
            let text = &r.data[0].1;
            match r.event_id {
                611 => {
                    let domain = text.split("for domain: ").nth(1).unwrap();
                    domains.insert(
                        domain
                            .split([',', ' '])
                            .next()
                            .unwrap()
                            .trim_end_matches('.')
                            .to_owned(),
                    );
                    assert!(text.contains("DrsException: RPC Error 8"), "{text}");
                }
                6900 | 659 => {
                    assert!(text.contains("AADSTS50054: Old password is used for authentication."));
                    traces.insert(text.split("Trace ID: ").nth(1).unwrap()[..36].to_owned());
                    credential_ids.insert(r.event_id);
                }
                0 | 115 | 655 => {
                    credential_ids.insert(r.event_id);
                }
                _ => {}
            }
        }
    }
    assert!(late_chunks >= 4, "{late_chunks} of 8 chunks");
    assert_eq!(signals as u64, summary.signal_records);
    assert_eq!(summary.signal_chunks, 8);
    assert_eq!(
        domains.into_iter().collect::<Vec<_>>(),
        [
            "ChildDomain.Contoso.Com",
            "Contoso.com",
            "Corp.Woodgrove.net",
            "fabrikam.local"
        ]
    );
    assert_eq!(
        credential_ids.into_iter().collect::<Vec<_>>(),
        [0, 115, 655, 659, 6900]
    );
    // Each sign-in error names its own trace id, as Entra ID writes them.
    assert_eq!(traces.len(), 4, "{traces:?}");
    // The triple mix is what it always was.
    let (triple, _) = corpus(4096 + 8 * 65536, 1, 7);
    assert!(triple != bytes);
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
    let dense = dir.path().join("dense.evtx");
    let output = Command::new(exe)
        .args(["corpus", "--size", "1MiB", "--mix", "dense", "-o"])
        .arg(&dense)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("signal records in 15 chunks"));

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
