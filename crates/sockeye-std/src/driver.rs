//! The poll-based engine of the async adapters.
//!
//! `sockeye-tokio` and `sockeye-async-std` differ only in their I/O traits
//! and timers. Each wraps its stream in an [`AsyncTransport`] and hands it to
//! a [`Driver`], which moves bytes between the transport and the
//! `Connection` in `poll_*` methods. All protocol state lives in the
//! `Connection`, so a receive future dropped half way (in a `select!`)
//! loses nothing: a partial frame stays in the connection's buffer.

use crate::error::{Error, Result};
use crate::options::{answer_http, HttpHandler};
use crate::queue::{queue_message, read_size, write_output};
use crate::read_pool;
use bytes::BytesMut;
use sockeye_proto::{Connection, Event, Message, Role, State};
use std::io::{self, IoSlice};

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll, Wake, Waker};

/// The I/O operations the driver needs, implemented by each async adapter
/// over its runtime's traits.
pub trait AsyncTransport: Unpin {
    /// Reads into `buf`'s spare capacity, after making room for at least
    /// `want` bytes (an implementation may read more when the buffer has
    /// more room, saving a system call); `Ok(0)` means the peer closed the
    /// stream.
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
        want: usize,
    ) -> Poll<io::Result<usize>>;
    /// Writes from several buffers at once.
    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;
    /// Flushes buffered writes.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Shuts down the writing side.
    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// A connection and its transport, driven by `poll_*` calls.
pub struct Driver<T> {
    /// The transport.
    pub io: T,
    /// The protocol state machine.
    pub conn: Connection,
    write_buffer_limit: usize,
    eof: bool,
    shut_down: bool,
    /// A handshake error whose HTTP response is still being written.
    pending_error: Option<Error>,
    /// The transport failed; the connection is over.
    io_failed: bool,
    http_handler: Option<HttpHandler>,
    /// A pong or close reply was queued since the last write.
    reply_queued: bool,
}

impl<T: AsyncTransport> Driver<T> {
    /// Drives `conn` over `io`; senders wait once more than
    /// `write_buffer_limit` bytes are queued.
    pub fn new(io: T, conn: Connection, write_buffer_limit: usize) -> Self {
        Driver {
            io,
            conn,
            write_buffer_limit,
            eof: false,
            shut_down: false,
            pending_error: None,
            io_failed: false,
            http_handler: None,
            reply_queued: false,
        }
    }

    /// Answers plain HTTP requests during the handshake with `handler`
    /// (default: 426 Upgrade Required). Servers pass
    /// `ServerOptions::http_handler`.
    pub fn set_http_handler(&mut self, handler: Option<HttpHandler>) {
        self.http_handler = handler;
    }

    /// Runs the opening handshake until its first event: `Event::Request`
    /// on a server (decide, then [`poll_flush`](Self::poll_flush)), or
    /// `Event::Connected` on a client. On a server, a malformed request's
    /// error response is written before the error is returned.
    pub fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<Result<Event>> {
        loop {
            if self.conn.has_output() {
                let flushed = self.poll_write_all(cx);
                if self.pending_error.is_some() {
                    if flushed.is_pending() {
                        return Poll::Pending;
                    }
                    let _ = self.poll_shutdown(cx);
                    return Poll::Ready(Err(self
                        .pending_error
                        .take()
                        .unwrap_or(Error::ConnectionClosed)));
                }
                ready!(flushed)?;
            }
            if let Some(e) = self.pending_error.take() {
                return Poll::Ready(Err(e));
            }
            match self.conn.poll_event() {
                Ok(Some(Event::HttpRequest(request))) => {
                    // A plain HTTP request: answer it, then report it.
                    let decision = answer_http(self.http_handler.as_ref(), &request);
                    let status = match &decision {
                        sockeye_proto::Decision::Reject { status, .. } => *status,
                        sockeye_proto::Decision::Accept { .. } => 426,
                    };
                    self.conn.decide(&decision)?;
                    self.pending_error = Some(Error::Rejected { status });
                    continue;
                }
                Ok(Some(event)) => return Poll::Ready(Ok(event)),
                Ok(None) => {}
                Err(e) => {
                    self.pending_error = Some(e.into());
                    continue;
                }
            }
            ready!(self.poll_fill(cx))?;
        }
    }

