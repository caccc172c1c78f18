//! `bench-workload`: builds the files of the side-by-side benchmark.
//!
//! ```text
//! bench-workload mix --forge FORGE.evtx [--corpus DIR] [--real-per-forge K] --size 1GiB -o OUT
//! bench-workload real-chunks [--corpus DIR]
//! ```
//!
//! `mix` writes a file header and then, after each chunk of FORGE (an `evtx-forge corpus`
//! file, read in order), K real chunks of the shared corpus (cycled; default 1), until the
//! file holds as many whole chunks as fit in the size. `real-chunks` counts the clean real
//! chunks. The corpus defaults to `EVTX_DOCTOR_CORPUS`, else `../shared/corpus`.

use anyhow::{Context, Result, bail};
use evtx_doctor_bench::{CHUNK_SIZE, FILE_HEADER_SIZE, corpus_dir, real_chunks, write_mix};
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut forge: Option<PathBuf> = None;
    let mut corpus = corpus_dir();
    let mut out: Option<PathBuf> = None;
    let mut size: Option<u64> = None;
    let mut real_per_forge = 1u64;
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--forge" => forge = Some(value()?.into()),
            "--corpus" => corpus = value()?.into(),
            "-o" | "--output" => out = Some(value()?.into()),
            "--size" => size = Some(evtx_forge::corpus::parse_size(&value()?)?),
            "--real-per-forge" => real_per_forge = value()?.parse()?,
            _ => bail!("unknown argument {arg:?}"),
        }
    }
    match command.as_str() {
        "real-chunks" => {
            let real = real_chunks(&corpus)?;
            println!("{} clean real chunks in {}", real.len(), corpus.display());
        }
        "mix" => {
            let forge = forge.context("--forge FILE is required")?;
            let out = out.context("-o FILE is required")?;
            let size = size.context("--size is required")?;
            let chunks = size.saturating_sub(FILE_HEADER_SIZE as u64) / CHUNK_SIZE as u64;
            let real = real_chunks(&corpus)?;
            let mut input = BufReader::new(
                File::open(&forge).with_context(|| format!("opening {}", forge.display()))?,
            );
            let mut output =
                File::create(&out).with_context(|| format!("creating {}", out.display()))?;
            let summary = write_mix(&mut input, &real, real_per_forge, chunks, &mut output)?;
            println!(
                "{}: {} chunks = {} forge + {} real ({} distinct, of {} clean in {})",
                out.display(),
                summary.chunks,
                summary.forge_chunks,
                summary.real_chunks,
                summary.distinct_real_chunks,
                real.len(),
                corpus.display()
            );
        }
        _ => bail!("usage: bench-workload mix|real-chunks [options] (see the source's header)"),
    }
    Ok(())
}
