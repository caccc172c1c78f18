//! Criterion benchmarks of evtx-doctor's hot path: the chunk prefilter, record → `Event`,
//! rule evaluation, and whole-file analysis. Run with `cargo bench -p evtx-doctor-bench`.
//!
//! Chunks come from evtx-forge's corpus generator (always) and from the shared corpus
//! (`EVTX_DOCTOR_CORPUS`, else `../shared/corpus`; skipped when absent).

#![allow(missing_docs)] // criterion's macros generate undocumented public functions

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use evtx::{EvtxChunkData, EvtxRecord, ParserSettings};
use evtx_doctor::event::Event;
use evtx_doctor::internals::parse_event_xml;
use evtx_doctor::internals::{Prefilter, decode_chunk};
use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::rules::RuleScratch;
use evtx_doctor::{Options, analyze};
use evtx_doctor_bench::{CHUNK_SIZE, chunks_of, corpus_dir, forge_file, real_chunks};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

/// The chunks the benchmarks run on, by name.
struct Chunks {
    named: Vec<(&'static str, Vec<u8>)>,
}

impl Chunks {
    fn load() -> Self {
        // Three chunks: 0 and 2 hold password-sync events (653, 611, 654), 1 is noise only.
        let forge = forge_file(4096 + 3 * CHUNK_SIZE as u64, 2, 7).expect("forge corpus");
        let forge: Vec<&[u8]> = chunks_of(&forge).collect();
        // Every chunk of this one holds password-sync events.
        let dense = forge_file(4096 + CHUNK_SIZE as u64, 1, 11).expect("forge corpus");
        let dense = chunks_of(&dense).next().expect("one chunk").to_vec();
        let mut named = vec![
            ("signal", forge[0].to_vec()),
            ("forge-noise", forge[1].to_vec()),
            ("forge-dense", dense),
        ];
        let dir = corpus_dir();
        match real_chunks(&dir) {
            // The fullest real chunk: most records, most work.
            Ok(real) if !real.is_empty() => {
                let fullest = real
                    .iter()
                    .max_by_key(|c| u32::from_le_bytes([c[48], c[49], c[50], c[51]]))
                    .expect("non-empty");
                named.push(("real-noise", fullest.clone()));
                // The real chunk with the most records that the decoder reads, all of them
                // (manifest events: EventData as embedded BinXML).
                let decoded = real
                    .iter()
                    .filter(|c| decode_chunk(c).iter().all(Result::is_ok))
                    .max_by_key(|c| decode_chunk(c).len())
                    .expect("a real chunk the decoder reads");
                named.push(("real-decoded", decoded.clone()));
            }
            _ => eprintln!("no shared corpus at {}: real chunks skipped", dir.display()),
        }
        for (name, chunk) in &named {
            let records = decode_chunk(chunk);
            let decoded = records.iter().filter(|r| r.is_ok()).count();
            eprintln!("{name}: {} records, {decoded} decoded", records.len());
        }
        Chunks { named }
    }
}

fn settings() -> Arc<ParserSettings> {
    Arc::new(ParserSettings::default().indent(false).num_threads(1))
}

/// `measure` of every record of `chunk` that the `evtx` crate builds, summed.
fn over_records(
    chunk: &[u8],
    settings: &Arc<ParserSettings>,
    mut measure: impl FnMut(EvtxRecord<'_>) -> usize,
) -> usize {
    let mut data = EvtxChunkData::new(chunk.to_vec(), false).expect("chunk header");
    let mut parsed = data.parse(Arc::clone(settings)).expect("chunk");
    parsed.iter().filter_map(Result::ok).map(&mut measure).sum()
}

/// Every record of `chunk` rendered to XML and read into an `Event`.
fn events(chunk: &[u8], settings: &Arc<ParserSettings>) -> Vec<Event> {
    let mut events = Vec::new();
    over_records(chunk, settings, |record| {
        let event = record
            .into_xml_bytes()
            .ok()
            .and_then(|xml| parse_event_xml(&xml.data).ok());
        events.extend(event);
        0
    });
    events
}

fn prefilter(c: &mut Criterion) {
    let knowledge = Knowledge::builtin().expect("built-in rules");
    let plan = knowledge
        .rules()
        .literal_plan()
        .expect("every rule has literals");
    let prefilter = Prefilter::new(&plan).expect("literals");
    let chunks = Chunks::load();
    let mut group = c.benchmark_group("prefilter");
    group.throughput(Throughput::Bytes(CHUNK_SIZE as u64));
    for (name, chunk) in &chunks.named {
        let mut hits = prefilter.new_hits();
        // The first step, all a chunk without an anchor costs.
        group.bench_function(BenchmarkId::new("anchors", name), |b| {
            b.iter(|| prefilter.index_anchors(black_box(chunk), &mut hits))
        });
        // Both steps over the whole chunk (the scanner searches only the records that hold
        // an anchor, and their templates, for the second).
        group.bench_function(BenchmarkId::new("whole-chunk", name), |b| {
            b.iter(|| prefilter.index_chunk(black_box(chunk), &mut hits))
        });
    }
    group.finish();
}

fn records(c: &mut Criterion) {
    let settings = settings();
    let chunks = Chunks::load();
    let mut group = c.benchmark_group("record");
    group.throughput(Throughput::Bytes(CHUNK_SIZE as u64));
    for (name, chunk) in &chunks.named {
        group.bench_function(BenchmarkId::new("iterate", name), |b| {
            b.iter(|| over_records(chunk, &settings, |record| record.event_record_id as usize))
        });
        // The cheapest way to a record's content the crate offers: its substitution values,
        // untyped by name (which value is the provider or the event id is in the template).
        group.bench_function(BenchmarkId::new("values", name), |b| {
            b.iter(|| {
                over_records(chunk, &settings, |record| {
                    let instances = record.template_instances().unwrap_or_default();
                    instances.iter().map(|i| i.values.len()).sum()
                })
            })
        });
        // Rendering alone, and rendering then reading back (what the scanner does for the
        // records the prefilter keeps).
        group.bench_function(BenchmarkId::new("xml", name), |b| {
            b.iter(|| {
                over_records(chunk, &settings, |record| {
                    record.into_xml_bytes().map_or(0, |xml| xml.data.len())
                })
            })
        });
        group.bench_function(BenchmarkId::new("to_event", name), |b| {
            b.iter(|| events(black_box(chunk), &settings).len())
        });
        // Straight from the bytes (scan/decode): the scanner's path for the records it
        // keeps, the crate's only for those the decoder declines.
        group.bench_function(BenchmarkId::new("decode", name), |b| {
            b.iter(|| decode_chunk(black_box(chunk)).len())
        });
    }
    group.finish();
}

fn rules(c: &mut Criterion) {
    let knowledge = Knowledge::builtin().expect("built-in rules");
    let rules = knowledge.rules();
    let chunks = Chunks::load();
    let settings = settings();
    let signal = events(&chunks.named[0].1, &settings);
    let failure = signal
        .iter()
        .find(|e| e.event_id == 611)
        .expect("a 611 in the signal chunk")
        .clone();
    assert!(rules.evaluate(&failure).is_some(), "the 611 is diagnosed");
    let heartbeat = signal
        .iter()
        .find(|e| e.event_id == 653)
        .expect("a 653 in the signal chunk")
        .clone();
    let mut group = c.benchmark_group("rules");
    group.bench_function("evaluate/611", |b| {
        b.iter(|| rules.evaluate(black_box(&failure)))
    });
    group.bench_function("evaluate/653", |b| {
        b.iter(|| rules.evaluate(black_box(&heartbeat)))
    });
    // As the scanner asks, with a thread's scratch: a 611 it has seen is remembered.
    let mut scratch = RuleScratch::default();
    group.bench_function("evaluate_with/611 again", |b| {
        b.iter(|| rules.evaluate_with(black_box(&failure), &mut scratch))
    });
    group.finish();
}

fn whole_file(c: &mut Criterion) {
    let knowledge = Knowledge::builtin().expect("built-in rules");
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/kb2867278-rpc-8453.evtx");
    let dir = std::env::temp_dir().join(format!("evtx-doctor-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let forged = dir.join("forge-8MiB.evtx");
    std::fs::write(&forged, forge_file(8 << 20, 16, 7).expect("forge corpus")).expect("write");
    // A sync server's noise alone (ADSync records in every chunk, no signal): what the noise
    // row of the side-by-side benchmark costs beyond real chunks.
    let noise = dir.join("forge-noise-8MiB.evtx");
    std::fs::write(&noise, forge_file(8 << 20, u64::MAX, 7).expect("forge")).expect("write");
    let mut group = c.benchmark_group("analyze");
    group.sample_size(20);
    for (name, path) in [
        ("fixture", &fixture),
        ("forge-8MiB", &forged),
        ("forge-noise-8MiB", &noise),
    ] {
        group.throughput(Throughput::Bytes(
            std::fs::metadata(path).map_or(0, |m| m.len()),
        ));
        for prefilter in [true, false] {
            let options = Options {
                prefilter,
                ..Options::default()
            };
            let id = if prefilter {
                "prefilter"
            } else {
                "no-prefilter"
            };
            // One thread, as the other benchmarks.
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .expect("a pool of one thread");
            group.bench_function(BenchmarkId::new(id, name), |b| {
                b.iter(|| {
                    pool.install(|| analyze(std::slice::from_ref(path), &knowledge, &options))
                        .findings
                        .len()
                })
            });
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, prefilter, records, rules, whole_file);
criterion_main!(benches);
