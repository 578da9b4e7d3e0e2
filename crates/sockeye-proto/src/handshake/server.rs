//! The server side: parse and validate a client's upgrade request, then build
//! the 101 answer.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{HandshakeError, HttpSyntax};
use super::grammar::{parse_extensions, parse_protocols, ExtensionOffer};
use super::head::{HandshakeLimits, HeadScanner};
use super::headers::{decode_value, write_field, Headers};
use super::response::{check_headers, write_status_line};
use super::{accept_key, ProtocolVersion};

/// Incremental parser for a client's upgrade request.
///
/// Create one per connection and [`feed`](Self::feed) it every byte received
/// until it returns the [`Request`] or an error. Total work is linear in the
/// size of the request however the bytes are split across calls, and the head
/// is bounded by [`HandshakeLimits`].
#[derive(Clone, Debug)]
pub struct ServerHandshake {
    scanner: HeadScanner,
    done: bool,
}

impl ServerHandshake {
    /// A parser waiting for the first byte of a request.
    pub fn new(limits: HandshakeLimits) -> Self {
        ServerHandshake {
            scanner: HeadScanner::new(limits),
            done: false,
        }
    }

    /// Feeds received bytes.
    ///
    /// - `Ok(None)`: all of `input` was taken; more bytes are needed.
    /// - `Ok(Some((request, used)))`: the request head is complete and valid;
    ///   its first `used` bytes of `input` belonged to it and the rest already
    ///   belongs to the WebSocket connection. Decide, then send
    ///   [`Request::accept_response`] or [`reject_response`](super::reject_response).
    /// - `Err(e)`: the request is invalid or too large; send `e.response()`
    ///   and close the connection.
    ///
    /// After `Some` or `Err`, every call returns [`HandshakeError::AlreadyDone`].
    pub fn feed(&mut self, input: &[u8]) -> Result<Option<(Request, usize)>, HandshakeError> {
        if self.done {
            return Err(HandshakeError::AlreadyDone);
        }
        let scanned = self.scanner.feed(input);
        let result = match scanned {
            Ok(None) => return Ok(None),
            Ok(Some(used)) => parse_request(&self.scanner).map(|r| Some((r, used))),
            Err(e) => Err(e),
        };
        self.done = true;
        self.scanner.clear();
        result
    }
}

/// A validated WebSocket upgrade request, for the application to accept or
/// reject (authentication, origin and path checks, subprotocol choice).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method (always `GET` once validated).
    pub method: String,
    /// The path of the request-target, without the query (`/chat`).
    pub path: String,
    /// The query, without the `?`, if the target had one.
    pub query: Option<String>,
    /// The request-target exactly as received.
    pub target: String,
    /// Every header, in order.
    pub headers: Headers,
    /// The `Host` header.
    pub host: String,
    /// `Origin` (`Sec-WebSocket-Origin` for version 8), if sent.
    pub origin: Option<String>,
    /// `Sec-WebSocket-Key` as received (base64 text).
    pub key: String,
    /// The protocol version requested.
    pub version: ProtocolVersion,
    /// The subprotocols offered, in the client's order of preference.
    pub protocols: Vec<String>,
    /// The extensions offered, in the client's order of preference.
    pub extensions: Vec<ExtensionOffer>,
}

/// A plain HTTP request (no `Upgrade` header) that arrived where a
/// WebSocket upgrade was expected, reported as
/// [`HandshakeError::NotAnUpgrade`] so the application can answer it with an
/// ordinary HTTP response (a page, a health check) instead of the default
/// 426 Upgrade Required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: String,
    /// The path of the request-target, without the query.
    pub path: String,
    /// The query, without the `?`.
    pub query: Option<String>,
    /// The request-target exactly as received.
    pub target: String,
    /// Every header, in order.
    pub headers: Headers,
}

/// Headers written by [`Request::accept_response`] itself.
const ACCEPT_RESERVED: [&str; 5] = [
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
];

