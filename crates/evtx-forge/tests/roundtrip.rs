//! Random specs written by evtx-forge and read back by the `evtx` crate with checksum
//! validation: no errors, and every field equal to the spec, in order.

mod common;

use common::{read_all, read_chunks, system_time};
use evtx_forge::{Spec, write_evtx};
use proptest::prelude::*;

const PROVIDERS: &[&str] = &[
    "Directory Synchronization",
    "MsiInstaller",
    "Prövider Ünïcode",
    "日本語プロバイダ",
    "ESENT",
];
const GUIDS: &[&str] = &[
    "{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}",
    "{0888E5EF-9B98-4695-979D-E92CE4247224}",
];
const COMPUTERS: &[&str] = &[
    "SYNC01.contoso.com",
    "dc01.ChildDomain.Contoso.Com",
    "ÖSTERREICH-PC",
];

#[derive(Debug, Clone)]
struct Ev {
    provider: usize,
    guid: Option<usize>,
    event_id: u16,
    qualifiers: Option<u16>,
    level: u8,
    task: u16,
    keywords: u64,
    seconds: u32,
    computer: Option<usize>,
    literal: bool,
    named: bool,
    data: Vec<String>,
}

fn data_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 .:,;_-]{0,120}",
        "[a-zäöüß€日本語\\r\\n<>&\"' ]{0,80}",
        Just("Line one\r\nLine two\r\n   at Frame()".to_string()),
        Just("emoji 😀 and tab\tend".to_string()),
    ]
}

