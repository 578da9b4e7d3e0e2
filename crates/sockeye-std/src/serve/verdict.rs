//! The accept callback's answer, and the opening handshake with an async
//! callback on the shared driver.

use crate::driver::{AsyncTransport, Driver};
use crate::error::{Error, Result};
use crate::server::UpgradeRequest;
use sockeye_proto::{Decision, Event};
use std::future::{poll_fn, Future};
use std::net::SocketAddr;

/// What an accept callback decides about an upgrade request: accept it,
/// handing a context value (the authenticated user, the endpoint...) to the
/// connection handler, or reject it with an HTTP response. This is ws's
/// `verifyClient` (with its async form) and `handleProtocols` in one.
///
/// A plain [`Decision`] converts into a `Verdict<()>`.
///
/// ```
/// use sockeye_std::Verdict;
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

    /// The decision to answer with, and the context when it accepts. A
    /// `Verdict::Reject` around an acceptance refuses with 403; a
    /// `Verdict::Accept` around a rejection rejects. Servers call this.
    pub fn into_decision(self) -> (Decision, Option<C>) {
        match self {
            Verdict::Accept(d @ Decision::Accept { .. }, context) => (d, Some(context)),
            // A rejection, whichever variant carried it.
            Verdict::Accept(d, _) | Verdict::Reject(d @ Decision::Reject { .. }) => (d, None),
            Verdict::Reject(Decision::Accept { .. }) => (Decision::reject(403), None),
        }
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

/// Runs a server's opening handshake on `driver` (a `Connection::server`),
/// letting an **async** `callback` decide: reads the request, asks the
/// callback, writes the answer. Returns the request and the context the
/// verdict carried; a rejection is written and reported as
/// [`Error::Rejected`]. The async adapters' `accept_async` wrap this in
/// their runtime's handshake timeout.
pub async fn accept_verdict<T, F, Fut, V, C>(
    driver: &mut Driver<T>,
    peer_addr: Option<SocketAddr>,
    callback: F,
) -> Result<(UpgradeRequest, C)>
where
    T: AsyncTransport,
    F: FnOnce(&UpgradeRequest) -> Fut,
    Fut: Future<Output = V>,
    V: Into<Verdict<C>>,
{
    let request = loop {
        if let Event::Request(request) = poll_fn(|cx| driver.poll_handshake(cx)).await? {
            break *request;
        }
    };
    let upgrade = UpgradeRequest { peer_addr, request };
    let (decision, context) = callback(&upgrade).await.into().into_decision();
    driver.conn.decide(&decision)?;
    // A rejected connection is failed: the flush also shuts the transport
    // down.
    poll_fn(|cx| driver.poll_flush(cx)).await?;
    match (decision, context) {
        (Decision::Reject { status, .. }, _) => Err(Error::Rejected { status }),
        (Decision::Accept { .. }, Some(context)) => Ok((upgrade, context)),
        (Decision::Accept { .. }, None) => Err(Error::ConnectionClosed),
    }
}
