//! What every sockeye server shares, whatever runs it: the client registry
//! and encode-once broadcasting ([`Clients`]), the accept callback's answer
//! ([`Verdict`]), the heartbeat and server mailbox bookkeeping
//! ([`Extras`]), the shutdown signal ([`ShutdownHandle`]) and connection
//! counting ([`TaskTracker`]). The blocking [`Server`] is
//! built on it here; `sockeye-tokio` and `sockeye-async-std` build theirs
//! on it with their runtime's tasks and timers.

mod blocking;
mod clients;
mod keepalive;
mod outbox;
mod signal;
mod verdict;

pub use blocking::{Client, Server, ServerSocket};
pub use clients::{ClientId, Clients, Registration};
pub use keepalive::{Deadline, Extras, HeartbeatTimer};
pub use outbox::Outbox;
pub use signal::{Abortable, ShutdownHandle, TaskGuard, TaskTracker};
pub use verdict::{accept_verdict, Verdict};

use crate::server::UpgradeRequest;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// One accepted connection, as a server's connection handler gets it
/// (ws's `connection` event: the socket and the request). Each adapter
/// names it `Client<C>` with its own connection type `W`.
#[derive(Debug)]
pub struct Accepted<W, C> {
    /// The connection. Keep receiving on it: that is what writes
    /// broadcasts and the shutdown close, and runs the heartbeat.
    pub ws: W,
    /// The upgrade request: path, query, headers, peer address
    /// (`request.peer_addr`, `request.forwarded_for()`).
    pub request: UpgradeRequest,
    /// What the accept callback handed over (the authenticated user...).
    pub context: C,
    /// This connection's id among the server's clients.
    pub id: ClientId,
    /// All the server's clients, for broadcasting.
    pub clients: Clients,
}

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

impl Settings {
    /// Turns an accept callback's `verdict` into one that, when it
    /// accepts, also carries the client's [`Seat`] among `clients`. Servers
    /// call it as the callback's answer comes in, before the 101 response
    /// is written: a broadcast sent once the client could have seen its
    /// upgrade answered then cannot miss it (it waits in the seat's mailbox
    /// until the handler first receives), as in ws, where the client joins
    /// `wss.clients` as its upgrade completes. If the handshake fails after
    /// all, dropping the seat gives the place back. Once the server is
    /// shutting down ([`Clients::close_all`]), an acceptance turns into a
    /// 503 refusal: the shutdown's close frames would not reach it.
    pub fn seat<C>(
        &self,
        verdict: Verdict<C>,
        clients: &Clients,
        peer_addr: Option<SocketAddr>,
    ) -> Verdict<(C, Seat)> {
        match verdict.into_decision() {
            (decision, Some(context)) => {
                let outbox = Arc::new(Outbox::new(self.broadcast_limit));
                let Some(registration) = clients.try_register(outbox.clone(), peer_addr) else {
                    return Verdict::reject(503);
                };
                let seat = Seat {
                    outbox,
                    registration,
                };
                Verdict::Accept(decision, (context, seat))
            }
            (decision, None) => Verdict::Reject(decision),
        }
    }

    /// [`seat`](Self::seat) for an async accept callback: awaits its
    /// `verdict`, then seats the client if it accepts.
    pub async fn seat_when<V: Into<Verdict<C>>, C>(
        &self,
        verdict: impl Future<Output = V>,
        clients: &Clients,
        peer_addr: Option<SocketAddr>,
    ) -> Verdict<(C, Seat)> {
        self.seat(verdict.await.into(), clients, peer_addr)
    }

    /// Admits a connection that passed its handshake into the `seat` it
    /// took: hands it the seat's mailbox and sets up its heartbeat (in the
    /// [`Extras`] that `extras` finds in `ws`), and returns what the
    /// connection handler gets. Keep the registration for as long as the
    /// handler runs: dropping it removes the connection from the clients.
    pub fn admit<W, C, T: HeartbeatTimer>(
        &self,
        seat: Seat,
        mut ws: W,
        extras: impl FnOnce(&mut W) -> &mut Extras<T>,
        request: UpgradeRequest,
        context: C,
    ) -> (Accepted<W, C>, Registration) {
        let extras = extras(&mut ws);
        extras.outbox = Some(seat.outbox);
        extras.set_heartbeat(self.heartbeat);
        let client = Accepted {
            ws,
            request,
            context,
            id: seat.registration.id,
            clients: seat.registration.clients().clone(),
        };
        (client, seat.registration)
    }
}

/// A connection's place among a server's clients, taken by
/// [`Settings::seat`] between the accept decision and the 101 response,
/// and filled by [`Settings::admit`].
#[derive(Debug)]
pub struct Seat {
    outbox: Arc<Outbox>,
    registration: Registration,
}

/// The builder methods and accessors every adapter's `Server` shares
/// (fields `listener`, `options`, `settings`, `clients`, `shutdown`).
#[doc(hidden)]
#[macro_export]
macro_rules! server_settings {
    () => {
        /// Sets the connection options (limits, timeouts, the handler for
        /// plain HTTP requests).
        pub fn options(mut self, options: $crate::ServerOptions) -> Self {
            self.options = options;
            self
        }

        /// Turns client tracking on (default) or off (ws's
        /// `clientTracking`). Off, the server's `Clients` stays empty and
        /// broadcasts reach nobody.
        pub fn client_tracking(mut self, on: bool) -> Self {
            self.settings.client_tracking = on;
            self.clients = $crate::Clients::new(on);
            self
        }

        /// Pings every client every `interval` and drops those that do not
        /// answer within the next interval (ws's heartbeat recipe): their
        /// receive fails with `Error::HeartbeatTimeout`. Off by default.
        pub fn heartbeat(mut self, interval: ::std::time::Duration) -> Self {
            self.settings.heartbeat = Some(interval);
            self
        }

        /// How long a shutdown waits for handlers to finish after the close
        /// frames went out, before dropping the connections. Default 5 s.
        pub fn shutdown_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.settings.shutdown_timeout = timeout;
            self
        }

        /// The most broadcast output that may wait for one client before it
        /// is disconnected as too slow. Default 16 MiB.
        pub fn broadcast_limit(mut self, bytes: usize) -> Self {
            self.settings.broadcast_limit = bytes;
            self
        }

        /// The address the server listens on (ws's `address()`).
        pub fn local_addr(&self) -> ::std::io::Result<::std::net::SocketAddr> {
            self.listener.local_addr()
        }

        /// The connected clients (ws's `clients`): count them, broadcast.
        pub fn clients(&self) -> $crate::Clients {
            self.clients.clone()
        }

        /// A handle that stops the server (ws's `close()`).
        pub fn shutdown_handle(&self) -> $crate::ShutdownHandle {
            self.shutdown.clone()
        }
    };
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