impl Request {
    /// Builds the `101 Switching Protocols` response that accepts this request.
    ///
    /// `protocol` is the chosen subprotocol; it must be one of
    /// [`Request::protocols`] (else [`HandshakeError::ProtocolNotOffered`]).
    /// `extensions` are the negotiated extension responses (rendered as one
    /// `Sec-WebSocket-Extensions` header if non-empty; names and values must be
    /// tokens). `extra` headers are appended; their names must be tokens, their
    /// values free of control characters such as CR and LF, and they may not
    /// replace the headers written here. After sending it, the connection
    /// speaks WebSocket. A request with `Expect: 100-continue` gets a
    /// `100 Continue` first, as RFC 9110 §7.8 requires before a 101.
    pub fn accept_response(
        &self,
        protocol: Option<&str>,
        extensions: &[ExtensionOffer],
        extra: &Headers,
    ) -> Result<Vec<u8>, HandshakeError> {
        let headers = self.accept_headers(protocol, extensions, extra)?;
        let mut out = Vec::with_capacity(160);
        if self.headers.contains_token("Expect", "100-continue") {
            write_status_line(&mut out, 100);
            out.extend_from_slice(b"\r\n");
        }
        write_status_line(&mut out, 101);
        for h in &headers {
            write_field(&mut out, &h.name, &h.value);
        }
        out.extend_from_slice(b"\r\n");
        Ok(out)
    }

    /// The header fields of the `101 Switching Protocols` response that
    /// [`accept_response`](Self::accept_response) writes, checked the same
    /// way, for an HTTP server that writes the response itself (hyper; that
    /// server also answers `Expect: 100-continue`).
    pub fn accept_headers(
        &self,
        protocol: Option<&str>,
        extensions: &[ExtensionOffer],
        extra: &Headers,
    ) -> Result<Headers, HandshakeError> {
        if let Some(p) = protocol {
            if !self.protocols.iter().any(|offered| offered == p) {
                return Err(HandshakeError::ProtocolNotOffered(String::from(p)));
            }
        }
        for e in extensions {
            e.validate().map_err(HandshakeError::InvalidExtension)?;
        }
        check_headers(extra, &ACCEPT_RESERVED)?;

        let mut out = Headers::new();
        out.push("Upgrade", "websocket");
        out.push("Connection", "Upgrade");
        out.push("Sec-WebSocket-Accept", accept_key(self.key.as_bytes()));
        if let Some(p) = protocol {
            out.push("Sec-WebSocket-Protocol", p);
        }
        if !extensions.is_empty() {
            let value: Vec<String> = extensions
                .iter()
                .map(ExtensionOffer::to_header_value)
                .collect();
            out.push("Sec-WebSocket-Extensions", value.join(", "));
        }
        for h in extra {
            out.push(h.name.clone(), h.value.clone());
        }
        Ok(out)
    }
}

/// Parses and validates the complete head held by `scanner`.
fn parse_request(scanner: &HeadScanner) -> Result<Request, HandshakeError> {
    let mut slots = scanner.header_slots();
    let mut parsed = httparse::Request::new(&mut slots);
    match parsed.parse(scanner.head()) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(HandshakeError::MalformedRequest(HttpSyntax::NewLine))
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HandshakeError::TooManyHeaders {
                limit: scanner.limits.max_headers,
            })
        }
        Err(e) => {
            return Err(HandshakeError::MalformedRequest(HttpSyntax::from_httparse(
                e,
            )))
        }
    }
    let method = parsed.method.unwrap_or_default();
    let target = parsed.path.unwrap_or_default();
    let headers: Headers = parsed
        .headers
        .iter()
        .map(|h| (h.name, decode_value(h.value)))
        .collect();
    validate_request(method, target, parsed.version == Some(1), headers)
}

