//! Connecting as a client.

use crate::io::TokioIo;
use crate::stream::{connect_stream, MaybeTlsStream};
use crate::timeout::with_handshake_timeout;
use crate::websocket::WebSocketStream;
use sockeye_proto::handshake::{ClientRequest, Response};
use sockeye_proto::{Connection, Event, WsUrl};
use sockeye_std::driver::Driver;
use sockeye_std::redirect;
use sockeye_std::{os_random, ClientOptions, Result};
use std::future::poll_fn;
use tokio::io::{AsyncRead, AsyncWrite};

/// Connects to a `ws://`, `wss://` (feature `rustls`) or `ws+unix:` URL
/// with default options and returns the open connection and the server's
/// response (its selected subprotocol, headers...).
///
/// ```no_run
/// # async fn run() -> sockeye_tokio::Result<()> {
/// let (mut ws, _response) = sockeye_tokio::connect("ws://127.0.0.1:9001/").await?;
/// ws.send("hello").await?;
/// println!("{:?}", ws.recv().await);
/// # Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<(WebSocketStream<MaybeTlsStream>, Response)> {
    connect_with(url, &ClientOptions::default()).await
}

/// Connects to a URL with `options` (headers, subprotocols, limits,
/// timeouts, proxy, TLS roots, redirects). The handshake timeout covers
/// everything: the TCP connection, the proxy tunnel, TLS, the opening
/// handshake and every redirect; past it, [`Error::HandshakeTimeout`](sockeye_std::Error::HandshakeTimeout).
pub async fn connect_with(
    url: &str,
    options: &ClientOptions,
) -> Result<(WebSocketStream<MaybeTlsStream>, Response)> {
    let mut url = WsUrl::parse(url)?;
    with_handshake_timeout(options.handshake_timeout, async {
        let mut options = options.clone();
        let mut hops = 0;
        loop {
            let attempt = match connect_stream(&url, &options).await {
                Ok(stream) => handshake(stream, &options.request(&url), &options).await,
                Err(e) => Err(e),
            };
            match attempt {
                Err(e) => url = redirect::follow(&url, &mut options, e, &mut hops)?,
                done => return done,
            }
        }
    })
    .await
}

/// Runs the client handshake over an already connected stream (TCP, Unix,
/// TLS, a proxy tunnel...), within `options.handshake_timeout`. Build
/// `request` with [`ClientOptions::request`] or `ClientRequest::new`.
pub async fn client_handshake<S>(
    stream: S,
    request: &ClientRequest,
    options: &ClientOptions,
) -> Result<(WebSocketStream<S>, Response)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    with_handshake_timeout(
        options.handshake_timeout,
        handshake(stream, request, options),
    )
    .await
}

async fn handshake<S>(
    stream: S,
    request: &ClientRequest,
    options: &ClientOptions,
) -> Result<(WebSocketStream<S>, Response)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let conn = Connection::client(request, options.config.clone(), os_random())?;
    let mut driver = Driver::new(TokioIo(stream), conn, options.write_buffer_limit);
    loop {
        if let Event::Connected(response) = poll_fn(|cx| driver.poll_handshake(cx)).await? {
            let ws = WebSocketStream::new(driver, options.close_timeout);
            return Ok((ws, *response));
        }
    }
}
