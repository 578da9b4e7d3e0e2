//! The client side: encode the upgrade request, then parse and validate the
//! server's response.

use alloc::string::String;
use alloc::vec::Vec;
use core::mem;

use base64::Engine as _;

use super::body::BodyReader;
use super::error::{HandshakeError, HttpSyntax};
use super::grammar::{parse_extensions, parse_protocols, ExtensionOffer};
use super::head::{HandshakeLimits, HeadScanner};
use super::headers::{decode_value, is_field_value, is_token, write_field, Headers};
use super::response::check_headers;
use super::{accept_key, ProtocolVersion};

/// Everything a client's upgrade request needs, built with setters:
///
/// ```
/// # use sockeye_proto::handshake::*;
/// let req = ClientRequest::new("example.com", "/chat?room=1")
///     .secure(true)
///     .origin("https://example.com")
///     .protocol("chat");
/// let (bytes, parser) = req.encode([7; 16]).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct ClientRequest {
    /// Host name or IP address (an IPv6 address with or without brackets).
    pub host: String,
    /// Port; included in `Host` only if `Some` and not the default port for
    /// [`secure`](Self::secure) (443 / 80).
    pub port: Option<u16>,
    /// Whether the connection is TLS (`wss:`); only picks the default port.
    pub secure: bool,
    /// Path and query (origin-form request-target), default `/`.
    pub path: String,
    /// Origin to send (`Origin`, or `Sec-WebSocket-Origin` for version 8).
    pub origin: Option<String>,
    /// Subprotocols to offer, most preferred first.
    pub protocols: Vec<String>,
    /// Extensions to offer, most preferred first.
    pub extensions: Vec<ExtensionOffer>,
    /// Extra headers (e.g. `Authorization`, `Cookie`). A `Host` here replaces
    /// the generated one; the headers the handshake writes itself are refused.
    pub headers: Headers,
    /// Protocol version to request.
    pub version: ProtocolVersion,
}

/// Headers [`ClientRequest::encode`] writes itself.
const REQUEST_RESERVED: [&str; 7] = [
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
];

impl ClientRequest {
    /// A request for `path` (path and query; empty means `/`) on `host`, with
    /// version 13, no origin, subprotocol, extension or extra header.
    pub fn new(host: impl Into<String>, path: impl Into<String>) -> Self {
        ClientRequest {
            host: host.into(),
            port: None,
            secure: false,
            path: path.into(),
            origin: None,
            protocols: Vec::new(),
            extensions: Vec::new(),
            headers: Headers::new(),
            version: ProtocolVersion::V13,
        }
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets whether the connection is TLS (default port 443 instead of 80).
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets the origin.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Offers one more subprotocol (after those already offered).
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocols.push(protocol.into());
        self
    }

    /// Offers one more extension (after those already offered).
    pub fn extension(mut self, offer: ExtensionOffer) -> Self {
        self.extensions.push(offer);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(name, value);
        self
    }

    /// Sets the protocol version (13 by default; 8 for draft HyBi-08 peers).
    pub fn version(mut self, version: ProtocolVersion) -> Self {
        self.version = version;
        self
    }

