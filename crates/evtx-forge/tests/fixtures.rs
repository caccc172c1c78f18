//! The committed fixtures: bytes match their specs, and each holds what its spec and
//! fixtures/README.md promise.

mod common;

use std::collections::BTreeMap;

use common::{Parsed, fixtures_dir, read_all, read_chunks};
use evtx_forge::{Spec, fixtures::spec_files, write_evtx};

const DS: &str = "Directory Synchronization";

fn load(name: &str) -> (Spec, Vec<u8>) {
    let path = fixtures_dir().join(name);
    let spec = Spec::from_path(path.with_extension("toml")).unwrap();
    let bytes = std::fs::read(path.with_extension("evtx")).unwrap();
    (spec, bytes)
}

fn is_611(r: &Parsed) -> bool {
    r.provider == DS && r.event_id == 611
}

fn domain(r: &Parsed) -> &'static str {
    let text = &r.data[0].1;
    if text.starts_with("Password synchronization failed for domain: Contoso.com. Details: \r\n") {
        "old:Contoso.com"
    } else if text.starts_with("Password hash synchronization failed for domain: ChildDomain.Contoso.Com, domain controller hostname: DC01.ChildDomain.Contoso.Com, domain controller IP address: 10.0.0.12.\r\nDetails: ") {
        "new:ChildDomain.Contoso.Com"
    } else {
        "unknown"
    }
}

/// Chunk number -> 611 events in it, per form.
fn layout(bytes: &[u8]) -> BTreeMap<u64, BTreeMap<&'static str, usize>> {
    let (chunks, _) = read_chunks(bytes, true);
    let mut out = BTreeMap::new();
    for (n, records) in chunks {
        let entry: &mut BTreeMap<&'static str, usize> = out.entry(n).or_default();
        for r in records.iter().filter(|r| is_611(r)) {
            *entry.entry(domain(r)).or_default() += 1;
        }
    }
    out
}

#[test]
fn fixtures_match_their_specs() {
    let specs = spec_files(&fixtures_dir()).unwrap();
    assert!(specs.len() >= 10, "found {} specs", specs.len());
    for spec_path in specs {
        let spec = Spec::from_path(&spec_path).unwrap();
        let fresh = write_evtx(&spec).unwrap();
        let committed = std::fs::read(spec_path.with_extension("evtx")).unwrap_or_default();
        assert!(
            fresh == committed,
            "{} differs from its spec: run `cargo run -p evtx-forge -- fixtures`",
            spec_path.with_extension("evtx").display()
        );
    }
}

#[test]
fn every_undamaged_fixture_is_clean_multi_chunk_and_on_sync01() {
    for spec_path in spec_files(&fixtures_dir()).unwrap() {
        let (spec, bytes) = load(spec_path.file_name().unwrap().to_str().unwrap());
        let name = spec_path.display().to_string();
        let chunks = (bytes.len() - 4096) / 65536;
        assert!(chunks >= 2, "{name}: {chunks} chunk(s)");
        let (records, errors) = read_all(&bytes, true);
        if !spec.damage.is_empty() {
            continue;
        }
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(records.len(), spec.records().unwrap().len(), "{name}");
        for r in &records {
            assert_eq!(r.computer, "SYNC01.contoso.com", "{name}");
            assert_eq!(r.channel, "Application", "{name}");
        }
        // Noise before, between and after the Directory Synchronization events.
        let ds: Vec<usize> = (0..records.len())
            .filter(|&i| records[i].provider == DS)
            .collect();
        if let (Some(&first), Some(&last)) = (ds.first(), ds.last()) {
            assert!(first > 0, "{name}: no noise before");
            assert!(last + 1 < records.len(), "{name}: no noise after");
            assert!(
                ds.windows(2).any(|w| w[1] > w[0] + 1),
                "{name}: no noise between"
            );
        }
    }
}

