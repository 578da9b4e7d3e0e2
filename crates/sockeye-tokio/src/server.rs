//! Accepting connections as a server.

use crate::serve::{accept_async, Verdict};
use crate::websocket::WebSocketStream;
use sockeye_proto::Decision;
use sockeye_std::{PeerAddr, Result, ServerOptions, UpgradeRequest};
use tokio::io::{AsyncRead, AsyncWrite};

/// Accepts a WebSocket upgrade on `stream` with default options, taking
/// every valid request. Call it on each stream your listener accepts
/// (usually in its own task).
///
/// ```no_run
/// # async fn run() -> sockeye_tokio::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
/// let (stream, _) = listener.accept().await?;
/// let mut ws = sockeye_tokio::accept(stream).await?;
/// while let Some(message) = ws.recv().await {
///     println!("{:?}", message?);
/// }
/// # Ok(()) }
/// ```
pub async fn accept<S>(stream: S) -> Result<WebSocketStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr,
{
    accept_with_options(stream, &ServerOptions::default(), |_| Decision::accept()).await
}

/// Accepts a WebSocket upgrade on `stream`, letting `callback` decide from
/// the request (path, headers, offered subprotocols, peer address):
/// accept, optionally selecting a subprotocol and adding headers
/// (`Decision::accept().with_protocol("chat")`), or reject with a status,
/// headers and body (`Decision::reject(401)`). On a rejection the response
/// is written and the function returns [`Error::Rejected`](sockeye_std::Error::Rejected).
///
/// This is ws's `verifyClient` and `handleProtocols` in one.
pub async fn accept_with<S, F>(stream: S, callback: F) -> Result<WebSocketStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    accept_with_options(stream, &ServerOptions::default(), callback).await
}

/// [`accept_with`] with explicit options: limits, write buffer limit,
/// close timeout, the handshake timeout, past which the stream is dropped
/// and [`Error::HandshakeTimeout`](sockeye_std::Error::HandshakeTimeout) returned (it cuts off clients that
/// connect and send nothing), and the handler for plain HTTP requests
/// (`ServerOptions::http_handler`; without one they get 426 Upgrade
/// Required). A plain HTTP request is answered and reported as
/// [`Error::Rejected`](sockeye_std::Error::Rejected) with the status sent.
///
/// TCP_NODELAY is set per `options.nodelay` (on by default, as ws) on
/// streams that are TCP sockets.
pub async fn accept_with_options<S, F>(
    stream: S,
    options: &ServerOptions,
    callback: F,
) -> Result<WebSocketStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let decide = |request: &UpgradeRequest| std::future::ready(Verdict::from(callback(request)));
    let (ws, _request, ()) = accept_async(stream, options, decide).await?;
    Ok(ws)
}
