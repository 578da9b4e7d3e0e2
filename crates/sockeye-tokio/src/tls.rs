//! TLS servers (feature `rustls`): accept WebSocket connections over
//! tokio-rustls.

use crate::timeout::with_handshake_timeout;
use crate::websocket::WebSocketStream;
use sockeye_std::{Decision, PeerAddr, Result, ServerOptions, UpgradeRequest};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
pub use tokio_rustls::server::TlsStream;
pub use tokio_rustls::{rustls, TlsAcceptor};

/// Runs the TLS handshake with `config` on `stream`, then accepts the
/// WebSocket upgrade as [`accept_with_options`](crate::accept_with_options)
/// does; `options.handshake_timeout` covers both handshakes.
///
/// ```no_run
/// # async fn run(config: std::sync::Arc<sockeye_tokio::tls::rustls::ServerConfig>) -> sockeye_tokio::Result<()> {
/// // config: e.g. sockeye_std::tls::server_config(cert_chain, key)?
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9443").await?;
/// let (tcp, _) = listener.accept().await?;
/// let options = sockeye_tokio::ServerOptions::default();
/// let mut ws = sockeye_tokio::tls::accept_tls(tcp, config, &options, |_| {
///     sockeye_tokio::Decision::accept()
/// })
/// .await?;
/// ws.send("hello over TLS").await?;
/// # Ok(()) }
/// ```
///
/// With your own `TlsAcceptor`, `sockeye_tokio::accept(acceptor.accept(tcp).await?)`
/// works too: `PeerAddr` is implemented for tokio-rustls's `TlsStream`.
pub async fn accept_tls<S, F>(
    stream: S,
    config: Arc<rustls::ServerConfig>,
    options: &ServerOptions,
    callback: F,
) -> Result<WebSocketStream<TlsStream<S>>>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let start = std::time::Instant::now();
    let tls = with_handshake_timeout(options.handshake_timeout, async {
        Ok(TlsAcceptor::from(config).accept(stream).await?)
    })
    .await?;
    // What is left of the timeout is the WebSocket handshake's.
    let mut rest = options.clone();
    rest.handshake_timeout = options.handshake_timeout.map(|t| {
        t.saturating_sub(start.elapsed())
            .max(std::time::Duration::from_millis(1))
    });
    crate::accept_with_options(tls, &rest, callback).await
}