#[test]
fn kb2867278_fixtures_hold_3_old_and_2_new_611s_in_different_chunks() {
    for (name, chain_old, chain_new) in [
        (
            "kb2867278-rpc-8439",
            "DrsException: RPC Error 8439: The distinguished name",
            "DrsException: RPC Error 8439 : The distinguished name",
        ),
        (
            "kb2867278-rpc-8593",
            "RPC Error 8593 : The directory service cannot perform",
            "RPC Error 8593 : The directory service cannot perform",
        ),
        (
            "kb2867278-filetime",
            "System.ArgumentOutOfRangeException: Not a valid Win32 FileTime.\r\nParameter name: fileTime",
            "System.ArgumentOutOfRangeException: Not a valid Win32 FileTime.\r\nParameter name: fileTime",
        ),
        (
            "kb2867278-duplicate-key",
            "System.ArgumentException: An item with the same key has already been added.",
            "System.ArgumentException: An item with the same key has already been added.",
        ),
        (
            "kb2867278-rpc-8453",
            "RPC Error 8453 : Replication access was denied.",
            "RPC Error 8453 : Der Replikationszugriff wurde verweigert.",
        ),
        (
            "kb2867278-rpc-other",
            "DrsException: RPC Error 1722 : The RPC server is unavailable. There was an error calling _IDL_DRSBind.",
            "DrsCommunicationException: RPC Error 8524 : The DSA operation is unable to proceed because of a DNS lookup failure. Error creating the RPC binding handle",
        ),
    ] {
        let (_, bytes) = load(&format!("{name}.toml"));
        let (records, errors) = read_all(&bytes, true);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let failures: Vec<&Parsed> = records.iter().filter(|r| is_611(r)).collect();
        assert_eq!(failures.len(), 5, "{name}");
        let old: Vec<_> = failures
            .iter()
            .filter(|r| domain(r) == "old:Contoso.com")
            .collect();
        let new: Vec<_> = failures
            .iter()
            .filter(|r| domain(r) == "new:ChildDomain.Contoso.Com")
            .collect();
        assert_eq!((old.len(), new.len()), (3, 2), "{name}");
        let times: Vec<&str> = failures.iter().map(|r| r.time.as_str()).collect();
        assert_eq!(
            times,
            [
                "2024-03-04T08:00:00.0000000Z",
                "2024-03-04T08:30:00.0000000Z",
                "2024-03-04T09:00:00.0000000Z",
                "2024-03-05T10:00:00.0000000Z",
                "2024-03-05T10:30:00.0000000Z"
            ],
            "{name}"
        );
        for r in &failures {
            assert_eq!((r.level, r.task, r.qualifiers), (2, 0, Some(0)), "{name}");
            assert_eq!(r.keywords, "0x80000000000000");
            assert_eq!(r.data.len(), 1);
            assert!(
                !r.data[0].1.contains("\r\r") && !r.data[0].1.replace("\r\n", "").contains('\n'),
                "{name}: CRLF only"
            );
            assert!(r.data[0].1.contains("\r\n   at Microsoft.Online.PasswordSynchronization.SynchronizationManager.SynchronizeDomain(SynchronizationExecutionContext syncExecutionContext)"));
        }
        assert!(
            old.iter().all(|r| r.data[0].1.contains(chain_old)),
            "{name} old chain"
        );
        assert!(
            new.iter().all(|r| r.data[0].1.contains(chain_new)),
            "{name} new chain"
        );
        // Old and new forms sit in different chunks.
        let l = layout(&bytes);
        let old_chunks: Vec<u64> = l
            .iter()
            .filter(|(_, m)| m.contains_key("old:Contoso.com"))
            .map(|(c, _)| *c)
            .collect();
        let new_chunks: Vec<u64> = l
            .iter()
            .filter(|(_, m)| m.contains_key("new:ChildDomain.Contoso.Com"))
            .map(|(c, _)| *c)
            .collect();
        eprintln!(
            "{name}: chunks {} old in {old_chunks:?} new in {new_chunks:?}",
            l.len()
        );
        assert!(old_chunks.iter().all(|c| !new_chunks.contains(c)), "{name}");
    }
}

