//! A process-wide pool of permessage-deflate state, so connections without
//! context takeover hold no compression memory between messages.

use sockeye_proto::deflate::{Compressor, DeflateConfig, Inflater, StatePool};
use std::sync::{Arc, Mutex, OnceLock};

/// Idle [`Compressor`]s and [`Inflater`]s shared by every connection that
/// uses this pool, behind a mutex (held only to push or pop a box). At
/// most `max_idle` of each are kept; extra ones are freed.
#[derive(Debug)]
pub struct DeflatePool {
    compressors: Mutex<Vec<Compressor>>,
    inflaters: Mutex<Vec<Inflater>>,
    max_idle: usize,
}

impl DeflatePool {
    /// A pool keeping at most `max_idle` idle states of each kind.
    pub fn new(max_idle: usize) -> Self {
        DeflatePool {
            compressors: Mutex::new(Vec::new()),
            inflaters: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// The process-wide pool the std adapters use by default. It keeps up
    /// to twice the number of CPUs (at least 4, at most 64) idle states of
    /// each kind: about as many as can be in use at once.
    pub fn global() -> Arc<DeflatePool> {
        static GLOBAL: OnceLock<Arc<DeflatePool>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
                Arc::new(DeflatePool::new((2 * cpus).clamp(4, 64)))
            })
            .clone()
    }

    /// How many compressors and inflaters are idle in the pool.
    pub fn idle(&self) -> (usize, usize) {
        (lock(&self.compressors).len(), lock(&self.inflaters).len())
    }
}

/// Locks `m`, recovering from a panic elsewhere (the vectors stay valid).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl StatePool for DeflatePool {
    fn take_compressor(&self) -> Option<Compressor> {
        lock(&self.compressors).pop()
    }

    fn put_compressor(&self, compressor: Compressor) {
        let mut idle = lock(&self.compressors);
        if idle.len() < self.max_idle {
            idle.push(compressor);
        }
    }

    fn take_inflater(&self) -> Option<Inflater> {
        lock(&self.inflaters).pop()
    }

    fn put_inflater(&self, inflater: Inflater) {
        let mut idle = lock(&self.inflaters);
        if idle.len() < self.max_idle {
            idle.push(inflater);
        }
    }
}

/// permessage-deflate with the default settings (level 1, threshold 1 KiB,
/// context takeover, 32 KiB windows) and the [global](DeflatePool::global)
/// pool: what clients offer by default and what `ServerOptions::deflate`
/// turns on.
pub fn default_deflate() -> DeflateConfig {
    let pool: Arc<dyn StatePool> = DeflatePool::global();
    DeflateConfig::default().pool(Some(pool))
}
