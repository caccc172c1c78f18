//! The `evtx-forge` command: build specs, stream corpora, regenerate fixtures.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use evtx_forge::corpus::{CorpusOptions, SignalMix, parse_size, write_corpus};
use evtx_forge::fixtures::{FixtureStatus, regenerate};
use evtx_forge::{Spec, write_evtx};

/// Writes real .evtx files from readable TOML specs.
#[derive(Parser)]
#[command(name = "evtx-forge", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build one spec into an .evtx file.
    Build {
        /// The spec (TOML).
        spec: PathBuf,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Stream a large realistic file: mostly noise, 611 failures in every Nth chunk.
    Corpus {
        /// Target size, e.g. 256MiB, 1GiB, 10MB.
        #[arg(long)]
        size: String,
        /// Put signal events into every Nth chunk (1 = every chunk).
        #[arg(long, default_value_t = 1)]
        signal_every: u64,
        /// Random seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// What a signal chunk holds: a 653/611/654 triple at its start, or (dense) about
        /// five signal records among its noise: 611 bursts, heartbeat pairs, credential bursts.
        #[arg(long, value_enum, default_value_t = Mix::Triple)]
        mix: Mix,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Regenerate every DIR/*.toml into the matching .evtx (or only check them).
    Fixtures {
        /// Fail, listing the files whose bytes differ, instead of writing.
        #[arg(long)]
        check: bool,
        /// The fixtures directory.
        #[arg(default_value = "fixtures")]
        dir: PathBuf,
    },
}

/// `--mix` of `corpus`.
#[derive(Clone, Copy, ValueEnum)]
enum Mix {
    Triple,
    Dense,
}

fn main() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Build { spec, output } => {
            let spec = Spec::from_path(&spec)?;
            let bytes = write_evtx(&spec)?;
            std::fs::write(&output, &bytes)
                .with_context(|| format!("writing {}", output.display()))?;
            println!("{}: {} bytes", output.display(), bytes.len());
        }
        Command::Corpus {
            size,
            signal_every,
            seed,
            mix,
            output,
        } => {
            let mix = match mix {
                Mix::Triple => SignalMix::Triple,
                Mix::Dense => SignalMix::Dense,
            };
            let options = CorpusOptions::new(parse_size(&size)?, signal_every, seed).with_mix(mix);
            let file =
                File::create(&output).with_context(|| format!("creating {}", output.display()))?;
            let (_, summary) = write_corpus(BufWriter::new(file), &options)?;
            println!(
                "{}: {} chunks, {} records, {} 611 events, {} signal records in {} chunks",
                output.display(),
                summary.chunks,
                summary.records,
                summary.signal_611,
                summary.signal_records,
                summary.signal_chunks
            );
        }
        Command::Fixtures { check, dir } => {
            let results = regenerate(&dir, check)?;
            let mut differing = 0;
            for (path, status) in &results {
                let word = match status {
                    FixtureStatus::Unchanged => "ok",
                    FixtureStatus::Written => "written",
                    FixtureStatus::Differs => {
                        differing += 1;
                        "DIFFERS"
                    }
                };
                println!("{word:8} {}", path.display());
            }
            if differing > 0 {
                eprintln!(
                    "{differing} fixture(s) differ from their specs; run `evtx-forge fixtures`"
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
