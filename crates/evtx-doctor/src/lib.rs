//! Diagnoses why Microsoft Entra Connect (Azure AD Connect, AAD Sync, DirSync) password hash
//! synchronization stopped, from exported Windows event logs, offline.
//!
//! The flow, one module per stage:
//!
//! ```text
//! paths ─► input ─► scan ─► event ─► rules ─► diagnose ─► report ─► render
//! ```
//!
//! - [`input`] turns paths into sources (files, folders, zip archives, XML/CSV exports);
//! - [`scan`] reads .evtx chunks in parallel, skips what no rule can match, and builds
//!   [`event::Event`]s from the rest;
//! - [`rules`] matches events against the [`knowledge`] base (TOML rule packs, error codes);
//! - diagnose groups matches into findings and per-domain verdicts;
//! - [`report`] is the result, plain serde data; [`render`] turns it into text, JSON, HTML...
//!
//! [`analyze`] runs the whole flow:
//!
//! ```
//! use evtx_doctor::knowledge::Knowledge;
//! use evtx_doctor::{NoProgress, Options, analyze};
//!
//! let log = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/kb2867278-rpc-8439.evtx");
//! let report = analyze(&[log.into()], &Knowledge::builtin()?, &Options::default(), &NoProgress)?;
//! let finding = &report.findings[0];
//! assert_eq!(finding.rule, "phs.611.rpc-8439");
//! assert_eq!(finding.error_symbol.as_deref(), Some("ERROR_DS_DRA_BAD_DN"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod analyze;
pub mod codes;
mod diagnose;
pub mod event;
pub mod formats;
pub mod knowledge;
pub mod render;
pub mod report;
pub mod rules;
pub mod scan;
pub mod sources;

pub use analyze::{AnalyzeError, NoProgress, Options, Progress, analyze, analyze_inputs};

/// The README's examples run as doctests, so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
