//! One capped list of problems for the places that hold them — a chunk being scanned, an input
//! of the report — so that a file with a million broken records costs a bounded list and a
//! count, never a million entries. (Exports hold none: they hand each problem on as they find
//! it, up to their own cap; see `formats::export`.)

use super::Problem;

/// The first `cap` problems by position, and how many there were in all.
///
/// Problems may arrive out of order (chunks are scanned in parallel); memory stays below
/// twice the cap because the list is trimmed whenever it doubles.
#[derive(Debug)]
pub(crate) struct ProblemLog {
    cap: usize,
    /// (position, arrival, problem).
    kept: Vec<(u64, u64, Problem)>,
    count: u64,
    /// Listed after the others: what the unlisted ones were ([`ProblemLog::sum_up`]).
    summary: Option<Problem>,
}

impl ProblemLog {
    /// A log that lists at most `cap` problems.
    pub(crate) fn new(cap: usize) -> Self {
        ProblemLog {
            cap,
            kept: Vec::new(),
            count: 0,
            summary: None,
        }
    }

    /// Adds a problem found after every one before it.
    pub(crate) fn push(&mut self, problem: Problem) {
        self.push_at(self.count, problem);
    }

    /// Adds a problem found at `position` of its input.
    pub(crate) fn push_at(&mut self, position: u64, problem: Problem) {
        if self.kept.len() < self.cap {
            self.kept.push((position, self.count, problem));
        } else if self.kept.len() < 2 * self.cap {
            // Kept only if it may belong to the first `cap` by position, settled at the trim.
            self.kept.push((position, self.count, problem));
            if self.kept.len() == 2 * self.cap {
                self.trim();
            }
        }
        self.count += 1;
    }

    /// Problems added in all, listed or not.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Problems counted but not listed.
    pub(crate) fn unlisted(&self) -> u64 {
        self.count.saturating_sub(self.cap as u64)
    }

    /// Lists `summary(unlisted)` after the others when some problems are only counted: one
    /// line that says what the rest were.
    pub(crate) fn sum_up(&mut self, summary: impl FnOnce(u64) -> Problem) {
        let unlisted = self.unlisted();
        if unlisted > 0 {
            self.summary = Some(summary(unlisted));
        }
    }

    /// The listed problems in position order (then the summary, if any), and how many more
    /// were only counted.
    pub(crate) fn finish(mut self) -> (Vec<Problem>, u64) {
        self.trim();
        let unlisted = self.unlisted();
        let mut listed: Vec<Problem> = self.kept.into_iter().map(|(_, _, p)| p).collect();
        listed.extend(self.summary);
        (listed, unlisted)
    }

    fn trim(&mut self) {
        self.kept
            .sort_unstable_by_key(|&(position, arrival, _)| (position, arrival));
        self.kept.truncate(self.cap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ProblemKind;

    fn problem(n: u64) -> Problem {
        Problem {
            kind: ProblemKind::BadRecord,
            chunk: None,
            offset: Some(n),
            record_id: None,
            message: n.to_string(),
        }
    }

    fn offsets(list: &[Problem]) -> Vec<u64> {
        list.iter().filter_map(|p| p.offset).collect()
    }

    #[test]
    fn lists_the_first_by_position_whatever_the_arrival_order() {
        let mut log = ProblemLog::new(3);
        for position in [9, 4, 7, 1, 8, 2, 6, 3, 5, 0] {
            log.push_at(position, problem(position));
        }
        assert_eq!(log.count(), 10);
        let (listed, unlisted) = log.finish();
        assert_eq!(offsets(&listed), [0, 1, 2]);
        assert_eq!(unlisted, 7);
    }

    #[test]
    fn in_arrival_order_keeps_the_first_and_sums_up_the_rest() {
        let mut log = ProblemLog::new(2);
        for n in 0..5 {
            log.push(problem(n));
        }
        log.sum_up(|more| problem(100 + more));
        let (listed, unlisted) = log.finish();
        assert_eq!(offsets(&listed), [0, 1, 103]);
        assert_eq!(unlisted, 3);
    }

    #[test]
    fn memory_stays_below_twice_the_cap() {
        let mut log = ProblemLog::new(4);
        for n in (0..10_000).rev() {
            log.push_at(n, problem(n));
            assert!(log.kept.len() < 8);
        }
        let (listed, unlisted) = log.finish();
        assert_eq!(offsets(&listed), [0, 1, 2, 3]);
        assert_eq!(unlisted, 9_996);
    }

    #[test]
    fn a_log_without_room_only_counts() {
        let mut log = ProblemLog::new(0);
        log.push(problem(1));
        assert_eq!(log.finish(), (vec![], 1));
    }
}
