//! Turns the paths a user named into a list of inputs: files as named, folders walked
//! recursively (log files only), shell globs expanded, zip archives opened; every problem kept
//! as an input that could not be read.

use crate::formats::sniff::{Content, SNIFF_BYTES, sniff_bytes};
use crate::formats::zip::{self as archive, ArchiveLimits};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input found from the user's paths.
#[derive(Debug, Clone)]
pub struct Found {
    /// The path, as named or as found in a folder (for archive entries: the archive on disk).
    pub path: PathBuf,
    /// The path as the report names it (archive entries as `archive.zip!inner/path`).
    pub display: String,
    /// The bytes, when they are already read (archive entries); otherwise the file is opened.
    pub source: Option<super::Source>,
    /// Why it cannot be read, when that is already known (missing, unreadable folder...).
    pub error: Option<String>,
    /// The problem kind for `error` (e.g. `archive_entry_too_large`); `None`: `cannot_open`.
    pub error_kind: Option<&'static str>,
}

impl Found {
    fn file(path: PathBuf, error: Option<String>) -> Self {
        Found {
            display: path.to_string_lossy().into_owned(),
            path,
            source: None,
            error,
            error_kind: None,
        }
    }

    /// An input that cannot be read, with the kind of problem and why.
    pub(crate) fn unreadable(
        path: &Path,
        display: String,
        kind: &'static str,
        message: String,
    ) -> Self {
        Found {
            path: path.to_owned(),
            display,
            source: None,
            error: Some(message),
            error_kind: Some(kind),
        }
    }
}

/// File extensions picked up when walking folders (case-insensitive). Files other than .evtx
/// are kept only when their content is a log (or a zip archive).
const LOG_EXTENSIONS: &[&str] = &["evtx", "zip", "xml", "csv", "txt"];

/// Expands `paths`: files as named (whatever their extension), folders recursively in
/// name order keeping log files, globs (`logs/*.evtx`, `**/App*.evtx`) that the shell did not
/// expand, and zip archives (their log entries, read in memory). Symbolic-link loops are
/// walked once. Uses the default [`ArchiveLimits`].
pub fn collect(paths: &[PathBuf]) -> Vec<Found> {
    collect_with(paths, &ArchiveLimits::default())
}

/// [`collect`] with explicit bounds on archives.
pub fn collect_with(paths: &[PathBuf], limits: &ArchiveLimits) -> Vec<Found> {
    let mut found = Vec::new();
    let mut visited = HashSet::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut visited, limits, &mut found),
            Ok(_) => add_file(path, false, limits, &mut found),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && is_glob(path) => {
                expand_glob(path, &mut visited, limits, &mut found);
            }
            Err(err) => found.push(Found::file(path.clone(), Some(describe_io(&err)))),
        }
    }
    found
}

/// Whether `path` holds glob characters.
fn is_glob(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.contains(['*', '?', '[']))
}

/// Expands a glob as a shell would (sorted; `*` does not cross `/`; `**` crosses folders).
fn expand_glob(
    pattern: &Path,
    visited: &mut HashSet<PathBuf>,
    limits: &ArchiveLimits,
    found: &mut Vec<Found>,
) {
    let text = pattern.to_string_lossy();
    let options = glob::MatchOptions {
        case_sensitive: !cfg!(windows),
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let matches = match glob::glob_with(&text, options) {
        Ok(matches) => matches,
        Err(err) => {
            let message = format!("not a valid file pattern: {}", err.msg);
            found.push(Found::unreadable(
                pattern,
                text.into_owned(),
                "bad_pattern",
                message,
            ));
            return;
        }
    };
    let mut paths = Vec::new();
    for entry in matches {
        match entry {
            Ok(path) => paths.push(path),
            Err(err) => {
                let message = format!("cannot list: {}", describe_io(err.error()));
                let display = err.path().to_string_lossy().into_owned();
                found.push(Found::unreadable(
                    err.path(),
                    display,
                    "cannot_open",
                    message,
                ));
            }
        }
    }
    if paths.is_empty() {
        let message = format!("no file matches {text}");
        found.push(Found::unreadable(
            pattern,
            text.into_owned(),
            "no_match",
            message,
        ));
        return;
    }
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, visited, limits, found);
        } else {
            add_file(&path, false, limits, found);
        }
    }
}

/// Adds a file: zip archives are opened; from a folder walk (`walked`), files that are not
/// logs are dropped silently (.evtx files are always kept); a file named by the user is kept
/// whatever it holds, so that the report says what it is.
fn add_file(path: &Path, walked: bool, limits: &ArchiveLimits, found: &mut Vec<Found>) {
    let named_evtx = has_extension(path, "evtx");
    // Opening a named pipe waits for a writer: never open what is not a regular file.
    if std::fs::metadata(path).is_ok_and(|meta| !meta.is_file()) {
        if !walked || named_evtx {
            let message = "not a regular file (a pipe, socket or device); it is not read";
            found.push(Found::file(path.to_owned(), Some(message.into())));
        }
        return;
    }
    let content = match read_head(path) {
        Ok(head) => sniff_bytes(&head),
        Err(err) => {
            if !walked || named_evtx || has_extension(path, "zip") {
                found.push(Found::file(path.to_owned(), Some(describe_io(&err))));
            }
            return;
        }
    };
    match content {
        Content::Zip => archive::expand_file(path, walked, limits, found),
        _ if !walked || named_evtx || content.is_log() => {
            found.push(Found::file(path.to_owned(), None));
        }
        _ => {}
    }
}

fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

fn walk(
    dir: &Path,
    visited: &mut HashSet<PathBuf>,
    limits: &ArchiveLimits,
    found: &mut Vec<Found>,
) {
    // A folder reached twice (through a link) is walked once: no loops.
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    if !visited.insert(canonical) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            let error = format!("cannot list the folder: {}", describe_io(&err));
            found.push(Found::file(dir.to_owned(), Some(error)));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, visited, limits, found),
            Ok(_) if has_log_extension(&path) => add_file(&path, true, limits, found),
            Ok(_) => {}
            // A dangling link or a file we may not stat: say so only for .evtx files.
            Err(err) if has_extension(&path, "evtx") => {
                found.push(Found::file(path, Some(describe_io(&err))));
            }
            Err(_) => {}
        }
    }
}

fn has_log_extension(path: &Path) -> bool {
    LOG_EXTENSIONS.iter().any(|ext| has_extension(path, ext))
}

fn has_extension(path: &Path, wanted: &str) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case(wanted))
}

/// A plain explanation of an I/O error.
pub(crate) fn describe_io(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}
