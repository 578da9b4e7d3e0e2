//! The connection type: receive, send, close, split.

use crate::io::TokioIo;
use crate::split::{WebSocketReader, WebSocketWriter};
use crate::timeout::Extras;
use bytes::Bytes;
use futures_core::Stream;
use futures_sink::Sink;
use sockeye_proto::{CloseCode, Connection, Message, State};
use sockeye_std::driver::{self, Driver};
use sockeye_std::{Error, PeerAddr, Result};
use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// A WebSocket connection over a tokio stream (`TcpStream`, `UnixStream`,
/// a TLS stream, a `DuplexStream`...).
///
/// Get one from [`connect`](crate::connect) or
/// [`client_handshake`](crate::client_handshake) as a client, or from
/// [`accept`](crate::accept) and friends as a server. Receive with
/// [`recv`](Self::recv) (or as a [`Stream`]), send with [`send`](Self::send)
/// (or as a [`Sink`]), end with [`close`](Self::close). Received pings are
/// answered automatically while you receive.
///
/// All protocol state lives in the connection, not in the futures, so
/// every method is cancel-safe: a `recv()` dropped half way through a
/// message (in a `select!`) loses nothing.
pub struct WebSocketStream<S> {
    pub(crate) driver: Driver<TokioIo<S>>,
    pub(crate) close_timeout: Duration,
    /// Heartbeat and server mailbox.
    pub(crate) extras: Extras,
}

