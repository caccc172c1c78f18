//! The progress bar on stderr: bytes read, rate and time left; drawn only for work that lasts.

use evtx_doctor::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a run goes before the bar appears: a short run finishes without a flicker.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Inputs smaller than this in all never get a bar: they are read well within a second.
const SMALL_INPUT: u64 = 16 << 20;

/// An indicatif bar fed by the run's progress; hidden until the run has lasted [`SHOW_AFTER`]
/// (and never for inputs known to be under [`SMALL_INPUT`]).
pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
}

impl Bar {
    /// A bar that will draw on stderr once the run lasts.
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{spinner} reading {bytes}/{total_bytes} [{bar:30}] {binary_bytes_per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Bar {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// Shows how far reading is.
    pub fn update(&self, progress: Progress) {
        if let Some(total) = progress.total {
            self.bar.set_length(total);
        }
        self.bar.set_position(progress.done);
        let small = progress.total.is_some_and(|total| total < SMALL_INPUT);
        if !small && !self.shown.load(Ordering::Relaxed) && self.started.elapsed() >= SHOW_AFTER {
            self.shown.store(true, Ordering::Relaxed);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
