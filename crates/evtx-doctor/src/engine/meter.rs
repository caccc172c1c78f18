//! Metering what archives expand to: one budget for the whole run, a ratio per source (all
//! its archives, nested ones included) and per compressed entry. A bound reached is an I/O
//! error carrying a [`LimitError`], which names the problem.

use super::Limits;
use crate::report::ProblemKind;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) use crate::formats::archive::{LimitError, kind_of};

/// Bytes all archives of a run may still expand to.
#[derive(Debug)]
pub(crate) struct Budget {
    left: AtomicU64,
    limit: u64,
}

impl Budget {
    pub(crate) fn new(limit: u64) -> Self {
        Budget {
            left: AtomicU64::new(limit),
            limit,
        }
    }

    /// Takes `n` bytes; false when fewer are left.
    fn take(&self, n: u64) -> bool {
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(n)
            })
            .is_ok()
    }
}

/// What the archives of one source (a file, bytes, a stream) expanded to.
#[derive(Debug)]
pub(crate) struct SourceMeter {
    /// The source's own size (`None` for a stream: then what was read of it).
    size: Option<u64>,
    read: AtomicU64,
    out: AtomicU64,
}

impl SourceMeter {
    pub(crate) fn new(size: Option<u64>) -> Self {
        SourceMeter {
            size,
            read: AtomicU64::new(0),
            out: AtomicU64::new(0),
        }
    }

    /// `n` more bytes of a stream source were read.
    pub(crate) fn read(&self, n: u64) {
        self.read.fetch_add(n, Ordering::Relaxed);
    }

    fn compressed(&self) -> u64 {
        self.size
            .unwrap_or_else(|| self.read.load(Ordering::Relaxed))
    }
}

/// How many compressed bytes a decompressing reader consumed.
pub(crate) trait Consumed {
    /// Bytes consumed so far; `None` when unknown.
    fn consumed(&self) -> Option<u64>;
}

impl<T: Consumed + ?Sized> Consumed for Box<T> {
    fn consumed(&self) -> Option<u64> {
        (**self).consumed()
    }
}

impl<T: Consumed + ?Sized> Consumed for &mut T {
    fn consumed(&self) -> Option<u64> {
        (**self).consumed()
    }
}

/// A decompressing reader, metered.
pub(crate) struct Metered<'m, R> {
    inner: R,
    budget: &'m Budget,
    source: &'m SourceMeter,
    limits: &'m Limits,
    out: u64,
    hit: Option<LimitError>,
    /// Told of the compressed bytes consumed, as they are.
    progress: Option<&'m (dyn Fn(u64) + Sync)>,
    reported: u64,
}

impl<'m, R: Read + Consumed> Metered<'m, R> {
    pub(crate) fn new(
        inner: R,
        budget: &'m Budget,
        source: &'m SourceMeter,
        limits: &'m Limits,
    ) -> Self {
        Metered {
            inner,
            budget,
            source,
            limits,
            out: 0,
            hit: None,
            progress: None,
            reported: 0,
        }
    }

    /// Tells `progress` of the compressed bytes consumed as they are.
    pub(crate) fn with_progress(mut self, progress: &'m (dyn Fn(u64) + Sync)) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The bound reached, if one was.
    pub(crate) fn hit(&self) -> Option<&LimitError> {
        self.hit.as_ref()
    }

    /// The reader inside.
    pub(crate) fn into_inner(self) -> R {
        self.inner
    }

    fn check(&mut self, n: u64) -> Result<(), LimitError> {
        if !self.budget.take(n) {
            return Err(LimitError {
                kind: ProblemKind::ArchiveTooLarge,
                message: format!(
                    "the archives expand to more than the limit of {} for one analysis (a zip \
                     bomb?)",
                    human(self.budget.limit)
                ),
            });
        }
        self.out += n;
        let total = self.source.out.fetch_add(n, Ordering::Relaxed) + n;
        let ratio = self.limits.expansion_ratio;
        let after = self.limits.ratio_after;
        if self.out > after
            && let Some(consumed) = self.inner.consumed()
            && self.out > consumed.saturating_mul(ratio)
        {
            return Err(self.bomb(consumed, self.out));
        }
        let compressed = self.source.compressed();
        if total > after && total > compressed.saturating_mul(ratio) {
            return Err(self.bomb(compressed, total));
        }
        Ok(())
    }

    fn bomb(&self, compressed: u64, out: u64) -> LimitError {
        LimitError {
            kind: ProblemKind::ArchiveBomb,
            message: format!(
                "{} of compressed data expanded to more than {} ({}×, more than the limit of \
                 {}×): a zip bomb, or a log of little else than zeros. Extract it and analyze \
                 the file if it is a real log",
                human(compressed),
                human(out),
                out / compressed.max(1),
                self.limits.expansion_ratio
            ),
        }
    }
}

impl<R: Read + Consumed> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(hit) = &self.hit {
            return Err(io::Error::other(hit.clone()));
        }
        let n = self.inner.read(buf)?;
        if let (Some(progress), Some(consumed)) = (self.progress, self.inner.consumed()) {
            progress(consumed.saturating_sub(self.reported));
            self.reported = self.reported.max(consumed);
        }
        if let Err(hit) = self.check(n as u64) {
            self.hit = Some(hit.clone());
            return Err(io::Error::other(hit));
        }
        Ok(n)
    }
}

/// A byte count in the largest binary unit it fills.
pub(crate) fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Zeros {
        consumed: u64,
    }

    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(0);
            // A thousand bytes out for one in.
            self.consumed += (buf.len() as u64).div_ceil(1000);
            Ok(buf.len())
        }
    }

    impl Consumed for Zeros {
        fn consumed(&self) -> Option<u64> {
            Some(self.consumed)
        }
    }

    #[test]
    fn a_bomb_stops_after_the_ratio_floor() {
        let limits = Limits::default();
        let budget = Budget::new(limits.expansion_bytes);
        let source = SourceMeter::new(Some(1 << 30));
        let mut metered = Metered::new(Zeros { consumed: 0 }, &budget, &source, &limits);
        let copied = io::copy(&mut metered, &mut io::sink());
        let err = copied.unwrap_err();
        assert_eq!(
            kind_of(&err, ProblemKind::CannotRead),
            ProblemKind::ArchiveBomb
        );
        assert!(metered.hit().is_some());
        // It stopped within a buffer of the floor.
        let out = source.out.load(Ordering::Relaxed);
        assert!(
            out > limits.ratio_after && out < limits.ratio_after + (1 << 20),
            "{out}"
        );
    }

    #[test]
    fn the_budget_is_shared_by_the_run() {
        let limits = Limits {
            expansion_bytes: 10_000,
            ..Limits::default()
        };
        let budget = Budget::new(limits.expansion_bytes);
        let source = SourceMeter::new(Some(1 << 40));
        let data = vec![1u8; 6000];
        struct Plain<'a>(&'a [u8]);
        impl Read for Plain<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0.read(buf)
            }
        }
        impl Consumed for Plain<'_> {
            fn consumed(&self) -> Option<u64> {
                None
            }
        }
        let mut first = Metered::new(Plain(&data), &budget, &source, &limits);
        assert_eq!(io::copy(&mut first, &mut io::sink()).unwrap(), 6000);
        let mut second = Metered::new(Plain(&data), &budget, &source, &limits);
        let err = io::copy(&mut second, &mut io::sink()).unwrap_err();
        assert_eq!(
            kind_of(&err, ProblemKind::CannotRead),
            ProblemKind::ArchiveTooLarge
        );
    }
}
