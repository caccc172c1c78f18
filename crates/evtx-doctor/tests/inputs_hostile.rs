//! Arbitrary bytes behind an export header or a zip signature: the readers never panic, never
//! hang, and account for what they read.

use evtx_doctor::formats::{ArchiveLimits, read_export};
use evtx_doctor::report::InputKind;
use evtx_doctor::sources::collect_with;
use proptest::prelude::*;

const CSV_HEADER: &[u8] = b"Level,Date and Time,Source,Event ID,Task Category\r\n";
const XML_HEAD: &[u8] = b"<Events><Event xmlns='x'><System><EventID>611</EventID>";

/// Bytes biased towards the characters the parsers care about (few cases: the random number
/// generator dominates the time of unoptimized test builds).
fn noisy() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            any::<u8>(),
            Just(b'"'),
            Just(b','),
            Just(b'\n'),
            Just(b'<'),
            Just(b'>'),
            Just(b'&'),
            Just(0u8),
        ],
        0..1000,
    )
}

fn source(head: &[u8], tail: &[u8]) -> Vec<u8> {
    [head, tail].concat()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn csv_reader_survives_anything(tail in noisy()) {
        let read = read_export(&source(CSV_HEADER, &tail), InputKind::CsvExport, 0);
        prop_assert!(read.problems.len() <= 1000 + 2);
    }

    #[test]
    fn xml_reader_survives_anything(tail in noisy()) {
        let read = read_export(&source(XML_HEAD, &tail), InputKind::XmlExport, 0);
        prop_assert!(read.events.len() as u64 + read.records_unreadable <= 1 + tail.len() as u64);
    }

    #[test]
    fn utf16_exports_survive_anything(tail in noisy()) {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(CSV_HEADER.iter().flat_map(|&b| [b, 0]));
        let _ = read_export(&source(&bytes, &tail), InputKind::CsvExport, 0);
        let _ = read_export(&source(&[0xFE, 0xFF], &tail), InputKind::XmlExport, 0);
    }

    #[test]
    fn zip_reader_survives_anything(tail in noisy(), cut in 0usize..400) {
        let dir = tempfile::tempdir().unwrap();
        // A real archive, damaged at one place, or random bytes after the signature.
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer.start_file("a/Application.evtx", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut writer, b"ElfFile\0 and more").unwrap();
        let mut good = writer.finish().unwrap().into_inner();
        let at = cut.min(good.len() - 1);
        good[at] ^= 0xFF;
        let random = [b"PK\x03\x04".as_slice(), &tail].concat();
        for (name, bytes) in [("good.zip", good), ("random.zip", random)] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let found = collect_with(&[path], &ArchiveLimits { entry_bytes: 4096, ..ArchiveLimits::default() });
            prop_assert!(!found.is_empty());
        }
    }
}
