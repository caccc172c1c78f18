//! Turns a path the user named into files: a file as named, a folder walked recursively in
//! name order (log and archive files only), a shell glob the shell did not expand. What
//! cannot be reached is kept, with why, so that the report names it.
//!
//! Time is linear in the entries walked: folders already walked (through a link) are known by
//! their file identity, never by resolving their full path again.

use crate::report::ProblemKind;
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

/// A file found from a path the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Leaf {
    /// The path to open.
    pub path: PathBuf,
    /// The path as the report names it.
    pub display: String,
    /// Found in a folder walk: dropped without a word unless its content is a log or an
    /// archive that holds one (a file named by the user is always reported).
    pub walked: bool,
    /// Why it cannot be read, when that is already known: (problem kind, message).
    pub error: Option<(ProblemKind, String)>,
}

impl Leaf {
    fn file(path: PathBuf, walked: bool) -> Self {
        Leaf {
            display: path.to_string_lossy().into_owned(),
            path,
            walked,
            error: None,
        }
    }

    fn unreadable(path: &Path, kind: ProblemKind, message: String) -> Self {
        Leaf {
            display: path.to_string_lossy().into_owned(),
            path: path.to_owned(),
            walked: false,
            error: Some((kind, message)),
        }
    }
}

/// File extensions picked up when walking folders (case-insensitive). Files other than .evtx
/// are kept only when their content is a log (or an archive holding one).
pub(crate) const WALKED_EXTENSIONS: &[&str] = &[
    "evtx", "zip", "7z", "gz", "tgz", "tar", "xml", "csv", "txt", "log",
];

/// Expands `path` into `out`: a file as named (whatever its extension), a folder recursively
/// in name order keeping log and archive files, a glob (`logs/*.evtx`, `**/App*.evtx`) that
/// the shell did not expand. Symbolic-link loops are walked once.
pub(crate) fn expand(path: &Path, out: &mut Vec<Leaf>) {
    let mut walk = Walk {
        visited: HashSet::new(),
        out,
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => walk.folder(path, &meta),
        Ok(_) => walk.out.push(Leaf::file(path.to_owned(), false)),
        Err(err) if err.kind() == io::ErrorKind::NotFound && is_glob(path) => walk.glob(path),
        Err(err) => walk.out.push(Leaf::unreadable(
            path,
            ProblemKind::CannotOpen,
            describe_io(&err),
        )),
    }
}

struct Walk<'o> {
    /// Folders walked, by file identity.
    visited: HashSet<FolderId>,
    out: &'o mut Vec<Leaf>,
}

impl Walk<'_> {
    /// Expands a glob as a shell would (sorted; `*` does not cross `/`; `**` crosses folders).
    fn glob(&mut self, pattern: &Path) {
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
                self.out
                    .push(Leaf::unreadable(pattern, ProblemKind::BadPattern, message));
                return;
            }
        };
        let mut paths = Vec::new();
        for entry in matches {
            match entry {
                Ok(path) => paths.push(path),
                Err(err) => {
                    let message = format!("cannot list: {}", describe_io(err.error()));
                    self.out.push(Leaf::unreadable(
                        err.path(),
                        ProblemKind::CannotOpen,
                        message,
                    ));
                }
            }
        }
        if paths.is_empty() {
            let message = format!("no file matches {text}");
            self.out
                .push(Leaf::unreadable(pattern, ProblemKind::NoMatch, message));
            return;
        }
        paths.sort();
        for path in paths {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => self.folder(&path, &meta),
                _ => self.out.push(Leaf::file(path, false)),
            }
        }
    }

    /// Walks the tree under `root`: entries in name order, a folder's content where its name
    /// falls. An explicit stack, not
    /// recursion: a tree thousands of folders deep must not exhaust the thread's stack.
    fn folder(&mut self, root: &Path, meta: &std::fs::Metadata) {
        let mut stack: Vec<(PathBuf, Option<std::fs::Metadata>)> =
            vec![(root.to_owned(), Some(meta.clone()))];
        while let Some((path, meta)) = stack.pop() {
            let meta = match meta {
                Some(meta) => Ok(meta),
                None => std::fs::metadata(&path),
            };
            match meta {
                Ok(meta) if meta.is_dir() => {
                    let entries = self.list(&path, &meta);
                    // Reversed: the first name is walked first.
                    stack.extend(entries.into_iter().rev().map(|entry| (entry, None)));
                }
                Ok(_) if has_walked_extension(&path) => self.out.push(Leaf::file(path, true)),
                Ok(_) => {}
                // What cannot be looked at: a dangling link, a path past the system's limit,
                // a file we may not stat. Named, unless it is a link to nowhere of no interest.
                Err(err) => {
                    let dangling = std::fs::symlink_metadata(&path).is_ok();
                    if !dangling || has_walked_extension(&path) {
                        let message = describe_io(&err);
                        self.out
                            .push(Leaf::unreadable(&path, ProblemKind::CannotOpen, message));
                    }
                }
            }
        }
    }

    /// The entries of folder `dir`, sorted; empty when it was walked already (through a link)
    /// or cannot be listed (then named).
    fn list(&mut self, dir: &Path, meta: &std::fs::Metadata) -> Vec<PathBuf> {
        // A folder reached twice (through a link) is walked once: no loops.
        if let Some(id) = folder_id(dir, meta)
            && !self.visited.insert(id)
        {
            return Vec::new();
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => {
                let message = format!("cannot list the folder: {}", describe_io(&err));
                self.out
                    .push(Leaf::unreadable(dir, ProblemKind::CannotOpen, message));
                return Vec::new();
            }
        };
        let mut paths = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => paths.push(entry.path()),
                Err(err) => {
                    let message = format!("cannot list the folder: {}", describe_io(&err));
                    self.out
                        .push(Leaf::unreadable(dir, ProblemKind::CannotOpen, message));
                }
            }
        }
        paths.sort();
        paths
    }
}

