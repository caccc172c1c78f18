//! Every fixture read by two parsers that share no code with evtx-forge or the `evtx` crate:
//! python-evtx (`evtx_dump.py`, Debian `python3-evtx`) and libevtx (`evtxexport`, Debian
//! `libevtx-utils`). A missing tool is reported as skipped, not failed.

mod common;

use std::process::Command;

use common::{fixtures_dir, read_chunks};
use evtx_forge::{Damage, Spec, fixtures::spec_files};

/// Run a tool on a file: `None` when the tool is not installed.
fn run(tool: &str, args: &[&str]) -> Option<(bool, String, String)> {
    match Command::new(tool).args(args).output() {
        Ok(out) => Some((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("running {tool}: {e}"),
    }
}

/// Replace XML numeric character references (python-evtx writes non-ASCII that way).
fn decode_char_refs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let end = tail.find(';').unwrap_or(0);
        match tail[..end].parse::<u32>().ok().and_then(char::from_u32) {
            Some(c) if end > 0 => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str("&#");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// (tool, how to count records in its output)
/// Counts the records in a tool's output.
type Counter = fn(&str) -> usize;

fn tools() -> [(&'static str, Counter); 2] {
    [
        ("evtx_dump.py", |out: &str| {
            out.matches("<Event xmlns=").count()
        }),
        ("evtxexport", |out: &str| {
            out.lines()
                .filter(|l| l.starts_with("Event number"))
                .count()
        }),
    ]
}

#[test]
fn independent_parsers_read_every_fixture() {
    let specs = spec_files(&fixtures_dir()).unwrap();
    for (tool, count) in tools() {
        // The tools start slowly (python-evtx above all): one process per fixture, all at once.
        let outputs: Vec<_> = std::thread::scope(|scope| {
            let runs: Vec<_> = specs
                .iter()
                .map(|spec_path| {
                    let evtx = spec_path.with_extension("evtx");
                    scope.spawn(move || run(tool, &[evtx.to_str().unwrap()]))
                })
                .collect();
            runs.into_iter().map(|run| run.join().unwrap()).collect()
        });
        let mut checked = 0;
        for (spec_path, output) in specs.iter().zip(outputs) {
            let spec = Spec::from_path(spec_path).unwrap();
            let evtx = spec_path.with_extension("evtx");
            let Some((ok, out, err)) = output else {
                println!("skipped: {tool} not installed");
                break;
            };
            let name = evtx.file_name().unwrap().to_string_lossy().into_owned();
            assert!(ok, "{tool} failed on {name}: {err}");
            let expected = spec.records().unwrap().len();
            let got = count(&out);
            if spec.damage.is_empty() {
                assert!(err.trim().is_empty(), "{tool} on {name}: {err}");
                assert_eq!(got, expected, "{tool} on {name}");
                // The signal text itself comes through.
                if name.starts_with("kb2867278") {
                    assert!(
                        out.contains("Password synchronization failed for domain: Contoso.com."),
                        "{tool} on {name}"
                    );
                    assert!(out.contains("Password hash synchronization failed for domain: ChildDomain.Contoso.Com"), "{tool} on {name}");
                }
            } else {
                // At least every record of the undamaged chunks.
                let bytes = std::fs::read(&evtx).unwrap();
                let (chunks, _) = read_chunks(&bytes, true);
                let intact: usize = chunks.iter().map(|(_, r)| r.len()).sum();
                assert!(
                    got >= intact && got <= expected,
                    "{tool} on {name}: {got} records, intact {intact}, spec {expected}"
                );
                println!(
                    "{tool} on {name}: {got} of {expected} records ({intact} in intact chunks)"
                );
            }
            checked += 1;
        }
        if checked > 0 {
            println!("{tool}: {checked} fixtures read");
        }
    }
}

#[test]
fn independent_parsers_read_both_layouts_and_named_data() {
    let spec = Spec::from_toml(
        r#"
        computer = "SYNC01.contoso.com"
        [[event]]
        provider = "Directory Synchronization"
        event_id = 611
        qualifiers = 0
        level = 2
        time = "2024-03-04T08:00:00Z"
        layout = "provider-literal"
        data = "Literal ünïcode\nsecond line"
        [[event]]
        provider = "Microsoft-Windows-RestartManager"
        provider_guid = "{0888E5EF-9B98-4695-979D-E92CE4247224}"
        event_id = 10000
        time = "2024-03-04T08:01:00Z"
        user_id = "S-1-5-18"
        named_data = [{ name = "RmSessionId", value = "0" }, { name = "UTCStartTime", value = "2024-03-04T08:00:59.1234567Z" }]
        "#,
    )
    .unwrap();
    let bytes = evtx_forge::write_evtx(&spec).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layouts.evtx");
    std::fs::write(&path, &bytes).unwrap();
    for (tool, count) in tools() {
        let Some((ok, out, err)) = run(tool, &[path.to_str().unwrap()]) else {
            println!("skipped: {tool} not installed");
            continue;
        };
        assert!(ok && err.trim().is_empty(), "{tool}: {err}");
        let out = decode_char_refs(&out);
        assert_eq!(count(&out), 2, "{tool}");
        assert!(out.contains("Directory Synchronization"), "{tool}");
        assert!(out.contains("Literal ünïcode"), "{tool}");
        assert!(out.contains("2024-03-04T08:00:59.1234567Z"), "{tool}");
    }
}

/// The dense benchmark mix (scripts/bench-side-by-side.sh) in small: every record read, the
/// signal texts among them.
#[test]
fn independent_parsers_read_the_dense_mix() {
    use evtx_forge::corpus::{CorpusOptions, SignalMix, write_corpus};
    let options = CorpusOptions::new(4096 + 3 * 65536, 1, 7).with_mix(SignalMix::Dense);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dense.evtx");
    let file = std::fs::File::create(&path).unwrap();
    let (_, summary) = write_corpus(std::io::BufWriter::new(file), &options).unwrap();
    for (tool, count) in tools() {
        let Some((ok, out, err)) = run(tool, &[path.to_str().unwrap()]) else {
            println!("skipped: {tool} not installed");
            continue;
        };
        assert!(ok && err.trim().is_empty(), "{tool}: {err}");
        assert_eq!(count(&out) as u64, summary.records, "{tool}");
        for text in [
            "Password hash synchronization failed for domain: ChildDomain.Contoso.Com",
            "RPC Error 8453 : Replication access was denied.",
            "AADSTS50054: Old password is used for authentication.",
            "Access to Windows Azure Active Directory has been denied.",
        ] {
            assert!(out.contains(text), "{tool}: {text}");
        }
    }
}

#[test]
fn libevtx_skips_a_chunk_with_a_bad_signature() {
    // libevtx drops the damaged chunk and reads every other one (python-evtx does not check
    // chunk signatures and reads them all).
    let spec = Spec::from_toml(
        "[[noise]]\nseed = 5\ncount = 300\nbetween = [\"2024-01-01T00:00:00Z\", \"2024-01-02T00:00:00Z\"]\n",
    )
    .unwrap();
    let mut bytes = evtx_forge::write_evtx(&spec).unwrap();
    Damage::BadChunkMagic { chunk: 1 }
        .apply(&mut bytes)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.evtx");
    std::fs::write(&path, &bytes).unwrap();
    let (chunks, _) = read_chunks(&bytes, true);
    let intact: usize = chunks.iter().map(|(_, r)| r.len()).sum();
    if let Some((ok, out, _)) = run("evtxexport", &[path.to_str().unwrap()]) {
        assert!(ok);
        assert_eq!(
            out.lines()
                .filter(|l| l.starts_with("Event number"))
                .count(),
            intact
        );
    } else {
        println!("skipped: evtxexport not installed");
    }
}
