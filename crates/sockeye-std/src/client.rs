//! Connecting as a client, blocking.

use crate::error::{Error, Result};
use crate::options::ClientOptions;
use crate::rng::os_random;
use crate::transport::Transport;
use crate::websocket::WebSocket;
use sockeye_proto::handshake::{ClientRequest, Response};
use sockeye_proto::{Connection, Event, UrlError, WsUrl};
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

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
/// TLS, a proxy tunnel...).
pub fn client_handshake<S: Transport>(
    mut stream: S,
    request: &ClientRequest,
    options: &ClientOptions,
    deadline: Option<Instant>,
) -> Result<(WebSocket<S>, Response)> {
    let mut conn = Connection::client(request, options.config.clone(), os_random())?;
    let request_bytes = conn.take_output();
    stream.write_all(&request_bytes)?;
    stream.flush()?;
    let mut buf = vec![0u8; 4096];
    let response = loop {
        match conn.poll_event() {
            Ok(Some(Event::Connected(response))) => break *response,
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::HandshakeTimeout);
            }
            stream.set_read_timeout(Some(left))?;
        }
        match stream.read(&mut buf) {
            Ok(0) => conn.feed_eof(),
            Ok(n) => conn.feed(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) && deadline.is_some() =>
            {
                return Err(Error::HandshakeTimeout)
            }
            Err(e) => return Err(Error::Io(e)),
        }
    };
    stream.set_read_timeout(None)?;
    Ok((
        WebSocket::from_parts(
            stream,
            conn,
            options.write_buffer_limit,
            options.close_timeout,
        ),
        response,
    ))
}
