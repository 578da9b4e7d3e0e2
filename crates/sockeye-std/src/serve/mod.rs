//! What every sockeye server shares, whatever runs it: the client registry
//! and encode-once broadcasting ([`Clients`]), the accept callback's answer
//! ([`Verdict`]), the heartbeat and server mailbox bookkeeping
//! ([`Extras`]), the shutdown signal ([`ShutdownHandle`]) and connection
//! counting ([`TaskTracker`]). The blocking [`Server`](crate::Server) is
//! built on it here; `sockeye-tokio` and `sockeye-async-std` build theirs
//! on it with their runtime's tasks and timers.

mod blocking;
mod clients;
mod keepalive;
mod outbox;
mod signal;
mod verdict;

pub use blocking::{Client, Server};
pub use clients::{ClientId, Clients, Registration};
pub use keepalive::{Deadline, Extras, HeartbeatTimer};
pub use outbox::Outbox;
pub use signal::{Abortable, ShutdownHandle, TaskGuard, TaskTracker};
pub use verdict::{accept_verdict, Verdict};

use std::io;
use std::time::Duration;

/// A server's settings beyond [`ServerOptions`](crate::ServerOptions),
/// with ws's defaults; every adapter's `Server` keeps one.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Whether clients are tracked (ws's `clientTracking`); default on.
    pub client_tracking: bool,
    /// The heartbeat interval; off by default.
    pub heartbeat: Option<Duration>,
    /// How long a shutdown waits for handlers; default 5 s.
    pub shutdown_timeout: Duration,
    /// The most broadcast output that may wait for one client; 16 MiB.
    pub broadcast_limit: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            client_tracking: true,
            heartbeat: None,
            shutdown_timeout: Duration::from_secs(5),
            broadcast_limit: 16 << 20,
        }
    }
}

/// Whether an error from `accept` concerns one connection (the peer reset
/// before it was accepted, too many open files) rather than the listener:
/// servers keep accepting after those.
pub fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e.raw_os_error() == Some(24) // EMFILE
}

/// The reason in the close frame a shutting-down server sends with 1001.
pub const SHUTDOWN_REASON: &str = "server shutting down";
