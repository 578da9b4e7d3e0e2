//! The connection: receive, send, close, split.

use crate::io::{timeout, Extras, Io};
use bytes::Bytes;
use futures_core::Stream;
use futures_io::{AsyncRead, AsyncWrite};
use futures_sink::Sink;
use sockeye_proto::{CloseCode, Connection, Message, State};
use sockeye_std::driver::{self, Driver, RecvHalf, SendHalf};
use sockeye_std::{Error, PeerAddr, Result};
use std::fmt;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A WebSocket connection over a futures-io stream (`AsyncRead +
/// AsyncWrite`): an `async_std::net::TcpStream`, a `smol::net::TcpStream`,
/// a TLS stream...
///
/// Receive with [`recv`](Self::recv) or as a [`Stream`]; send with
/// [`send`](Self::send) or as a [`Sink`] (`feed` several messages, then
/// `flush`, to write them together). Pings are answered automatically.
pub struct WebSocketStream<S> {
    driver: Driver<Io<S>>,
    close_timeout: Duration,
    /// Heartbeat and server mailbox.
    pub(crate) extras: Extras,
}

impl<S> fmt::Debug for WebSocketStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketStream")
            .field("conn", &self.driver.conn)
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketStream<S> {
    /// Wraps a stream and a connection whose handshake is complete (or that
    /// was opened with `Connection::open`, for example after an HTTP server
    /// performed the upgrade; feed it any bytes read past the request head).
    ///
    /// The transport is ended with `AsyncWrite::poll_close`, which for
    /// async-std's streams and `async_io::Async` only flushes; [`accept`]
    /// and [`connect`] also half-close those, so that the peer sees the end
    /// of the stream. Here, drop the stream once the connection is closed.
    ///
    /// [`accept`]: crate::accept
    /// [`connect`]: crate::connect
    pub fn from_parts(
        stream: S,
        conn: Connection,
        write_buffer_limit: usize,
        close_timeout: Duration,
    ) -> Self {
        WebSocketStream::from_driver(
            Driver::new(Io::new(stream), conn, write_buffer_limit),
            close_timeout,
        )
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

    /// Receives the next message, `None` once the connection is closed.
    /// Pings are answered automatically (and still returned). A received
    /// [`Message::Close`] means the peer closed; the reply is sent and the
    /// next call returns `None`.
    ///
    /// Cancel-safe: dropping the future (in a `select`) loses nothing, a
    /// partly received message stays buffered for the next call.
    pub async fn recv(&mut self) -> Option<Result<Message>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The polling form of [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.extras.poll_recv(cx, &mut self.driver)
    }

    /// Sends a message (text from `&str`/`String`, binary from
    /// `Vec<u8>`/`Bytes`/`&[u8]`, or any [`Message`]) and writes it out.
    /// Waits first while more than the write buffer limit is queued.
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<()> {
        let message = message.into();
        poll_fn(|cx| self.driver.poll_ready(cx)).await?;
        self.driver.queue(message)?;
        poll_fn(|cx| self.driver.poll_flush(cx)).await
    }

    /// Sends a ping (up to 125 bytes).
    pub async fn ping(&mut self, payload: impl Into<Bytes>) -> Result<()> {
        self.send(Message::Ping(payload.into())).await
    }

    /// Sends an unsolicited pong (up to 125 bytes), e.g. as a heartbeat.
    pub async fn pong(&mut self, payload: impl Into<Bytes>) -> Result<()> {
        self.send(Message::Pong(payload.into())).await
    }

    /// Closes the connection cleanly: sends a close frame with `code` and
    /// `reason` (up to 123 bytes), discards messages until the peer's close
    /// frame arrives, then ends the transport (a client waits for the
    /// server to end it first, RFC 6455 §7.1.1). Fails with
    /// [`Error::CloseTimeout`] after the close timeout (30 s by default),
    /// dropping the transport. After the peer closed, it just finishes the
    /// shutdown.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        self.driver.conn.close(code, reason)?;
        let handshake = poll_fn(|cx| self.driver.poll_close_handshake(cx));
        match timeout(Some(self.close_timeout), handshake).await {
            Some(result) => result,
            None => {
                self.shutdown_now();
                Err(Error::CloseTimeout)
            }
        }
    }

    /// Drops the connection at once, without a closing handshake (ws's
    /// `terminate`).
    pub fn terminate(mut self) {
        self.shutdown_now();
    }

    /// Splits the connection into a reader and a writer that can live in
    /// separate tasks. The reader still answers pings and close frames.
    /// [`WebSocketReader::reunite`] puts them back together.
    pub fn split(self) -> (WebSocketReader<S>, WebSocketWriter<S>) {
        let (recv, send) = driver::split(self.driver);
        (
            WebSocketReader {
                half: recv,
                extras: self.extras,
            },
            WebSocketWriter {
                half: send,
                close_timeout: self.close_timeout,
            },
        )
    }

    /// Shuts the transport's writing side down if it can be done without
    /// waiting (it can for TCP).
    fn shutdown_now(&mut self) {
        let mut cx = Context::from_waker(Waker::noop());
        let _ = self.driver.poll_shutdown(&mut cx);
    }
}

