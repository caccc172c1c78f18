//! Workloads for evtx-doctor's benchmarks: real chunks from the shared corpus, chunks from
//! evtx-forge's corpus generator, and files that mix them.
//!
//! Real chunks keep their own bytes (and CRCs); only the file header is new
//! ([`evtx_forge::file_header`]).

use anyhow::{Context, Result, bail};
use std::io::{BufWriter, Cursor, Read, Write};
use std::path::{Path, PathBuf};

/// Size of an .evtx chunk.
pub const CHUNK_SIZE: usize = 65536;
/// Size of an .evtx file header.
pub const FILE_HEADER_SIZE: usize = 4096;

/// The shared corpus: `EVTX_DOCTOR_CORPUS`, else `../shared/corpus` beside the workspace.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("EVTX_DOCTOR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"))
}

/// Every `.evtx` file under `dir`, sorted by path.
pub fn evtx_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
}

/// Whether `chunk` is a whole, undamaged chunk with records: signature, header CRC (bytes
/// 0..120 and 128..512) and records CRC (512..free-space offset) all check out.
pub fn is_clean_chunk(chunk: &[u8]) -> bool {
    if chunk.len() != CHUNK_SIZE || !chunk.starts_with(b"ElfChnk\0") {
        return false;
    }
    let (Some(free), Some(data_crc), Some(header_crc)) =
        (u32_at(chunk, 48), u32_at(chunk, 52), u32_at(chunk, 124))
    else {
        return false;
    };
    let free = free as usize;
    if free <= 512 || free > CHUNK_SIZE {
        return false;
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(chunk.get(..120).unwrap_or_default());
    hasher.update(chunk.get(128..512).unwrap_or_default());
    hasher.finalize() == header_crc
        && crc32fast::hash(chunk.get(512..free).unwrap_or_default()) == data_crc
}

/// The clean chunks of every .evtx file under `dir` (see [`is_clean_chunk`]), in path order.
pub fn real_chunks(dir: &Path) -> Result<Vec<Vec<u8>>> {
    let mut chunks = Vec::new();
    for file in evtx_files(dir)? {
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        if !bytes.starts_with(b"ElfFile\0") {
            continue;
        }
        let body = bytes.get(FILE_HEADER_SIZE..).unwrap_or_default();
        chunks.extend(
            body.chunks_exact(CHUNK_SIZE)
                .filter(|chunk| is_clean_chunk(chunk))
                .map(<[u8]>::to_vec),
        );
    }
    Ok(chunks)
}

/// An evtx-forge corpus (noise, with password-sync events in every `signal_every`th chunk)
/// of `size` bytes, in memory.
pub fn forge_file(size: u64, signal_every: u64, seed: u64) -> Result<Vec<u8>> {
    let options = evtx_forge::corpus::CorpusOptions::new(size, signal_every, seed);
    let (out, _) = evtx_forge::corpus::write_corpus(Cursor::new(Vec::new()), &options)?;
    Ok(out.into_inner())
}

/// The chunks of an in-memory .evtx file.
pub fn chunks_of(file: &[u8]) -> impl Iterator<Item = &[u8]> {
    file.get(FILE_HEADER_SIZE..)
        .unwrap_or_default()
        .chunks_exact(CHUNK_SIZE)
}

/// What [`write_mix`] wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct MixSummary {
    /// Chunks in the file.
    pub chunks: u64,
    /// Chunks copied from the forge file.
    pub forge_chunks: u64,
    /// Chunks copied from the real corpus.
    pub real_chunks: u64,
    /// Distinct real chunks among them.
    pub distinct_real_chunks: u64,
}

/// Writes a file of `chunks` chunks to `out`: after each chunk of `forge` (read in order),
/// `real_per_forge` chunks of `real` (cycled). Real chunks keep their bytes and CRCs.
pub fn write_mix(
    forge: &mut dyn Read,
    real: &[Vec<u8>],
    real_per_forge: u64,
    chunks: u64,
    out: &mut dyn Write,
) -> Result<MixSummary> {
    if real.is_empty() && real_per_forge > 0 {
        bail!("no clean real chunks in the corpus");
    }
    if chunks > 0xffff {
        bail!("at most 65535 chunks fit in an .evtx file header");
    }
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let mut header = vec![0u8; FILE_HEADER_SIZE];
    forge
        .read_exact(&mut header)
        .context("the forge file has no header")?;
    out.write_all(&evtx_forge::file_header(chunks, 1 << 40))?;
    let mut summary = MixSummary::default();
    let mut chunk = vec![0u8; CHUNK_SIZE];
    let mut next_real = real.iter().cycle();
    while summary.chunks < chunks {
        forge
            .read_exact(&mut chunk)
            .context("the forge file ran out of chunks: make it larger")?;
        out.write_all(&chunk)?;
        summary.forge_chunks += 1;
        summary.chunks += 1;
        for _ in 0..real_per_forge {
            if summary.chunks == chunks {
                break;
            }
            if let Some(real) = next_real.next() {
                out.write_all(real)?;
                summary.real_chunks += 1;
                summary.chunks += 1;
            }
        }
    }
    out.flush()?;
    summary.distinct_real_chunks = summary.real_chunks.min(real.len() as u64);
    Ok(summary)
}
