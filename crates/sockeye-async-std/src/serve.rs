//! A WebSocket server that binds a port, accepts, tracks its clients,
//! broadcasts, runs heartbeats and shuts down gracefully (ws's
//! `WebSocketServer`), on async-std or smol.

use crate::io::{timeout, Io};
use crate::stream::WebSocketStream;
use async_std::net::{TcpListener, TcpStream, ToSocketAddrs};
use futures_io::{AsyncRead, AsyncWrite};
use sockeye_proto::{CloseCode, Connection};
use sockeye_std::driver::Driver;
use sockeye_std::serve::{
    accept_verdict, is_transient, Accepted, Settings, TaskTracker, SHUTDOWN_REASON,
};
use sockeye_std::{
    Clients, Error, PeerAddr, Result, ServerOptions, ShutdownHandle, UpgradeRequest, Verdict,
};
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

/// Accepts a WebSocket upgrade on `stream`, letting an **async** callback
/// decide (look a token up in a database, call an auth service...). The
/// callback sees the request and returns a future of a [`Verdict`] (or of
/// a plain `Decision`); to keep the future free of borrows, copy what it
/// needs out of the request first. Returns the connection, the request,
/// and the context the verdict carried. A rejection is written (status,
/// headers, body) and reported as [`Error::Rejected`].
///
/// The handshake timeout of `options` covers reading the request and the
/// callback.
///
/// ```no_run
/// use sockeye_async_std::{ServerOptions, Verdict};
/// # async fn check_token(_: Option<String>) -> Option<String> { None }
/// # async fn run(stream: async_std::net::TcpStream) -> sockeye_async_std::Result<()> {
/// let (mut ws, request, user) = sockeye_async_std::accept_async(stream, &ServerOptions::default(), |req| {
///     let token = req.headers.get("Authorization").map(String::from);
///     async move {
///         match check_token(token).await {
///             Some(user) => Verdict::accept(user),
///             None => Verdict::reject(401).with_header("WWW-Authenticate", "Bearer"),
///         }
///     }
/// })
/// .await?;
/// ws.send(format!("hello {user}, you asked for {}", request.path)).await?;
/// # Ok(()) }
/// ```
pub async fn accept_async<S, F, Fut, V, C>(
    stream: S,
    options: &ServerOptions,
    callback: F,
) -> Result<(WebSocketStream<S>, UpgradeRequest, C)>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr + 'static,
    F: FnOnce(&UpgradeRequest) -> Fut,
    Fut: Future<Output = V>,
    V: Into<Verdict<C>>,
{
    let handshake = async move {
        let peer_addr = stream.peer_addr();
        let _ = stream.set_nodelay(options.nodelay);
        let conn = Connection::server(options.config.clone());
        let io = Io::with_shutdown_hook(stream);
        // Boxed while the handshake runs: the future awaiting it (usually a
        // connection task, alive as long as the connection) then holds a
        // pointer, not a second copy of the driver's room.
        let mut driver = Box::new(Driver::new(io, conn, options.write_buffer_limit));
        driver.set_http_handler(options.http_handler.clone());
        match accept_verdict(&mut driver, peer_addr, callback).await {
            Ok((request, context)) => Ok((
                WebSocketStream::from_driver(*driver, options.close_timeout),
                request,
                context,
            )),
            Err(e) => {
                // async-std's streams only flush in `poll_close`: end the
                // stream so that the rejected client sees it.
                let _ = poll_fn(|cx| driver.poll_shutdown(cx)).await;
                Err(e)
            }
        }
    };
    timeout(options.handshake_timeout, handshake)
        .await
        .unwrap_or(Err(Error::HandshakeTimeout))
}

/// One accepted connection, as the connection handler gets it (ws's
/// `connection` event): the connection (`client.ws`), the upgrade request
/// (path, headers, `peer_addr`, `forwarded_for()`), the context the accept
/// callback handed over, its id, and the server's clients.
pub type Client<C> = Accepted<WebSocketStream<TcpStream>, C>;

/// A connection's task, as the server hands it to its spawner.
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

type Spawner = Arc<dyn Fn(Task) + Send + Sync>;

