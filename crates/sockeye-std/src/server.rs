//! Accepting connections as a server, blocking.

use crate::error::{Error, Result};
use crate::options::ServerOptions;
use crate::transport::Transport;
use crate::websocket::WebSocket;
use sockeye_proto::handshake::Request;
use sockeye_proto::Decision;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

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
    stream: S,
    options: &ServerOptions,
    callback: F,
) -> Result<WebSocket<S>>
where
    S: Transport,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let _ = stream.set_nodelay(options.nodelay);
    let mut ws = WebSocket::server(stream, options);
    with_deadline(&mut ws, options.handshake_timeout, |ws| {
        ws.server_handshake(callback)
    })?;
    Ok(ws)
}

/// Runs `step` with the stream's read timeout set to `timeout`, mapping a
/// timed-out read to [`Error::HandshakeTimeout`] (and closing the stream).
pub(crate) fn with_deadline<S: Transport, T>(
    ws: &mut WebSocket<S>,
    timeout: Option<Duration>,
    step: impl FnOnce(&mut WebSocket<S>) -> Result<T>,
) -> Result<T> {
    let deadline = timeout.map(|t| Instant::now() + t);
    ws.set_read_deadline(deadline)?;
    let result = match ws.get_mut().finish_handshake(deadline) {
        Ok(()) => step(ws),
        Err(e) => Err(Error::Io(e)),
    };
    match result {
        Err(Error::Io(e))
            if timeout.is_some()
                && matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
        {
            let _ = ws.get_mut().shutdown();
            Err(Error::HandshakeTimeout)
        }
        Err(e) => Err(e),
        Ok(v) => {
            ws.set_read_deadline(None)?;
            Ok(v)
        }
    }
}
