//! The opening handshake's deadline, and tokio's timer for the shared
//! heartbeat.

use sockeye_std::serve::HeartbeatTimer;
use sockeye_std::{Error, Result};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Runs `future` within `limit` (if any); past it, [`Error::HandshakeTimeout`].
pub(crate) async fn with_handshake_timeout<T>(
    limit: Option<Duration>,
    future: impl Future<Output = Result<T>>,
) -> Result<T> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, future)
            .await
            .unwrap_or(Err(Error::HandshakeTimeout)),
        None => future.await,
    }
}

/// The heartbeat and server mailbox of a tokio connection.
pub(crate) type Extras = sockeye_std::serve::Extras<TokioTimer>;

/// tokio's `Sleep` as the heartbeat's timer.
#[derive(Debug)]
pub(crate) struct TokioTimer(Pin<Box<tokio::time::Sleep>>);

impl HeartbeatTimer for TokioTimer {
    fn start(after: Duration) -> Self {
        TokioTimer(Box::pin(tokio::time::sleep(after)))
    }

    fn poll_fire(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }

    fn restart(&mut self, after: Duration) {
        let next = tokio::time::Instant::now() + after;
        self.0.as_mut().reset(next);
    }
}
