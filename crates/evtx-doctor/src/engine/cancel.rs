//! Stopping a run from another thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A handle that stops a run from any thread ([`Engine::run_cancellable`](crate::Engine::run_cancellable)).
///
/// Clones share the same flag. A run checks it before every chunk, archive entry and export
/// record block, so it stops well within 100 ms.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A handle not yet used.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Asks the runs watching this handle to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