/// What tells two folders apart, whatever path reached them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FolderId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

#[cfg(unix)]
fn folder_id(_dir: &Path, meta: &std::fs::Metadata) -> Option<FolderId> {
    use std::os::unix::fs::MetadataExt;
    Some(FolderId::Inode(meta.dev(), meta.ino()))
}

/// Without file identities in std, a folder is known by its resolved path, resolved only for
/// links (a folder that is no link cannot close a loop on its own).
#[cfg(not(unix))]
fn folder_id(dir: &Path, _meta: &std::fs::Metadata) -> Option<FolderId> {
    let is_link = std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        std::fs::canonicalize(dir).ok().map(FolderId::Path)
    } else {
        Some(FolderId::Path(dir.to_owned()))
    }
}

/// Whether `path` holds glob characters.
fn is_glob(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.contains(['*', '?', '[']))
}

fn has_walked_extension(path: &Path) -> bool {
    WALKED_EXTENSIONS.iter().any(|ext| has_extension(path, ext))
}

/// Whether `path`'s extension is `wanted` (case-insensitive).
pub(crate) fn has_extension(path: &Path, wanted: &str) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case(wanted))
}

/// A plain explanation of an I/O error.
pub(crate) fn describe_io(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::InvalidFilename => "the path is longer than the system allows, so it \
             cannot be opened: analyze a folder further down (its paths are then shorter)"
            .into(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(path: &Path) -> Vec<Leaf> {
        let mut out = Vec::new();
        expand(path, &mut out);
        out
    }

    #[test]
    fn folders_are_walked_in_name_order_keeping_logs() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.evtx", "a.zip", "c.txt", "notes.docx", "sub/x.EVTX"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        let names: Vec<String> = walk(dir.path())
            .iter()
            .map(|leaf| {
                let rel = leaf.path.strip_prefix(dir.path()).unwrap();
                rel.to_string_lossy().replace('\\', "/")
            })
            .collect();
        assert_eq!(names, ["a.zip", "b.evtx", "c.txt", "sub/x.EVTX"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_loop_is_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/log.evtx"), b"x").unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("a/up")).unwrap();
        let leaves = walk(dir.path());
        assert_eq!(leaves.len(), 1, "{leaves:?}");
    }

    #[test]
    fn missing_paths_and_empty_globs_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = walk(&dir.path().join("nope.evtx"));
        assert_eq!(
            missing[0].error.as_ref().unwrap().0,
            ProblemKind::CannotOpen
        );
        let glob = walk(&dir.path().join("*.evtx"));
        assert_eq!(glob[0].error.as_ref().unwrap().0, ProblemKind::NoMatch);
    }
}
