//! evtx-doctor library.

mod analyze;
pub mod diagnose;
pub mod event;
pub mod input;
pub mod knowledge;
pub mod render;
pub mod report;
pub mod rules;
pub mod scan;

pub use analyze::{AnalyzeError, NoProgress, Options, Progress, analyze, analyze_inputs};
