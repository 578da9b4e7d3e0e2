//! WebSocket on an existing hyper 1.x HTTP server (and so on axum, which
//! runs on hyper): ws's `noServer` + `handleUpgrade`.
//!
//! In your service, hand a request to [`upgrade`]: it validates it as a
//! WebSocket upgrade with sockeye's own checks, lets you accept or reject
//! it, and returns the `101 Switching Protocols` response to send plus a
//! [`PendingWebSocket`] future that resolves, once hyper has sent the
//! response, to a [`WebSocketStream`] over the upgraded connection. Bytes
//! the client sent right behind its request (hyper read them already) are
//! not lost: `Upgraded` hands them back first. Other requests are yours to
//! answer as usual; [`is_upgrade_request`] tells them apart. Serve the
//! connection with `hyper::server::conn::http1::Builder::serve_connection(..)
//! .with_upgrades()`, or upgrades never complete. permessage-deflate is
//! negotiated per [`ServerOptions::deflate`], as by sockeye's own servers.
//!
//! Only the request's head and its `OnUpgrade` extension are used, so any
//! body type does: from axum, take the handler's `axum::extract::Request`
//! (`axum::serve` allows upgrades) and return the response; see the
//! `axum_upgrade` example.
//!
//! ```no_run
//! use http_body_util::Full;
//! use hyper::{body::Incoming, Request, Response};
//! use sockeye_tokio::{hyper::upgrade, Bytes, Decision, ServerOptions};
//!
//! async fn service(mut req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
//!     if !sockeye_tokio::hyper::is_upgrade_request(&req) {
//!         return Ok(Response::new(Full::new(Bytes::from("plain HTTP\n"))));
//!     }
//!     match upgrade(&mut req, &ServerOptions::default(), |_| Decision::accept()) {
//!         Ok((response, pending)) => {
//!             tokio::spawn(async move {
//!                 let Ok(mut ws) = pending.await else { return };
//!                 while let Some(Ok(message)) = ws.recv().await {
//!                     if message.is_text() || message.is_binary() {
//!                         let _ = ws.send(message).await;
//!                     }
//!                 }
//!             });
//!             Ok(response)
//!         }
//!         Err(refused) => Ok(refused.into_response()),
//!     }
//! }
//! ```

use crate::websocket::WebSocketStream;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::TokioIo;
use sockeye_proto::handshake::{validate_request, HandshakeError, Headers};
use sockeye_proto::{Connection, Decision};
use sockeye_std::{Error, ServerOptions, UpgradeRequest};
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// A WebSocket connection over a connection hyper upgraded.
pub type UpgradedStream = WebSocketStream<TokioIo<Upgraded>>;

/// Why [`upgrade`] did not upgrade; [`into_response`](Self::into_response)
/// is the HTTP answer to send instead.
#[derive(Debug)]
#[non_exhaustive]
pub enum UpgradeError {
    /// The request is not a valid WebSocket upgrade (or no upgrade at all:
    /// [`HandshakeError::NotAnUpgrade`]); answered with the error's status
    /// (400, 405, 426...).
    Handshake(HandshakeError),
    /// The accept callback rejected it, with this status, headers and body.
    Rejected {
        /// The status.
        status: u16,
        /// The headers.
        headers: Headers,
        /// The body.
        body: Vec<u8>,
    },
    /// The connection cannot be upgraded: hyper was not told to allow it
    /// (`serve_connection(..).with_upgrades()`), or the request came over
    /// HTTP/2. Answered with 500.
    NotUpgradable,
}

impl fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpgradeError::Handshake(e) => write!(f, "not a valid WebSocket upgrade: {e}"),
            UpgradeError::Rejected { status, .. } => {
                write!(f, "the upgrade was refused with HTTP status {status}")
            }
            UpgradeError::NotUpgradable => {
                f.write_str("hyper cannot upgrade this connection (use `with_upgrades()`)")
            }
        }
    }
}

impl std::error::Error for UpgradeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UpgradeError::Handshake(e) => Some(e),
            _ => None,
        }
    }
}

impl UpgradeError {
    /// The HTTP response that refuses the upgrade.
    pub fn into_response(self) -> Response<Full<Bytes>> {
        let (status, mut headers, body) = match self {
            UpgradeError::Handshake(e) => {
                let mut headers = Headers::new();
                match e.status() {
                    405 => headers.push("Allow", "GET"),
                    426 => {
                        headers.push("Upgrade", "websocket");
                        headers.push("Sec-WebSocket-Version", "13, 8");
                    }
                    _ => {}
                }
                (e.status(), headers, format!("{e}\n").into_bytes())
            }
            UpgradeError::Rejected {
                status,
                headers,
                body,
            } => (status, headers, body),
            UpgradeError::NotUpgradable => (500, Headers::new(), Vec::new()),
        };
        if !body.is_empty() && headers.get("Content-Type").is_none() {
            headers.push("Content-Type", "text/plain; charset=utf-8");
        }
        response(status, &headers, Bytes::from(body))
    }
}

