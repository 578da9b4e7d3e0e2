//! Connecting as a client, blocking.

use crate::error::{Error, Result};
use crate::options::ClientOptions;
use crate::server::with_deadline;
use crate::transport::Transport;
use crate::websocket::WebSocket;
use sockeye_proto::handshake::{ClientRequest, Response};
use sockeye_proto::{UrlError, WsUrl};
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Connects to a `ws://` URL with default options and returns the open
/// connection and the server's response.
///
/// ```no_run
/// let (mut ws, _response) = sockeye_std::connect("ws://127.0.0.1:8080/")?;
/// ws.send("hello")?;
/// println!("{:?}", ws.read()?);
/// # Ok::<(), sockeye_std::Error>(())
/// ```
pub fn connect(url: &str) -> Result<(WebSocket<TcpStream>, Response)> {
    connect_with(url, &ClientOptions::default())
}

/// Connects to a `ws://` URL with `options`.
pub fn connect_with(
    url: &str,
    options: &ClientOptions,
) -> Result<(WebSocket<TcpStream>, Response)> {
    let url = WsUrl::parse(url)?;
    if url.secure || url.unix {
        return Err(Error::Url(UrlError::UnsupportedScheme(
            if url.secure { "wss" } else { "ws+unix" }.into(),
        )));
    }
    let deadline = options.handshake_timeout.map(|t| Instant::now() + t);
    let stream = connect_tcp(&url.host, url.port, deadline)?;
    stream.set_nodelay(options.nodelay)?;
    client_handshake(stream, &options.request(&url), options, deadline)
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