    /// Encodes the upgrade request, using `nonce` (16 random bytes, fresh for
    /// every connection) as `Sec-WebSocket-Key`.
    ///
    /// Returns the bytes to send and the [`ClientHandshake`] to feed the
    /// response into. Fails if the host, path, origin, a subprotocol (must be
    /// distinct tokens), an extension (must be tokens) or a header (token name,
    /// no CR/LF/control characters in values, not one the handshake writes) is
    /// invalid.
    pub fn encode(&self, nonce: [u8; 16]) -> Result<(Vec<u8>, ClientHandshake), HandshakeError> {
        let path = request_path(&self.path)?;
        let host = match self.headers.count("Host") {
            0 => self.host_header()?,
            1 => String::from(self.headers.get("Host").unwrap_or_default()),
            _ => return Err(HandshakeError::DuplicateHeader("Host")),
        };
        let origin_name = self.version.origin_header();
        if let Some(origin) = &self.origin {
            if !is_field_value(origin) {
                return Err(HandshakeError::InvalidHeaderValue {
                    name: String::from(origin_name),
                });
            }
            if self.headers.count(origin_name) > 0 {
                return Err(HandshakeError::ReservedHeader(String::from(origin_name)));
            }
        }
        for (i, p) in self.protocols.iter().enumerate() {
            let repeated = self
                .protocols
                .get(..i)
                .is_some_and(|before| before.contains(p));
            if !is_token(p) || repeated {
                return Err(HandshakeError::InvalidProtocol(p.clone()));
            }
        }
        for e in &self.extensions {
            e.validate().map_err(HandshakeError::InvalidExtension)?;
        }
        check_headers(&self.headers, &REQUEST_RESERVED)?;

        let key = base64::engine::general_purpose::STANDARD.encode(nonce);
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        write_field(&mut out, "Host", &host);
        write_field(&mut out, "Upgrade", "websocket");
        write_field(&mut out, "Connection", "Upgrade");
        write_field(&mut out, "Sec-WebSocket-Key", &key);
        write_field(
            &mut out,
            "Sec-WebSocket-Version",
            match self.version {
                ProtocolVersion::V13 => "13",
                ProtocolVersion::V8 => "8",
            },
        );
        if let Some(origin) = &self.origin {
            write_field(&mut out, origin_name, origin);
        }
        if !self.protocols.is_empty() {
            write_field(
                &mut out,
                "Sec-WebSocket-Protocol",
                &self.protocols.join(", "),
            );
        }
        if !self.extensions.is_empty() {
            let value: Vec<String> = self
                .extensions
                .iter()
                .map(ExtensionOffer::to_header_value)
                .collect();
            write_field(&mut out, "Sec-WebSocket-Extensions", &value.join(", "));
        }
        for h in self
            .headers
            .iter()
            .filter(|h| !h.name.eq_ignore_ascii_case("Host"))
        {
            write_field(&mut out, &h.name, &h.value);
        }
        out.extend_from_slice(b"\r\n");

        let handshake = ClientHandshake {
            scanner: HeadScanner::new(HandshakeLimits::default()),
            expected_accept: accept_key(key.as_bytes()),
            protocols: self.protocols.clone(),
            extensions: self.extensions.iter().map(|e| e.name.clone()).collect(),
            state: State::Head,
        };
        Ok((out, handshake))
    }

    /// The `Host` value: host (IPv6 in brackets) and the port unless default.
    fn host_header(&self) -> Result<String, HandshakeError> {
        let invalid = || HandshakeError::InvalidHost(self.host.clone());
        let host = self.host.as_str();
        let mut out = String::with_capacity(host.len() + 8);
        if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let ok = !inner.is_empty()
                && inner.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b':' | b'.' | b'%' | b'-' | b'_' | b'~')
                });
            if !ok {
                return Err(invalid());
            }
            out.push_str(host);
        } else if host.contains(':') {
            // A bare IPv6 address.
            if !host
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            {
                return Err(invalid());
            }
            out.push('[');
            out.push_str(host);
            out.push(']');
        } else {
            let ok = !host.is_empty()
                && host.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(
                            b,
                            b'-' | b'.'
                                | b'_'
                                | b'~'
                                | b'%'
                                | b'!'
                                | b'$'
                                | b'&'
                                | b'\''
                                | b'('
                                | b')'
                                | b'*'
                                | b'+'
                                | b','
                                | b';'
                                | b'='
                        )
                });
            if !ok {
                return Err(invalid());
            }
            out.push_str(host);
        }
        let default_port = if self.secure { 443 } else { 80 };
        if let Some(port) = self.port.filter(|&p| p != default_port) {
            out.push(':');
            out.push_str(itoa_u16(port, &mut [0; 5]));
        }
        Ok(out)
    }
}

