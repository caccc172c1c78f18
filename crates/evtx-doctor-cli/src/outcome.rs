//! The exit status of `analyze`, decided from the public report alone, and the sentence that
//! says what happened when the answer is not a plain yes or no.
//!
//! 0 means the logs show password hash sync working (or nothing wrong with it); a script
//! running `analyze && echo ok` must never print "ok" when the tool could not tell.

use evtx_doctor::render::escape_controls;
use evtx_doctor::report::{Report, VerdictState};
use std::fmt::Write;
use std::path::Path;

/// Password hash sync works, or nothing is wrong with it.
pub const OK: u8 = 0;
/// Something is wrong: a finding, a failing domain, or a stalled agent.
pub const PROBLEM: u8 = 1;
/// A usage error, a bad rule file, an input that could not be read, or no input at all.
pub const ERROR: u8 = 2;
/// Nothing to judge by: no password sync event in the inputs, or none left after the
/// filters.
pub const NOTHING_TO_JUDGE: u8 = 3;

/// The exit status and, when the status needs explaining, what to print on standard error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The exit status.
    pub status: u8,
    /// Why, for people (without the `evtx-doctor: ` prefix).
    pub note: Option<String>,
}

/// Decides the exit status of `analyze` over `paths` from its report.
pub fn decide(report: &Report, paths: &[impl AsRef<Path>]) -> Outcome {
    let summary = &report.summary;
    if summary.unreadable_inputs > 0 {
        // Each unreadable input is named on standard error already.
        return Outcome {
            status: ERROR,
            note: None,
        };
    }
    if summary.inputs == 0 {
        return Outcome {
            status: ERROR,
            note: Some(no_input(paths)),
        };
    }
    let failing = report
        .verdicts
        .iter()
        .any(|v| matches!(v.state, VerdictState::Failing | VerdictState::Stalled));
    if failing || !report.findings.is_empty() {
        return Outcome {
            status: PROBLEM,
            note: None,
        };
    }
    let judged = report
        .verdicts
        .iter()
        .any(|v| matches!(v.state, VerdictState::Healthy | VerdictState::Recovered));
    if judged {
        return Outcome {
            status: OK,
            note: None,
        };
    }
    Outcome {
        status: NOTHING_TO_JUDGE,
        note: Some(format!(
            "nothing to judge: {}",
            evtx_doctor::render::nothing_to_judge(report)
        )),
    }
}

/// Why no input was found among `paths`.
fn no_input(paths: &[impl AsRef<Path>]) -> String {
    let mut note = String::from("no input found: ");
    let named: Vec<String> = paths
        .iter()
        .map(|p| escape_controls(&p.as_ref().to_string_lossy()).into_owned())
        .collect();
    let verb = if named.len() == 1 { "holds" } else { "hold" };
    let _ = write!(
        note,
        "{} {verb} no event log (folders are searched for .evtx, .xml, .csv, .txt and .log \
         files and .zip, .7z, .gz, .tgz and .tar archives)",
        named.join(", ")
    );
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use evtx_doctor::report::Verdict;

    fn report(inputs: u64, states: &[VerdictState]) -> Report {
        let knowledge = evtx_doctor::Knowledge::builtin().expect("built-in knowledge");
        let no_sources: [&str; 0] = [];
        let mut report =
            evtx_doctor::analyze(no_sources, &knowledge, &evtx_doctor::Options::default());
        report.summary.inputs = inputs;
        report.verdicts = states
            .iter()
            .map(|&state| Verdict {
                domain: None,
                state,
                failing_since: None,
                last_failure: None,
                last_healthy: None,
                recovered_at: None,
                rules: Vec::new(),
                servers: Vec::new(),
            })
            .collect();
        report
    }

    #[test]
    fn statuses() {
        let none: &[&str] = &["logs"];
        assert_eq!(decide(&report(0, &[]), none).status, ERROR);
        assert!(
            decide(&report(0, &[]), none)
                .note
                .is_some_and(|n| n.contains("no input found: logs"))
        );
        use VerdictState::*;
        assert_eq!(decide(&report(1, &[Healthy]), none).status, OK);
        assert_eq!(decide(&report(1, &[Recovered, Healthy]), none).status, OK);
        assert_eq!(decide(&report(1, &[Stalled]), none).status, PROBLEM);
        assert_eq!(
            decide(&report(1, &[Healthy, Failing]), none).status,
            PROBLEM
        );
        assert_eq!(
            decide(&report(1, &[NotEnoughData]), none).status,
            NOTHING_TO_JUDGE
        );
        assert_eq!(decide(&report(1, &[]), none).status, NOTHING_TO_JUDGE);
        let mut unreadable = report(1, &[Healthy]);
        unreadable.summary.unreadable_inputs = 1;
        assert_eq!(decide(&unreadable, none).status, ERROR);
    }
}
