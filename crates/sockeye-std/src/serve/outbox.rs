//! Messages queued on a connection from outside its task: broadcasts and
//! the server's shutdown close. The connection writes them the next time it
//! receives.

use sockeye_proto::{CloseCode, Connection, PreparedMessage};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Waker};

/// A connection's mailbox, shared between its task and the server.
#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    /// The connection's own output queue, as its task last saw it (after
    /// draining, and after each receive, which writes). Outside the lock:
    /// the task sets it after every receive.
    backlog: AtomicUsize,
    /// The most output (mailbox and the connection's own queue) a peer may
    /// leave unread before it is disconnected.
    limit: usize,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<PreparedMessage>,
    queued_bytes: usize,
    close: Option<(CloseCode, String)>,
    overflow: bool,
    waker: Option<Waker>,
}

impl Outbox {
    /// An empty mailbox that lets at most `limit` bytes of broadcast output
    /// wait for its connection; a server makes one per connection.
    pub fn new(limit: usize) -> Self {
        Outbox {
            state: Mutex::new(State::default()),
            backlog: AtomicUsize::new(0),
            limit,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a broadcast message. Returns `false` (and marks the peer as
    /// too slow) when that would exceed the limit.
    pub fn push(&self, message: &PreparedMessage) -> bool {
        let mut state = self.lock();
        if state.overflow || state.close.is_some() {
            return false;
        }
        let frame_len = message.frame().len();
        let backlog = self.backlog.load(Ordering::Relaxed);
        if state.queued_bytes + backlog + frame_len > self.limit {
            state.overflow = true;
            state.queue.clear();
        } else {
            state.queued_bytes += frame_len;
            state.queue.push_back(message.clone());
        }
        let queued = !state.overflow;
        if let Some(w) = state.waker.take() {
            w.wake();
        }
        queued
    }

    /// Asks the connection to start the closing handshake.
    pub fn request_close(&self, code: CloseCode, reason: &str) {
        let mut state = self.lock();
        state.close = Some((code, reason.into()));
        if let Some(w) = state.waker.take() {
            w.wake();
        }
    }

    /// Records how much output the connection still has queued, for the
    /// limit: its task calls it after writing, so that bytes already sent
    /// no longer count against the next broadcast.
    pub fn set_backlog(&self, output_len: usize) {
        self.backlog.store(output_len, Ordering::Relaxed);
    }

    /// Moves what is queued onto `conn` and remembers `cx` to be woken for
    /// the next message. Returns `false` if the peer was too slow.
    pub fn drain(&self, cx: &Context<'_>, conn: &mut Connection) -> bool {
        let mut state = self.lock();
        if state.overflow {
            return false;
        }
        while let Some(message) = state.queue.pop_front() {
            // A connection that is closing drops broadcasts: nothing to do.
            let _ = conn.send_prepared(&message);
        }
        state.queued_bytes = 0;
        if let Some((code, reason)) = state.close.take() {
            let _ = conn.close(code, &reason);
        }
        self.set_backlog(conn.output_len());
        match &state.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        true
    }
}