/// A WebSocket server on a TCP listener (ws's `WebSocketServer`) for
/// async-std and smol: connection tasks go to `async_std::task::spawn`
/// unless [`spawner`](Self::spawner) says otherwise (`smol::spawn`, an
/// executor of your own).
///
/// ```no_run
/// use sockeye_async_std::{Decision, Server};
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
pub struct Server {
    listener: TcpListener,
    options: ServerOptions,
    settings: Settings,
    clients: Clients,
    shutdown: ShutdownHandle,
    spawner: Spawner,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("listener", &self.listener)
            .field("settings", &self.settings)
            .field("clients", &self.clients)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Binds `addr` (ws's `host` and `port`; port 0 picks a free one).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<Server> {
        Ok(Server::from_listener(TcpListener::bind(addr).await?))
    }

    /// Serves on a listener you made (`std::net::TcpListener` converts
    /// with `.into()`).
    pub fn from_listener(listener: TcpListener) -> Server {
        Server {
            listener,
            options: ServerOptions::default(),
            settings: Settings::default(),
            clients: Clients::new(true),
            shutdown: ShutdownHandle::default(),
            spawner: Arc::new(|task| {
                async_std::task::spawn(task);
            }),
        }
    }

    /// Runs connection tasks with `spawn` instead of
    /// `async_std::task::spawn`: `|task| smol::spawn(task).detach()` under
    /// smol.
    pub fn spawner(mut self, spawn: impl Fn(Task) + Send + Sync + 'static) -> Self {
        self.spawner = Arc::new(spawn);
        self
    }

    sockeye_std::server_settings!();

    /// Accepts connections until [`ShutdownHandle::shutdown`], each in its
    /// own task.
    ///
    /// For each upgrade request, `accept` decides (asynchronously: it
    /// returns a future of a [`Verdict`] or of a plain `Decision`); a
    /// rejection is answered with its status and headers. Accepted
    /// connections go to `handler` as a [`Client`], with the context the
    /// verdict carried. When the handler returns, the connection is
    /// dropped (close it first for a clean ending). Plain HTTP requests are
    /// answered by `ServerOptions::http_handler` (426 without one), and
    /// failed handshakes are dropped.
    ///
    /// After a shutdown, sends every client a close frame with 1001, waits
    /// up to the shutdown timeout for the handlers, then ends the ones
    /// still running (at their next poll) and returns. Returns early with
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
        let tracker = TaskTracker::default();
        let mut stop = pin!(self.shutdown.wait());
        let result = loop {
            let next = {
                let mut accepting = pin!(self.listener.accept());
                poll_fn(|cx| {
                    if stop.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(None);
                    }
                    accepting.as_mut().poll(cx).map(Some)
                })
                .await
            };
            let stream = match next {
                None => break Ok(()),
                Some(Ok((stream, _))) => stream,
                // Per-connection failures must not stop the server.
                Some(Err(e)) if is_transient(&e) => {
                    async_io::Timer::after(Duration::from_millis(20)).await;
                    continue;
                }
                Some(Err(e)) => break Err(e),
            };
            let accept = accept.clone();
            let handler = handler.clone();
            let options = options.clone();
            let clients = self.clients.clone();
            let settings = self.settings.clone();
            let connection = tracker.abortable(async move {
                let decide = |request: &UpgradeRequest| {
                    settings.seat_when(accept(request), &clients, request.peer_addr)
                };
                let Ok((ws, request, (context, seat))) =
                    accept_async(stream, &options, decide).await
                else {
                    return;
                };
                let (client, registration) =
                    settings.admit(seat, ws, |ws| &mut ws.extras, request, context);
                handler(client).await;
                drop(registration);
            });
            let guard = tracker.enter();
            (self.spawner)(Box::pin(async move {
                connection.await;
                drop(guard);
            }));
        };
        drop(self.listener);
        self.clients
            .close_all(CloseCode::GOING_AWAY, SHUTDOWN_REASON);
        let drained = timeout(Some(self.settings.shutdown_timeout), tracker.wait_idle());
        if drained.await.is_none() {
            tracker.abort_all();
            // Aborted tasks end at their next poll, which the abort wakes.
            let _ = timeout(Some(Duration::from_secs(1)), tracker.wait_idle()).await;
        }
        result
    }
}
