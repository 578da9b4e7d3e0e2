//! TLS servers (feature `rustls`): accept WebSocket connections over
//! futures-rustls, on async-std or smol.

use crate::io::timeout;
use crate::stream::WebSocketStream;
use futures_io::{AsyncRead, AsyncWrite};
pub use futures_rustls::server::TlsStream;
pub use futures_rustls::{rustls, TlsAcceptor};
use sockeye_std::{Decision, Error, PeerAddr, Result, ServerOptions, UpgradeRequest};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs the TLS handshake with `config` on `stream`, then accepts the
/// WebSocket upgrade as [`accept_with_options`](crate::accept_with_options)
/// does; `options.handshake_timeout` covers both handshakes.
///
/// ```no_run
/// # async fn run(config: std::sync::Arc<sockeye_async_std::tls::rustls::ServerConfig>) -> sockeye_async_std::Result<()> {
/// // config: e.g. sockeye_std::tls::server_config(cert_chain, key)?
/// let listener = async_std::net::TcpListener::bind("127.0.0.1:9443").await?;
/// let (tcp, _) = listener.accept().await?;
/// let options = sockeye_async_std::ServerOptions::default();
/// let mut ws = sockeye_async_std::tls::accept_tls(tcp, config, &options, |_| {
///     sockeye_async_std::Decision::accept()
/// })
/// .await?;
/// ws.send("hello over TLS").await?;
/// # Ok(()) }
/// ```
///
/// With your own `TlsAcceptor`, `sockeye_async_std::accept(acceptor.accept(tcp).await?)`
/// works too: `PeerAddr` is implemented for futures-rustls's `TlsStream`.
pub async fn accept_tls<S, F>(
    stream: S,
    config: Arc<rustls::ServerConfig>,
    options: &ServerOptions,
    callback: F,
) -> Result<WebSocketStream<TlsStream<S>>>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr + 'static,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let start = Instant::now();
    let tls = timeout(
        options.handshake_timeout,
        TlsAcceptor::from(config).accept(stream),
    )
    .await
    .ok_or(Error::HandshakeTimeout)??;
    let mut rest = options.clone();
    rest.handshake_timeout = options.handshake_timeout.map(|t| {
        t.saturating_sub(start.elapsed())
            .max(Duration::from_millis(1))
    });
    crate::accept_with_options(tls, &rest, callback).await
}
