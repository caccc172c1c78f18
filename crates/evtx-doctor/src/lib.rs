//! Diagnoses why Microsoft Entra Connect (Azure AD Connect, AAD Sync, DirSync) password hash
//! synchronization stopped, from exported Windows event logs, offline.
//!
//! The flow, one module per stage:
//!
//! ```text
//! sources ─► formats ─► scan ─► rules ─► diagnose ─► report ─► render
//! ```
//!
//! - sources: where bytes come from — paths (files, folders, globs), bytes in memory,
//!   readers, streams ([`Source`]);
//! - formats: what they are, by content — .evtx, zip / 7z / gzip / tar archives, Event
//!   Viewer XML / CSV / text exports, PowerShell `Export-Csv` and `Format-List`;
//! - scan: .evtx chunks read in parallel, what no rule can match skipped unread, the rest
//!   turned into [`event::Event`]s;
//! - [`rules`]: events matched against the [`knowledge`] base (TOML rule packs, [`codes`]);
//! - diagnose: matches grouped into findings and per-domain verdicts ([`ReportBuilder`]);
//! - [`report`]: the result, plain serde data with a schema version; [`render`] turns it
//!   into text, JSON, CSV, Markdown or HTML.
//!
//! An [`Engine`] runs the flow over any [`Source`]s and streams what it finds to a [`Sink`];
//! [`analyze`] is the one call for the common case:
//!
//! ```
//! use evtx_doctor::{Knowledge, Options, Source, analyze};
//!
//! let log = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/kb2867278-rpc-8453.evtx");
//! let report = analyze([Source::path(log)], &Knowledge::builtin()?, &Options::default());
//! let finding = &report.findings[0];
//! assert_eq!(finding.rule, "phs.611.rpc-8453");
//! assert_eq!(finding.error_symbol.as_deref(), Some("ERROR_DS_DRA_ACCESS_DENIED"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `docs/library.md` is the guide for tools that embed the crate.

pub mod codes;
mod diagnose;
mod engine;
pub mod event;
mod formats;
pub mod knowledge;
pub mod render;
pub mod report;
pub mod rules;
mod scan;
mod sources;

pub use diagnose::ReportBuilder;
pub use engine::{
    Cancel, Completion, Engine, Flow, InputDone, InputId, InputOrder, InputProblem, InputStart,
    Limits, Matched, Options, Progress, Sink,
};
pub use jiff;
pub use knowledge::{Knowledge, KnowledgeBuilder};
pub use report::Report;
pub use sources::{ReadSeek, Source};

/// Lower-level pieces for the project's own tests, benchmarks and fuzzers (feature
/// `internals`): not part of the stable API, they change in any release.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::event::{MAX_EVENT_DEPTH, XmlEventError, parse_event_xml};
    pub use crate::formats::{
        ExportStats, MAX_EXPORT_PROBLEMS, MAX_EXPORT_RECORD_BYTES, for_each_export_event,
    };
    pub use crate::scan::{
        CHUNK_SIZE, Decline, DecodedTwice, FILE_HEADER_SIZE, Hits, Prefilter, decode_both_ways,
        decode_chunk,
    };
}

// The crate README's example compiles.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

/// Analyzes `sources` with `knowledge` and returns the report: an [`Engine`] built for the
/// call, run into a [`ReportBuilder`], in the rayon pool it is called from.
///
/// Every input gets an entry in the report, readable or not; the report is the same for any
/// thread count.
pub fn analyze<'s, S: Into<Source<'s>>>(
    sources: impl IntoIterator<Item = S>,
    knowledge: &Knowledge,
    options: &Options,
) -> Report {
    Engine::new(knowledge.clone(), options.clone()).analyze(sources.into_iter().map(Into::into))
}
