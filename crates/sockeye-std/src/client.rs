//! Connecting as a client, blocking.

use crate::error::{Error, Result};
use crate::options::ClientOptions;
use crate::server::with_deadline;
use crate::transport::{DeadlineIo, Transport};
use crate::websocket::WebSocket;
use crate::{proxy, redirect, MaybeTlsStream};
use sockeye_proto::handshake::{ClientRequest, Response};
#[cfg(any(not(unix), not(feature = "rustls")))]
use sockeye_proto::UrlError;
use sockeye_proto::WsUrl;
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Connects to a `ws://`, `wss://` (feature `rustls`) or `ws+unix:` URL
/// with default options and returns the open connection and the server's
/// response.
///
/// ```no_run
/// let (mut ws, _response) = sockeye_std::connect("ws://127.0.0.1:8080/")?;
/// ws.send("hello")?;
/// println!("{:?}", ws.read()?);
/// # Ok::<(), sockeye_std::Error>(())
/// ```
pub fn connect(url: &str) -> Result<(WebSocket<MaybeTlsStream>, Response)> {
    connect_with(url, &ClientOptions::default())
}

/// Connects to a URL with `options`: through a proxy if one is configured,
/// following redirects if allowed, all within the handshake timeout.
pub fn connect_with(
    url: &str,
    options: &ClientOptions,
) -> Result<(WebSocket<MaybeTlsStream>, Response)> {
    let mut url = WsUrl::parse(url)?;
    let deadline = options.handshake_timeout.map(|t| Instant::now() + t);
    let mut options = options.clone();
    let mut hops = 0;
    loop {
        let attempt = connect_stream(&url, &options, deadline).and_then(|stream| {
            client_handshake(stream, &options.request(&url), &options, deadline)
        });
        match attempt {
            Err(e) => url = redirect::follow(&url, &mut options, e, &mut hops)?,
            done => return done,
        }
    }
}

/// Opens the transport for `url` — Unix socket, or TCP (through the proxy
/// of `options`, if any), then TLS for `wss://` — without the WebSocket
/// handshake, within `deadline`.
pub fn connect_stream(
    url: &WsUrl,
    options: &ClientOptions,
    deadline: Option<Instant>,
) -> Result<MaybeTlsStream> {
    if url.unix {
        #[cfg(unix)]
        return Ok(MaybeTlsStream::Unix(
            std::os::unix::net::UnixStream::connect(&url.host)?,
        ));
        #[cfg(not(unix))]
        return Err(Error::Url(UrlError::UnsupportedScheme("ws+unix".into())));
    }
    #[cfg(not(feature = "rustls"))]
    if url.secure {
        return Err(Error::Url(UrlError::UnsupportedScheme(
            "wss (enable the rustls feature)".into(),
        )));
    }
    let (host, port, tunnel) = proxy::first_hop(url, options)?;
    let mut stream = connect_tcp(&host, port, deadline)?;
    stream.set_nodelay(options.nodelay)?;
    if let Some(tunnel) = tunnel {
        // Each read waits until the deadline at most, so that a proxy
        // dribbling its answer cannot stretch the handshake timeout.
        remaining(deadline)?;
        proxy::establish(&mut DeadlineIo::new(&mut stream, deadline), tunnel).map_err(timed_out)?;
        stream.set_read_timeout(None)?;
    }
    #[cfg(feature = "rustls")]
    if url.secure {
        let tls = crate::tls::client_stream(stream, &url.host, options.tls_config.clone())?;
        return Ok(MaybeTlsStream::Tls(Box::new(tls)));
    }
    Ok(MaybeTlsStream::Plain(stream))
}

/// The time left before `deadline`, at least 1 ms; past it,
/// [`Error::HandshakeTimeout`].
fn remaining(deadline: Option<Instant>) -> Result<Option<Duration>> {
    match deadline {
        None => Ok(None),
        Some(d) => match d.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left.max(Duration::from_millis(1)))),
            _ => Err(Error::HandshakeTimeout),
        },
    }
}

/// A read that timed out is the handshake timing out.
fn timed_out(e: Error) -> Error {
    match e {
        Error::Io(io)
            if matches!(
                io.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Error::HandshakeTimeout
        }
        other => other,
    }
}

/// Opens a TCP connection to the first address of `host` that answers.
pub fn connect_tcp(host: &str, port: u16, deadline: Option<Instant>) -> Result<TcpStream> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let attempt = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::HandshakeTimeout);
                }
                TcpStream::connect_timeout(&addr, left)
            }
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(Error::Io(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "the host has no address")
    })))
}

/// Runs the client handshake over an already connected stream (TCP, Unix,
/// TLS, a proxy tunnel...), within `deadline` if given.
pub fn client_handshake<S: Transport>(
    stream: S,
    request: &ClientRequest,
    options: &ClientOptions,
    deadline: Option<Instant>,
) -> Result<(WebSocket<S>, Response)> {
    let mut ws = WebSocket::client(stream, request, options)?;
    let timeout = deadline.map(|d| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    });
    let response = with_deadline(&mut ws, timeout, |ws| ws.client_handshake())?;
    Ok((ws, response))
}
