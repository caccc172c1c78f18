//! Diagnose: group matched events into findings, one per (diagnosis, domain, error code); say
//! per domain whether password hash sync is failing, recovered, healthy or stalled; count
//! failures and heartbeats over time.

mod builder;
mod dedup;
mod findings;
mod health;
mod timeline;

pub use builder::ReportBuilder;
pub(crate) use dedup::drop_duplicates;
pub(crate) use findings::build_findings;
pub(crate) use health::build_verdicts;
pub(crate) use timeline::build_timeline;