/// Validates an upgrade request that another HTTP parser already took
/// apart (an HTTP server such as hyper): the same checks, in the same
/// order, as [`ServerHandshake`] makes on raw bytes. `http11` says whether
/// the request was HTTP/1.1; `headers` are its fields in order (decode raw
/// values with [`Headers::push_bytes`]).
///
/// A request without an `Upgrade` header is
/// [`HandshakeError::NotAnUpgrade`], carrying the plain HTTP request.
pub fn validate_request(
    method: &str,
    target: &str,
    http11: bool,
    headers: Headers,
) -> Result<Request, HandshakeError> {
    if headers.count("Upgrade") == 0 {
        // A plain HTTP request: the application may answer it (a page, a
        // health check); by default it gets 426 Upgrade Required.
        let (path, query) = split_target(target).unwrap_or_else(|_| (String::from(target), None));
        return Err(HandshakeError::NotAnUpgrade(alloc::boxed::Box::new(
            HttpRequest {
                method: String::from(method),
                path,
                query,
                target: String::from(target),
                headers,
            },
        )));
    }
    if !http11 {
        return Err(HandshakeError::NotHttp11);
    }
    if method != "GET" {
        return Err(HandshakeError::MethodNotGet {
            method: String::from(method),
        });
    }
    let (path, query) = split_target(target)?;

    let host = match headers.count("Host") {
        0 => return Err(HandshakeError::MissingHost),
        1 => String::from(headers.get("Host").unwrap_or_default()),
        _ => return Err(HandshakeError::DuplicateHeader("Host")),
    };
    if !headers.contains_token("Upgrade", "websocket") {
        return Err(HandshakeError::NotWebSocketUpgrade {
            got: headers.joined("Upgrade"),
        });
    }
    if !headers.contains_token("Connection", "upgrade") {
        return Err(HandshakeError::MissingConnectionUpgrade {
            got: headers.joined("Connection"),
        });
    }
    // The protocol switches right after the head: a body would be taken for
    // frames (and could smuggle frames past an intermediary that read it as
    // a body).
    let has_body = headers.count("Transfer-Encoding") > 0
        || headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("Content-Length") && h.value.trim() != "0");
    if has_body {
        return Err(HandshakeError::RequestBody);
    }
    let version = match headers.count("Sec-WebSocket-Version") {
        1 => headers
            .get("Sec-WebSocket-Version")
            .and_then(ProtocolVersion::from_header),
        _ => None,
    };
    let Some(version) = version else {
        return Err(HandshakeError::UnsupportedVersion {
            got: headers.joined("Sec-WebSocket-Version"),
        });
    };
    let key = match headers.count("Sec-WebSocket-Key") {
        0 => return Err(HandshakeError::MissingKey),
        1 => String::from(headers.get("Sec-WebSocket-Key").unwrap_or_default()),
        _ => return Err(HandshakeError::DuplicateHeader("Sec-WebSocket-Key")),
    };
    if !is_valid_key(&key) {
        return Err(HandshakeError::InvalidKey(key));
    }
    let protocols = match headers.joined("Sec-WebSocket-Protocol") {
        None => Vec::new(),
        Some(v) => parse_protocols(&v).map_err(HandshakeError::InvalidProtocolHeader)?,
    };
    let extensions = match headers.joined("Sec-WebSocket-Extensions") {
        None => Vec::new(),
        Some(v) => parse_extensions(&v).map_err(HandshakeError::InvalidExtensionHeader)?,
    };
    let origin = headers.get(version.origin_header()).map(String::from);

    Ok(Request {
        method: String::from(method),
        path,
        query,
        target: String::from(target),
        headers,
        host,
        origin,
        key,
        version,
        protocols,
        extensions,
    })
}

/// Splits a request-target into path and query. Accepts origin-form
/// (`/path?query`) and absolute-form (`scheme://authority/path?query`, whose
/// path is taken, `/` if empty).
fn split_target(target: &str) -> Result<(String, Option<String>), HandshakeError> {
    let path_and_query = if target.starts_with('/') {
        target
    } else {
        let invalid = || HandshakeError::InvalidTarget(String::from(target));
        let (scheme, rest) = target.split_once("://").ok_or_else(invalid)?;
        let scheme_ok = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok {
            return Err(invalid());
        }
        match rest.find(['/', '?']) {
            Some(at) => rest.get(at..).unwrap_or("/"),
            None => "/",
        }
    };
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(String::from(q))),
        None => (path_and_query, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    Ok((String::from(path), query))
}