fn event() -> impl Strategy<Value = Ev> {
    (
        (
            0..PROVIDERS.len(),
            proptest::option::of(0..GUIDS.len()),
            any::<u16>(),
            proptest::option::of(prop_oneof![
                Just(0u16),
                Just(16384),
                Just(49152),
                any::<u16>()
            ]),
            0u8..=5,
            any::<u16>(),
            any::<u64>(),
        ),
        (
            0u32..864_000,
            proptest::option::of(0..COMPUTERS.len()),
            any::<bool>(),
            any::<bool>(),
            proptest::collection::vec(data_string(), 0..4),
        ),
    )
        .prop_map(
            |(
                (provider, guid, event_id, qualifiers, level, task, keywords),
                (seconds, computer, literal, named, data),
            )| Ev {
                provider,
                guid,
                event_id,
                qualifiers,
                level,
                task,
                keywords,
                seconds,
                computer,
                literal,
                named,
                data,
            },
        )
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn spec_text(events: &[Ev]) -> String {
    let base = jiff::Timestamp::from_second(1_709_539_200).unwrap(); // 2024-03-04T08:00:00Z
    let mut t = String::from("computer = \"SYNC01.contoso.com\"\nline_endings = \"keep\"\n");
    for e in events {
        t.push_str("\n[[event]]\n");
        t.push_str(&format!("provider = {}\n", toml_str(PROVIDERS[e.provider])));
        if let Some(g) = e.guid {
            t.push_str(&format!("provider_guid = {}\n", toml_str(GUIDS[g])));
        }
        t.push_str(&format!("event_id = {}\n", e.event_id));
        if let Some(q) = e.qualifiers {
            t.push_str(&format!("qualifiers = {q}\n"));
        }
        t.push_str(&format!(
            "level = {}\ntask = {}\nkeywords = \"0x{:x}\"\n",
            e.level, e.task, e.keywords
        ));
        let time = base + jiff::SignedDuration::from_secs(i64::from(e.seconds));
        t.push_str(&format!("time = \"{time}\"\n"));
        if let Some(c) = e.computer {
            t.push_str(&format!("computer = {}\n", toml_str(COMPUTERS[c])));
        }
        let layout = if e.literal {
            "provider-literal"
        } else {
            "provider-substitution"
        };
        t.push_str(&format!("layout = \"{layout}\"\n"));
        if e.named {
            t.push_str("named_data = [");
            for (i, d) in e.data.iter().enumerate() {
                t.push_str(&format!(
                    "{{ name = \"Field{i}\", value = {} }}, ",
                    toml_str(d)
                ));
            }
            t.push_str("]\n");
        } else if e.data.len() == 1 && e.seconds % 2 == 0 {
            t.push_str(&format!("data = {}\n", toml_str(&e.data[0])));
        } else {
            let list: Vec<String> = e.data.iter().map(|d| toml_str(d)).collect();
            t.push_str(&format!("data = [{}]\n", list.join(", ")));
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_specs_read_back_exactly(events in proptest::collection::vec(event(), 150..350)) {
        let text = spec_text(&events);
        let spec = Spec::from_toml(&text).expect("generated spec parses");
        let bytes = write_evtx(&spec).unwrap();
        prop_assert_eq!(bytes.len() % 65536, 4096);

        let (records, errors) = read_all(&bytes, true);
        prop_assert!(errors.is_empty(), "errors: {:?}", errors);
        prop_assert_eq!(records.len(), events.len());

        let mut expected = events.clone();
        expected.sort_by_key(|e| e.seconds); // stable, as the writer sorts
        let base = jiff::Timestamp::from_second(1_709_539_200).unwrap();
        for (i, (got, want)) in records.iter().zip(&expected).enumerate() {
            prop_assert_eq!(got.record_id, i as u64 + 1);
            prop_assert_eq!(&got.provider, PROVIDERS[want.provider]);
            prop_assert_eq!(got.guid.as_deref(), want.guid.map(|g| GUIDS[g]));
            prop_assert_eq!(got.event_id, want.event_id);
            prop_assert_eq!(got.qualifiers, want.qualifiers);
            prop_assert_eq!(got.level, want.level);
            prop_assert_eq!(got.task, want.task);
            prop_assert_eq!(u64::from_str_radix(got.keywords.trim_start_matches("0x"), 16).unwrap(), want.keywords);
            let time = base + jiff::SignedDuration::from_secs(i64::from(want.seconds));
            prop_assert_eq!(&got.time, &system_time(time));
            prop_assert_eq!(&got.computer, want.computer.map_or("SYNC01.contoso.com", |c| COMPUTERS[c]));
            prop_assert_eq!(&got.channel, "Application");
            let want_data: Vec<(Option<String>, String)> = want
                .data
                .iter()
                .enumerate()
                .map(|(i, d)| (want.named.then(|| format!("Field{i}")), d.clone()))
                .collect();
            prop_assert_eq!(&got.data, &want_data);
        }

        // Several chunks, each valid on its own.
        let (chunks, errors) = read_chunks(&bytes, true);
        prop_assert!(errors.is_empty(), "chunk errors: {:?}", errors);
        prop_assert!(chunks.len() >= 2, "only {} chunk(s)", chunks.len());
    }
}

#[test]
fn header_and_chunk_fields_are_consistent() {
    let spec = Spec::from_toml(
        "start_record_id = 1000\n[[noise]]\nseed = 3\ncount = 400\nbetween = [\"2024-01-01T00:00:00Z\", \"2024-01-02T00:00:00Z\"]\n",
    )
    .unwrap();
    let bytes = write_evtx(&spec).unwrap();
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let u16_at = |at: usize| u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap());
    let chunks = (bytes.len() - 4096) / 65536;
    assert!(chunks >= 2);
    assert_eq!(&bytes[..8], b"ElfFile\0");
    assert_eq!(u64_at(16), chunks as u64 - 1);
    assert_eq!(u64_at(24), 1400); // next record id
    assert_eq!(u16_at(42) as usize, chunks);
    let mut next = 1000;
    for c in 0..chunks {
        let base = 4096 + c * 65536;
        assert_eq!(&bytes[base..base + 8], b"ElfChnk\0");
        assert_eq!(u64_at(base + 24), next);
        next = u64_at(base + 32) + 1;
        let free = u32::from_le_bytes(bytes[base + 48..base + 52].try_into().unwrap()) as usize;
        assert!(bytes[base + free..base + 65536].iter().all(|b| *b == 0));
    }
    assert_eq!(next, 1400);
    let (records, errors) = read_all(&bytes, true);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 400);
    assert_eq!(records[0].record_id, 1000);
}

#[test]
fn provider_literal_records_carry_no_provider_bytes() {
    let make = |layout: &str| {
        let mut t = format!("layout = \"{layout}\"\n");
        for i in 0..3 {
            t.push_str(&format!(
                "[[event]]\nprovider = \"Directory Synchronization\"\nevent_id = 611\nqualifiers = 0\nlevel = 2\ntime = \"2024-03-04T08:0{i}:00Z\"\ndata = \"x\"\n"
            ));
        }
        write_evtx(&Spec::from_toml(&t).unwrap()).unwrap()
    };
    let needle: Vec<u8> = "Directory Synchronization"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let count = |b: &[u8]| {
        b.windows(needle.len())
            .filter(|w| *w == needle.as_slice())
            .count()
    };
    assert_eq!(
        count(&make("provider-literal")),
        1,
        "only in the template definition"
    );
    assert_eq!(count(&make("provider-substitution")), 3, "once per record");
    for layout in ["provider-literal", "provider-substitution"] {
        let (records, errors) = read_all(&make(layout), true);
        assert!(errors.is_empty());
        assert!(
            records
                .iter()
                .all(|r| r.provider == "Directory Synchronization")
        );
    }
}
