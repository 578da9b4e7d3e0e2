//! What a connection does besides protocol work while it receives: send
//! heartbeat pings and drop a peer that stops answering (ws's `isAlive`
//! recipe), and write what the server queued for it (broadcasts, the
//! shutdown close). The bookkeeping is here once; each adapter brings its
//! runtime's timer.

use super::outbox::Outbox;
use crate::driver::{AsyncTransport, Driver, RecvHalf};
use crate::error::{Error, Result};
use sockeye_proto::{Connection, Message, State};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A resettable one-shot timer of some runtime (tokio's `Sleep`,
/// async-io's `Timer`, a plain deadline for blocking sockets), which the
/// heartbeat runs on. Adapters implement it; applications never need to.
pub trait HeartbeatTimer: Send {
    /// A timer that fires `after` from now.
    fn start(after: Duration) -> Self
    where
        Self: Sized;

    /// Ready once the timer fired; registers `cx` to be woken when it does.
    fn poll_fire(&mut self, cx: &mut Context<'_>) -> Poll<()>;

    /// Re-arms the timer to fire `after` from now.
    fn restart(&mut self, after: Duration);
}

/// The timer of blocking connections: a deadline, checked every time the
/// connection looks at it (it never wakes anyone).
#[derive(Debug)]
pub struct Deadline(Instant);

impl HeartbeatTimer for Deadline {
    fn start(after: Duration) -> Self {
        Deadline(Instant::now() + after)
    }

    fn poll_fire(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn restart(&mut self, after: Duration) {
        self.0 = Instant::now() + after;
    }
}

/// A ping every `interval`; a peer that has sent nothing (no pong, no
/// message) for a whole interval after a ping is dead.
#[derive(Debug)]
struct Heartbeat<T> {
    interval: Duration,
    timer: T,
    /// A ping is out and nothing has arrived since.
    awaiting: bool,
}

/// The extras a connection runs while receiving, empty by default: the
/// heartbeat and the server's mailbox. Adapters keep one next to each
/// connection and call [`before_recv`](Self::before_recv) and
/// [`after_recv`](Self::after_recv) around every receive.
#[derive(Debug)]
pub struct Extras<T> {
    heartbeat: Option<Box<Heartbeat<T>>>,
    /// The server's mailbox for this connection, if a server runs it.
    pub outbox: Option<Arc<Outbox>>,
    /// The connection was dropped by the heartbeat, as too slow, or
    /// because the peer did not answer its close frame in time.
    pub ended: bool,
    /// How long the peer has to answer a close frame this end sent, while
    /// the application receives (see [`Extras::new`]; `None`: no limit).
    close_timeout: Option<Duration>,
    /// Runs from when the connection was first seen closing.
    closing: Option<Box<T>>,
}

impl<T> Default for Extras<T> {
    fn default() -> Self {
        Extras {
            heartbeat: None,
            outbox: None,
            ended: false,
            close_timeout: None,
            closing: None,
        }
    }
}

impl<T> Extras<T> {
    /// The extras of an async connection whose peer has `close_timeout` to
    /// answer a close frame this end sent, while the application receives.
    /// The `close` methods have their own timer; this one covers a close
    /// sent otherwise (a split writer's, a `Sink`'s, a server's shutdown)
    /// while `recv` waits for the reply: then [`Error::CloseTimeout`], and
    /// the transport is shut down.
    pub fn new(close_timeout: Duration) -> Self {
        Extras {
            close_timeout: Some(close_timeout),
            ..Extras::default()
        }
    }
}

impl<T: HeartbeatTimer> Extras<T> {
    /// Turns the heartbeat on with this interval, or off with `None`.
    pub fn set_heartbeat(&mut self, interval: Option<Duration>) {
        self.heartbeat = interval.map(|interval| {
            Box::new(Heartbeat {
                interval,
                timer: T::start(interval),
                awaiting: false,
            })
        });
    }

    /// Before receiving: queues broadcasts, a requested close and a due
    /// heartbeat ping on `conn`. An error ([`Error::SlowPeer`],
    /// [`Error::HeartbeatTimeout`], [`Error::CloseTimeout`]) means the
    /// connection must end now.
    pub fn before_recv(&mut self, cx: &mut Context<'_>, conn: &mut Connection) -> Result<()> {
        if let Some(outbox) = &self.outbox {
            if !outbox.drain(cx, conn) {
                return Err(Error::SlowPeer);
            }
        }
        if let Some(hb) = &mut self.heartbeat {
            while hb.timer.poll_fire(cx).is_ready() {
                if hb.awaiting {
                    return Err(Error::HeartbeatTimeout);
                }
                // A connection that is closing cannot ping; the close
                // timeout covers it.
                let _ = conn.ping(b"");
                hb.awaiting = true;
                hb.timer.restart(hb.interval);
            }
        }
        if let (Some(after), State::Closing) = (self.close_timeout, conn.state()) {
            let timer = self
                .closing
                .get_or_insert_with(|| Box::new(T::start(after)));
            if timer.poll_fire(cx).is_ready() {
                return Err(Error::CloseTimeout);
            }
        }
        Ok(())
    }

    /// After a receive, which writes what it can: tells the mailbox how
    /// much output is still queued, so that written broadcasts stop
    /// counting against the limit.
    pub fn note_output(&self, conn: &Connection) {
        if let Some(outbox) = &self.outbox {
            outbox.set_backlog(conn.output_len());
        }
    }

    /// After receiving: anything from the peer proves it is alive.
    pub fn after_recv<M>(&mut self, result: &Poll<Option<Result<M>>>) {
        if let (Some(hb), Poll::Ready(Some(Ok(_)))) = (&mut self.heartbeat, result) {
            hb.awaiting = false;
        }
    }
}

impl<T: HeartbeatTimer> Extras<T> {
    /// An async connection's receive: the extras, then the driver. A dead
    /// or too slow peer gets no closing handshake: the transport is shut
    /// down and the error returned once, then `None`.
    pub fn poll_recv<D: AsyncTransport>(
        &mut self,
        cx: &mut Context<'_>,
        driver: &mut Driver<D>,
    ) -> Poll<Option<Result<Message>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        if let Err(e) = self.before_recv(cx, &mut driver.conn) {
            self.ended = true;
            let _ = driver.poll_shutdown(cx);
            return Poll::Ready(Some(Err(e)));
        }
        let result = driver.poll_recv(cx, true);
        self.after_recv(&result);
        self.note_output(&driver.conn);
        result
    }

    /// [`poll_recv`](Self::poll_recv) for the reading half of a split
    /// connection.
    pub fn poll_recv_half<D: AsyncTransport>(
        &mut self,
        cx: &mut Context<'_>,
        half: &RecvHalf<D>,
    ) -> Poll<Option<Result<Message>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        if let Err(e) = half.with_connection(|conn| self.before_recv(cx, conn)) {
            self.ended = true;
            // As unsplit: one attempt, without waiting for the peer.
            let _ = half.poll_shutdown(cx);
            return Poll::Ready(Some(Err(e)));
        }
        let result = half.poll_recv(cx);
        self.after_recv(&result);
        half.with_connection(|conn| self.note_output(conn));
        result
    }
}