impl<S> std::fmt::Debug for WebSocketStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketStream")
            .field("conn", &self.driver.conn)
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketStream<S> {
    /// Wraps a stream and a connection whose handshake is complete (for
    /// example one upgraded by an HTTP server, opened with
    /// `Connection::open`). Senders wait once more than
    /// `write_buffer_limit` bytes are queued; [`close`](Self::close) waits
    /// `close_timeout` for the peer's close frame.
    pub fn from_parts(
        stream: S,
        conn: Connection,
        write_buffer_limit: usize,
        close_timeout: Duration,
    ) -> Self {
        WebSocketStream::new(
            Driver::new(TokioIo(stream), conn, write_buffer_limit),
            close_timeout,
        )
    }

    pub(crate) fn new(driver: Driver<TokioIo<S>>, close_timeout: Duration) -> Self {
        WebSocketStream {
            driver,
            close_timeout,
            extras: Extras::new(close_timeout),
        }
    }

    /// Sends a ping every `interval` while the connection receives, and
    /// drops a peer that sends nothing back (no pong, no message) for a
    /// whole interval after a ping: [`recv`](Self::recv) then returns
    /// [`Error::HeartbeatTimeout`] and the transport is shut down. This is
    /// ws's `isAlive` heartbeat recipe, built in; `None` turns it off.
    ///
    /// The timer runs inside `recv` (and the `Stream`): keep receiving, as
    /// every connection should, for the heartbeat to work.
    pub fn set_heartbeat(&mut self, interval: Option<Duration>) {
        self.extras.set_heartbeat(interval);
    }

    /// [`set_heartbeat`](Self::set_heartbeat) as a builder:
    /// `connect(url).await?.0.heartbeat(Duration::from_secs(30))`.
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.set_heartbeat(Some(interval));
        self
    }

    /// Receives the next message: `None` once the connection is closed.
    ///
    /// Pings are answered automatically (and still returned, so you can see
    /// them). A received [`Message::Close`] means the peer closed: the reply
    /// has been sent, and the next call returns `None`. After an error
    /// (protocol violation, end of stream without a closing handshake,
    /// transport failure) the connection is finished: drop it.
    ///
    /// Cancel-safe: dropping the future (e.g. in `tokio::select!`) loses no
    /// data.
    pub async fn recv(&mut self) -> Option<Result<Message>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The poll form of [`recv`](Self::recv), for hand-written futures.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.extras.poll_recv(cx, &mut self.driver)
    }

    /// Sends a message (text from `&str`/`String`, binary from
    /// `Vec<u8>`/`&[u8]`/`Bytes`, or any [`Message`]) and returns once it is
    /// written to the stream. Waits first while more than the write buffer
    /// limit is queued (backpressure). To send many messages in one write,
    /// use the [`Sink`] methods (`feed`, then `flush`).
    ///
    /// Sending [`Message::Close`] starts the closing handshake without
    /// waiting for the reply; prefer [`close`](Self::close).
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<()> {
        let message = message.into();
        poll_fn(|cx| self.driver.poll_ready(cx)).await?;
        self.driver.queue(message)?;
        poll_fn(|cx| self.driver.poll_flush(cx)).await
    }

    /// Sends a ping with up to 125 bytes of payload. The peer's pong
    /// arrives through [`recv`](Self::recv).
    pub async fn ping(&mut self, payload: impl Into<Bytes>) -> Result<()> {
        self.send(Message::Ping(payload.into())).await
    }

    /// Sends an unsolicited pong (a one-way heartbeat) with up to 125 bytes
    /// of payload. Pings are answered automatically; you do not need this
    /// for that.
    pub async fn pong(&mut self, payload: impl Into<Bytes>) -> Result<()> {
        self.send(Message::Pong(payload.into())).await
    }

    /// Closes the connection cleanly: sends a close frame with `code` and
    /// `reason` (up to 123 bytes), discards messages until the peer's close
    /// frame arrives, then ends the transport (a client waits for the
    /// server to close TCP first, as RFC 6455 §7.1.1 asks).
    ///
    /// Gives up after the close timeout (30 s by default, see
    /// `ClientOptions::close_timeout`) with [`Error::CloseTimeout`], after
    /// shutting the transport down; drop the stream then. Closing a
    /// connection that is already closed returns `Ok`.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        self.driver.conn.close(code, reason)?;
        let handshake = poll_fn(|cx| self.driver.poll_close_handshake(cx));
        match tokio::time::timeout(self.close_timeout, handshake).await {
            Ok(result) => result,
            Err(_elapsed) => {
                // One attempt, without waiting: the peer is not cooperating.
                let _ = poll_fn(|cx| Poll::Ready(self.driver.poll_shutdown(cx))).await;
                Err(Error::CloseTimeout)
            }
        }
    }

    /// Drops the connection at once, without a closing handshake (ws's
    /// `terminate`): for peers that stopped answering.
    pub fn terminate(self) {
        drop(self);
    }

    /// Splits the connection into a reader and a writer that can live in
    /// different tasks. The reader still answers pings; after the writer's
    /// [`close`](WebSocketWriter::close), the reader sees the peer's reply.
    /// Put them back together with [`WebSocketReader::reunite`].
    pub fn split(self) -> (WebSocketReader<S>, WebSocketWriter<S>) {
        let (recv, send) = driver::split(self.driver);
        let mut reader = WebSocketReader::new(recv, self.close_timeout);
        reader.extras = self.extras;
        (reader, WebSocketWriter::new(send, self.close_timeout))
    }
}

impl<S> WebSocketStream<S> {
    /// Where the connection stands: `Open`, `Closing` (a close frame went
    /// one way) or `Closed`.
    pub fn state(&self) -> State {
        self.driver.conn.state()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.driver.io.0
    }

    /// The peer's address, if the stream has one.
    pub fn peer_addr(&self) -> Option<SocketAddr>
    where
        S: PeerAddr,
    {
        self.driver.io.0.peer_addr()
    }

    /// The protocol state machine (limits in force, bytes queued for
    /// output...).
    pub fn connection(&self) -> &Connection {
        &self.driver.conn
    }
}

/// Received messages; ends (`None`) once the connection is closed. See
/// [`WebSocketStream::recv`].
impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketStream<S> {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx)
    }
}

/// Sending messages. `poll_ready` waits while more than the write buffer
/// limit is queued; `start_send` queues; `poll_flush` writes everything
/// queued; `poll_close` sends a close frame (if the connection is still
/// open) and flushes, without waiting for the peer's reply (use
/// [`WebSocketStream::close`] for the whole closing handshake).
impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocketStream<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.get_mut().driver.poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<()> {
        self.get_mut().driver.queue(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.get_mut().driver.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        if this.driver.conn.state() == State::Open {
            this.driver.queue(Message::Close(None))?;
        }
        this.driver.poll_flush(cx)
    }
}
