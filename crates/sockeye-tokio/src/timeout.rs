//! The opening handshake's deadline.

use sockeye_std::{Error, Result};
use std::future::Future;
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
