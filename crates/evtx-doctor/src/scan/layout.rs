//! Where the chunks of an .evtx file are: after the 4 KiB file header, every 64 KiB. When the
//! header is destroyed, the chunks are found by their signature.

use crate::input::Source;
use crate::report::Problem;

/// Size of the file header.
pub const FILE_HEADER_SIZE: u64 = 4096;
/// Size of a chunk.
pub const CHUNK_SIZE: u64 = 65536;
/// Size of a chunk header.
pub const CHUNK_HEADER_SIZE: usize = 512;
pub(crate) const FILE_MAGIC: &[u8; 8] = b"ElfFile\0";
pub(crate) const CHUNK_MAGIC: &[u8; 8] = b"ElfChnk\0";
/// How far into a file with a broken header the first chunk signature is looked for.
const SIGNATURE_SEARCH: usize = 1 << 20;

/// The chunk slots of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Offset of chunk 0.
    pub base: u64,
    /// Number of 64 KiB slots from `base` to the end of the file (the last may be short).
    pub slots: u64,
    /// What was wrong with the file header, if anything.
    pub header_problem: Option<Problem>,
}

/// Why a source is not an .evtx file at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotEvtx(pub String);

/// Reads the file header and decides where the chunks are.
pub fn layout(source: &Source) -> Result<Layout, NotEvtx> {
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
        let header_problem = header_checksum_problem(&header);
        return Ok(Layout {
            base: FILE_HEADER_SIZE,
            slots: slots(len, FILE_HEADER_SIZE),
            header_problem,
        });
    }
    // No file header: look for the first chunk signature.
    let mut head = vec![0u8; SIGNATURE_SEARCH.min(usize::try_from(len).unwrap_or(usize::MAX))];
    let n = source
        .read_at(0, &mut head)
        .map_err(|err| NotEvtx(format!("cannot read: {err}")))?;
    head.truncate(n);
    match memchr::memmem::find(&head, CHUNK_MAGIC) {
        Some(base) => Ok(Layout {
            base: base as u64,
            slots: slots(len, base as u64),
            header_problem: Some(Problem {
                kind: "bad_file_header".into(),
                chunk: None,
                offset: Some(0),
                record_id: None,
                message: format!(
                    "the file header is missing or damaged; chunks found by their signature from byte {base}"
                ),
            }),
        }),
        None => Err(NotEvtx(
            "not an .evtx file: no file header and no chunk signature in its first MiB".into(),
        )),
    }
}

fn slots(len: u64, base: u64) -> u64 {
    len.saturating_sub(base).div_ceil(CHUNK_SIZE)
}

fn header_checksum_problem(header: &[u8]) -> Option<Problem> {
    let stored = header.get(124..128)?;
    let stored = u32::from_le_bytes(stored.try_into().ok()?);
    let computed = crc32fast::hash(header.get(..120)?);
    (stored != computed).then(|| Problem {
        kind: "file_header_crc_mismatch".into(),
        chunk: None,
        offset: Some(0),
        record_id: None,
        message: format!(
            "the file header's CRC does not match (stored {stored:#010x}, computed {computed:#010x}); its chunks are read anyway"
        ),
    })
}
