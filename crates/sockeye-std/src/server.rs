//! Accepting connections as a server, blocking.

use crate::error::{Error, Result};
use crate::options::ServerOptions;
use crate::transport::Transport;
use crate::websocket::WebSocket;
use sockeye_proto::handshake::Request;
use sockeye_proto::{Connection, Decision, Event};
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

/// A client's upgrade request as the accept callback sees it: the request
/// (path, query, headers, origin, offered subprotocols and extensions) and
/// the peer's address.
#[derive(Clone, Debug)]
pub struct UpgradeRequest {
    /// The parsed request.
    pub request: Request,
    /// The address of the peer, when the transport has one.
    pub peer_addr: Option<SocketAddr>,
}

impl std::ops::Deref for UpgradeRequest {
    type Target = Request;
    fn deref(&self) -> &Request {
        &self.request
    }
}

/// Accepts a WebSocket upgrade on `stream` with default options, taking
/// every valid request.
pub fn accept<S: Transport>(stream: S) -> Result<WebSocket<S>> {
    accept_with_options(stream, &ServerOptions::default(), |_| Decision::accept())
}

/// Accepts a WebSocket upgrade on `stream`, letting `callback` decide from
/// the request: accept (with a subprotocol and headers) or reject (with a
/// status, headers and body; the function then returns
/// [`Error::Rejected`]).
pub fn accept_with<S, F>(stream: S, callback: F) -> Result<WebSocket<S>>
where
    S: Transport,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    accept_with_options(stream, &ServerOptions::default(), callback)
}

/// [`accept_with`] with explicit options (limits, handshake timeout).
pub fn accept_with_options<S, F>(
    mut stream: S,
    options: &ServerOptions,
    callback: F,
) -> Result<WebSocket<S>>
where
    S: Transport,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let mut conn = Connection::server(options.config.clone());
    let deadline = options.handshake_timeout.map(|t| Instant::now() + t);
    let mut buf = vec![0u8; 4096];
    let request = loop {
        match conn.poll_event() {
            Ok(Some(Event::Request(request))) => break *request,
            Ok(_) => {}
            Err(e) => {
                // The error response is queued: send it, then give up.
                let _ = stream.write_all(&conn.take_output());
                let _ = stream.shutdown();
                return Err(e.into());
            }
        }
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let _ = stream.shutdown();
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
                let _ = stream.shutdown();
                return Err(Error::HandshakeTimeout);
            }
            Err(e) => return Err(Error::Io(e)),
        }
    };
    stream.set_read_timeout(None)?;
    let upgrade = UpgradeRequest {
        peer_addr: stream.peer_addr(),
        request,
    };
    let decision = callback(&upgrade);
    conn.decide(&decision)?;
    stream.write_all(&conn.take_output())?;
    stream.flush()?;
    if let Decision::Reject { status, .. } = decision {
        let _ = stream.shutdown();
        return Err(Error::Rejected { status });
    }
    Ok(WebSocket::from_parts(
        stream,
        conn,
        options.write_buffer_limit,
        options.close_timeout,
    ))
}
