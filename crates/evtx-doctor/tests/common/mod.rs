//! Helpers shared by the integration tests (each test file uses some of them).
#![allow(dead_code)]

use std::path::PathBuf;

/// A file of the repository's `fixtures/` folder.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

/// The shared corpus of real .evtx files: `EVTX_DOCTOR_CORPUS`, or `../shared/corpus` beside
/// the repository; `None` (with a note) when absent, so the calling test passes as skipped.
pub fn corpus() -> Option<PathBuf> {
    let path = std::env::var_os("EVTX_DOCTOR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "skipped: no corpus at {} (set EVTX_DOCTOR_CORPUS)",
            path.display()
        );
        None
    }
}
