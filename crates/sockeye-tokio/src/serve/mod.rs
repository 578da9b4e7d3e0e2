//! A WebSocket server that binds a port, accepts, tracks its clients,
//! broadcasts, runs heartbeats and shuts down gracefully: ws's
//! `WebSocketServer`.

pub use sockeye_std::serve::{ClientId, Clients, ShutdownHandle, Verdict};

use crate::io::TokioIo;
use crate::timeout::with_handshake_timeout;
use crate::websocket::WebSocketStream;
use sockeye_proto::{CloseCode, Connection};
use sockeye_std::driver::Driver;
use sockeye_std::serve::{accept_verdict, is_transient, Accepted, Settings, SHUTDOWN_REASON};
use sockeye_std::{PeerAddr, Result, ServerOptions, UpgradeRequest};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::task::JoinSet;

/// One accepted connection, as the connection handler gets it (ws's
/// `connection` event): the connection (`client.ws`), the upgrade request
/// (path, headers, `peer_addr`, `forwarded_for()`), the context the accept
/// callback handed over, its id, and the server's clients.
pub type Client<C> = Accepted<WebSocketStream<TcpStream>, C>;

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
    settings: Settings,
    clients: Clients,
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
            settings: Settings::default(),
            clients: Clients::new(true),
            shutdown: ShutdownHandle::default(),
        }
    }

    sockeye_std::server_settings!();

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
        let stop = self.shutdown.wait();
        tokio::pin!(stop);
        loop {
            let (stream, _) = tokio::select! {
                _ = &mut stop => break,
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
            let settings = self.settings.clone();
            tasks.spawn(async move {
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
        }
        drop(self.listener);
        self.clients
            .close_all(CloseCode::GOING_AWAY, SHUTDOWN_REASON);
        let drained = tokio::time::timeout(self.settings.shutdown_timeout, async {
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

/// Accepts a WebSocket upgrade on `stream`, letting an **async** callback
/// decide (look a token up in a database, call an auth service...). The
/// callback sees the request and returns a future of a [`Verdict`]; to
/// keep the future `'static`, copy what it needs out of the request first.
/// Returns the connection, the request, and the context the verdict
/// carried. A rejection is written and reported as
/// [`Error::Rejected`](crate::Error::Rejected).
///
/// The handshake timeout of `options` covers reading the request and the
/// callback.
///
/// ```no_run
/// use sockeye_tokio::{ServerOptions, Verdict};
/// # async fn check_token(_: Option<String>) -> Option<String> { None }
/// # async fn run(stream: tokio::net::TcpStream) -> sockeye_tokio::Result<()> {
/// let (mut ws, request, user) = sockeye_tokio::accept_async(stream, &ServerOptions::default(), |req| {
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
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr,
    F: FnOnce(&UpgradeRequest) -> Fut,
    Fut: Future<Output = V>,
    V: Into<Verdict<C>>,
{
    let _ = stream.set_nodelay(options.nodelay);
    let peer_addr = stream.peer_addr();
    let conn = Connection::server(options.config.clone());
    // Boxed while the handshake runs: the future awaiting it (usually a
    // connection task, alive as long as the connection) then holds a
    // pointer, not a second copy of the driver's room.
    let mut driver = Box::new(Driver::new(
        TokioIo(stream),
        conn,
        options.write_buffer_limit,
    ));
    driver.set_http_handler(options.http_handler.clone());
    let handshake = accept_verdict(&mut driver, peer_addr, callback);
    let (upgrade, context) = with_handshake_timeout(options.handshake_timeout, handshake).await?;
    Ok((
        WebSocketStream::new(*driver, options.close_timeout),
        upgrade,
        context,
    ))
}
