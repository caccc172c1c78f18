//! Turns the paths a user named into a list of inputs: files as named, folders walked
//! recursively (log files only), every problem kept as an input that could not be read.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One input found from the user's paths.
#[derive(Debug, Clone)]
pub struct Found {
    /// The path, as named or as found in a folder.
    pub path: PathBuf,
    /// The path as the report names it (archive entries as `archive.zip!inner/path`).
    pub display: String,
    /// The bytes, when they are already read (archive entries); otherwise the file is opened.
    pub source: Option<super::Source>,
    /// Why it cannot be read, when that is already known (missing, unreadable folder...).
    pub error: Option<String>,
}

impl Found {
    fn file(path: PathBuf, error: Option<String>) -> Self {
        Found {
            display: path.to_string_lossy().into_owned(),
            path,
            source: None,
            error,
        }
    }
}

/// File extensions picked up when walking folders.
const LOG_EXTENSIONS: &[&str] = &["evtx"];

/// Expands `paths`: files as named (whatever their extension), folders recursively in
/// name order, keeping files with a log extension. Symbolic-link loops are walked once.
pub fn collect(paths: &[PathBuf]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut visited = HashSet::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut visited, &mut found),
            Ok(_) => found.push(Found::file(path.clone(), None)),
            Err(err) => found.push(Found::file(path.clone(), Some(describe_io(&err)))),
        }
    }
    found
}

fn walk(dir: &Path, visited: &mut HashSet<PathBuf>, found: &mut Vec<Found>) {
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
            Ok(meta) if meta.is_dir() => walk(&path, visited, found),
            Ok(_) if has_log_extension(&path) => found.push(Found::file(path, None)),
            Ok(_) => {}
            // A dangling link or a file we may not stat: say so only for log files.
            Err(err) if has_log_extension(&path) => {
                found.push(Found::file(path, Some(describe_io(&err))));
            }
            Err(_) => {}
        }
    }
}

fn has_log_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            LOG_EXTENSIONS
                .iter()
                .any(|known| ext.eq_ignore_ascii_case(known))
        })
}

/// A plain explanation of an I/O error.
pub(crate) fn describe_io(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}
