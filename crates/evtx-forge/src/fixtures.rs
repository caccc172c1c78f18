//! Regenerating (or checking) a directory of `*.toml` specs and their `.evtx` files.

use std::path::{Path, PathBuf};

use crate::error::ForgeError;
use crate::spec::Spec;
use crate::write_evtx;

/// What happened to one fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureStatus {
    /// The `.evtx` already had the right bytes.
    Unchanged,
    /// The `.evtx` was (re)written.
    Written,
    /// Check mode: the `.evtx` is missing or its bytes differ.
    Differs,
}

/// The spec files (`*.toml`) of a directory, sorted by name.
pub fn spec_files(dir: &Path) -> Result<Vec<PathBuf>, ForgeError> {
    let io = |source| ForgeError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut specs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            specs.push(path);
        }
    }
    specs.sort();
    Ok(specs)
}

/// For every `*.toml` in `dir`, build the matching `.evtx`; with `check`, only compare.
pub fn regenerate(dir: &Path, check: bool) -> Result<Vec<(PathBuf, FixtureStatus)>, ForgeError> {
    let mut results = Vec::new();
    for spec_path in spec_files(dir)? {
        let bytes = write_evtx(&Spec::from_path(&spec_path)?)?;
        let out = spec_path.with_extension("evtx");
        let same = std::fs::read(&out).is_ok_and(|old| old == bytes);
        let status = match (same, check) {
            (true, _) => FixtureStatus::Unchanged,
            (false, true) => FixtureStatus::Differs,
            (false, false) => {
                std::fs::write(&out, &bytes).map_err(|source| ForgeError::Io {
                    path: out.clone(),
                    source,
                })?;
                FixtureStatus::Written
            }
        };
        results.push((out, status));
    }
    Ok(results)
}