/// Whether `key` is the base64 text of 16 bytes: 22 base64 characters and
/// `==` (as `ws` checks; the last character's unused bits are not checked).
fn is_valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    bytes.len() == 24
        && bytes.ends_with(b"==")
        && bytes
            .iter()
            .take(22)
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    pub(crate) const RFC_REQUEST: &str = "GET /chat HTTP/1.1\r\n\
        Host: server.example.com\r\n\
        Upgrade: websocket\r\n\
        Connection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Origin: http://example.com\r\n\
        Sec-WebSocket-Protocol: chat, superchat\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    fn parse(input: &str) -> Result<Request, HandshakeError> {
        parse_bytes(input.as_bytes())
    }

    fn parse_bytes(input: &[u8]) -> Result<Request, HandshakeError> {
        let mut s = ServerHandshake::new(HandshakeLimits::default());
        match s.feed(input)? {
            Some((r, used)) => {
                assert_eq!(used, input.len());
                Ok(r)
            }
            None => panic!("incomplete"),
        }
    }

    /// The RFC request with `edit` applied to its header lines.
    fn edited(edit: impl Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        for line in RFC_REQUEST.split_inclusive("\r\n") {
            match edit(line.trim_end()) {
                Some(l) if !l.is_empty() => {
                    out.push_str(&l);
                    out.push_str("\r\n");
                }
                Some(_) => {}
                None => out.push_str(line),
            }
        }
        out
    }

    /// The headers of a raw request, as the parser records them.
    fn parse_headers_of(raw: &str) -> Headers {
        raw.split("\r\n")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_once(": "))
            .map(|(n, v)| (n, v.to_string()))
            .collect()
    }

    fn replace(name: &'static str, with: &'static str) -> String {
        edited(|l| {
            l.starts_with(&format!("{name}:"))
                .then(|| String::from(with))
        })
    }

    #[test]
    fn rfc_request_parses() {
        let r = parse(RFC_REQUEST).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/chat");
        assert_eq!(r.query, None);
        assert_eq!(r.target, "/chat");
        assert_eq!(r.host, "server.example.com");
        assert_eq!(r.origin.as_deref(), Some("http://example.com"));
        assert_eq!(r.key, "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(r.version, ProtocolVersion::V13);
        assert_eq!(r.protocols, ["chat", "superchat"]);
        assert!(r.extensions.is_empty());
        assert_eq!(r.headers.len(), 7);
        let resp = r
            .accept_response(Some("chat"), &[], &Headers::new())
            .unwrap();
        assert_eq!(
            core::str::from_utf8(&resp).unwrap(),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
        );
    }

    #[test]
    fn used_stops_at_the_head() {
        let mut input = Vec::from(RFC_REQUEST.as_bytes());
        input.extend_from_slice(&[0x81, 0x85, 1, 2, 3, 4]);
        let mut s = ServerHandshake::new(HandshakeLimits::default());
        let (_, used) = s.feed(&input).unwrap().unwrap();
        assert_eq!(used, RFC_REQUEST.len());
        assert_eq!(s.feed(b"x"), Err(HandshakeError::AlreadyDone));
    }

    #[test]
    fn targets_queries_and_absolute_form() {
        let r = parse(&RFC_REQUEST.replace("/chat", "/chat?a=1&b=%20")).unwrap();
        assert_eq!(
            (r.path.as_str(), r.query.as_deref()),
            ("/chat", Some("a=1&b=%20"))
        );
        let r = parse(&RFC_REQUEST.replace("/chat", "http://server.example.com/x/y?q")).unwrap();
        assert_eq!((r.path.as_str(), r.query.as_deref()), ("/x/y", Some("q")));
        assert_eq!(r.target, "http://server.example.com/x/y?q");
        let r = parse(&RFC_REQUEST.replace("/chat", "ws://h:80")).unwrap();
        assert_eq!((r.path.as_str(), r.query), ("/", None));
        let r = parse(&RFC_REQUEST.replace("/chat", "https://h?z")).unwrap();
        assert_eq!((r.path.as_str(), r.query.as_deref()), ("/", Some("z")));
        for bad in ["*", "server.example.com:80", "1http://x/", "://x/"] {
            let e = parse(&RFC_REQUEST.replace("/chat", bad)).unwrap_err();
            assert_eq!(e, HandshakeError::InvalidTarget(bad.into()));
            assert_eq!(e.status(), 400);
        }
    }

    #[test]
    fn lenient_but_correct_header_handling() {
        // Token lists, case, extra whitespace, bare LF line ends, leading empty line.
        let req =
            "\r\nGET / HTTP/1.1\nhost: h\nupgrade: WebSocket\nconnection: keep-alive, Upgrade\n\
                   sec-websocket-key:   dGhlIHNhbXBsZSBub25jZQ==  \nsec-websocket-version: 13\n\
                   sec-websocket-protocol: a\nSec-WebSocket-Protocol: b\n\
                   Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\n\n";
        let r = parse(req).unwrap();
        assert_eq!(r.key, "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(r.protocols, ["a", "b"]);
        assert_eq!(
            r.extensions,
            vec![ExtensionOffer::new("permessage-deflate").param("client_max_window_bits", None)]
        );
        assert_eq!(r.origin, None);
    }

    #[test]
    fn version_8_uses_sec_websocket_origin() {
        let req = edited(|l| match l {
            "Sec-WebSocket-Version: 13" => Some("Sec-WebSocket-Version: 8".into()),
            "Origin: http://example.com" => Some("Sec-WebSocket-Origin: http://old.example".into()),
            _ => None,
        });
        let r = parse(&req).unwrap();
        assert_eq!(r.version, ProtocolVersion::V8);
        assert_eq!(r.origin.as_deref(), Some("http://old.example"));
    }

    #[test]
    fn latin1_header_values_survive() {
        let mut req = Vec::from(RFC_REQUEST.trim_end().as_bytes());
        req.extend_from_slice(b"\r\nX-Name: Jos\xe9\r\n\r\n");
        let r = parse_bytes(&req).unwrap();
        assert_eq!(r.headers.get("x-name"), Some("Jos\u{e9}"));
    }

    #[test]
    fn each_violation_has_its_status() {
        use HandshakeError as E;
        let cases: Vec<(String, HandshakeError, u16)> = vec![
            (
                RFC_REQUEST.replace("GET", "POST"),
                E::MethodNotGet {
                    method: "POST".into(),
                },
                405,
            ),
            (
                RFC_REQUEST.replace("HTTP/1.1", "HTTP/1.0"),
                E::NotHttp11,
                400,
            ),
            (
                RFC_REQUEST.replace("HTTP/1.1", "HTTP/2.0"),
                E::MalformedRequest(HttpSyntax::Version),
                400,
            ),
            (
                RFC_REQUEST.replace("GET /chat", "GET /c hat"),
                E::MalformedRequest(HttpSyntax::Version),
                400,
            ),
            (
                RFC_REQUEST.replace("Origin:", "Or igin:"),
                E::MalformedRequest(HttpSyntax::HeaderName),
                400,
            ),
            (replace("Host", ""), E::MissingHost, 400),
            (
                replace("Host", "Host: a\r\nHost: b"),
                E::DuplicateHeader("Host"),
                400,
            ),
            (
                replace("Upgrade", ""),
                E::NotAnUpgrade(alloc::boxed::Box::new(HttpRequest {
                    method: "GET".into(),
                    path: "/chat".into(),
                    query: None,
                    target: "/chat".into(),
                    headers: parse_headers_of(&replace("Upgrade", "")),
                })),
                426,
            ),
            (
                replace("Upgrade", "Upgrade: h2c"),
                E::NotWebSocketUpgrade {
                    got: Some("h2c".into()),
                },
                400,
            ),
            (
                replace("Connection", ""),
                E::MissingConnectionUpgrade { got: None },
                400,
            ),
            (
                replace("Connection", "Connection: keep-alive"),
                E::MissingConnectionUpgrade {
                    got: Some("keep-alive".into()),
                },
                400,
            ),
            (replace("Origin", "Content-Length: 5"), E::RequestBody, 400),
            (
                replace("Origin", "Transfer-Encoding: chunked"),
                E::RequestBody,
                400,
            ),
            (replace("Sec-WebSocket-Key", ""), E::MissingKey, 400),
            (
                replace(
                    "Sec-WebSocket-Key",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ",
                ),
                E::InvalidKey("dGhlIHNhbXBsZSBub25jZQ".into()),
                400,
            ),
            (
                replace(
                    "Sec-WebSocket-Key",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j*Q==",
                ),
                E::InvalidKey("dGhlIHNhbXBsZSBub25j*Q==".into()),
                400,
            ),
            (
                replace(
                    "Sec-WebSocket-Key",
                    "Sec-WebSocket-Key: a\r\nSec-WebSocket-Key: b",
                ),
                E::DuplicateHeader("Sec-WebSocket-Key"),
                400,
            ),
            (
                replace("Sec-WebSocket-Version", ""),
                E::UnsupportedVersion { got: None },
                426,
            ),
            (
                replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 7"),
                E::UnsupportedVersion {
                    got: Some("7".into()),
                },
                426,
            ),
            (
                replace(
                    "Sec-WebSocket-Version",
                    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 8",
                ),
                E::UnsupportedVersion {
                    got: Some("13, 8".into()),
                },
                426,
            ),
            (
                replace(
                    "Sec-WebSocket-Protocol",
                    "Sec-WebSocket-Protocol: chat, chat",
                ),
                E::InvalidProtocolHeader(super::super::HeaderError::DuplicateProtocol(
                    "chat".into(),
                )),
                400,
            ),
            (
                replace("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: a b"),
                E::InvalidProtocolHeader(super::super::HeaderError::UnexpectedChar {
                    pos: 2,
                    ch: 'b',
                    expected: super::super::Expected::CommaOrEnd,
                }),
                400,
            ),
            (
                replace(
                    "Origin",
                    "Sec-WebSocket-Extensions: permessage-deflate; x=\"a b\"",
                ),
                E::InvalidExtensionHeader(super::super::HeaderError::QuotedValueNotToken {
                    pos: 22,
                }),
                400,
            ),
        ];
        for (req, want, status) in cases {
            let got = parse(&req).unwrap_err();
            assert_eq!(got, want, "{req}");
            assert_eq!(got.status(), status, "{req}");
            let resp = got.response();
            let text = String::from_utf8_lossy(&resp).to_string();
            let reason = super::super::reason_phrase(status);
            assert!(
                text.starts_with(&format!("HTTP/1.1 {status} {reason}\r\n")),
                "{text}"
            );
            // A response with Upgrade lists it in Connection (RFC 9110 §7.8).
            let connection = match status {
                426 => "\r\nConnection: Upgrade, close\r\n",
                _ => "\r\nConnection: close\r\n",
            };
            assert!(text.contains(connection), "{text}");
            if status == 426 {
                assert!(text.contains("\r\nUpgrade: websocket\r\n"), "{text}");
                assert!(
                    text.contains("\r\nSec-WebSocket-Version: 13, 8\r\n"),
                    "{text}"
                );
            }
            if status == 405 {
                assert!(text.contains("\r\nAllow: GET\r\n"), "{text}");
            }
            assert!(!got.to_string().is_empty());
        }
    }

    #[test]
    fn an_empty_body_is_no_body() {
        let r = parse(&replace("Origin", "Content-Length: 0")).unwrap();
        assert_eq!(r.headers.get("Content-Length"), Some("0"));
    }

    #[test]
    fn expect_100_continue_gets_a_100_before_the_101() {
        // RFC 9110 §7.8.
        let r = parse(&replace("Origin", "Expect: 100-continue")).unwrap();
        let out = r.accept_response(None, &[], &Headers::new()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n"),
            "{text}"
        );
        let plain = parse(RFC_REQUEST).unwrap();
        let out = plain.accept_response(None, &[], &Headers::new()).unwrap();
        assert!(out.starts_with(b"HTTP/1.1 101 "));
    }

    #[test]
    fn accept_response_checks_its_inputs() {
        let r = parse(RFC_REQUEST).unwrap();
        let none = Headers::new();
        assert_eq!(
            r.accept_response(Some("other"), &[], &none),
            Err(HandshakeError::ProtocolNotOffered("other".into()))
        );
        let mut evil = Headers::new();
        evil.push("X-A", "1\r\nSet-Cookie: a=b");
        assert_eq!(
            r.accept_response(None, &[], &evil),
            Err(HandshakeError::InvalidHeaderValue { name: "X-A".into() })
        );
        let mut evil = Headers::new();
        evil.push("X\r\nA", "1");
        assert_eq!(
            r.accept_response(None, &[], &evil),
            Err(HandshakeError::InvalidHeaderName("X\r\nA".into()))
        );
        let mut dup = Headers::new();
        dup.push("sec-websocket-accept", "x");
        assert_eq!(
            r.accept_response(None, &[], &dup),
            Err(HandshakeError::ReservedHeader(
                "sec-websocket-accept".into()
            ))
        );
        let bad_ext = ExtensionOffer::new("x").param("p", Some("a\r\nb"));
        assert!(matches!(
            r.accept_response(None, &[bad_ext], &none),
            Err(HandshakeError::InvalidExtension(_))
        ));
        let mut extra = Headers::new();
        extra.push("Set-Cookie", "id=1");
        let exts = [
            ExtensionOffer::new("permessage-deflate").param("server_no_context_takeover", None),
            ExtensionOffer::new("x-y"),
        ];
        let resp = r.accept_response(None, &exts, &extra).unwrap();
        let text = core::str::from_utf8(&resp).unwrap();
        assert!(text.contains(
            "\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover, x-y\r\nSet-Cookie: id=1\r\n\r\n"
        ));
        assert!(!text.contains("Sec-WebSocket-Protocol"));
    }

    /// A request of `n_headers` headers (including the 5 required ones) and
    /// exactly `size` bytes.
    pub(crate) fn sized_request(n_headers: usize, size: usize) -> Vec<u8> {
        let mut req = String::from(
            "GET /chat?x=1 HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
        );
        for i in 0..n_headers - 6 {
            req.push_str(&format!("X-F{i}: v\r\n"));
        }
        // One more header, padded to reach `size`.
        let missing = size - req.len() - "X-Pad: \r\n\r\n".len();
        req.push_str("X-Pad: ");
        req.push_str(&"p".repeat(missing));
        req.push_str("\r\n\r\n");
        assert_eq!(req.len(), size);
        req.into_bytes()
    }

    #[test]
    fn maximal_request_one_byte_at_a_time() {
        let limits = HandshakeLimits::default();
        let req = sized_request(limits.max_headers, limits.max_head_bytes - 1);
        let at_once = parse_bytes(&req).unwrap();
        assert_eq!(at_once.headers.len(), 128);
        let mut s = ServerHandshake::new(limits);
        let mut got = None;
        for (i, b) in req.iter().enumerate() {
            if let Some((r, used)) = s.feed(core::slice::from_ref(b)).unwrap() {
                assert_eq!((i, used), (req.len() - 1, 1));
                got = Some(r);
            }
        }
        assert_eq!(got, Some(at_once));
        // Exactly at the limit is still fine.
        let req = sized_request(limits.max_headers, limits.max_head_bytes);
        assert!(parse_bytes(&req).is_ok());
    }

    #[test]
    fn oversized_heads_are_431() {
        let limits = HandshakeLimits::default();
        let req = sized_request(10, limits.max_head_bytes + 1);
        let mut s = ServerHandshake::new(limits);
        let e = s.feed(&req).unwrap_err();
        assert_eq!(e, HandshakeError::HeadTooLarge { limit: 16 * 1024 });
        assert_eq!(e.status(), 431);
        // One byte at a time fails at the same byte.
        let mut s = ServerHandshake::new(limits);
        let failed_at = req
            .iter()
            .position(|b| s.feed(core::slice::from_ref(b)).is_err());
        assert_eq!(failed_at, Some(limits.max_head_bytes));

        let req = sized_request(129, 4000);
        let e = parse_bytes(&req).unwrap_err();
        assert_eq!(e, HandshakeError::TooManyHeaders { limit: 128 });
        assert_eq!(e.status(), 431);
        assert!(String::from_utf8_lossy(&e.response())
            .starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));

        // 2,000 short headers fit in 16 KiB; the count limit stops them.
        let mut req = sized_request(6, 200);
        req.truncate(req.len() - 2);
        for _ in 0..2000 {
            req.extend_from_slice(b"X:1\r\n");
        }
        req.extend_from_slice(b"\r\n");
        assert!(req.len() < limits.max_head_bytes);
        let mut s = ServerHandshake::new(limits);
        assert_eq!(
            s.feed(&req),
            Err(HandshakeError::TooManyHeaders { limit: 128 })
        );
        // Fed byte by byte it fails as early.
        let mut s = ServerHandshake::new(limits);
        let failed_at = req
            .iter()
            .position(|b| s.feed(core::slice::from_ref(b)).is_err());
        assert!(failed_at.is_some_and(|at| at < 2000), "{failed_at:?}");
    }

    /// `None` while the request is incomplete, else the result and how many
    /// bytes of the whole input the head took.
    type Outcome = Option<(Result<Request, HandshakeError>, usize)>;

    fn feed_split(input: &[u8], cuts: &[usize]) -> Outcome {
        let mut s = ServerHandshake::new(HandshakeLimits {
            max_head_bytes: 600,
            max_headers: 12,
        });
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        points.push(0);
        points.push(input.len());
        points.sort_unstable();
        let mut consumed = 0;
        for w in points.windows(2) {
            let chunk = &input[w[0]..w[1]];
            match s.feed(chunk) {
                Ok(None) => consumed += chunk.len(),
                Ok(Some((r, used))) => return Some((Ok(r), consumed + used)),
                Err(e) => return Some((Err(e), consumed)),
            }
        }
        None
    }

    fn request_like() -> impl Strategy<Value = Vec<u8>> {
        let valid = Just(RFC_REQUEST.as_bytes().to_vec());
        let mutated = (
            Just(RFC_REQUEST.as_bytes().to_vec()),
            prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        )
            .prop_map(|(mut req, edits)| {
                for (at, b) in edits {
                    let at = at % req.len();
                    req[at] = b;
                }
                req
            });
        let noise = prop::collection::vec(
            prop::sample::select(vec![b'\r', b'\n', b'a', b':', b' ', b'G', b'/', 0xe9]),
            0..700,
        );
        prop_oneof![
            valid,
            mutated,
            noise,
            prop::collection::vec(any::<u8>(), 0..200)
        ]
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_result(
            input in request_like(),
            tail in prop::collection::vec(any::<u8>(), 0..8),
            cuts in prop::collection::vec(any::<usize>(), 0..12),
        ) {
            let mut input = input;
            input.extend_from_slice(&tail);
            let whole = feed_split(&input, &[]);
            let split = feed_split(&input, &cuts);
            match (&whole, &split) {
                (None, None) => {}
                (Some((a, ua)), Some((b, ub))) => {
                    prop_assert_eq!(a, b);
                    if a.is_ok() {
                        prop_assert_eq!(ua, ub);
                    }
                }
                _ => prop_assert!(false, "{:?} vs {:?}", whole, split),
            }
        }
    }

    /// The request split into the parts an HTTP server hands over.
    fn parts_of(raw: &str) -> (String, String, Headers) {
        let first = raw.split("\r\n").next().unwrap();
        let mut words = first.split(' ');
        let method = words.next().unwrap().to_string();
        let target = words.next().unwrap().to_string();
        let mut headers = Headers::new();
        for (name, value) in parse_headers_of(raw).iter().map(|h| (&h.name, &h.value)) {
            headers.push_bytes(name.clone(), value.as_bytes());
        }
        (method, target, headers)
    }

    #[test]
    fn validate_request_agrees_with_the_byte_parser() {
        let cases = [
            String::from(RFC_REQUEST),
            replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 12"),
            replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: short"),
            replace("Upgrade", "Upgrade: h2c"),
            replace("Upgrade", ""),
            replace("Connection", "Connection: keep-alive"),
            replace("Host", ""),
            replace("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: a b"),
            RFC_REQUEST.replacen("GET", "POST", 1),
        ];
        for raw in cases {
            let (method, target, headers) = parts_of(&raw);
            let from_parts = validate_request(&method, &target, true, headers);
            assert_eq!(from_parts, parse(&raw), "{raw}");
        }
        let (method, target, headers) = parts_of(RFC_REQUEST);
        assert_eq!(
            validate_request(&method, &target, false, headers),
            Err(HandshakeError::NotHttp11)
        );
    }

    #[test]
    fn accept_headers_match_the_response() {
        let r = parse(RFC_REQUEST).unwrap();
        let mut extra = Headers::new();
        extra.push("Set-Cookie", "a=b");
        let headers = r.accept_headers(Some("superchat"), &[], &extra).unwrap();
        assert_eq!(
            headers.get("sec-websocket-accept"),
            Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        );
        assert_eq!(headers.get("Sec-WebSocket-Protocol"), Some("superchat"));
        assert_eq!(headers.get("set-cookie"), Some("a=b"));
        let response = r.accept_response(Some("superchat"), &[], &extra).unwrap();
        let text = core::str::from_utf8(&response).unwrap();
        for h in &headers {
            assert!(text.contains(&format!("{}: {}\r\n", h.name, h.value)));
        }
        assert!(r
            .accept_headers(Some("other"), &[], &Headers::new())
            .is_err());
        let mut bad = Headers::new();
        bad.push("Upgrade", "x");
        assert!(r.accept_headers(None, &[], &bad).is_err());
    }
}
