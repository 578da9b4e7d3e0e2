//! The error type shared by every sockeye adapter.

use sockeye_proto::handshake::{HandshakeError, Headers};
use sockeye_proto::{CloseCode, ProtocolError, SendError, UrlError};
use std::fmt;
use std::io;

/// Everything that can go wrong on a WebSocket connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed (connection refused, reset, ...). On a
    /// non-blocking socket, `WouldBlock` arrives here too, and the call may
    /// simply be repeated when the socket is ready: no state was lost.
    Io(io::Error),
    /// The URL cannot be connected to.
    Url(UrlError),
    /// The opening handshake failed: the server refused the upgrade (see
    /// [`Error::http_status`]) or sent an invalid response, or the client's
    /// request was invalid.
    Handshake(HandshakeError),
    /// The peer broke the protocol; the connection sent the close code of
    /// [`ProtocolError::close_code`] and is closed.
    Protocol(ProtocolError),
    /// A message could not be sent (too long a ping, the connection is
    /// closing, ...).
    Send(SendError),
    /// Server: the accept callback refused the upgrade; the HTTP response
    /// with this status was sent.
    Rejected {
        /// The status sent.
        status: u16,
    },
    /// The opening handshake did not complete in time.
    HandshakeTimeout,
    /// The proxy could not be used or refused the tunnel.
    Proxy(crate::proxy::ProxyError),
    /// A redirect could not be followed (too many, no or a bad `Location`).
    Redirect(crate::redirect::RedirectError),
    /// The peer did not answer our close frame in time; the transport was
    /// dropped.
    CloseTimeout,
    /// The connection is closed: the closing handshake is over, nothing more
    /// can be sent or received.
    ConnectionClosed,
    /// The transport ended without a closing handshake (close code 1006).
    UnexpectedEof,
    /// The heartbeat's ping went unanswered for a whole interval: the peer
    /// is gone, and the connection was dropped (ws's `terminate`).
    HeartbeatTimeout,
    /// The peer read too slowly: more broadcast output than the server's
    /// limit was waiting for it, so it was disconnected.
    SlowPeer,
}

impl Error {
    /// The HTTP status of a refused upgrade (e.g. 401), or of a redirect.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Handshake(HandshakeError::UnexpectedResponse { status, .. })
            | Error::Handshake(HandshakeError::Redirect { status, .. }) => Some(*status),
            _ => None,
        }
    }

    /// The headers and body of a refused upgrade.
    pub fn http_response(&self) -> Option<(&Headers, &[u8])> {
        match self {
            Error::Handshake(HandshakeError::UnexpectedResponse { headers, body, .. }) => {
                Some((headers, body))
            }
            _ => None,
        }
    }

    /// The close code that describes this error, where there is one.
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Error::Protocol(e) => Some(e.close_code()),
            Error::UnexpectedEof | Error::HeartbeatTimeout | Error::SlowPeer => {
                Some(CloseCode::ABNORMAL)
            }
            _ => None,
        }
    }

    /// Whether this is a `WouldBlock` from a non-blocking socket (retry when
    /// ready).
    pub fn is_would_block(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Url(e) => write!(f, "invalid URL: {e}"),
            Error::Handshake(e) => write!(f, "handshake failed: {e}"),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Send(e) => write!(f, "cannot send: {e}"),
            Error::Rejected { status } => {
                write!(f, "the upgrade was refused with HTTP status {status}")
            }
            Error::HandshakeTimeout => f.write_str("the opening handshake timed out"),
            Error::Proxy(e) => write!(f, "proxy: {e}"),
            Error::Redirect(e) => write!(f, "redirect: {e}"),
            Error::CloseTimeout => {
                f.write_str("the peer did not complete the closing handshake in time")
            }
            Error::ConnectionClosed => f.write_str("the connection is closed"),
            Error::UnexpectedEof => f.write_str("the connection ended without a closing handshake"),
            Error::HeartbeatTimeout => f.write_str("the peer stopped answering pings"),
            Error::SlowPeer => f.write_str("the peer read too slowly and was disconnected"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Url(e) => Some(e),
            Error::Handshake(e) => Some(e),
            Error::Protocol(e) => Some(e),
            Error::Send(e) => Some(e),
            Error::Proxy(e) => Some(e),
            Error::Redirect(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<UrlError> for Error {
    fn from(e: UrlError) -> Self {
        Error::Url(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Handshake(e)
    }
}

impl From<crate::proxy::ProxyError> for Error {
    fn from(e: crate::proxy::ProxyError) -> Self {
        Error::Proxy(e)
    }
}

impl From<crate::redirect::RedirectError> for Error {
    fn from(e: crate::redirect::RedirectError) -> Self {
        Error::Redirect(e)
    }
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        Error::Send(e)
    }
}

impl From<sockeye_proto::Error> for Error {
    fn from(e: sockeye_proto::Error) -> Self {
        match e {
            sockeye_proto::Error::Protocol(p) => Error::Protocol(p),
            sockeye_proto::Error::Handshake(h) => Error::Handshake(h),
            sockeye_proto::Error::UnexpectedEof => Error::UnexpectedEof,
            _ => Error::UnexpectedEof,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e {
            Error::Io(e) => e,
            other => io::Error::other(other),
        }
    }
}

/// `Result` with sockeye's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
