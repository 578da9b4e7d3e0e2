//! Where compression state waits between messages.

use super::codec::{Compressor, Inflater};

/// A store of idle compression state shared by many connections.
///
/// A [`Compressor`] or [`Inflater`] is a small handle to its boxed state,
/// so moving one in or out of a pool copies a few words.
///
/// Without context takeover a connection needs its [`Compressor`] (about
/// 300 KiB) and [`Inflater`] (about 43 KiB) only while a message is being
/// compressed or inflated; between messages it hands them back here, so an
/// idle connection holds none. The core cannot own a global pool (no locks
/// without `std`), so the pool is supplied through
/// [`DeflateConfig::pool`](super::DeflateConfig::pool); `sockeye-std`
/// provides one behind a mutex. States are reset by the connection before
/// use, so a pool only stores them.
pub trait StatePool: Send + Sync + core::fmt::Debug {
    /// An idle compressor, if one is available (its settings are replaced
    /// by the caller).
    fn take_compressor(&self) -> Option<Compressor>;
    /// Gives back a compressor no longer in use. A pool may drop it.
    fn put_compressor(&self, compressor: Compressor);
    /// An idle inflater, if one is available (the caller resets it).
    fn take_inflater(&self) -> Option<Inflater>;
    /// Gives back an inflater no longer in use. A pool may drop it.
    fn put_inflater(&self, inflater: Inflater);
}
