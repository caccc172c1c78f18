//! Zip archives, read in memory and never extracted to disk: entries that are logs become
//! inputs; archives inside archives are opened too, up to a depth; every entry is read through
//! a limit on the bytes it really expands to (declared sizes are never trusted).

use super::sniff::{Content, SNIFF_BYTES, sniff_bytes};
use crate::sources::Found;
use crate::sources::Source;
use std::io::{Cursor, Read, Seek};
use std::path::Path;
use std::sync::Arc;
use zip::ZipArchive;
use zip::result::ZipError;

/// The most bytes one archive entry may expand to (4 GiB).
pub const MAX_ENTRY_BYTES: u64 = 4 << 30;
/// The most bytes all the entries of one archive (archives inside it included) may expand to
/// (8 GiB).
pub const MAX_ARCHIVE_BYTES: u64 = 8 << 30;
/// How deep archives inside archives are opened: 3 is an archive inside an archive inside an
/// archive.
pub const MAX_ARCHIVE_DEPTH: u32 = 3;
/// The most entries read from one archive.
pub const MAX_ARCHIVE_ENTRIES: usize = 100_000;

/// How much of a zip archive is read at most; see the `MAX_*` constants for the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// The most bytes one entry may expand to.
    pub entry_bytes: u64,
    /// The most bytes all entries of one archive, nested ones included, may expand to.
    pub archive_bytes: u64,
    /// How deep archives inside archives are opened (1: only the archive named).
    pub depth: u32,
    /// The most entries read from one archive.
    pub entries: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            entry_bytes: MAX_ENTRY_BYTES,
            archive_bytes: MAX_ARCHIVE_BYTES,
            depth: MAX_ARCHIVE_DEPTH,
            entries: MAX_ARCHIVE_ENTRIES,
        }
    }
}

/// Reads the zip archive at `path` (already known to start like one). `walked`: found in a
/// folder walk, so an archive without logs is dropped silently.
pub(crate) fn expand_file(path: &Path, walked: bool, limits: &ArchiveLimits, out: &mut Vec<Found>) {
    let display = path.to_string_lossy().into_owned();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) => {
            out.push(Found::unreadable(
                path,
                display,
                "cannot_open",
                crate::sources::describe_io(&err),
            ));
            return;
        }
    };
    let mut budget = limits.archive_bytes;
    let before = out.len();
    let mut ctx = Context {
        path,
        limits,
        budget: &mut budget,
        out,
    };
    ctx.expand(std::io::BufReader::new(file), &display, 1);
    if !walked && out.len() == before {
        out.push(Found::unreadable(
            path,
            display,
            "archive_no_logs",
            "the archive holds no event log (.evtx, XML or CSV export)".into(),
        ));
    }
}

struct Context<'a> {
    /// The archive on disk everything comes from.
    path: &'a Path,
    limits: &'a ArchiveLimits,
    /// Bytes the archive's entries may still expand to.
    budget: &'a mut u64,
    out: &'a mut Vec<Found>,
}

