//! Each kind of damage does what it says, as seen by the `evtx` crate.

mod common;

use common::{read_all, read_chunks};
use evtx_forge::{Damage, Spec, record_offsets, write_evtx};

fn clean() -> Vec<u8> {
    let spec = Spec::from_toml(
        "computer = \"SYNC01.contoso.com\"\n[[noise]]\nseed = 42\ncount = 400\nbetween = [\"2024-03-04T00:00:00Z\", \"2024-03-05T00:00:00Z\"]\n",
    )
    .unwrap();
    let bytes = write_evtx(&spec).unwrap();
    assert!((bytes.len() - 4096) / 65536 >= 3);
    bytes
}

fn damaged(d: Damage) -> Vec<u8> {
    let mut bytes = clean();
    d.apply(&mut bytes).unwrap();
    bytes
}

fn chunk_record_count(bytes: &[u8], chunk: usize) -> usize {
    record_offsets(&bytes[4096 + chunk * 65536..4096 + (chunk + 1) * 65536]).len()
}

#[test]
fn clean_file_reads_without_errors() {
    let (records, errors) = read_all(&clean(), true);
    assert!(errors.is_empty());
    assert_eq!(records.len(), 400);
}

#[test]
fn bad_chunk_magic_loses_only_that_chunk() {
    let original = clean();
    let lost = chunk_record_count(&original, 1);
    let bytes = damaged(Damage::BadChunkMagic { chunk: 1 });
    assert_eq!(&bytes[4096 + 65536..4096 + 65536 + 8], b"DAMAGED!");
    for validate in [true, false] {
        let (records, errors) = read_all(&bytes, validate);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("InvalidEvtxChunkMagic"), "{errors:?}");
        assert_eq!(records.len(), 400 - lost);
    }
}

#[test]
fn bad_chunk_crc_is_a_checksum_error_only_with_validation() {
    let bytes = damaged(Damage::BadChunkCrc { chunk: 0 });
    let (records, errors) = read_all(&bytes, true);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("Checksum"), "{errors:?}");
    assert_eq!(records.len(), 400 - chunk_record_count(&bytes, 0));
    let (records, errors) = read_all(&bytes, false);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 400);
}

#[test]
fn bad_header_crc_changes_only_the_stored_crc() {
    let original = clean();
    let bytes = damaged(Damage::BadHeaderCrc);
    let stored = u32::from_le_bytes(bytes[124..128].try_into().unwrap());
    assert_ne!(stored, crc32fast_hash(&bytes[..120]));
    assert_eq!(bytes[..124], original[..124]);
    assert_eq!(bytes[128..], original[128..]);
    let (records, errors) = read_all(&bytes, false);
    assert!(errors.is_empty());
    assert_eq!(records.len(), 400);
}

fn crc32fast_hash(b: &[u8]) -> u32 {
    // CRC-32/ISO-HDLC, bitwise, so the test does not trust the writer's CRC code.
    let mut crc = !0u32;
    for &byte in b {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn header_crcs_match_an_independent_crc32() {
    let bytes = clean();
    assert_eq!(
        u32::from_le_bytes(bytes[124..128].try_into().unwrap()),
        crc32fast_hash(&bytes[..120])
    );
    let chunk = &bytes[4096..4096 + 65536];
    let free = u32::from_le_bytes(chunk[48..52].try_into().unwrap()) as usize;
    assert_eq!(
        u32::from_le_bytes(chunk[52..56].try_into().unwrap()),
        crc32fast_hash(&chunk[512..free])
    );
    let mut header = chunk[..120].to_vec();
    header.extend_from_slice(&chunk[128..512]);
    assert_eq!(
        u32::from_le_bytes(chunk[124..128].try_into().unwrap()),
        crc32fast_hash(&header)
    );
}

#[test]
fn truncate_keeps_the_whole_chunks_before_the_cut() {
    let original = clean();
    let keep = chunk_record_count(&original, 0) + chunk_record_count(&original, 1);
    let cut = 4096 + 2 * 65536 + 1000;
    let bytes = damaged(Damage::TruncateAt { offset: cut as u64 });
    assert_eq!(bytes.len(), cut);
    let (chunks, _) = read_chunks(&bytes, true);
    let read: usize = chunks.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(read, keep);
}

#[test]
fn zero_chunk_is_skipped_as_empty() {
    let original = clean();
    let lost = chunk_record_count(&original, 1);
    let bytes = damaged(Damage::ZeroChunk { chunk: 1 });
    assert!(
        bytes[4096 + 65536..4096 + 2 * 65536]
            .iter()
            .all(|b| *b == 0)
    );
    let (records, errors) = read_all(&bytes, true);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 400 - lost);
}

#[test]
fn garbage_in_record_breaks_that_record_only() {
    let original = clean();
    let (before, _) = read_all(&original, true);
    let bytes = damaged(Damage::GarbageInRecord {
        chunk: 0,
        record_index: 3,
    });
    let (records, errors) = read_all(&bytes, true);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        !errors[0].contains("Checksum"),
        "CRCs were recomputed: {errors:?}"
    );
    assert_eq!(records.len(), 399);
    assert!(!records.iter().any(|r| r.record_id == before[3].record_id));
}

#[test]
fn bad_file_header_is_rejected() {
    let bytes = damaged(Damage::BadFileHeader);
    assert_eq!(&bytes[..8], b"NotEvtx!");
    assert!(evtx::EvtxParser::from_buffer(bytes).is_err());
}

#[test]
fn damage_outside_the_file_is_an_error() {
    let mut bytes = clean();
    assert!(Damage::ZeroChunk { chunk: 99 }.apply(&mut bytes).is_err());
    assert!(
        Damage::GarbageInRecord {
            chunk: 0,
            record_index: 10_000
        }
        .apply(&mut bytes)
        .is_err()
    );
    assert!(
        Damage::TruncateAt { offset: 1 << 40 }
            .apply(&mut bytes)
            .is_err()
    );
}

#[test]
fn damage_in_a_spec() {
    let spec = Spec::from_toml(
        r#"
        computer = "SYNC01.contoso.com"
        [[noise]]
        seed = 42
        count = 400
        between = ["2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z"]
        [[damage]]
        kind = "garbage-in-record"
        chunk = 0
        record_index = 3
        [[damage]]
        kind = "bad-chunk-crc"
        chunk = 2
        [[damage]]
        kind = "bad-header-crc"
        "#,
    )
    .unwrap();
    assert_eq!(spec.damage.len(), 3);
    let mut expected = clean();
    for d in &spec.damage {
        d.apply(&mut expected).unwrap();
    }
    assert!(write_evtx(&spec).unwrap() == expected);
    assert!(Spec::from_toml("[[damage]]\nkind = \"melt\"\n").is_err());
}
