//! Diagnose: group matched events into findings, one per (diagnosis, domain, error code), and
//! say per domain whether password hash sync is failing.

mod findings;
mod verdicts;

pub(crate) use findings::build_findings;
pub(crate) use verdicts::build_verdicts;
