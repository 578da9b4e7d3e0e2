//! What a connection does besides protocol work while it receives: send
//! heartbeat pings and drop a peer that stops answering (ws's `isAlive`
//! recipe), and write what the server queued for it (broadcasts, the
//! shutdown close).

use crate::outbox::Outbox;
use sockeye_proto::{Connection, Message};
use sockeye_std::{Error, Result};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// A ping every `interval`; a peer that has sent nothing (no pong, no
/// message) for a whole interval after a ping is dead.
#[derive(Debug)]
struct Heartbeat {
    interval: Duration,
    timer: Pin<Box<Sleep>>,
    /// A ping is out and nothing has arrived since.
    awaiting: bool,
}

/// The extras a connection runs while receiving; empty by default.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    heartbeat: Option<Heartbeat>,
    pub(crate) outbox: Option<Arc<Outbox>>,
    /// The connection was dropped by the heartbeat or as too slow.
    pub(crate) ended: bool,
}

impl Extras {
    pub(crate) fn set_heartbeat(&mut self, interval: Option<Duration>) {
        self.heartbeat = interval.map(|interval| Heartbeat {
            interval,
            timer: Box::pin(tokio::time::sleep(interval)),
            awaiting: false,
        });
    }

    /// Before receiving: queues broadcasts, a requested close and a due
    /// heartbeat ping on `conn`. An error means the connection must end now.
    pub(crate) fn before_recv(
        &mut self,
        cx: &mut Context<'_>,
        conn: &mut Connection,
    ) -> Result<()> {
        if let Some(outbox) = &self.outbox {
            if !outbox.drain(cx, conn) {
                return Err(Error::SlowPeer);
            }
        }
        if let Some(hb) = &mut self.heartbeat {
            while hb.timer.as_mut().poll(cx).is_ready() {
                if hb.awaiting {
                    return Err(Error::HeartbeatTimeout);
                }
                // A connection that is closing cannot ping; the close
                // timeout covers it.
                let _ = conn.ping(b"");
                hb.awaiting = true;
                let next = Instant::now() + hb.interval;
                hb.timer.as_mut().reset(next);
            }
        }
        Ok(())
    }

    /// After receiving: anything from the peer proves it is alive.
    pub(crate) fn after_recv(&mut self, result: &Poll<Option<Result<Message>>>) {
        if let (Some(hb), Poll::Ready(Some(Ok(_)))) = (&mut self.heartbeat, result) {
            hb.awaiting = false;
        }
    }
}