#[test]
fn rpc_8453_fixture_uses_the_provider_literal_layout() {
    let (_, bytes) = load("kb2867278-rpc-8453.toml");
    let needle: Vec<u8> = DS.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let hits = bytes
        .windows(needle.len())
        .filter(|w| *w == needle.as_slice())
        .count();
    let chunks_with_611 = layout(&bytes).values().filter(|m| !m.is_empty()).count();
    // Only in each chunk's template definition, never per record.
    assert_eq!(hits, chunks_with_611);
}

#[test]
fn credentials_fixture() {
    let (_, bytes) = load("kb2962509-credentials.toml");
    let (records, errors) = read_all(&bytes, true);
    assert!(errors.is_empty());
    let count = |provider: &str, id: u16, text: &str| {
        records
            .iter()
            .filter(|r| r.provider == provider && r.event_id == id && r.data[0].1.starts_with(text))
            .count()
    };
    assert_eq!(count(DS, 653, "Provision credentials ping start."), 12);
    assert_eq!(count(DS, 654, "Provision credentials ping end."), 12);
    assert_eq!(count(DS, 115, "An error occurred. Error Code: 7."), 1);
    assert_eq!(count(DS, 0, "The user name or password is incorrect."), 2);
    assert_eq!(count(DS, 655, "Failed credential provisioning ping."), 3);
    assert_eq!(
        count(
            "FIMSynchronizationService",
            6900,
            "The user name or password is incorrect."
        ),
        1
    );
    assert_eq!(count(DS, 0, "The following password changes failed"), 1);
    assert!(!records.iter().any(is_611));
    let fim = records
        .iter()
        .find(|r| r.provider == "FIMSynchronizationService")
        .unwrap();
    assert_eq!((fim.qualifiers, fim.level, fim.task), (Some(49152), 2, 3));
    let (chunks, _) = read_chunks(&bytes, true);
    let with_failures = chunks
        .iter()
        .filter(|(_, rs)| rs.iter().any(|r| r.provider == DS && r.level == 2))
        .count();
    eprintln!(
        "credentials: failures in {with_failures} chunk(s) of {}",
        chunks.len()
    );
}

#[test]
fn healthy_and_noise_only_fixtures_have_no_failures() {
    let (_, bytes) = load("healthy.toml");
    let (records, errors) = read_all(&bytes, true);
    assert!(errors.is_empty());
    let ds: Vec<&Parsed> = records.iter().filter(|r| r.provider == DS).collect();
    assert_eq!(ds.len(), 96 * 2 + 3 * 3);
    assert!(
        ds.iter()
            .all(|r| r.level == 4 && [650, 651, 653, 654, 657].contains(&r.event_id))
    );

    let (_, bytes) = load("noise-only.toml");
    let (records, errors) = read_all(&bytes, true);
    assert!(errors.is_empty());
    assert_eq!(records.len(), 500);
    assert!(records.iter().all(|r| r.provider != DS));
}

#[test]
fn damaged_fixture_has_611s_in_chunks_0_and_2_and_a_bad_chunk_1() {
    let (_, bytes) = load("damaged-middle-chunk.toml");
    assert_eq!(&bytes[4096 + 65536..4096 + 65536 + 8], b"DAMAGED!");
    let (chunks, errors) = read_chunks(&bytes, false);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("InvalidEvtxChunkMagic"), "{errors:?}");
    let per_chunk: BTreeMap<u64, usize> = chunks
        .iter()
        .map(|(n, rs)| (*n, rs.iter().filter(|r| is_611(r)).count()))
        .collect();
    eprintln!("damaged: {per_chunk:?}");
    assert_eq!(per_chunk.get(&0), Some(&2));
    assert!(!per_chunk.contains_key(&1));
    assert_eq!(per_chunk.get(&2), Some(&3));
    assert_eq!(per_chunk.values().sum::<usize>(), 5);
}
