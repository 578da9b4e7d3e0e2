//! The accept callback's answer, and accepting with an async callback.

use crate::io::TokioIo;
use crate::timeout::with_handshake_timeout;
use crate::websocket::WebSocketStream;
use sockeye_proto::{Connection, Decision, Event};
use sockeye_std::driver::Driver;
use sockeye_std::{Error, PeerAddr, Result, ServerOptions, UpgradeRequest};
use std::future::{poll_fn, Future};
use tokio::io::{AsyncRead, AsyncWrite};

/// What an accept callback decides about an upgrade request: accept it,
/// handing a context value (the authenticated user, the endpoint...) to the
/// connection handler, or reject it with an HTTP response. This is ws's
/// `verifyClient` (with its async form) and `handleProtocols` in one.
///
/// A plain [`Decision`] converts into a `Verdict<()>`.
///
/// ```
/// use sockeye_tokio::Verdict;
/// let ok: Verdict<&str> = Verdict::accept("alice").with_protocol("chat");
/// let no: Verdict<&str> = Verdict::reject(401).with_header("WWW-Authenticate", "Bearer");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<C> {
    /// Accept (the decision is a `Decision::Accept`, with its subprotocol
    /// and extra headers) and hand `C` to the handler.
    Accept(Decision, C),
    /// Refuse with this `Decision::Reject` (status, headers, body).
    Reject(Decision),
}

impl<C> Verdict<C> {
    /// Accept with no subprotocol or extra headers, handing over `context`.
    pub fn accept(context: C) -> Self {
        Verdict::Accept(Decision::accept(), context)
    }

    /// Reject with `status` (401, 403, 404...) and an empty body.
    pub fn reject(status: u16) -> Self {
        Verdict::Reject(Decision::reject(status))
    }

    /// Selects a subprotocol (which the client must have offered), on an
    /// acceptance.
    pub fn with_protocol(self, name: impl Into<String>) -> Self {
        self.map_decision(|d| d.with_protocol(name))
    }

    /// Adds a response header, to either answer (ws's `headers` event).
    pub fn with_header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.map_decision(|d| d.with_header(name, value))
    }

    /// Sets the body of a rejection.
    pub fn with_body(self, body: impl Into<Vec<u8>>) -> Self {
        self.map_decision(|d| d.with_body(body))
    }

    fn map_decision(self, f: impl FnOnce(Decision) -> Decision) -> Self {
        match self {
            Verdict::Accept(d, c) => Verdict::Accept(f(d), c),
            Verdict::Reject(d) => Verdict::Reject(f(d)),
        }
    }
}

impl From<Decision> for Verdict<()> {
    fn from(decision: Decision) -> Self {
        match decision {
            d @ Decision::Accept { .. } => Verdict::Accept(d, ()),
            d @ Decision::Reject { .. } => Verdict::Reject(d),
        }
    }
}

/// Accepts a WebSocket upgrade on `stream`, letting an **async** callback
/// decide (look a token up in a database, call an auth service...). The
/// callback sees the request and returns a future of a [`Verdict`]; to
/// keep the future `'static`, copy what it needs out of the request first.
/// Returns the connection, the request, and the context the verdict
/// carried. A rejection is written and reported as [`Error::Rejected`].
///
/// The handshake timeout of `options` covers reading the request and the
/// callback.
///
/// ```no_run
/// use sockeye_tokio::{ServerOptions, Verdict};
/// # async fn check_token(_: Option<String>) -> Option<String> { None }
/// # async fn run(stream: tokio::net::TcpStream) -> sockeye_tokio::Result<()> {
/// let (mut ws, request, user) = sockeye_tokio::accept_async(stream, &ServerOptions::default(), |req| {
///     let token = req.headers.get("Authorization").map(String::from);
///     async move {
///         match check_token(token).await {
///             Some(user) => Verdict::accept(user),
///             None => Verdict::reject(401).with_header("WWW-Authenticate", "Bearer"),
///         }
///     }
/// })
/// .await?;
/// ws.send(format!("hello {user}, you asked for {}", request.path)).await?;
/// # Ok(()) }
/// ```
pub async fn accept_async<S, F, Fut, V, C>(
    stream: S,
    options: &ServerOptions,
    callback: F,
) -> Result<(WebSocketStream<S>, UpgradeRequest, C)>
where
    S: AsyncRead + AsyncWrite + Unpin + PeerAddr,
    F: FnOnce(&UpgradeRequest) -> Fut,
    Fut: Future<Output = V>,
    V: Into<Verdict<C>>,
{
    let _ = stream.set_nodelay(options.nodelay);
    let conn = Connection::server(options.config.clone());
    let mut driver = Driver::new(TokioIo(stream), conn, options.write_buffer_limit);
    driver.set_http_handler(options.http_handler.clone());
    let (upgrade, context) = with_handshake_timeout(options.handshake_timeout, async {
        let request = loop {
            if let Event::Request(request) = poll_fn(|cx| driver.poll_handshake(cx)).await? {
                break *request;
            }
        };
        let upgrade = UpgradeRequest {
            peer_addr: driver.io.0.peer_addr(),
            request,
        };
        let (decision, context) = match callback(&upgrade).await.into() {
            Verdict::Accept(d @ Decision::Accept { .. }, context) => (d, Some(context)),
            // A rejection, whichever variant carried it.
            Verdict::Accept(d, _) | Verdict::Reject(d @ Decision::Reject { .. }) => (d, None),
            // `Verdict::Reject` around an acceptance: refuse.
            Verdict::Reject(Decision::Accept { .. }) => (Decision::reject(403), None),
        };
        driver.conn.decide(&decision)?;
        // A rejected connection is failed: the flush also shuts the
        // transport down.
        poll_fn(|cx| driver.poll_flush(cx)).await?;
        match (decision, context) {
            (Decision::Reject { status, .. }, _) => Err(Error::Rejected { status }),
            (Decision::Accept { .. }, Some(context)) => Ok((upgrade, context)),
            (Decision::Accept { .. }, None) => Err(Error::ConnectionClosed),
        }
    })
    .await?;
    Ok((
        WebSocketStream::new(driver, options.close_timeout),
        upgrade,
        context,
    ))
}
