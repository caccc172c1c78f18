//! Arbitrary bytes behind an export header or a zip signature: the readers never panic, never
//! hang, and account for what they read.

use evtx_doctor::report::Report;
use evtx_doctor::{Knowledge, Options, Source, analyze};
use proptest::prelude::*;
use std::sync::OnceLock;

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

fn run(name: &str, head: &[u8], tail: &[u8]) -> Report {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    let knowledge = KNOWLEDGE.get_or_init(|| Knowledge::builtin().unwrap());
    let bytes = [head, tail].concat();
    analyze([Source::bytes(name, bytes)], knowledge, &Options::default())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn csv_reader_survives_anything(tail in noisy()) {
        let report = run("x.csv", CSV_HEADER, &tail);
        prop_assert_eq!(report.inputs.len(), 1);
        prop_assert!(report.inputs[0].problem_count <= 1000 + 2);
    }

    #[test]
    fn xml_reader_survives_anything(tail in noisy()) {
        let report = run("x.xml", XML_HEAD, &tail);
        let input = &report.inputs[0];
        prop_assert!(input.counts.records_read + input.counts.records_unreadable <= 1 + tail.len() as u64);
    }

    #[test]
    fn utf16_exports_survive_anything(tail in noisy()) {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(CSV_HEADER.iter().flat_map(|&b| [b, 0]));
        prop_assert_eq!(run("x.csv", &bytes, &tail).inputs.len(), 1);
        let _ = run("x.xml", &[0xFE, 0xFF], &tail);
    }

    #[test]
    fn zip_reader_survives_anything(tail in noisy(), cut in 0usize..400) {
        // A real archive, damaged at one place, or random bytes after the signature.
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer.start_file("a/Application.evtx", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut writer, b"ElfFile\0 and more").unwrap();
        let mut good = writer.finish().unwrap().into_inner();
        let at = cut.min(good.len() - 1);
        good[at] ^= 0xFF;
        let random = [b"PK\x03\x04".as_slice(), &tail].concat();
        for (name, bytes) in [("good.zip", good), ("random.zip", random)] {
            // The archive was named: the report says what became of it.
            prop_assert!(!run(name, &bytes, &[]).inputs.is_empty());
        }
    }
}

/// Problems of an export stream to the sink as they are found, up to the cap, then one summary;
/// the report lists the first ones in file order and counts what the sink was told.
#[test]
fn an_export_of_broken_events_streams_its_problems_up_to_the_cap() {
    use evtx_doctor::internals::MAX_EXPORT_PROBLEMS;
    use evtx_doctor::report::ProblemKind;
    use evtx_doctor::{Engine, Flow, InputProblem, Matched, ReportBuilder, Sink};

    struct Problems {
        builder: ReportBuilder,
        kinds: Vec<ProblemKind>,
        last_message: String,
    }
    impl Sink for Problems {
        fn matched(&mut self, matched: Matched) -> Flow {
            self.builder.matched(matched)
        }
        fn problem(&mut self, problem: InputProblem) -> Flow {
            self.kinds.push(problem.problem.kind);
            self.last_message = problem.problem.message.clone();
            self.builder.problem(problem)
        }
        fn input_done(&mut self, done: evtx_doctor::InputDone) -> Flow {
            self.builder.input_done(done)
        }
    }

    let broken = 1500;
    let mut xml = String::from("<Events>");
    for _ in 0..broken {
        xml.push_str("<Event><System><EventID>611</Event>");
    }
    xml.push_str("</Events>");
    let engine = Engine::new(Knowledge::builtin().unwrap(), Options::default());
    let mut sink = Problems {
        builder: ReportBuilder::new(&engine),
        kinds: Vec::new(),
        last_message: String::new(),
    };
    engine.run([Source::bytes("broken.xml", xml.into_bytes())], &mut sink);

    let cap = usize::try_from(MAX_EXPORT_PROBLEMS).unwrap();
    assert_eq!(sink.kinds.len(), cap + 1, "the cap, then one summary");
    assert!(
        sink.kinds[..cap]
            .iter()
            .all(|k| *k == ProblemKind::XmlMalformedEvent)
    );
    assert_eq!(sink.kinds[cap], ProblemKind::TooManyProblems);
    assert!(
        sink.last_message.starts_with("500 more problems"),
        "{}",
        sink.last_message
    );

    let report = sink.builder.finish();
    let input = &report.inputs[0];
    assert_eq!(input.counts.records_unreadable, broken);
    assert_eq!(input.problem_count, MAX_EXPORT_PROBLEMS + 1);
    assert_eq!(
        input.problems.len(),
        evtx_doctor::report::MAX_PROBLEMS_PER_INPUT
    );
    let offsets: Vec<u64> = input.problems.iter().filter_map(|p| p.offset).collect();
    assert!(
        offsets.windows(2).all(|w| w[0] < w[1]),
        "listed in file order"
    );
}
