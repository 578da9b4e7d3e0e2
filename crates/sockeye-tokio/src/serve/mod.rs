//! A WebSocket server that binds a port, accepts, tracks its clients,
//! broadcasts, runs heartbeats and shuts down gracefully: ws's
//! `WebSocketServer`.

mod clients;
mod verdict;

pub use clients::{ClientId, Clients};
pub use verdict::{accept_async, Verdict};

use crate::outbox::Outbox;
use crate::websocket::WebSocketStream;
use sockeye_proto::CloseCode;
use sockeye_std::{ServerOptions, UpgradeRequest};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// One accepted connection, as the connection handler gets it (ws's
/// `connection` event: the socket and the request).
#[derive(Debug)]
pub struct Client<C> {
    /// The connection.
    pub ws: WebSocketStream<TcpStream>,
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

/// Stops a running [`Server`]: it stops accepting, sends every client a
/// close frame with 1001 (going away), waits up to the shutdown timeout for
/// the handlers to finish, then drops the rest.
#[derive(Clone, Debug, Default)]
pub struct ShutdownHandle(CancellationToken);

impl ShutdownHandle {
    /// Starts the shutdown; [`Server::serve`] returns once it is over.
    pub fn shutdown(&self) {
        self.0.cancel();
    }

    /// Whether the shutdown was started.
    pub fn is_shutting_down(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// A WebSocket server on a TCP listener (ws's `WebSocketServer`).
///
/// ```no_run
/// use sockeye_tokio::{Decision, Server};
/// # async fn run() -> std::io::Result<()> {
/// let server = Server::bind("127.0.0.1:8080").await?;
/// server
///     .serve(
///         |_request| async { Decision::accept() },
///         |mut client| async move {
///             while let Some(Ok(message)) = client.ws.recv().await {
///                 if message.is_text() || message.is_binary() {
///                     client.clients.broadcast_except(client.id, message);
///                 }
///             }
///         },
///     )
///     .await
/// # }
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    options: ServerOptions,
    clients: Clients,
    heartbeat: Option<Duration>,
    shutdown_timeout: Duration,
    broadcast_limit: usize,
    shutdown: ShutdownHandle,
}

impl Server {
    /// Binds `addr` (ws's `host` and `port`; port 0 picks a free one).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<Server> {
        Ok(Server::from_listener(TcpListener::bind(addr).await?))
    }

    /// Serves on a listener you made (ws's `server` option for a bare
    /// socket; for an HTTP server, see the `hyper` feature).
    pub fn from_listener(listener: TcpListener) -> Server {
        Server {
            listener,
            options: ServerOptions::default(),
            clients: Clients::new(true),
            heartbeat: None,
            shutdown_timeout: Duration::from_secs(5),
            broadcast_limit: 16 << 20,
            shutdown: ShutdownHandle::default(),
        }
    }

    /// Sets the connection options (limits, timeouts, the handler for
    /// plain HTTP requests).
    pub fn options(mut self, options: ServerOptions) -> Self {
        self.options = options;
        self
    }

    /// Turns client tracking on (default) or off (ws's `clientTracking`).
    /// Off, [`Clients`] stays empty and broadcasts reach nobody.
    pub fn client_tracking(mut self, on: bool) -> Self {
        self.clients = Clients::new(on);
        self
    }

    /// Pings every client every `interval` and drops those that do not
    /// answer within the next interval (ws's heartbeat recipe); see
    /// [`WebSocketStream::set_heartbeat`]. Off by default.
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.heartbeat = Some(interval);
        self
    }

    /// How long a shutdown waits for handlers to finish after the close
    /// frames went out, before dropping the connections. Default 5 s.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The most broadcast output that may wait for one client before it is
    /// disconnected as too slow. Default 16 MiB.
    pub fn broadcast_limit(mut self, bytes: usize) -> Self {
        self.broadcast_limit = bytes;
        self
    }

    /// The address the server listens on (ws's `address()`).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The connected clients (ws's `clients`).
    pub fn clients(&self) -> Clients {
        self.clients.clone()
    }

    /// A handle that stops the server (ws's `close()`).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Accepts connections until [`ShutdownHandle::shutdown`], each in its
    /// own task.
    ///
    /// For each upgrade request, `accept` decides (it may be async: return
    /// a future of a [`Verdict`] or of a plain `Decision`); a rejection is
    /// answered with its status and headers. Accepted connections go to
    /// `handler` as a [`Client`], with the context the verdict carried. When
    /// the handler returns, the connection is dropped (close it first for a
    /// clean ending). Plain HTTP requests are answered by
    /// `ServerOptions::http_handler` (426 without one), and failed
    /// handshakes are dropped (ws's `wsClientError`).
    ///
    /// Returns after a shutdown, once every connection is over, or with
    /// the listener's error.
    pub async fn serve<A, AF, V, C, H, HF>(self, accept: A, handler: H) -> io::Result<()>
    where
        A: Fn(&UpgradeRequest) -> AF + Send + Sync + 'static,
        AF: Future<Output = V> + Send + 'static,
        V: Into<Verdict<C>> + 'static,
        C: Send + 'static,
        H: Fn(Client<C>) -> HF + Send + Sync + 'static,
        HF: Future + Send + 'static,
    {
        let accept = Arc::new(accept);
        let handler = Arc::new(handler);
        let options = Arc::new(self.options);
        let mut tasks = JoinSet::new();
        let stop = self.shutdown.0.clone();
        loop {
            let (stream, _) = tokio::select! {
                _ = stop.cancelled() => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    // Per-connection failures (the peer reset before we
                    // accepted, too many open files) must not stop the server.
                    Err(e) if is_transient(&e) => {
                        // Out of file descriptors: give handlers time to end.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            let accept = accept.clone();
            let handler = handler.clone();
            let options = options.clone();
            let clients = self.clients.clone();
            let heartbeat = self.heartbeat;
            let outbox = Arc::new(Outbox::new(self.broadcast_limit));
            tasks.spawn(async move {
                let peer_addr = stream.peer_addr().ok();
                let decide = |request: &UpgradeRequest| accept(request);
                let Ok((mut ws, request, context)) = accept_async(stream, &options, decide).await
                else {
                    return;
                };
                let registration = clients.register(outbox.clone(), peer_addr);
                ws.extras.outbox = Some(outbox);
                ws.set_heartbeat(heartbeat);
                let client = Client {
                    ws,
                    request,
                    context,
                    id: registration.id,
                    clients,
                };
                handler(client).await;
                drop(registration);
            });
        }
        drop(self.listener);
        self.clients
            .close_all(CloseCode::GOING_AWAY, "server shutting down");
        let drained = tokio::time::timeout(self.shutdown_timeout, async {
            while tasks.join_next().await.is_some() {}
        });
        if drained.await.is_err() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        debug_assert_eq!(self.clients.live(), 0);
        Ok(())
    }
}

/// Accept errors that concern one connection, not the listener.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e.raw_os_error() == Some(24) // EMFILE
}
