//! 7z archives, read by position with the `sevenz-rust2` crate, block by block on one thread,
//! each entry a stream. Guards around it (measured on hostile files; docs/robustness.md):
//! the headers may take at most 2 MiB, a block's dictionary at most 160 MiB, and an archive
//! whose start header was never written is refused before the crate searches it for an end.

use super::{EntryError, clean_name};
use crate::sources::Span;
use sevenz_rust2::{Archive, BlockDecoder, Error, Password};
use std::io::{self, Read};

/// The most memory the headers may take, in KiB (the crate's unit).
const HEADER_LIMIT_KB: usize = 2 * 1024;
/// The most memory a block's decoder (its dictionary or model) may take, in KiB.
const DICTIONARY_LIMIT_KB: usize = 160 * 1024;

/// One entry, as [`read`] hands it out.
pub(crate) enum Entry<'a> {
    /// Its bytes, decompressed as they are read.
    Bytes(&'a mut dyn Read),
    /// Why it cannot be read.
    Failed(EntryError),
}

/// Reads the 7z archive in `span`: hands out each entry with content in archive order, as
/// (index, name, entry); at most `max_entries`. `each` returning an error stops the block
/// (the error is the block's problem). Returns what was wrong with the archive, as far as it
/// was read; an error when it cannot be read at all.
pub(crate) fn read(
    span: Span<'_>,
    max_entries: usize,
    each: &mut dyn FnMut(usize, &str, Entry<'_>) -> io::Result<bool>,
) -> Result<Vec<EntryError>, EntryError> {
    let mut start = [0u8; 32];
    let n = span.read_at(0, &mut start).map_err(|err| damaged(&err.to_string()))?;
    // The start header (after the signature and version) says where the headers are: zeros,
    // the archive was never finished; the crate would then search it, in quadratic time.
    if n < start.len() || start.get(8..).is_some_and(|rest| rest.iter().all(|&b| b == 0)) {
        return Err(EntryError::new(
            "archive_unreadable",
            "the 7z archive was never finished being written (its start header is empty) or \
             was cut: it cannot be read"
                .into(),
        ));
    }
    let password = Password::empty();
    let mut reader = span.reader_at(0);
    let archive = Archive::read_with_memory_limit(&mut reader, &password, HEADER_LIMIT_KB)
        .map_err(|err| archive_error(&err))?;
    let mut problems = Vec::new();
    if archive.files.len() > max_entries {
        problems.push(EntryError::new(
            "archive_too_many_entries",
            format!(
                "the archive holds {} entries; only the first {max_entries} are read",
                archive.files.len()
            ),
        ));
    }
    // Encrypted entries are named, not decoded.
    let mut encrypted = vec![false; archive.files.len()];
    for (index, file) in archive.files.iter().enumerate().take(max_entries) {
        if file.has_stream() && archive.is_file_encrypted(index) {
            if let Some(flag) = encrypted.get_mut(index) {
                *flag = true;
            }
            let message = "the entry is encrypted (a password-protected archive): extract it \
                           with its password and analyze the files";
            each(
                index,
                &clean_name(file.name()),
                Entry::Failed(EntryError::new("archive_entry_encrypted", message.into())),
            )
            .map_err(|err| damaged(&err.to_string()))?;
        }
    }
    for block in 0..archive.blocks.len() {
        let first = archive
            .stream_map
            .block_first_file_index
            .get(block)
            .copied()
            .unwrap_or(usize::MAX);
        if first >= max_entries || encrypted.get(first).copied().unwrap_or(false) {
            continue;
        }
        let decoder = BlockDecoder::new_with_memory_limit(
            1,
            DICTIONARY_LIMIT_KB,
            block,
            &archive,
            &password,
            &mut reader,
        );
        let mut index = first;
        let mut failure = None;
        let result = decoder.for_each_entries(&mut |entry, bytes| {
            let this = index;
            index += 1;
            if this >= max_entries {
                return Ok(false);
            }
            if !entry.has_stream() || entry.is_directory() {
                return Ok(true);
            }
            match each(this, &clean_name(entry.name()), Entry::Bytes(bytes)) {
                Ok(go_on) => Ok(go_on),
                Err(err) => {
                    let message = err.to_string();
                    failure = Some(err);
                    Err(Error::Other(message.into()))
                }
            }
        });
        match (result, failure) {
            (_, Some(err)) => problems.push(EntryError::new(
                super::kind_of(&err, "archive_damaged"),
                format!("block {block} of the archive: {}", crate::sources::describe_io(&err)),
            )),
            (Err(err), None) => {
                let err = archive_error(&err);
                problems.push(EntryError::new(
                    err.kind,
                    format!("block {block} of the archive: {}", err.message),
                ));
            }
            (Ok(_), None) => {}
        }
    }
    Ok(problems)
}

/// What a crate error means for the report.
fn archive_error(err: &Error) -> EntryError {
    match err {
        Error::PasswordRequired => EntryError::new(
            "archive_entry_encrypted",
            "the archive is encrypted (a password-protected archive): extract it with its \
             password and analyze the files"
                .into(),
        ),
        Error::MaxMemLimited { max_kb, actaul_kb } => EntryError::new(
            "archive_too_large",
            format!(
                "reading it would take {} MiB of memory, more than the limit of {} MiB (a \
                 hostile archive, or one made with an unusually large dictionary): extract it \
                 and analyze the files",
                actaul_kb / 1024,
                max_kb / 1024
            ),
        ),
        Error::UnsupportedCompressionMethod(method) => EntryError::new(
            "archive_entry_unsupported",
            format!(
                "the archive uses {}, which is not read: extract it and analyze the files",
                clean_name(method)
            ),
        ),
        other => damaged(&clean_name(&other.to_string())),
    }
}

fn damaged(what: &str) -> EntryError {
    EntryError::new(
        "archive_unreadable",
        format!("the 7z archive cannot be read: {what}"),
    )
}
