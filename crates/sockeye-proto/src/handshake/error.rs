//! Every way a handshake can fail, with the HTTP status a server answers with.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::grammar::HeaderError;
use super::headers::Headers;
use super::response::reject_response;

/// What was wrong in the syntax of an HTTP head (request or response) or
/// in the framing of a response body.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpSyntax {
    /// A header name holds a character that is not allowed in a token.
    HeaderName,
    /// A header value holds a control character.
    HeaderValue,
    /// A line ends with a bare CR or another malformed line break.
    NewLine,
    /// The status line of a response is malformed.
    Status,
    /// The method or request-target is malformed.
    Token,
    /// The HTTP version is not `HTTP/1.0` or `HTTP/1.1`.
    Version,
    /// `Content-Length` is not a single decimal number.
    ContentLength,
    /// The chunked transfer coding of a body is malformed.
    Chunked,
}

impl HttpSyntax {
    pub(crate) fn from_httparse(e: httparse::Error) -> Self {
        match e {
            httparse::Error::HeaderName => HttpSyntax::HeaderName,
            httparse::Error::HeaderValue => HttpSyntax::HeaderValue,
            httparse::Error::NewLine => HttpSyntax::NewLine,
            httparse::Error::Status => HttpSyntax::Status,
            httparse::Error::Token | httparse::Error::TooManyHeaders => HttpSyntax::Token,
            httparse::Error::Version => HttpSyntax::Version,
        }
    }
}

impl fmt::Display for HttpSyntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HttpSyntax::HeaderName => "a header name contains a character not allowed in a token",
            HttpSyntax::HeaderValue => "a header value contains a control character",
            HttpSyntax::NewLine => "a line break is malformed (CR must be followed by LF)",
            HttpSyntax::Status => "the status line is malformed",
            HttpSyntax::Token => "the method or request-target is malformed",
            HttpSyntax::Version => "the HTTP version is not HTTP/1.0 or HTTP/1.1",
            HttpSyntax::ContentLength => "Content-Length is not a single decimal number",
            HttpSyntax::Chunked => "the chunked transfer coding is malformed",
        })
    }
}

/// Every way an opening handshake can fail.
///
/// Errors about a received request (server side) know the HTTP response to
/// answer with: [`HandshakeError::status`] and [`HandshakeError::response`].
/// Errors about a received response (client side) and about the caller's own
/// input (headers with CR/LF, subprotocols that are not tokens, ...) are
/// reported to the caller and not meant to be sent to the peer.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakeError {
    // ---- the peer's HTTP head (both sides) ----
    /// The request is not valid HTTP/1.x (400).
    MalformedRequest(HttpSyntax),
    /// The response is not valid HTTP/1.x, or its body framing is broken.
    MalformedResponse(HttpSyntax),
    /// The head grew past [`HandshakeLimits::max_head_bytes`](super::HandshakeLimits) (431).
    HeadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The head has more header lines than [`HandshakeLimits::max_headers`](super::HandshakeLimits) (431).
    TooManyHeaders {
        /// The limit, in header fields.
        limit: usize,
    },
    /// The peer closed the connection before the end of the head.
    TruncatedHead,
    /// A header that must appear at most once appears several times (400).
    DuplicateHeader(&'static str),

    // ---- server side: the client's request ----
    /// A plain HTTP request without `Upgrade` (426 by default; the
    /// application may answer it with a page instead).
    NotAnUpgrade(alloc::boxed::Box<super::server::HttpRequest>),
    /// The client sent more than
    /// [`Config::max_early_input`](crate::Config::max_early_input) bytes
    /// after its upgrade request before the server answered it (413).
    EarlyInputTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The method is not `GET` (405, with `Allow: GET`).
    MethodNotGet {
        /// The method received.
        method: String,
    },
    /// The request is HTTP/1.0; WebSocket needs HTTP/1.1 (400).
    NotHttp11,
    /// The request-target is neither origin-form (`/path?query`) nor
    /// absolute-form (`http://host/path`) (400).
    InvalidTarget(String),
    /// There is no `Host` header (400).
    MissingHost,
    /// `Upgrade` does not list `websocket` (400 on the server side).
    NotWebSocketUpgrade {
        /// The `Upgrade` value received, if any.
        got: Option<String>,
    },
    /// `Connection` does not list `upgrade` (400 on the server side).
    MissingConnectionUpgrade {
        /// The `Connection` value received, if any.
        got: Option<String>,
    },
    /// The upgrade request announces a body (`Transfer-Encoding`, or a
    /// `Content-Length` other than 0) (400). The connection switches to
    /// WebSocket right after the head, so a body would be read as frames.
    RequestBody,
    /// There is no `Sec-WebSocket-Key` (400).
    MissingKey,
    /// `Sec-WebSocket-Key` is not the base64 text of 16 bytes (400).
    InvalidKey(String),
    /// `Sec-WebSocket-Version` is missing or neither 13 nor 8
    /// (426, with `Sec-WebSocket-Version: 13, 8`).
    UnsupportedVersion {
        /// The version received, if any.
        got: Option<String>,
    },
    /// The peer's `Sec-WebSocket-Protocol` does not parse (400 on the server side).
    InvalidProtocolHeader(HeaderError),
    /// The peer's `Sec-WebSocket-Extensions` does not parse (400 on the server side).
    InvalidExtensionHeader(HeaderError),

    // ---- client side: the server's response ----
    /// The server redirects (3xx). Follow `location` with a new connection if
    /// redirects are wanted.
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// The server answered with a status other than 101 or 3xx, e.g. 401.
    /// `body` holds at most [`MAX_ERROR_BODY`](super::MAX_ERROR_BODY) bytes;
    /// compare with `Content-Length` to tell whether it was cut.
    UnexpectedResponse {
        /// The status code.
        status: u16,
        /// The response headers.
        headers: Headers,
        /// The (decoded) response body.
        body: Vec<u8>,
    },
    /// `Sec-WebSocket-Accept` is missing, repeated, or not the hash of our key.
    BadAccept {
        /// The value received (repeated values joined by `", "`), if any.
        got: Option<String>,
    },
    /// A subprotocol that was not offered: chosen by the server, or passed to
    /// [`Request::accept_response`](super::Request::accept_response).
    ProtocolNotOffered(String),
    /// The server's `Sec-WebSocket-Protocol` names more than one subprotocol.
    MultipleProtocols(String),
    /// The server accepted an extension the client did not offer.
    ExtensionNotOffered(String),
    /// The server accepted the same extension twice.
    DuplicateExtension(String),
    /// The server's permessage-deflate response is invalid or does not
    /// match the offer (RFC 7692 §7.1: the client fails the connection).
    DeflateResponse(crate::deflate::NegotiationError),

    // ---- the caller's own input ----
    /// A header name to be sent is not an RFC 7230 token.
    InvalidHeaderName(String),
    /// A header value to be sent contains CR, LF, NUL or another control character.
    InvalidHeaderValue {
        /// The header's name.
        name: String,
    },
    /// A header to be sent is one the handshake writes itself
    /// (e.g. `Sec-WebSocket-Key`); use the dedicated setter instead.
    ReservedHeader(String),
    /// A subprotocol to be offered is not a token, or is offered twice.
    InvalidProtocol(String),
    /// An extension to be offered or accepted is not made of tokens.
    InvalidExtension(HeaderError),
    /// The host to connect to is empty or holds characters not allowed in a host.
    InvalidHost(String),
    /// The path to request is not a valid origin-form request-target
    /// (spaces, control characters, non-ASCII, or a `#fragment`).
    InvalidPath(String),

    // ---- state ----
    /// The handshake already completed or failed; this parser takes no more input.
    AlreadyDone,
}

