//! The blocking server: a thread per connection.

use super::clients::Clients;
use super::keepalive::{Deadline, Extras};
use super::signal::{ShutdownHandle, TaskTracker};
use super::verdict::Verdict;
use super::{is_transient, Accepted, Settings, SHUTDOWN_REASON};
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

/// One accepted connection, as the blocking connection handler gets it:
/// the connection (`client.ws`), the request, the accept callback's
/// context, its id and the server's clients.
pub type Client<C> = Accepted<ServerSocket, C>;

/// A server's blocking connection. Receive with [`recv`](Self::recv):
/// it is what writes broadcasts and the shutdown close, and runs the
/// heartbeat.
#[derive(Debug)]
pub struct ServerSocket {
    ws: WebSocket<TcpStream>,
    extras: Extras<Deadline>,
    poll_interval: Duration,
    /// The socket's writes wait at most a poll interval (set by `recv`,
    /// cleared before the handler writes itself).
    write_timeout: bool,
}

impl ServerSocket {
    /// Reads the next message, like [`WebSocket::read`]; meanwhile writes
    /// what other threads broadcast to this client, starts the closing
    /// handshake when the server shuts down, and runs the heartbeat
    /// ([`Error::HeartbeatTimeout`] drops a peer that stopped answering).
    ///
    /// A blocking socket cannot be woken by another thread, so while no
    /// message arrives, this looks at its mailbox every poll interval
    /// ([`Server::poll_interval`]).
    ///
    /// [`WebSocket::read`]: crate::WebSocket::read
    pub fn recv(&mut self) -> Result<Message> {
        // A peer that does not read must not hold this thread in a write:
        // each write waits a poll interval at most, then the loop goes on
        // (the mailbox's limit and the heartbeat are checked every turn).
        // Set once for a run of receives; the handler's own writes block as
        // usual (see `blocking_writes`).
        if !self.write_timeout {
            self.ws
                .get_ref()
                .set_write_timeout(Some(self.poll_interval))?;
            self.write_timeout = true;
        }
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
                match self.ws.flush() {
                    Err(Error::Io(e))
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) => {}
                    other => other?,
                }
            }
            self.extras.note_output(self.ws.connection());
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
        self.blocking_writes()?;
        self.ws.send(message)
    }

    /// Closes the connection cleanly (see [`WebSocket::close`]).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        self.blocking_writes()?;
        self.ws.set_read_deadline(None)?;
        self.ws.close(code, reason)
    }

    /// Takes away the poll-interval write timeout `recv` sets, before the
    /// handler writes itself: its writes block until done, as on any
    /// blocking socket.
    fn blocking_writes(&mut self) -> Result<()> {
        if self.write_timeout {
            self.ws.get_ref().set_write_timeout(None)?;
            self.write_timeout = false;
        }
        Ok(())
    }

    /// The connection itself, for what `ServerSocket` does not wrap.
    pub fn get_ref(&self) -> &WebSocket<TcpStream> {
        &self.ws
    }

    /// The connection, mutably: send with it freely, but receive with
    /// [`recv`](Self::recv).
    pub fn get_mut(&mut self) -> &mut WebSocket<TcpStream> {
        // Should this fail, the handler's writes through it may return
        // early, queued, rather than block (see `WebSocket::send`).
        let _ = self.blocking_writes();
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
///         while let Ok(message) = client.ws.recv() {
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
    shutdown: ShutdownHandle,
    poll_interval: Duration,
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

    crate::server_settings!();

    /// How often an idle connection looks at its mailbox (broadcasts, the
    /// shutdown close) and its heartbeat: the most a broadcast waits before
    /// it is written. Default 50 ms.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
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
                    let decide = |request: &UpgradeRequest| {
                        settings.seat(accept(request).into(), &clients, request.peer_addr)
                    };
                    if let Some((ws, request, (context, seat))) =
                        handshake(stream, &options, decide)
                    {
                        let ws = ServerSocket {
                            ws,
                            extras: Extras::default(),
                            poll_interval,
                            write_timeout: false,
                        };
                        let (client, _registration) =
                            settings.admit(seat, ws, |ws| &mut ws.extras, request, context);
                        handler(client);
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
    accept: A,
) -> Option<(WebSocket<TcpStream>, UpgradeRequest, C)>
where
    A: FnOnce(&UpgradeRequest) -> V,
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
