//! Where the chunks of an .evtx file are: after the 4 KiB file header, every 64 KiB. When the
//! header is destroyed, the chunks are found by their signature.

use crate::report::Problem;
use crate::report::ProblemKind;
use crate::sources::Span;

/// Size of the file header.
pub const FILE_HEADER_SIZE: u64 = 4096;
/// Size of a chunk.
pub const CHUNK_SIZE: u64 = 65536;
/// Size of a chunk header.
pub const CHUNK_HEADER_SIZE: usize = 512;
pub(crate) const FILE_MAGIC: &[u8; 8] = b"ElfFile\0";
pub(crate) const CHUNK_MAGIC: &[u8; 8] = b"ElfChnk\0";
/// How far into a file with a broken header the first chunk signature is looked for.
pub(crate) const SIGNATURE_SEARCH: u64 = 64 << 20;
/// The search reads this much at a time (the memory it takes).
const SEARCH_WINDOW: usize = 1 << 20;

/// The chunk slots of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Offset of chunk 0.
    pub base: u64,
    /// Number of 64 KiB slots from `base` to the end of the file (the last may be short).
    pub slots: u64,
    /// What was wrong with the file header, if anything (damage, a file shorter than the
    /// header says).
    pub header_problems: Vec<Problem>,
    /// How many chunks the file header says were written, when there is a header. Slots past
    /// it that are all zeros are unused space; zero slots before it are lost chunks.
    pub declared_chunks: Option<u64>,
}

/// Why a source is not an .evtx file at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotEvtx(pub String);

/// Reads the file header and decides where the chunks are.
///
/// Allocates at most [`SEARCH_WINDOW`] bytes, whatever the file's size or header claims.
pub(crate) fn layout(source: &Span<'_>) -> Result<Layout, NotEvtx> {
    let len = source.len();
    if len == 0 {
        return Err(NotEvtx("the file is empty".into()));
    }
    let mut header = vec![0u8; FILE_HEADER_SIZE as usize];
    let n = source
        .read_at(0, &mut header)
        .map_err(|err| NotEvtx(format!("cannot read the file header: {err}")))?;
    header.truncate(n);
    if header.starts_with(FILE_MAGIC) {
        if (n as u64) < FILE_HEADER_SIZE {
            return Err(NotEvtx(format!(
                "the file ends {n} bytes into its {FILE_HEADER_SIZE}-byte header: it holds no chunk"
            )));
        }
        let slots = slots(len, FILE_HEADER_SIZE);
        let (declared, mut header_problems) = header_facts(&header);
        header_problems.extend(truncation(declared, slots, len));
        return Ok(Layout {
            base: FILE_HEADER_SIZE,
            slots,
            header_problems,
            declared_chunks: declared,
        });
    }
    // No file header: look for the first chunk signature (leading chunks may be zeroed or
    // overwritten too), one window at a time.
    let found = find_signature(source, len.min(SIGNATURE_SEARCH))
        .map_err(|err| NotEvtx(format!("cannot read: {err}")))?;
    match found {
        Some(found) => {
            // Chunks sit at the same place modulo the chunk size: slots before the first
            // chunk found are kept (and reported as what they are), and chunk numbers stay
            // those of the file.
            let base = found % CHUNK_SIZE;
            Ok(Layout {
                base,
                slots: slots(len, base),
                header_problems: vec![Problem {
                    kind: ProblemKind::BadFileHeader,
                    chunk: None,
                    offset: Some(0),
                    record_id: None,
                    message: format!(
                        "the file header is missing or damaged; chunks found by their signature (the first at byte {found})"
                    ),
                }],
                declared_chunks: None,
            })
        }
        None => Err(NotEvtx(
            "not an .evtx file: no file header and no chunk signature in its first 64 MiB".into(),
        )),
    }
}

/// The offset of the first chunk signature in the first `limit` bytes of `source`.
fn find_signature(source: &Span<'_>, limit: u64) -> std::io::Result<Option<u64>> {
    let mut window = vec![0u8; SEARCH_WINDOW];
    let mut at = 0u64;
    while at < limit {
        let want =
            usize::try_from(limit - at).map_or(SEARCH_WINDOW, |rest| rest.min(SEARCH_WINDOW));
        let Some(buf) = window.get_mut(..want) else {
            break;
        };
        let n = source.read_at(at, buf)?;
        let read = buf.get(..n).unwrap_or_default();
        if let Some(found) = memchr::memmem::find(read, CHUNK_MAGIC) {
            return Ok(Some(at + found as u64));
        }
        if n < CHUNK_MAGIC.len() {
            break;
        }
        // Overlap the windows so a signature across their border is found.
        at += (n - (CHUNK_MAGIC.len() - 1)) as u64;
    }
    Ok(None)
}

fn slots(len: u64, base: u64) -> u64 {
    len.saturating_sub(base).div_ceil(CHUNK_SIZE)
}

/// What a file header says: how many chunks were written, and what is wrong with it.
pub(crate) fn header_facts(header: &[u8]) -> (Option<u64>, Vec<Problem>) {
    // Chunk count (u16 at 42); 0xFFFF on files with more chunks than it can hold.
    let declared = header
        .get(42..44)
        .and_then(|b| b.try_into().ok())
        .map(|b| u64::from(u16::from_le_bytes(b)));
    (
        declared,
        header_checksum_problem(header).into_iter().collect(),
    )
}

/// The problem of a file that ends after `slots` chunk slots (`len` bytes) although its header
/// counts `declared` chunks.
pub(crate) fn truncation(declared: Option<u64>, slots: u64, len: u64) -> Option<Problem> {
    let declared = declared.filter(|&d| d > slots && d < u64::from(u16::MAX))?;
    Some(Problem {
        kind: ProblemKind::TruncatedFile,
        chunk: Some(slots),
        offset: Some(len),
        record_id: None,
        message: format!(
            "the file header says {declared} chunks were written but the file ends after {slots}: it was cut at byte {len}; what is after the cut is lost"
        ),
    })
}

fn header_checksum_problem(header: &[u8]) -> Option<Problem> {
    let stored = header.get(124..128)?;
    let stored = u32::from_le_bytes(stored.try_into().ok()?);
    let computed = crc32fast::hash(header.get(..120)?);
    (stored != computed).then(|| Problem {
        kind: ProblemKind::FileHeaderCrcMismatch,
        chunk: None,
        offset: Some(0),
        record_id: None,
        message: format!(
            "the file header's CRC does not match (stored {stored:#010x}, computed {computed:#010x}); its chunks are read anyway"
        ),
    })
}
