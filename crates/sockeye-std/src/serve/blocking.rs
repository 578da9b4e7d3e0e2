//! The blocking server: a thread per connection.

use super::clients::{ClientId, Clients};
use super::keepalive::{Deadline, Extras};
use super::outbox::Outbox;
use super::signal::{ShutdownHandle, TaskTracker};
use super::verdict::Verdict;
use super::{is_transient, Settings, SHUTDOWN_REASON};
use crate::error::{Error, Result};
use crate::options::ServerOptions;
use crate::server::{with_deadline, UpgradeRequest};
use crate::websocket::WebSocket;
use sockeye_proto::{CloseCode, Message};
use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// One accepted connection, as the blocking connection handler gets it
/// (ws's `connection` event: the socket and the request).
///
/// Receive with [`recv`](Self::recv), not through [`ws_mut`](Self::ws_mut):
/// `recv` is what writes broadcasts and the shutdown close, and runs the
/// heartbeat.
#[derive(Debug)]
pub struct Client<C> {
    ws: WebSocket<TcpStream>,
    extras: Extras<Deadline>,
    poll_interval: Duration,
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

impl<C> Client<C> {
    /// Reads the next message, like [`WebSocket::read`]; meanwhile writes
    /// what other threads broadcast to this client, starts the closing
    /// handshake when the server shuts down, and runs the heartbeat
    /// ([`Error::HeartbeatTimeout`] drops a peer that stopped answering).
    ///
    /// A blocking socket cannot be woken by another thread, so while no
    /// message arrives, this looks at its mailbox every poll interval
    /// ([`Server::poll_interval`]).
    pub fn recv(&mut self) -> Result<Message> {
        loop {
            if self.extras.ended {
                return Err(Error::ConnectionClosed);
            }
            let mut cx = Context::from_waker(Waker::noop());
            if let Err(e) = self.extras.before_recv(&mut cx, self.ws.connection_mut()) {
                // No closing handshake with a dead or slow peer.
                self.extras.ended = true;
                self.ws.close_transport();
                return Err(e);
            }
            if self.ws.connection().has_output() {
                self.ws.flush()?;
            }
            self.ws
                .get_mut()
                .set_read_timeout(Some(self.poll_interval))?;
            match self.ws.read() {
                Ok(message) => {
                    self.extras.after_recv(&Poll::Ready(Some(Ok(()))));
                    return Ok(message);
                }
                Err(Error::Io(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends a message and writes it out (see [`WebSocket::send`]).
    pub fn send(&mut self, message: impl Into<Message>) -> Result<()> {
        self.ws.send(message)
    }

    /// Closes the connection cleanly (see [`WebSocket::close`]).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        self.ws.set_read_deadline(None)?;
        self.ws.close(code, reason)
    }

    /// The connection itself, for what `Client` does not wrap.
    pub fn ws(&self) -> &WebSocket<TcpStream> {
        &self.ws
    }

    /// The connection, mutably: send with it freely, but receive with
    /// [`recv`](Self::recv).
    pub fn ws_mut(&mut self) -> &mut WebSocket<TcpStream> {
        &mut self.ws
    }
}

/// A blocking WebSocket server on a TCP listener (ws's `WebSocketServer`),
/// with a thread per connection.
///
/// ```no_run
/// use sockeye_std::{Decision, Server};
/// let server = Server::bind("127.0.0.1:8080")?;
/// server.serve(
///     |_request| Decision::accept(),
///     |mut client| {
///         while let Ok(message) = client.recv() {
///             if message.is_text() || message.is_binary() {
///                 client.clients.broadcast_except(client.id, message);
///             }
///         }
///     },
/// )?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    options: ServerOptions,
    settings: Settings,
    clients: Clients,
    poll_interval: Duration,
    shutdown: ShutdownHandle,
}

impl Server {
    /// Binds `addr` (port 0 picks a free one).
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Server> {
        Ok(Server::from_listener(TcpListener::bind(addr)?))
    }

    /// Serves on a listener you made.
    pub fn from_listener(listener: TcpListener) -> Server {
        Server {
            listener,
            options: ServerOptions::default(),
            settings: Settings::default(),
            clients: Clients::new(true),
            poll_interval: Duration::from_millis(50),
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
        self.settings.client_tracking = on;
        self.clients = Clients::new(on);
        self
    }

    /// Pings every client every `interval` and drops those that do not
    /// answer within the next interval (ws's heartbeat recipe). Off by
    /// default.
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.settings.heartbeat = Some(interval);
        self
    }

    /// How long a shutdown waits for handlers to finish after the close
    /// frames went out, before cutting the connections. Default 5 s.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = timeout;
        self
    }

    /// The most broadcast output that may wait for one client before it is
    /// disconnected as too slow. Default 16 MiB.
    pub fn broadcast_limit(mut self, bytes: usize) -> Self {
        self.settings.broadcast_limit = bytes;
        self
    }

    /// How often an idle connection looks at its mailbox (broadcasts, the
    /// shutdown close) and its heartbeat: the most a broadcast waits before
    /// it is written. Default 50 ms.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
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

    /// Accepts connections until [`ShutdownHandle::shutdown`], each on its
    /// own thread, blocking the calling thread.
    ///
    /// For each upgrade request, `accept` decides with a [`Verdict`] (or a
    /// plain `Decision`); a rejection is answered with its status and
    /// headers. Accepted connections go to `handler` as a [`Client`], with
    /// the context the verdict carried; when the handler returns, the
    /// connection is dropped. Failed handshakes are dropped.
    ///
    /// After a shutdown, sends every client a close frame with 1001, waits
    /// up to the shutdown timeout for the handlers, then cuts the
    /// remaining sockets and returns (within about one more second).
    pub fn serve<A, V, C, H>(self, accept: A, handler: H) -> io::Result<()>
    where
        A: Fn(&UpgradeRequest) -> V + Send + Sync + 'static,
        V: Into<Verdict<C>>,
        C: Send + 'static,
        H: Fn(Client<C>) + Send + Sync + 'static,
    {
        let accept = Arc::new(accept);
        let handler = Arc::new(handler);
        let options = Arc::new(self.options);
        let tracker = TaskTracker::default();
        let sockets = Sockets::default();
        let waker = wake_on_shutdown(self.shutdown.clone(), self.listener.local_addr()?);
        let result = loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(_) if self.shutdown.is_shutting_down() => break Ok(()),
                Err(e) if is_transient(&e) => {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                Err(e) => break Err(e),
            };
            if self.shutdown.is_shutting_down() {
                break Ok(());
            }
            let guard = tracker.enter();
            let socket = sockets.insert(&stream);
            let accept = accept.clone();
            let handler = handler.clone();
            let options = options.clone();
            let clients = self.clients.clone();
            let settings = self.settings.clone();
            let poll_interval = self.poll_interval;
            let sockets = sockets.clone();
            let spawned = std::thread::Builder::new()
                .name("sockeye-connection".into())
                .spawn(move || {
                    let _guard = guard;
                    if let Some((ws, request, context)) = handshake(stream, &options, &*accept) {
                        let outbox = Arc::new(Outbox::new(settings.broadcast_limit));
                        let registration = clients.register(outbox.clone(), request.peer_addr);
                        let mut extras = Extras::default();
                        extras.outbox = Some(outbox);
                        extras.set_heartbeat(settings.heartbeat);
                        handler(Client {
                            ws,
                            extras,
                            poll_interval,
                            request,
                            context,
                            id: registration.id,
                            clients,
                        });
                    }
                    sockets.remove(socket);
                });
            // Out of threads: the connection is dropped with the closure.
            drop(spawned);
        };
        // Wakes the helper thread if serve ends with an error.
        self.shutdown.shutdown();
        drop(self.listener);
        let _ = waker.join();
        self.clients
            .close_all(CloseCode::GOING_AWAY, SHUTDOWN_REASON);
        if !tracker.wait_idle_blocking(Some(self.settings.shutdown_timeout)) {
            sockets.cut_all();
            tracker.wait_idle_blocking(Some(Duration::from_secs(1)));
        }
        result
    }
}

/// The opening handshake, asking `accept` with the request.
fn handshake<A, V, C>(
    stream: TcpStream,
    options: &ServerOptions,
    accept: &A,
) -> Option<(WebSocket<TcpStream>, UpgradeRequest, C)>
where
    A: Fn(&UpgradeRequest) -> V,
    V: Into<Verdict<C>>,
{
    let _ = stream.set_nodelay(options.nodelay);
    let mut ws = WebSocket::server(stream, options);
    let mut accepted = None;
    let result = with_deadline(&mut ws, options.handshake_timeout, |ws| {
        ws.server_handshake(|request| {
            let (decision, context) = accept(request).into().into_decision();
            accepted = context.map(|c| (request.clone(), c));
            decision
        })
    });
    let (request, context) = accepted.filter(|_| result.is_ok())?;
    Some((ws, request, context))
}

/// The live connections' sockets, to cut them when a shutdown times out.
#[derive(Clone, Debug, Default)]
struct Sockets(Arc<(AtomicU64, Mutex<HashMap<u64, TcpStream>>)>);

impl Sockets {
    fn insert(&self, stream: &TcpStream) -> u64 {
        let key = self.0 .0.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            self.lock().insert(key, clone);
        }
        key
    }

    fn remove(&self, key: u64) {
        self.lock().remove(&key);
    }

    fn cut_all(&self) {
        for stream in self.lock().values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.0 .1.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A thread that, once the shutdown starts, connects to the listener so
/// that the blocked `accept` returns.
fn wake_on_shutdown(stop: ShutdownHandle, addr: SocketAddr) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        stop.wait_blocking(None);
        let mut addr = addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    })
}