impl Context<'_> {
    fn unreadable(&mut self, display: String, kind: &'static str, message: String) {
        self.out
            .push(Found::unreadable(self.path, display, kind, message));
    }

    /// Reads the archive in `reader`, named `display`, at nesting `depth` (1: on disk).
    fn expand<R: Read + Seek>(&mut self, reader: R, display: &str, depth: u32) {
        let mut archive = match ZipArchive::new(reader) {
            Ok(archive) => archive,
            Err(err) => {
                let message = format!("not a readable zip archive: {}", describe_zip(&err));
                self.unreadable(display.to_owned(), "archive_unreadable", message);
                return;
            }
        };
        let entries = archive.len();
        if entries > self.limits.entries {
            self.unreadable(
                display.to_owned(),
                "archive_too_many_entries",
                format!(
                    "the archive holds {entries} entries, more than the limit of {}; only the \
                     first {} are read",
                    self.limits.entries, self.limits.entries
                ),
            );
        }
        for index in 0..entries.min(self.limits.entries) {
            self.entry(&mut archive, index, display, depth);
        }
    }

    /// Reads entry `index` of `archive`.
    fn entry<R: Read + Seek>(
        &mut self,
        archive: &mut ZipArchive<R>,
        index: usize,
        display: &str,
        depth: u32,
    ) {
        let listed_name = archive.name_for_index(index).map(clean_name);
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(err) => {
                let name = listed_name.unwrap_or_else(|| format!("#{index}"));
                if skipped_name(&name) {
                    return;
                }
                let (kind, message) = match &err {
                    ZipError::UnsupportedArchive(what) if *what == ZipError::PASSWORD_REQUIRED => (
                        "archive_entry_encrypted",
                        "the entry is encrypted (a password-protected archive): extract it \
                         with its password and analyze the files"
                            .to_owned(),
                    ),
                    ZipError::UnsupportedArchive(what) => (
                        "archive_entry_unsupported",
                        format!("the entry cannot be read: {what}"),
                    ),
                    _ => (
                        "archive_entry_damaged",
                        format!("the entry cannot be read: {}", describe_zip(&err)),
                    ),
                };
                self.unreadable(format!("{display}!{name}"), kind, message);
                return;
            }
        };
        let name = clean_name(entry.name());
        if entry.is_dir() || skipped_name(&name) {
            return;
        }
        let entry_display = format!("{display}!{name}");
        let allowed = self.limits.entry_bytes.min(*self.budget);
        // Capacity from the declared size, but never more than what is allowed or 64 MiB:
        // the vector grows with what is really read.
        let capacity = entry.size().min(allowed).min(64 << 20);
        let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        let head = (&mut entry)
            .take(SNIFF_BYTES.min(usize::try_from(allowed).unwrap_or(usize::MAX)) as u64)
            .read_to_end(&mut bytes);
        if let Err(err) = head {
            self.unreadable(
                entry_display,
                "archive_entry_damaged",
                format!("the entry cannot be read: {err}"),
            );
            return;
        }
        let content = sniff_bytes(&bytes);
        let named_evtx = has_extension(&name, "evtx");
        if !(content.is_log() || content == Content::Zip || named_evtx) {
            // Not a log: not read further.
            *self.budget = self.budget.saturating_sub(bytes.len() as u64);
            return;
        }
        if content == Content::Zip && depth >= self.limits.depth {
            self.unreadable(
                entry_display,
                "archive_too_deep",
                format!(
                    "an archive nested more than {} deep is not opened",
                    self.limits.depth
                ),
            );
            return;
        }
        let rest = allowed.saturating_add(1).saturating_sub(bytes.len() as u64);
        let read = (&mut entry).take(rest).read_to_end(&mut bytes);
        drop(entry);
        *self.budget = self.budget.saturating_sub(bytes.len() as u64);
        if let Err(err) = read {
            self.unreadable(
                entry_display,
                "archive_entry_damaged",
                format!("the entry cannot be read: {err}"),
            );
            return;
        }
        if bytes.len() as u64 > allowed {
            let (kind, message) = if allowed == self.limits.entry_bytes {
                (
                    "archive_entry_too_large",
                    format!(
                        "the entry expands to more than the limit of {} per entry (a zip bomb?); \
                         not read",
                        human(self.limits.entry_bytes)
                    ),
                )
            } else {
                (
                    "archive_too_large",
                    format!(
                        "the archive expands to more than the limit of {} in all (a zip bomb?); \
                         this entry is not read",
                        human(self.limits.archive_bytes)
                    ),
                )
            };
            self.unreadable(entry_display, kind, message);
            return;
        }
        if content == Content::Zip {
            self.expand(Cursor::new(bytes), &entry_display, depth + 1);
            return;
        }
        self.out.push(Found {
            path: self.path.to_owned(),
            display: entry_display,
            source: Some(Source::Memory(Arc::from(bytes))),
            error: None,
            error_kind: None,
        });
    }
}

/// Entries that are never logs: macOS resource forks.
fn skipped_name(name: &str) -> bool {
    name.starts_with("__MACOSX/")
        || name
            .rsplit(['/', '\\'])
            .next()
            .is_some_and(|base| base.starts_with("._"))
}

/// An entry name fit for a report: control characters replaced.
fn clean_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

fn has_extension(name: &str, ext: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext))
}

fn describe_zip(err: &ZipError) -> String {
    match err {
        ZipError::Io(io) => crate::sources::describe_io(io),
        other => other.to_string(),
    }
}

/// A byte count in the largest whole binary unit.
fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}