/// Whether `req` asks for a WebSocket upgrade (its `Upgrade` header lists
/// `websocket`); other requests are plain HTTP, to answer as usual.
pub fn is_upgrade_request<B>(req: &Request<B>) -> bool {
    req.headers()
        .get_all(hyper::header::UPGRADE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("websocket"))
}

/// Validates `req` as a WebSocket upgrade with the same checks as
/// sockeye's own servers, without upgrading it. The peer address is taken
/// from a `SocketAddr` in the request's extensions, if your service put one
/// there (`req.extensions_mut().insert(peer)`; axum's `ConnectInfo` is not
/// read).
pub fn upgrade_request<B>(req: &Request<B>) -> Result<UpgradeRequest, HandshakeError> {
    let mut headers = Headers::new();
    for (name, value) in req.headers() {
        headers.push_bytes(name.as_str(), value.as_bytes());
    }
    let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let request = validate_request(
        req.method().as_str(),
        target,
        req.version() == Version::HTTP_11,
        headers,
    )?;
    Ok(UpgradeRequest {
        request,
        peer_addr: req.extensions().get::<SocketAddr>().copied(),
    })
}

/// Upgrades `req` to WebSocket if it is a valid upgrade request and
/// `decide` accepts it (choosing a subprotocol and extra headers with the
/// [`Decision`]). Returns the `101` response to send from your service and
/// the future of the connection; or, refused, the error whose
/// [`into_response`](UpgradeError::into_response) to send instead.
///
/// `options` gives the limits, permessage-deflate settings, write buffer
/// limit and close timeout of the connection (its handshake timeout and HTTP
/// handler are hyper's business). With [`ServerOptions::deflate`] on, a
/// client's permessage-deflate offer is negotiated exactly as sockeye's own
/// servers do it: the `101` answers it in `Sec-WebSocket-Extensions`, and
/// the connection compresses and inflates messages.
/// For async authentication, await it in your service before calling this.
pub fn upgrade<B>(
    req: &mut Request<B>,
    options: &ServerOptions,
    decide: impl FnOnce(&UpgradeRequest) -> Decision,
) -> Result<(Response<Full<Bytes>>, PendingWebSocket), UpgradeError> {
    let upgrade = upgrade_request(req).map_err(UpgradeError::Handshake)?;
    let (protocol, extra) = match decide(&upgrade) {
        Decision::Accept { protocol, headers } => (protocol, headers),
        Decision::Reject {
            status,
            headers,
            body,
        } => {
            return Err(UpgradeError::Rejected {
                status,
                headers,
                body,
            })
        }
    };
    let (conn, headers) = Connection::accepted(
        options.config.clone(),
        &upgrade.request,
        protocol.as_deref(),
        &extra,
    )
    .map_err(UpgradeError::Handshake)?;
    let on_upgrade = req
        .extensions_mut()
        .remove::<OnUpgrade>()
        .ok_or(UpgradeError::NotUpgradable)?;
    let pending = PendingWebSocket {
        on_upgrade,
        accepted: Some(Box::new(Accepted {
            conn,
            write_buffer_limit: options.write_buffer_limit,
            close_timeout: options.close_timeout,
        })),
        request: upgrade,
    };
    Ok((response(101, &headers, Bytes::new()), pending))
}

/// Builds a response; header names and values were validated by the core
/// (or come from the application, and are skipped when invalid).
fn response(status: u16, headers: &Headers, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for h in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(h.name.as_bytes()),
            HeaderValue::from_str(&h.value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

#[derive(Debug)]
struct Accepted {
    /// Open, with the negotiated extension (permessage-deflate) installed.
    conn: Connection,
    write_buffer_limit: usize,
    close_timeout: Duration,
}

/// The WebSocket connection an accepted [`upgrade`] becomes, once hyper has
/// sent the `101` response: await it (in a task of its own, since the
/// service must return the response first).
#[derive(Debug)]
pub struct PendingWebSocket {
    on_upgrade: OnUpgrade,
    accepted: Option<Box<Accepted>>,
    request: UpgradeRequest,
}

impl PendingWebSocket {
    /// The upgrade request that was accepted.
    pub fn request(&self) -> &UpgradeRequest {
        &self.request
    }
}

impl Future for PendingWebSocket {
    type Output = Result<UpgradedStream, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let upgraded = ready!(Pin::new(&mut this.on_upgrade).poll(cx));
        let upgraded = upgraded.map_err(|e| Error::Io(std::io::Error::other(e)))?;
        let accepted = this.accepted.take().ok_or(Error::ConnectionClosed)?;
        Poll::Ready(Ok(WebSocketStream::from_parts(
            TokioIo::new(upgraded),
            accepted.conn,
            accepted.write_buffer_limit,
            accepted.close_timeout,
        )))
    }
}