    /// Receives the next message (`None` once the connection is closed).
    /// Pings are answered and close frames replied to as they arrive, as
    /// far as the transport accepts writes (`may_write: false` leaves
    /// writing to a concurrent sender, see [`split`]).
    pub fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        may_write: bool,
    ) -> Poll<Option<Result<Message>>> {
        loop {
            match self.conn.poll_event() {
                Ok(Some(event)) => {
                    if let Some(message) = Message::from_event(event) {
                        // Answer pings and close frames once the input read
                        // so far is processed: a burst of pings gets one pong.
                        // Data messages alone write nothing here: the caller's
                        // replies to a burst then go out together, before the
                        // next read.
                        self.reply_queued |=
                            matches!(message, Message::Ping(_) | Message::Close(_));
                        if may_write
                            && self.reply_queued
                            && self.conn.has_output()
                            && self.conn.buffered_input() == 0
                        {
                            let _ = self.poll_flush(cx);
                        }
                        return Poll::Ready(Some(Ok(message)));
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    if may_write {
                        let _ = self.poll_flush(cx);
                    }
                    return Poll::Ready(Some(Err(e.into())));
                }
            }
            if self.conn.state() == State::Closed || self.eof || self.io_failed {
                if may_write && !self.io_failed {
                    ready!(self.poll_flush(cx)).ok();
                }
                return Poll::Ready(None);
            }
            if may_write && self.conn.has_output() {
                if let Poll::Ready(Err(e)) = self.poll_flush(cx) {
                    return Poll::Ready(Some(Err(e)));
                }
            }
            if let Err(e) = ready!(self.poll_fill(cx)) {
                self.io_failed = true;
                return Poll::Ready(Some(Err(e)));
            }
        }
    }

    /// Reads once into the connection. While the transport has nothing to
    /// read and nothing is buffered, the receive buffer is parked in the
    /// thread's [`read_pool`](crate::read_pool) rather than held by an idle
    /// connection.
    ///
    /// A buffer with no room left, because the messages of the last read
    /// were split off all of it, takes its allocation back first when those
    /// messages are gone (an echo written, a message dropped): a read that
    /// ends exactly on a frame boundary, the rule when a peer keeps the
    /// socket full of large messages, then reuses the same memory instead
    /// of allocating a new buffer per message.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let want = read_size(&self.conn);
        let buf = self.conn.input_buffer();
        if buf.capacity() == 0 && !buf.try_reclaim(want) {
            *buf = read_pool::take();
        }
        let polled = self.io.poll_read_buf(cx, buf, want);
        if polled.is_pending() && buf.is_empty() {
            read_pool::park(std::mem::take(buf));
        }
        match ready!(polled) {
            Ok(0) => {
                self.eof = true;
                self.conn.feed_eof();
                Poll::Ready(Ok(()))
            }
            Ok(_) => Poll::Ready(Ok(())),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(Error::Io(e))),
        }
    }

    /// Ready when another message may be queued: waits (flushing) while
    /// more than the write buffer limit is queued.
    pub fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if self.conn.output_len() >= self.write_buffer_limit {
            ready!(self.poll_write_all(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    /// Queues a message (call [`poll_ready`](Self::poll_ready) first to
    /// respect the write buffer limit).
    pub fn queue(&mut self, message: Message) -> Result<()> {
        if self.conn.state() == State::Closed {
            return Err(Error::ConnectionClosed);
        }
        queue_message(&mut self.conn, message)?;
        Ok(())
    }

    /// Writes everything queued and flushes the transport. A server whose
    /// closing handshake is over then shuts the transport down.
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        ready!(self.poll_write_all(cx))?;
        if self.conn.should_close_transport() && self.conn.role() == Role::Server {
            ready!(self.poll_shutdown(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    fn poll_write_all(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        while self.conn.has_output() {
            let io = &mut self.io;
            let written = ready!(write_output(&mut self.conn, |slices| {
                io.poll_write_vectored(cx, slices)
            }));
            match written {
                Ok(0) => return Poll::Ready(Err(Error::Io(io::ErrorKind::WriteZero.into()))),
                Ok(k) => self.conn.consume_output(k),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(Error::Io(e))),
            }
        }
        self.reply_queued = false;
        ready!(self.io.poll_flush(cx))?;
        Poll::Ready(Ok(()))
    }

    /// Shuts the transport's writing side down (once).
    pub fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if !self.shut_down {
            let r = ready!(self.io.poll_shutdown(cx));
            self.shut_down = true;
            if let Err(e) = r {
                if e.kind() != io::ErrorKind::NotConnected {
                    return Poll::Ready(Err(Error::Io(e)));
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Completes a closing handshake already started with
    /// `conn.close(..)`: writes the close frame, discards messages until the
    /// peer's close arrives, and (client) waits for the server to end the
    /// transport. Wrap it in the runtime's timeout.
    pub fn poll_close_handshake(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        ready!(self.poll_write_all(cx))?;
        while self.conn.state() != State::Closed && !self.eof {
            match ready!(self.poll_recv(cx, true)) {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Err(e)),
                None => break,
            }
        }
        ready!(self.poll_write_all(cx))?;
        if self.conn.role() == Role::Client {
            // The server closes TCP first (RFC 6455 §7.1.1).
            while !self.eof {
                self.conn.input_buffer().clear();
                if let Err(e) = ready!(self.poll_fill(cx)) {
                    return Poll::Ready(Err(e));
                }
            }
        }
        ready!(self.poll_shutdown(cx))?;
        Poll::Ready(Ok(()))
    }
}

/// The tasks of the two halves of a split connection, woken together.
///
/// Both halves read and write the one transport, and a transport remembers
/// one task per direction: the last that polled. Every poll of the
/// transport from either half therefore goes through one waker, this set,
/// which wakes both halves' tasks: whichever half the transport's readiness
/// concerns (a reader waiting to write a close reply, a writer whose send
/// was dropped half way, leaving the rest for the reader to write) gets to
/// run. Because the transport always sees the same waker, a runtime that
/// wakes the task it replaces (async-io does) has nobody to wake: the
/// halves cannot wake each other in a loop.
#[derive(Default)]
struct HalfWakers {
    recv: Mutex<Option<Waker>>,
    send: Mutex<Option<Waker>>,
}

impl HalfWakers {
    /// Records `waker` as the task of the half in `slot` (replacing it).
    fn set(slot: &Mutex<Option<Waker>>, waker: &Waker) {
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }
}

impl Wake for HalfWakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        for slot in [&self.recv, &self.send] {
            let waker = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

/// What the two halves made by [`split`] share: the connection and its
/// transport, and the waker every poll of the transport gets.
struct Shared<T> {
    driver: Mutex<Driver<T>>,
    wakers: Arc<HalfWakers>,
    /// `wakers` as a `Waker`.
    fan_out: Waker,
}

impl<T> Shared<T> {
    /// Runs `f` on the driver with the shared waker, after recording the
    /// calling task in `slot`.
    fn poll<R>(
        &self,
        cx: &Context<'_>,
        slot: fn(&HalfWakers) -> &Mutex<Option<Waker>>,
        f: impl FnOnce(&mut Driver<T>, &mut Context<'_>) -> R,
    ) -> R {
        HalfWakers::set(slot(&self.wakers), cx.waker());
        let mut shared_cx = Context::from_waker(&self.fan_out);
        f(&mut lock(&self.driver), &mut shared_cx)
    }
}

/// The receiving half of a split connection. It still answers pings.
pub struct RecvHalf<T>(Arc<Shared<T>>);

/// The sending half of a split connection.
pub struct SendHalf<T>(Arc<Shared<T>>);

/// Splits a driver into independently owned receive and send halves (each
/// may live in its own task).
pub fn split<T: AsyncTransport>(driver: Driver<T>) -> (RecvHalf<T>, SendHalf<T>) {
    let wakers = Arc::new(HalfWakers::default());
    let shared = Arc::new(Shared {
        driver: Mutex::new(driver),
        fan_out: Waker::from(wakers.clone()),
        wakers,
    });
    (RecvHalf(shared.clone()), SendHalf(shared))
}

fn lock<T>(m: &Mutex<Driver<T>>) -> MutexGuard<'_, Driver<T>> {
    // A panic in another half leaves consistent state: the connection's
    // methods do not panic half way.
    m.lock().unwrap_or_else(|poison| poison.into_inner())
}

impl<T: AsyncTransport> RecvHalf<T> {
    /// Receives the next message; see [`Driver::poll_recv`].
    pub fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.0
            .poll(cx, |w| &w.recv, |driver, cx| driver.poll_recv(cx, true))
    }

    /// Shuts the transport's writing side down, for a reader that gives
    /// up on its peer (a heartbeat timeout).
    pub fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.0
            .poll(cx, |w| &w.recv, |driver, cx| driver.poll_shutdown(cx))
    }

    /// Runs `f` on the connection (for example to queue a heartbeat ping
    /// or a broadcast message; the next `poll_recv` writes it).
    pub fn with_connection<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> R {
        f(&mut lock(&self.0.driver).conn)
    }

    /// Puts the halves back together. Fails (returning both) if they come
    /// from different connections.
    pub fn reunite(
        self,
        other: SendHalf<T>,
    ) -> std::result::Result<Driver<T>, (RecvHalf<T>, SendHalf<T>)> {
        if !Arc::ptr_eq(&self.0, &other.0) {
            return Err((self, other));
        }
        drop(other);
        match Arc::try_unwrap(self.0) {
            Ok(shared) => Ok(shared
                .driver
                .into_inner()
                .unwrap_or_else(|p| p.into_inner())),
            Err(arc) => Err((RecvHalf(arc.clone()), SendHalf(arc))),
        }
    }
}

impl<T: AsyncTransport> SendHalf<T> {
    /// See [`Driver::poll_ready`].
    pub fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.0
            .poll(cx, |w| &w.send, |driver, cx| driver.poll_ready(cx))
    }

    /// See [`Driver::queue`].
    pub fn queue(&self, message: Message) -> Result<()> {
        lock(&self.0.driver).queue(message)
    }

    /// See [`Driver::poll_flush`].
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.0
            .poll(cx, |w| &w.send, |driver, cx| driver.poll_flush(cx))
    }

    /// Starts the closing handshake and writes the close frame; the
    /// receive half sees the peer's reply.
    pub fn poll_close(&self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.0.poll(
            cx,
            |w| &w.send,
            |driver, cx| {
                if driver.conn.state() == State::Open {
                    driver.queue(Message::Close(None))?;
                }
                driver.poll_flush(cx)
            },
        )
    }

    /// Runs `f` on the connection (for example to queue a close with a
    /// code).
    pub fn with_connection<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> R {
        f(&mut lock(&self.0.driver).conn)
    }
}