impl HandshakeError {
    /// The HTTP status a server answers with for this error: 400, 405, 413,
    /// 426 or 431 for errors about the client's request; 500 for anything else
    /// (client-side errors and mistakes of the server application itself).
    pub fn status(&self) -> u16 {
        use HandshakeError::*;
        match self {
            HeadTooLarge { .. } | TooManyHeaders { .. } => 431,
            MethodNotGet { .. } => 405,
            EarlyInputTooLarge { .. } => 413,
            UnsupportedVersion { .. } | NotAnUpgrade(_) => 426,
            MalformedRequest(_)
            | TruncatedHead
            | DuplicateHeader(_)
            | NotHttp11
            | InvalidTarget(_)
            | MissingHost
            | NotWebSocketUpgrade { .. }
            | MissingConnectionUpgrade { .. }
            | RequestBody
            | MissingKey
            | InvalidKey(_)
            | InvalidProtocolHeader(_)
            | InvalidExtensionHeader(_) => 400,
            _ => 500,
        }
    }

    /// The complete HTTP response a server sends for this error, built with
    /// [`reject_response`](super::reject_response): the [`status`](Self::status),
    /// `Allow: GET` for 405, `Sec-WebSocket-Version: 13, 8` for 426, and this
    /// error's message as a plain-text body. Send it, then close the connection.
    pub fn response(&self) -> Vec<u8> {
        let status = self.status();
        let mut headers = Headers::new();
        match status {
            405 => headers.push("Allow", "GET"),
            426 => {
                headers.push("Upgrade", "websocket");
                headers.push("Sec-WebSocket-Version", "13, 8");
            }
            _ => {}
        }
        headers.push("Content-Type", "text/plain; charset=utf-8");
        let mut body = self.to_string();
        body.push('\n');
        reject_response(status, &headers, body.as_bytes())
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HandshakeError::*;
        match self {
            MalformedRequest(e) => write!(f, "the HTTP request is malformed: {e}"),
            MalformedResponse(e) => write!(f, "the HTTP response is malformed: {e}"),
            HeadTooLarge { limit } => write!(
                f,
                "the HTTP head is larger than {limit} bytes; send fewer or shorter headers (or raise max_head_bytes)"
            ),
            TooManyHeaders { limit } => write!(
                f,
                "the HTTP head has more than {limit} headers; send fewer (or raise max_headers)"
            ),
            TruncatedHead => f.write_str("the connection closed before the end of the HTTP head"),
            DuplicateHeader(name) => write!(f, "the {name} header appears more than once; send it once"),
            EarlyInputTooLarge { limit } => write!(
                f,
                "the client sent more than {limit} bytes after its upgrade request before it was answered; wait for the 101 response (or raise max_early_input)"
            ),
            MethodNotGet { method } => write!(
                f,
                "the method is {method:?}; a WebSocket upgrade must use GET"
            ),
            NotAnUpgrade(r) => write!(
                f,
                "{} {} is a plain HTTP request; this endpoint speaks WebSocket (send Upgrade: websocket)",
                r.method, r.target
            ),
            NotHttp11 => f.write_str("the request is HTTP/1.0; a WebSocket upgrade needs HTTP/1.1"),
            InvalidTarget(t) => write!(
                f,
                "the request-target {t:?} is neither a path (/path?query) nor an absolute URL"
            ),
            MissingHost => f.write_str("the request has no Host header, which HTTP/1.1 requires"),
            NotWebSocketUpgrade { got: None } => {
                f.write_str("there is no Upgrade header; a WebSocket handshake needs `Upgrade: websocket`")
            }
            NotWebSocketUpgrade { got: Some(v) } => write!(
                f,
                "the Upgrade header is {v:?}; a WebSocket handshake needs `Upgrade: websocket`"
            ),
            MissingConnectionUpgrade { got: None } => f.write_str(
                "there is no Connection header; a WebSocket handshake needs `Connection: Upgrade`",
            ),
            MissingConnectionUpgrade { got: Some(v) } => write!(
                f,
                "the Connection header is {v:?}; a WebSocket handshake needs it to list `Upgrade`"
            ),
            RequestBody => f.write_str(
                "the upgrade request has a body (Transfer-Encoding, or a Content-Length \
                 other than 0); a WebSocket handshake request has none",
            ),
            MissingKey => f.write_str("the request has no Sec-WebSocket-Key header"),
            InvalidKey(k) => write!(
                f,
                "Sec-WebSocket-Key {k:?} is not the base64 encoding of 16 bytes"
            ),
            UnsupportedVersion { got: None } => f.write_str(
                "the request has no Sec-WebSocket-Version header; send 13 (or 8)",
            ),
            UnsupportedVersion { got: Some(v) } => write!(
                f,
                "Sec-WebSocket-Version {v:?} is not supported; use 13 (or 8)"
            ),
            InvalidProtocolHeader(e) => write!(f, "the Sec-WebSocket-Protocol header is invalid: {e}"),
            InvalidExtensionHeader(e) => {
                write!(f, "the Sec-WebSocket-Extensions header is invalid: {e}")
            }
            Redirect { status, location: Some(l) } => {
                write!(f, "the server redirects ({status}) to {l:?}")
            }
            Redirect { status, location: None } => {
                write!(f, "the server redirects ({status}) without a Location header")
            }
            UnexpectedResponse { status, .. } => write!(
                f,
                "the server answered {status} instead of 101 Switching Protocols; see the response headers and body"
            ),
            BadAccept { got: None } => f.write_str(
                "the server sent no Sec-WebSocket-Accept header; it is not a WebSocket server",
            ),
            BadAccept { got: Some(v) } => write!(
                f,
                "the server's Sec-WebSocket-Accept {v:?} does not match the key sent; it is not answering this handshake"
            ),
            ProtocolNotOffered(p) => write!(f, "the subprotocol {p:?} was not offered"),
            MultipleProtocols(v) => write!(
                f,
                "the server selected several subprotocols ({v:?}); it must select one"
            ),
            ExtensionNotOffered(e) => write!(f, "the server accepted the extension {e:?}, which was not offered"),
            DuplicateExtension(e) => write!(f, "the server accepted the extension {e:?} more than once"),
            DeflateResponse(e) => write!(f, "the server's permessage-deflate response is not acceptable: {e}"),
            InvalidHeaderName(n) => write!(f, "the header name {n:?} is not a token; it cannot be sent"),
            InvalidHeaderValue { name } => write!(
                f,
                "the value of header {name:?} contains a control character (CR, LF, NUL...); it cannot be sent"
            ),
            ReservedHeader(n) => write!(
                f,
                "the header {n:?} is written by the handshake itself; use the dedicated setting instead"
            ),
            InvalidProtocol(p) => write!(
                f,
                "the subprotocol {p:?} is not a token or is listed twice"
            ),
            InvalidExtension(e) => write!(f, "the extension cannot be sent: {e}"),
            InvalidHost(h) => write!(f, "the host {h:?} is empty or contains invalid characters"),
            InvalidPath(p) => write!(
                f,
                "the path {p:?} is not a valid request-target (no spaces, control or non-ASCII characters, or #fragment; percent-encode them)"
            ),
            AlreadyDone => f.write_str("the handshake already completed or failed; it takes no more input"),
        }
    }
}

impl core::error::Error for HandshakeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            HandshakeError::InvalidProtocolHeader(e)
            | HandshakeError::InvalidExtensionHeader(e)
            | HandshakeError::InvalidExtension(e) => Some(e),
            HandshakeError::DeflateResponse(e) => Some(e),
            _ => None,
        }
    }
}