/// Formats a port in decimal without allocating.
fn itoa_u16(mut n: u16, buf: &mut [u8; 5]) -> &str {
    let mut start = buf.len();
    while start > 0 {
        start -= 1;
        if let Some(d) = buf.get_mut(start) {
            // `n % 10` is below 10, so the cast cannot truncate.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.get(start..)
        .and_then(|digits| core::str::from_utf8(digits).ok())
        .unwrap_or("0")
}

/// Validates the path and query to request (origin-form), `/` if empty.
fn request_path(path: &str) -> Result<String, HandshakeError> {
    let visible = path
        .bytes()
        .all(|b| (0x21..=0x7e).contains(&b) && b != b'#');
    if !visible {
        return Err(HandshakeError::InvalidPath(String::from(path)));
    }
    match path.as_bytes().first() {
        None => Ok(String::from("/")),
        Some(b'/') => Ok(String::from(path)),
        Some(b'?') => {
            let mut p = String::from("/");
            p.push_str(path);
            Ok(p)
        }
        Some(_) => Err(HandshakeError::InvalidPath(String::from(path))),
    }
}

/// A server's accepted upgrade (`101 Switching Protocols`), validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Always 101.
    pub status: u16,
    /// Every header, in order.
    pub headers: Headers,
    /// The subprotocol the server selected (one of those offered), if any.
    pub protocol: Option<String>,
    /// The extensions the server accepted (each one offered, at most once),
    /// with their parameters parsed but not yet validated: hand them to the
    /// extension itself (e.g. permessage-deflate) to check.
    pub extensions: Vec<ExtensionOffer>,
}

/// Where a [`ClientHandshake`] stands.
#[derive(Clone, Debug)]
enum State {
    /// Reading the response head.
    Head,
    /// Reading the body of a non-101 response to report it.
    Body {
        status: u16,
        headers: Headers,
        reader: BodyReader,
    },
    /// Finished (success or failure).
    Done,
}

/// Incremental parser for the server's answer to a [`ClientRequest`],
/// returned by [`ClientRequest::encode`]. Same linear-time guarantee and
/// [`HandshakeLimits`] as [`ServerHandshake`](super::ServerHandshake).
#[derive(Clone, Debug)]
pub struct ClientHandshake {
    scanner: HeadScanner,
    expected_accept: String,
    protocols: Vec<String>,
    extensions: Vec<String>,
    state: State,
}

impl ClientHandshake {
    /// Replaces the default limits on the response head. Call before the
    /// first [`feed`](Self::feed).
    pub fn with_limits(mut self, limits: HandshakeLimits) -> Self {
        self.scanner.limits = limits;
        self
    }

    /// Feeds bytes received from the server.
    ///
    /// - `Ok(None)`: more bytes are needed (also while the body of an error
    ///   response is being collected).
    /// - `Ok(Some((response, used)))`: the server accepted; the first `used`
    ///   bytes of `input` were the response head and the rest are already
    ///   WebSocket frames.
    /// - `Err(HandshakeError::Redirect { .. })` for a 3xx,
    ///   `Err(HandshakeError::UnexpectedResponse { .. })` for any other non-101
    ///   status (once its body is complete, cut at
    ///   [`MAX_ERROR_BODY`](super::MAX_ERROR_BODY), or at EOF: see
    ///   [`feed_eof`](Self::feed_eof)), or another error if the response is
    ///   malformed or does not match the request.
    ///
    /// After `Some` or `Err`, every call returns [`HandshakeError::AlreadyDone`].
    pub fn feed(&mut self, input: &[u8]) -> Result<Option<(Response, usize)>, HandshakeError> {
        let result = self.step(input);
        if !matches!(result, Ok(None)) {
            self.state = State::Done;
            self.scanner.clear();
        }
        result
    }

    /// Reports that the server closed the connection. Returns the error that
    /// ends the handshake: the [`HandshakeError::UnexpectedResponse`] whose
    /// body ran until EOF (or was cut short), or
    /// [`HandshakeError::TruncatedHead`] if the head never completed.
    pub fn feed_eof(&mut self) -> HandshakeError {
        match mem::replace(&mut self.state, State::Done) {
            State::Head => {
                self.scanner.clear();
                HandshakeError::TruncatedHead
            }
            State::Body {
                status,
                headers,
                reader,
            } => HandshakeError::UnexpectedResponse {
                status,
                headers,
                body: reader.into_body(),
            },
            State::Done => HandshakeError::AlreadyDone,
        }
    }

    fn step(&mut self, input: &[u8]) -> Result<Option<(Response, usize)>, HandshakeError> {
        let mut offset = 0;
        let body_input = match &mut self.state {
            State::Done => return Err(HandshakeError::AlreadyDone),
            State::Body { .. } => input,
            State::Head => loop {
                // `offset`: the bytes of `input` taken by interim responses.
                let rest = input.get(offset..).unwrap_or_default();
                let Some(used) = self.scanner.feed(rest)? else {
                    return Ok(None);
                };
                let used = offset + used;
                let (status, headers) = self.parse_head()?;
                if status == 101 {
                    return self.validate(headers).map(|r| Some((r, used)));
                }
                if (100..200).contains(&status) {
                    // An interim response (100 Continue, 103 Early Hints):
                    // the final one follows (RFC 9110 §15.2).
                    self.scanner.reset();
                    offset = used;
                    continue;
                }
                if (300..400).contains(&status) {
                    let location = headers.get("Location").map(String::from);
                    return Err(HandshakeError::Redirect { status, location });
                }
                let reader = BodyReader::for_response(status, &headers)
                    .map_err(HandshakeError::MalformedResponse)?;
                let Some(reader) = reader else {
                    return Err(HandshakeError::UnexpectedResponse {
                        status,
                        headers,
                        body: Vec::new(),
                    });
                };
                self.state = State::Body {
                    status,
                    headers,
                    reader,
                };
                break input.get(used..).unwrap_or_default();
            },
        };
        let State::Body { reader, .. } = &mut self.state else {
            return Ok(None);
        };
        if !reader
            .feed(body_input)
            .map_err(HandshakeError::MalformedResponse)?
        {
            return Ok(None);
        }
        match mem::replace(&mut self.state, State::Done) {
            State::Body {
                status,
                headers,
                reader,
            } => Err(HandshakeError::UnexpectedResponse {
                status,
                headers,
                body: reader.into_body(),
            }),
            _ => Err(HandshakeError::AlreadyDone),
        }
    }

    /// Parses the complete response head.
    fn parse_head(&self) -> Result<(u16, Headers), HandshakeError> {
        let mut slots = self.scanner.header_slots();
        let mut parsed = httparse::Response::new(&mut slots);
        match parsed.parse(self.scanner.head()) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => {
                return Err(HandshakeError::MalformedResponse(HttpSyntax::NewLine))
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(HandshakeError::TooManyHeaders {
                    limit: self.scanner.limits.max_headers,
                })
            }
            Err(e) => {
                return Err(HandshakeError::MalformedResponse(
                    HttpSyntax::from_httparse(e),
                ))
            }
        }
        let status = parsed.code.unwrap_or_default();
        let headers = parsed
            .headers
            .iter()
            .map(|h| (h.name, decode_value(h.value)))
            .collect();
        Ok((status, headers))
    }

    /// Checks a 101 response against the request.
    fn validate(&self, headers: Headers) -> Result<Response, HandshakeError> {
        // Exactly `websocket` (RFC 6455 §4.1): not a list that has it.
        let upgrade = headers.joined("Upgrade");
        if !upgrade
            .as_deref()
            .is_some_and(|u| u.trim().eq_ignore_ascii_case("websocket"))
        {
            return Err(HandshakeError::NotWebSocketUpgrade {
                got: headers.joined("Upgrade"),
            });
        }
        if !headers.contains_token("Connection", "upgrade") {
            return Err(HandshakeError::MissingConnectionUpgrade {
                got: headers.joined("Connection"),
            });
        }
        let accept = headers.joined("Sec-WebSocket-Accept");
        if accept.as_deref() != Some(self.expected_accept.as_str()) {
            return Err(HandshakeError::BadAccept { got: accept });
        }
        let protocol = match headers.joined("Sec-WebSocket-Protocol") {
            None => None,
            Some(value) => {
                let mut list =
                    parse_protocols(&value).map_err(HandshakeError::InvalidProtocolHeader)?;
                if list.len() != 1 {
                    return Err(HandshakeError::MultipleProtocols(value));
                }
                let chosen = list.pop().unwrap_or_default();
                if !self.protocols.contains(&chosen) {
                    return Err(HandshakeError::ProtocolNotOffered(chosen));
                }
                Some(chosen)
            }
        };
        let extensions = match headers.joined("Sec-WebSocket-Extensions") {
            None => Vec::new(),
            Some(value) => {
                parse_extensions(&value).map_err(HandshakeError::InvalidExtensionHeader)?
            }
        };
        // Extension names compare without regard to case, as the
        // permessage-deflate negotiation compares them.
        for (i, e) in extensions.iter().enumerate() {
            if !self
                .extensions
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&e.name))
            {
                return Err(HandshakeError::ExtensionNotOffered(e.name.clone()));
            }
            if extensions
                .get(..i)
                .is_some_and(|before| before.iter().any(|b| b.name.eq_ignore_ascii_case(&e.name)))
            {
                return Err(HandshakeError::DuplicateExtension(e.name.clone()));
            }
        }
        Ok(Response {
            status: 101,
            headers,
            protocol,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec;

    const RFC_KEY_NONCE: [u8; 16] = *b"the sample nonce";

    fn text(b: &[u8]) -> &str {
        core::str::from_utf8(b).unwrap()
    }

    fn client(req: ClientRequest) -> ClientHandshake {
        req.encode(RFC_KEY_NONCE).unwrap().1
    }

    fn response(extra: &str) -> String {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n{extra}\r\n"
        )
    }

    #[test]
    fn encodes_the_request() {
        let req = ClientRequest::new("server.example.com", "/chat")
            .origin("http://example.com")
            .protocol("chat")
            .protocol("superchat")
            .extension(
                ExtensionOffer::new("permessage-deflate").param("client_max_window_bits", None),
            )
            .header("Authorization", "Bearer x");
        let (bytes, _) = req.encode(RFC_KEY_NONCE).unwrap();
        assert_eq!(
            text(&bytes),
            "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
             Authorization: Bearer x\r\n\r\n"
        );
    }

    #[test]
    fn host_port_and_version_8() {
        let host = |r: ClientRequest| {
            let (b, _) = r.encode([0; 16]).unwrap();
            let t = String::from(text(&b));
            String::from(t.lines().nth(1).unwrap())
        };
        assert_eq!(host(ClientRequest::new("h", "/").port(80)), "Host: h");
        assert_eq!(host(ClientRequest::new("h", "/").port(443)), "Host: h:443");
        assert_eq!(
            host(ClientRequest::new("h", "/").port(443).secure(true)),
            "Host: h"
        );
        assert_eq!(
            host(ClientRequest::new("h", "/").port(8080).secure(true)),
            "Host: h:8080"
        );
        assert_eq!(
            host(ClientRequest::new("::1", "/").port(9)),
            "Host: [::1]:9"
        );
        assert_eq!(
            host(ClientRequest::new("[fe80::1%25eth0]", "/")),
            "Host: [fe80::1%25eth0]"
        );
        assert_eq!(
            host(ClientRequest::new("h", "/").header("host", "virtual:1")),
            "Host: virtual:1"
        );
        let (b, _) = ClientRequest::new("h", "")
            .version(ProtocolVersion::V8)
            .origin("http://o")
            .encode([0; 16])
            .unwrap();
        let t = text(&b);
        assert!(t.starts_with("GET / HTTP/1.1\r\n"));
        assert!(t.contains("\r\nSec-WebSocket-Version: 8\r\n"));
        assert!(t.contains("\r\nSec-WebSocket-Origin: http://o\r\n"));
        assert!(!t.contains("\r\nOrigin"));
        let (b, _) = ClientRequest::new("h", "?q=1").encode([0; 16]).unwrap();
        assert!(text(&b).starts_with("GET /?q=1 HTTP/1.1\r\n"));
    }

    #[test]
    fn encode_rejects_bad_input() {
        use HandshakeError as E;
        let enc = |r: ClientRequest| r.encode([0; 16]).map(|_| ()).unwrap_err();
        let base = || ClientRequest::new("h", "/");
        assert_eq!(enc(ClientRequest::new("", "/")), E::InvalidHost("".into()));
        assert_eq!(
            enc(ClientRequest::new("a b", "/")),
            E::InvalidHost("a b".into())
        );
        assert_eq!(
            enc(ClientRequest::new("h:80", "/")),
            E::InvalidHost("h:80".into())
        );
        assert_eq!(
            enc(ClientRequest::new("h\r\nX: y", "/")),
            E::InvalidHost("h\r\nX: y".into())
        );
        assert_eq!(
            enc(ClientRequest::new("h", "/a b")),
            E::InvalidPath("/a b".into())
        );
        assert_eq!(
            enc(ClientRequest::new("h", "/a#f")),
            E::InvalidPath("/a#f".into())
        );
        assert_eq!(
            enc(ClientRequest::new("h", "x")),
            E::InvalidPath("x".into())
        );
        assert_eq!(
            enc(ClientRequest::new("h", "/\u{e9}")),
            E::InvalidPath("/\u{e9}".into())
        );
        assert_eq!(
            enc(base().protocol("a b")),
            E::InvalidProtocol("a b".into())
        );
        assert_eq!(
            enc(base().protocol("a").protocol("a")),
            E::InvalidProtocol("a".into())
        );
        assert_eq!(
            enc(base().header("X", "1\r\n")),
            E::InvalidHeaderValue { name: "X".into() }
        );
        assert_eq!(
            enc(base().header("X:", "1")),
            E::InvalidHeaderName("X:".into())
        );
        assert_eq!(
            enc(base().header("sec-websocket-key", "k")),
            E::ReservedHeader("sec-websocket-key".into())
        );
        assert_eq!(
            enc(base().origin("o\n")),
            E::InvalidHeaderValue {
                name: "Origin".into()
            }
        );
        assert_eq!(
            enc(base().origin("o").header("origin", "p")),
            E::ReservedHeader("Origin".into())
        );
        assert_eq!(
            enc(base().header("Host", "a").header("host", "b")),
            E::DuplicateHeader("Host")
        );
        assert!(matches!(
            enc(base().extension(ExtensionOffer::new("x").param("p", Some("a b")))),
            E::InvalidExtension(_)
        ));
        // An Origin header without .origin() is just a header.
        assert!(base().header("Origin", "o").encode([0; 16]).is_ok());
    }

    #[test]
    fn accepts_a_valid_response_and_reports_used() {
        let mut c = client(ClientRequest::new("h", "/").protocol("chat").extension(
            ExtensionOffer::new("permessage-deflate").param("client_max_window_bits", None),
        ));
        let mut wire = response(
            "Sec-WebSocket-Protocol: chat\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n",
        )
        .into_bytes();
        let head_len = wire.len();
        wire.extend_from_slice(&[0x81, 0x02, b'h', b'i']);
        let (r, used) = c.feed(&wire).unwrap().unwrap();
        assert_eq!(used, head_len);
        assert_eq!(r.status, 101);
        assert_eq!(r.protocol.as_deref(), Some("chat"));
        assert_eq!(
            r.extensions,
            vec![ExtensionOffer::new("permessage-deflate")
                .param("client_max_window_bits", Some("10"))]
        );
        assert_eq!(c.feed(b""), Err(HandshakeError::AlreadyDone));
        assert_eq!(c.feed_eof(), HandshakeError::AlreadyDone);
    }

    #[test]
    fn interim_responses_before_the_101_are_skipped() {
        // RFC 9110 §15.2: a client parses 1xx responses it did not expect
        // and waits for the final one. Whole, and one byte at a time.
        let interim = "HTTP/1.1 100 Continue\r\n\r\n\
                       HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
        let wire = format!("{interim}{}\u{81}\u{0}", response(""));
        let frames = "\u{81}\u{0}".len();
        let (r, used) = client(ClientRequest::new("h", "/"))
            .feed(wire.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!((r.status, used), (101, wire.len() - frames));
        let mut c = client(ClientRequest::new("h", "/"));
        let bytes = wire.as_bytes();
        let last = bytes.len() - frames - 1;
        for &b in &bytes[..last] {
            assert_eq!(c.feed(&[b]), Ok(None));
        }
        let (r, used) = c.feed(&bytes[last..]).unwrap().unwrap();
        assert_eq!((r.status, used), (101, 1));
        // An interim response followed by a refusal is the refusal.
        let refusal = format!("{interim}HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        assert!(matches!(
            client(ClientRequest::new("h", "/")).feed(refusal.as_bytes()),
            Err(HandshakeError::UnexpectedResponse { status: 403, .. })
        ));
    }

    #[test]
    fn case_and_token_lists_in_the_response() {
        let mut c = client(ClientRequest::new("h", "/").protocol("chat"));
        let wire = "HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, UPGRADE\r\n\
                    sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        let (r, _) = c.feed(wire.as_bytes()).unwrap().unwrap();
        // No subprotocol selected is allowed (RFC 6455 §4.1; browsers accept it).
        assert_eq!(r.protocol, None);
    }

    #[test]
    fn response_violations() {
        use HandshakeError as E;
        let offered = || {
            client(
                ClientRequest::new("h", "/")
                    .protocol("chat")
                    .extension(ExtensionOffer::new("permessage-deflate")),
            )
        };
        let run = |wire: String| offered().feed(wire.as_bytes()).unwrap_err();
        let bad_accept = response("").replace("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "nope");
        assert_eq!(
            run(bad_accept),
            E::BadAccept {
                got: Some("nope".into())
            }
        );
        let no_accept =
            response("").replace("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", "");
        assert_eq!(run(no_accept), E::BadAccept { got: None });
        let two_accepts = response("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
        assert!(matches!(run(two_accepts), E::BadAccept { got: Some(_) }));
        let no_upgrade = response("").replace("Upgrade: websocket\r\n", "");
        assert_eq!(run(no_upgrade), E::NotWebSocketUpgrade { got: None });
        // `Upgrade` must be `websocket` itself (RFC 6455 §4.1), not a list.
        let listed = response("").replace("Upgrade: websocket", "Upgrade: h2c, websocket");
        assert_eq!(
            run(listed),
            E::NotWebSocketUpgrade {
                got: Some("h2c, websocket".into())
            }
        );
        let no_conn = response("").replace("Connection: Upgrade\r\n", "Connection: close\r\n");
        assert_eq!(
            run(no_conn),
            E::MissingConnectionUpgrade {
                got: Some("close".into())
            }
        );
        assert_eq!(
            run(response("Sec-WebSocket-Protocol: other\r\n")),
            E::ProtocolNotOffered("other".into())
        );
        assert_eq!(
            run(response("Sec-WebSocket-Protocol: chat, chat2\r\n")),
            E::MultipleProtocols("chat, chat2".into())
        );
        assert_eq!(
            run(response(
                "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n"
            )),
            E::InvalidProtocolHeader(super::super::HeaderError::DuplicateProtocol("chat".into()))
        );
        assert_eq!(
            run(response("Sec-WebSocket-Extensions: x-other\r\n")),
            E::ExtensionNotOffered("x-other".into())
        );
        assert_eq!(
            run(response(
                "Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n"
            )),
            E::DuplicateExtension("permessage-deflate".into())
        );
        assert!(matches!(
            run(response(
                "Sec-WebSocket-Extensions: permessage-deflate;\r\n"
            )),
            E::InvalidExtensionHeader(_)
        ));
        assert!(matches!(
            run("HTTP/1.1 1O1 x\r\n\r\n".into()),
            E::MalformedResponse(_)
        ));
        assert!(matches!(
            run("SSH-2.0-OpenSSH\r\n\r\n".into()),
            E::MalformedResponse(_)
        ));
        // Without any offer, any subprotocol is not offered.
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(
            c.feed(response("Sec-WebSocket-Protocol: chat\r\n").as_bytes()),
            Err(E::ProtocolNotOffered("chat".into()))
        );
    }

    #[test]
    fn redirects() {
        let mut c = client(ClientRequest::new("h", "/"));
        let wire =
            "HTTP/1.1 302 Found\r\nLocation: wss://elsewhere/x\r\nContent-Length: 5\r\n\r\nmoved";
        assert_eq!(
            c.feed(wire.as_bytes()),
            Err(HandshakeError::Redirect {
                status: 302,
                location: Some("wss://elsewhere/x".into())
            })
        );
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(
            c.feed(b"HTTP/1.1 307 Temporary Redirect\r\n\r\n"),
            Err(HandshakeError::Redirect {
                status: 307,
                location: None
            })
        );
    }

    fn unexpected(status: u16, headers: &[(&str, &str)], body: &[u8]) -> HandshakeError {
        HandshakeError::UnexpectedResponse {
            status,
            headers: headers.iter().copied().collect(),
            body: body.to_vec(),
        }
    }

    #[test]
    fn unexpected_response_with_content_length() {
        let wire = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 9\r\n\r\nwho r u?\n";
        let want = unexpected(401, &[("Content-Length", "9")], b"who r u?\n");
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(c.feed(wire), Err(want.clone()));
        // Byte by byte: Ok(None) until the last body byte.
        let mut c = client(ClientRequest::new("h", "/"));
        for b in &wire[..wire.len() - 1] {
            assert_eq!(c.feed(core::slice::from_ref(b)), Ok(None));
        }
        assert_eq!(c.feed(&wire[wire.len() - 1..]), Err(want));
        // Cut at the cap.
        let mut c = client(ClientRequest::new("h", "/"));
        let mut wire = Vec::from(&b"HTTP/1.1 500 Oops\r\nContent-Length: 100000\r\n\r\n"[..]);
        wire.resize(wire.len() + 70_000, b'x');
        match c.feed(&wire) {
            Err(HandshakeError::UnexpectedResponse { status, body, .. }) => {
                assert_eq!((status, body.len()), (500, super::super::MAX_ERROR_BODY));
            }
            other => panic!("{other:?}"),
        }
        // No body.
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(
            c.feed(b"HTTP/1.1 204 No Content\r\n\r\n"),
            Err(unexpected(204, &[], b""))
        );
    }

    #[test]
    fn unexpected_response_chunked() {
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(
            c.feed(b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nno "),
            Ok(None)
        );
        assert_eq!(
            c.feed(b"\r\n4\r\nway!\r\n0\r\n\r\n"),
            Err(unexpected(
                403,
                &[("Transfer-Encoding", "chunked")],
                b"no way!"
            ))
        );
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(
            c.feed(b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            Err(HandshakeError::MalformedResponse(HttpSyntax::Chunked))
        );
    }

    #[test]
    fn unexpected_response_until_eof() {
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(
            c.feed(b"HTTP/1.0 503 Busy\r\nServer: x\r\n\r\ntry "),
            Ok(None)
        );
        assert_eq!(c.feed(b"later"), Ok(None));
        assert_eq!(
            c.feed_eof(),
            unexpected(503, &[("Server", "x")], b"try later")
        );
        assert_eq!(c.feed(b"x"), Err(HandshakeError::AlreadyDone));
        // EOF in the head.
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(c.feed(b"HTTP/1.1 101 Switching"), Ok(None));
        assert_eq!(c.feed_eof(), HandshakeError::TruncatedHead);
        let mut c = client(ClientRequest::new("h", "/"));
        assert_eq!(c.feed_eof(), HandshakeError::TruncatedHead);
    }

    #[test]
    fn limits_apply_to_the_response() {
        let mut c = client(ClientRequest::new("h", "/")).with_limits(HandshakeLimits {
            max_head_bytes: 64,
            max_headers: 2,
        });
        assert_eq!(
            c.feed(response("").as_bytes()),
            Err(HandshakeError::HeadTooLarge { limit: 64 })
        );
        let mut c = client(ClientRequest::new("h", "/")).with_limits(HandshakeLimits {
            max_head_bytes: 1024,
            max_headers: 2,
        });
        assert_eq!(
            c.feed(response("").as_bytes()),
            Err(HandshakeError::TooManyHeaders { limit: 2 })
        );
    }

    #[test]
    fn port_formatting() {
        assert_eq!(itoa_u16(0, &mut [0; 5]), "0");
        assert_eq!(itoa_u16(65535, &mut [0; 5]), "65535");
        assert_eq!(itoa_u16(8080, &mut [0; 5]), "8080");
    }
}
