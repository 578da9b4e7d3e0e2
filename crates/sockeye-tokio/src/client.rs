//! Connecting as a client.

use crate::io::TokioIo;
use crate::timeout::with_handshake_timeout;
use crate::websocket::WebSocketStream;
use sockeye_proto::handshake::{ClientRequest, Response};
use sockeye_proto::{Connection, Event, UrlError, WsUrl};
use sockeye_std::driver::Driver;
use sockeye_std::{os_random, ClientOptions, Error, Result};
use std::future::poll_fn;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Connects to a `ws://` URL with default options and returns the open
/// connection and the server's response (its selected subprotocol,
/// headers...).
///
/// ```no_run
/// # async fn run() -> sockeye_tokio::Result<()> {
/// let (mut ws, _response) = sockeye_tokio::connect("ws://127.0.0.1:9001/").await?;
/// ws.send("hello").await?;
/// println!("{:?}", ws.recv().await);
/// # Ok(()) }
/// ```
///
/// `wss://` and `ws+unix://` URLs are not supported yet ([`Error::Url`]);
/// open the stream yourself and use [`client_handshake`].
pub async fn connect(url: &str) -> Result<(WebSocketStream<TcpStream>, Response)> {
    connect_with(url, &ClientOptions::default()).await
}

/// Connects to a `ws://` URL with `options` (headers, subprotocols, limits,
/// timeouts). The handshake timeout covers both the TCP connection and the
/// opening handshake; past it, [`Error::HandshakeTimeout`].
pub async fn connect_with(
    url: &str,
    options: &ClientOptions,
) -> Result<(WebSocketStream<TcpStream>, Response)> {
    let url = WsUrl::parse(url)?;
    if url.secure || url.unix {
        return Err(Error::Url(UrlError::UnsupportedScheme(
            if url.secure { "wss" } else { "ws+unix" }.into(),
        )));
    }
    let request = options.request(&url);
    with_handshake_timeout(options.handshake_timeout, async {
        let stream = TcpStream::connect((url.host.as_str(), url.port)).await?;
        stream.set_nodelay(options.nodelay)?;
        handshake(stream, &request, options).await
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
            let ws = WebSocketStream {
                driver,
                close_timeout: options.close_timeout,
            };
            return Ok((ws, *response));
        }
    }
}
