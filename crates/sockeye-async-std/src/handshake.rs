//! Opening handshakes: connecting as a client, accepting as a server.

use crate::client_stream::{connect_stream, MaybeTlsStream};
use crate::io::{timeout, Io};
use crate::stream::WebSocketStream;
use futures_io::{AsyncRead, AsyncWrite};
use sockeye_proto::handshake::{ClientRequest, Response};
use sockeye_proto::{Connection, Decision, Event, WsUrl};
use sockeye_std::driver::Driver;
use sockeye_std::redirect;
use sockeye_std::{
    os_random, ClientOptions, Error, PeerAddr, Result, ServerOptions, UpgradeRequest,
};
use std::future::poll_fn;

/// Connects to a `ws://`, `wss://` (feature `rustls`) or `ws+unix:` URL
/// with default options and returns the open connection and the server's
/// response.
///
/// ```no_run
/// # async fn demo() -> sockeye_async_std::Result<()> {
/// let (mut ws, _response) = sockeye_async_std::connect("ws://127.0.0.1:8080/").await?;
/// ws.send("hello").await?;
/// println!("{:?}", ws.recv().await);
/// # Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<(WebSocketStream<MaybeTlsStream>, Response)> {
    connect_with(url, &ClientOptions::default()).await
}

/// Connects to a URL with `options` (headers, subprotocols, limits, proxy,
/// TLS roots, redirects...). `options.handshake_timeout` covers everything:
/// the connection, the proxy tunnel, TLS, the opening handshake and every
/// redirect ([`Error::HandshakeTimeout`]).
pub async fn connect_with(
    url: &str,
    options: &ClientOptions,
) -> Result<(WebSocketStream<MaybeTlsStream>, Response)> {
    let mut url = WsUrl::parse(url)?;
    let connect_and_handshake = async {
        let mut options = options.clone();
        let mut hops = 0;
        loop {
            let attempt = match connect_stream(&url, &options).await {
                Ok(stream) => handshake(Io::new(stream), &options.request(&url), &options).await,
                Err(e) => Err(e),
            };
            match attempt {
                Err(e) => url = redirect::follow(&url, &mut options, e, &mut hops)?,
                done => return done,
            }
        }
    };
    timeout(options.handshake_timeout, connect_and_handshake)
        .await
        .unwrap_or(Err(Error::HandshakeTimeout))
}

/// Runs the client handshake over an already connected stream (TCP, Unix,
/// TLS, a proxy tunnel...), within `options.handshake_timeout`.
pub async fn client_handshake<S>(
    stream: S,
    request: &ClientRequest,
    options: &ClientOptions,
) -> Result<(WebSocketStream<S>, Response)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    timeout(
        options.handshake_timeout,
        handshake(Io::new(stream), request, options),
    )
    .await
    .unwrap_or(Err(Error::HandshakeTimeout))
}

async fn handshake<S>(
    io: Io<S>,
    request: &ClientRequest,
    options: &ClientOptions,
) -> Result<(WebSocketStream<S>, Response)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let conn = Connection::client(request, options.config.clone(), os_random())?;
    let mut driver = Driver::new(io, conn, options.write_buffer_limit);
    loop {
        if let Event::Connected(response) = poll_fn(|cx| driver.poll_handshake(cx)).await? {
            let ws = WebSocketStream::from_driver(driver, options.close_timeout);
            return Ok((ws, *response));
        }
    }
}

/// Accepts a WebSocket upgrade on `stream` with default options, taking
/// every valid request.
///
/// ```no_run
/// # async fn demo(stream: async_std::net::TcpStream) -> sockeye_async_std::Result<()> {
/// let mut ws = sockeye_async_std::accept(stream).await?;
/// while let Some(message) = ws.recv().await {
///     let message = message?;
///     if message.is_text() || message.is_binary() {
///         ws.send(message).await?;
///     }
/// }
/// # Ok(()) }
/// ```
pub async fn accept<S>(stream: S) -> Result<WebSocketStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr + 'static,
{
    accept_with_options(stream, &ServerOptions::default(), |_| Decision::accept()).await
}

/// Accepts a WebSocket upgrade on `stream`, letting `callback` decide from
/// the request (path, headers, offered subprotocols, peer address): accept,
/// with a subprotocol and extra headers, or reject with a status, headers
/// and a body, which are sent before the function returns
/// [`Error::Rejected`].
///
/// ```no_run
/// # async fn demo(stream: async_std::net::TcpStream) -> sockeye_async_std::Result<()> {
/// use sockeye_async_std::Decision;
/// let ws = sockeye_async_std::accept_with(stream, |req| {
///     if req.headers.get("authorization") != Some("Bearer t0ken") {
///         return Decision::reject(401).with_header("WWW-Authenticate", "Bearer");
///     }
///     match req.protocols.iter().find(|p| *p == "chat.v2") {
///         Some(p) => Decision::accept().with_protocol(p.as_str()),
///         None => Decision::accept(),
///     }
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn accept_with<S, F>(stream: S, callback: F) -> Result<WebSocketStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr + 'static,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    accept_with_options(stream, &ServerOptions::default(), callback).await
}

/// [`accept_with`] with explicit options: limits, the handshake timeout
/// ([`Error::HandshakeTimeout`], covering reading the request and writing
/// the response), and the answer to plain HTTP requests
/// ([`ServerOptions::http_handler`]; by default 426 Upgrade Required): such
/// a request is answered, then the function returns [`Error::Rejected`]
/// with the status sent.
pub async fn accept_with_options<S, F>(
    stream: S,
    options: &ServerOptions,
    callback: F,
) -> Result<WebSocketStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr + 'static,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let decide = |request: &UpgradeRequest| std::future::ready(callback(request));
    let (ws, _request, ()) = crate::serve::accept_async(stream, options, decide).await?;
    Ok(ws)
}