impl<S> WebSocketStream<S> {
    pub(crate) fn from_driver(driver: Driver<Io<S>>, close_timeout: Duration) -> Self {
        WebSocketStream {
            driver,
            close_timeout,
            extras: Extras::new(close_timeout),
        }
    }

    /// The connection's state.
    pub fn state(&self) -> State {
        self.driver.conn.state()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.driver.io.stream
    }

    /// The underlying stream, mutably (reading or writing it directly
    /// corrupts the connection).
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.driver.io.stream
    }

    /// The protocol state machine (negotiated role, configuration, queued
    /// output...).
    pub fn connection(&self) -> &Connection {
        &self.driver.conn
    }

    /// The peer's address, if the stream knows it.
    pub fn peer_addr(&self) -> Option<SocketAddr>
    where
        S: PeerAddr,
    {
        self.driver.io.stream.peer_addr()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketStream<S> {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx)
    }
}

/// `poll_ready` waits while more than the write buffer limit is queued,
/// `start_send` queues, `poll_flush` writes; `poll_close` sends an empty
/// close frame (if none was sent) and flushes it. Keep receiving to see the
/// peer's reply, or use [`WebSocketStream::close`].
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
        let driver = &mut self.get_mut().driver;
        if driver.conn.state() == State::Open {
            driver.queue(Message::Close(None))?;
        }
        driver.poll_flush(cx)
    }
}

/// The receiving half of a [split](WebSocketStream::split) connection. It
/// answers pings and the peer's close frame.
pub struct WebSocketReader<S> {
    half: RecvHalf<Io<S>>,
    extras: Extras,
}

/// The sending half of a [split](WebSocketStream::split) connection.
pub struct WebSocketWriter<S> {
    half: SendHalf<Io<S>>,
    close_timeout: Duration,
}

impl<S> fmt::Debug for WebSocketReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketReader").finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for WebSocketWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketWriter").finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketReader<S> {
    /// Receives the next message; see [`WebSocketStream::recv`]
    /// (cancel-safe as well).
    pub async fn recv(&mut self) -> Option<Result<Message>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The polling form of [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.extras.poll_recv_half(cx, &self.half)
    }

    /// Puts the two halves back together. Fails, returning both, if they
    /// come from different connections.
    pub fn reunite(
        self,
        writer: WebSocketWriter<S>,
    ) -> std::result::Result<WebSocketStream<S>, (WebSocketReader<S>, WebSocketWriter<S>)> {
        let close_timeout = writer.close_timeout;
        let extras = self.extras;
        match self.half.reunite(writer.half) {
            Ok(driver) => {
                let mut ws = WebSocketStream::from_driver(driver, close_timeout);
                ws.extras = extras;
                Ok(ws)
            }
            Err((recv, send)) => Err((
                WebSocketReader { half: recv, extras },
                WebSocketWriter {
                    half: send,
                    close_timeout,
                },
            )),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketReader<S> {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketWriter<S> {
    /// Sends a message and writes it out; see [`WebSocketStream::send`].
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<()> {
        let message = message.into();
        poll_fn(|cx| self.half.poll_ready(cx)).await?;
        self.half.queue(message)?;
        poll_fn(|cx| self.half.poll_flush(cx)).await
    }

    /// Starts the closing handshake: sends a close frame with `code` and
    /// `reason`, waiting at most the close timeout for it to be written
    /// ([`Error::CloseTimeout`]). The reader then receives the peer's close
    /// frame and ends.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        self.half.with_connection(|conn| conn.close(code, reason))?;
        let flush = poll_fn(|cx| self.half.poll_flush(cx));
        timeout(Some(self.close_timeout), flush)
            .await
            .unwrap_or(Err(Error::CloseTimeout))
    }
}

/// Like [`WebSocketStream`]'s `Sink`: `poll_close` sends an empty close
/// frame and flushes it; the reader sees the peer's reply.
impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocketWriter<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.half.poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<()> {
        self.half.queue(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.half.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.half.poll_close(cx)
    }
}
