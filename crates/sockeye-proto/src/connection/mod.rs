//! The state machine of one WebSocket connection.
//!
//! A [`Connection`] goes through the states of [`State`]: `Connecting`
//! while the opening handshake runs, `Open`, `Closing` once one side has
//! sent a close frame, and `Closed` when the closing handshake is complete or
//! the connection failed.
//!
//! Driving it is always the same loop, whatever runs the I/O:
//!
//! 1. Put received bytes in with [`feed`](Connection::feed) (or append to
//!    [`input_buffer`](Connection::input_buffer) to skip a copy), and call
//!    [`feed_eof`](Connection::feed_eof) when the transport ends.
//! 2. Call [`poll_event`](Connection::poll_event) until it returns
//!    `Ok(None)`.
//! 3. Queue commands: [`send_text`](Connection::send_text),
//!    [`send_binary`](Connection::send_binary),
//!    [`send_message`](Connection::send_message),
//!    [`ping`](Connection::ping), [`pong`](Connection::pong),
//!    [`close`](Connection::close).
//! 4. Write what [`output_chunks`](Connection::output_chunks) returns
//!    (vectored), then report how much was written with
//!    [`consume_output`](Connection::consume_output).
//! 5. When [`should_close_transport`](Connection::should_close_transport)
//!    says so, close the transport.

mod recv;
mod send;

use crate::close::CloseFrame;
use crate::config::Config;
use crate::deflate::{self, PerMessageDeflate};
use crate::error::{Error, SendError};
use crate::extension::Extension;
use crate::handshake::{
    self, ClientHandshake, ClientRequest, ExtensionOffer, Headers, HttpRequest, Request, Response,
    ServerHandshake,
};
use crate::rand::RandomSource;
use crate::utf8::{Utf8Bytes, Validator};
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use bytes::{Bytes, BytesMut};

pub use send::SendOptions;

/// Which end of the connection this is. Clients mask what they send and
/// expect unmasked frames; servers the opposite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The end that sent the upgrade request.
    Client,
    /// The end that accepted it.
    Server,
}

/// The connection's place in its life cycle (RFC 6455 §4, §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// The opening handshake is in progress.
    Connecting,
    /// Messages flow both ways.
    Open,
    /// One side has sent a close frame; the other's is awaited.
    Closing,
    /// Both close frames were exchanged, or the connection failed. Once the
    /// output is drained the transport may be closed.
    Closed,
}

/// The kind of a data message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text.
    Text,
    /// Arbitrary bytes.
    Binary,
}

/// What the peer did, as reported by [`Connection::poll_event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Server: a client's upgrade request arrived. Inspect it, then call
    /// [`Connection::accept`] or [`Connection::reject`].
    Request(Box<Request>),
    /// Server: a plain HTTP request (no `Upgrade` header) arrived. Answer
    /// it with [`Connection::reject`] (any status, e.g. 200 with a page);
    /// ws's default is 426 Upgrade Required.
    HttpRequest(Box<HttpRequest>),
    /// Client: the server accepted the upgrade; the connection is open.
    Connected(Box<Response>),
    /// A complete text message, validated as UTF-8.
    Text(Utf8Bytes),
    /// A complete binary message.
    Binary(Bytes),
    /// Streaming mode ([`Config::streaming`]): the next piece of a data
    /// message, delivered as it arrives. Text pieces are validated (a code
    /// point may still be split across two pieces).
    Fragment {
        /// The kind of the message this piece belongs to.
        kind: MessageKind,
        /// The bytes.
        data: Bytes,
        /// Whether this piece ends the message.
        fin: bool,
    },
    /// A ping. With [`Config::auto_pong`] on, the pong is already queued.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// The peer's close frame. The reply is already queued; the connection
    /// is now `Closed` (if it was Open) and no more events follow.
    Close(CloseFrame),
}

/// A server's answer to an upgrade request, for callbacks that decide
/// (ws's `verifyClient` and `handleProtocols` in one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Accept the upgrade.
    Accept {
        /// The subprotocol to select; must be one the client offered.
        protocol: Option<alloc::string::String>,
        /// Extra response headers.
        headers: Headers,
    },
    /// Refuse it with an HTTP response.
    Reject {
        /// The HTTP status, e.g. 401 or 403.
        status: u16,
        /// Extra response headers (e.g. `WWW-Authenticate`).
        headers: Headers,
        /// The response body.
        body: alloc::vec::Vec<u8>,
    },
}

impl Decision {
    /// Accept with no subprotocol and no extra headers.
    pub fn accept() -> Self {
        Decision::Accept {
            protocol: None,
            headers: Headers::new(),
        }
    }

    /// An HTTP response with `status` (for [`Event::HttpRequest`]); the
    /// same as [`reject`](Self::reject), named for what it does there.
    pub fn respond(status: u16) -> Self {
        Decision::reject(status)
    }

    /// Reject with `status` and an empty body.
    pub fn reject(status: u16) -> Self {
        Decision::Reject {
            status,
            headers: Headers::new(),
            body: alloc::vec::Vec::new(),
        }
    }

    /// Selects a subprotocol (on an `Accept`).
    pub fn with_protocol(mut self, name: impl Into<alloc::string::String>) -> Self {
        if let Decision::Accept { protocol, .. } = &mut self {
            *protocol = Some(name.into());
        }
        self
    }

    /// Adds a response header (to either answer).
    pub fn with_header(
        mut self,
        name: impl Into<alloc::string::String>,
        value: impl Into<alloc::string::String>,
    ) -> Self {
        match &mut self {
            Decision::Accept { headers, .. } | Decision::Reject { headers, .. } => {
                headers.push(name, value)
            }
        }
        self
    }

    /// Sets the body of a `Reject`.
    pub fn with_body(mut self, content: impl Into<alloc::vec::Vec<u8>>) -> Self {
        if let Decision::Reject { body, .. } = &mut self {
            *body = content.into();
        }
        self
    }
}

/// Where the opening handshake stands.
enum Phase {
    /// Server: reading the request.
    ServerRequest(ServerHandshake),
    /// Server: the request was reported; waiting for accept or reject.
    ServerDecision(Box<Request>),
    /// Server: a plain HTTP request was reported; waiting for its response.
    ServerHttp,
    /// Client: request queued, reading the response.
    ClientResponse(Box<ClientHandshake>),
    /// Handshake over: frames flow (or the handshake failed and `failed` is set).
    Frames,
}

/// One WebSocket connection, from the opening handshake to the end of the
/// closing handshake. See the [module documentation](self) for the loop
/// that drives it.
pub struct Connection {
    role: Role,
    config: Config,
    phase: Phase,
    /// Received bytes not yet consumed.
    rx: BytesMut,
    /// The frame whose payload is being received.
    rx_frame: Option<recv::RxFrame>,
    /// Wire size of the last data frame received in full: the next read
    /// makes room for another like it (see [`Connection::input_hint`]).
    rx_last_frame: usize,
    /// The data message being received.
    rx_msg: Option<recv::RxMessage>,
    /// UTF-8 state of the text message being received.
    utf8: Validator,
    eof: bool,
    close_sent: bool,
    close_received: bool,
    /// The connection failed (protocol or handshake error, or EOF); no more
    /// events.
    failed: bool,
    /// Server: input was fed past [`Config::max_early_input`] while the
    /// upgrade request awaited its answer (and dropped).
    early_overflow: bool,
    /// Frames queued as shared chunks, in order, followed by `tx_buf`.
    tx_chunks: VecDeque<Bytes>,
    /// Small frames, copied and coalesced.
    tx_buf: BytesMut,
    /// Payload of the pong answering the latest ping, not yet queued.
    pending_pong: Option<Bytes>,
    /// The outgoing fragmented message in progress: its kind and whether the
    /// extension transforms it.
    tx_msg: Option<(MessageKind, bool)>,
    /// Scratch space for the extension's output.
    tx_scratch: BytesMut,
    /// The largest frame copied into the write buffer since the output was
    /// last drained: the buffers keep room for frames that large.
    tx_recent_frame: usize,
    rng: Option<Box<dyn RandomSource + Send>>,
    extension: Option<Box<dyn Extension>>,
    /// Client: the permessage-deflate offers sent, in order, to check the
    /// answer against (empty when none was sent).
    deflate_offers: alloc::vec::Vec<ExtensionOffer>,
    /// The extensions in force, as the server answered them.
    extensions: alloc::vec::Vec<ExtensionOffer>,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.state())
            .field("buffered_input", &self.rx.len())
            .field("buffered_output", &self.output_len())
            .finish_non_exhaustive()
    }
}

/// Server: the extensions to answer `request` with, per `config`, and the
/// extension to install (permessage-deflate, when an offer is acceptable).
fn negotiate_server_extensions(
    config: &Config,
    request: &Request,
) -> (alloc::vec::Vec<ExtensionOffer>, Option<Box<dyn Extension>>) {
    let Some(cfg) = &config.deflate else {
        return (alloc::vec::Vec::new(), None);
    };
    match deflate::negotiate_server(cfg, &request.extensions) {
        Some((params, answer)) => (
            alloc::vec![answer],
            Some(Box::new(PerMessageDeflate::new(Role::Server, params, cfg))),
        ),
        None => (alloc::vec::Vec::new(), None),
    }
}

impl Connection {
    fn new(
        role: Role,
        config: Config,
        phase: Phase,
        rng: Option<Box<dyn RandomSource + Send>>,
    ) -> Self {
        Connection {
            role,
            config,
            phase,
            rx: BytesMut::new(),
            rx_frame: None,
            rx_last_frame: 0,
            rx_msg: None,
            utf8: Validator::new(),
            eof: false,
            close_sent: false,
            close_received: false,
            failed: false,
            early_overflow: false,
            tx_chunks: VecDeque::new(),
            tx_buf: BytesMut::new(),
            pending_pong: None,
            tx_msg: None,
            tx_scratch: BytesMut::new(),
            tx_recent_frame: 0,
            rng,
            extension: None,
            deflate_offers: alloc::vec::Vec::new(),
            extensions: alloc::vec::Vec::new(),
        }
    }

    /// A server connection waiting for the client's upgrade request. Feed it
    /// the bytes read from the transport; it reports [`Event::Request`].
    pub fn server(config: Config) -> Self {
        let hs = ServerHandshake::new(config.handshake);
        Connection::new(Role::Server, config, Phase::ServerRequest(hs), None)
    }

    /// A client connection whose upgrade request is queued for output. The
    /// 16-byte handshake nonce and every frame's mask key are drawn from
    /// `rng`. It reports [`Event::Connected`] once the server accepts.
    ///
    /// With [`Config::deflate`] set, permessage-deflate is offered (after
    /// the request's own extensions, unless the request already offers it)
    /// and, when the server accepts it, its response is validated strictly
    /// and the extension installed before `Connected` is reported.
    pub fn client(
        request: &ClientRequest,
        config: Config,
        mut rng: Box<dyn RandomSource + Send>,
    ) -> Result<Self, handshake::HandshakeError> {
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        let is_deflate = |o: &&ExtensionOffer| o.name.eq_ignore_ascii_case(deflate::EXTENSION_NAME);
        let mut deflate_offers: alloc::vec::Vec<_> = match config.deflate {
            Some(_) => request
                .extensions
                .iter()
                .filter(is_deflate)
                .cloned()
                .collect(),
            None => alloc::vec::Vec::new(),
        };
        let (bytes, hs) = match &config.deflate {
            Some(cfg) if deflate_offers.is_empty() => {
                let offer = deflate::client_offer(cfg);
                deflate_offers.push(offer.clone());
                request.clone().extension(offer).encode(nonce)?
            }
            _ => request.encode(nonce)?,
        };
        let hs = hs.with_limits(config.handshake);
        let mut conn = Connection::new(
            Role::Client,
            config,
            Phase::ClientResponse(Box::new(hs)),
            Some(rng),
        );
        conn.deflate_offers = deflate_offers;
        conn.tx_buf.extend_from_slice(&bytes);
        Ok(conn)
    }

    /// A connection whose handshake happened elsewhere (for example an HTTP
    /// server that performed the upgrade), already open. A client needs
    /// `rng` for mask keys; a server may pass `None`. A client opened
    /// without one sends nothing: every send fails with
    /// [`SendError::NoRandomSource`], and
    /// no pong or close reply is written.
    pub fn open(role: Role, config: Config, rng: Option<Box<dyn RandomSource + Send>>) -> Self {
        Connection::new(role, config, Phase::Frames, rng)
    }

    /// Installs the extension negotiated for this connection (for example
    /// permessage-deflate). Call it before any data message is exchanged.
    pub fn set_extension(&mut self, extension: Box<dyn Extension>) {
        self.extension = Some(extension);
    }

    /// The extensions in force, as the server's `Sec-WebSocket-Extensions`
    /// named them (for example `permessage-deflate; server_max_window_bits=10`);
    /// empty when none was negotiated by this connection's handshake.
    pub fn extensions(&self) -> &[ExtensionOffer] {
        &self.extensions
    }

    /// This end's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the connection stands in its life cycle.
    pub fn state(&self) -> State {
        if self.failed || (self.close_sent && self.close_received) {
            State::Closed
        } else if !matches!(self.phase, Phase::Frames) {
            State::Connecting
        } else if self.close_sent || self.close_received {
            State::Closing
        } else {
            State::Open
        }
    }

    /// Whether the transport should be closed now: the connection is
    /// `Closed` and every queued byte was written. A server closes the TCP
    /// connection first (RFC 6455 §7.1.1); a client should rather wait a
    /// little for the server to do so, then close itself.
    pub fn should_close_transport(&self) -> bool {
        self.state() == State::Closed && !self.has_output()
    }

    /// Carries out the application's [`Decision`] on the pending upgrade
    /// request: [`accept`](Self::accept) or [`reject`](Self::reject).
    pub fn decide(&mut self, decision: &Decision) -> Result<(), SendError> {
        match decision {
            Decision::Accept { protocol, headers } => self.accept(protocol.as_deref(), headers),
            Decision::Reject {
                status,
                headers,
                body,
            } => self.reject(*status, headers, body),
        }
    }

    /// Answers the pending upgrade request ([`Event::Request`]) with 101
    /// Switching Protocols, selecting `protocol` (which must be one the
    /// client offered) and adding `headers`. The connection is then open.
    ///
    /// If the client sent more than [`Config::max_early_input`] bytes after
    /// its request meanwhile, the request is refused instead: the 413
    /// response is queued, the connection is closed and
    /// [`HandshakeError::EarlyInputTooLarge`](handshake::HandshakeError::EarlyInputTooLarge)
    /// is returned.
    pub fn accept(&mut self, protocol: Option<&str>, headers: &Headers) -> Result<(), SendError> {
        let Phase::ServerDecision(request) = &self.phase else {
            return Err(SendError::NoPendingRequest);
        };
        if self.early_input_over_limit() {
            return Err(SendError::Handshake(self.refuse_early_input()));
        }
        let (answers, extension) = negotiate_server_extensions(&self.config, request);
        let response = request
            .accept_response(protocol, &answers, headers)
            .map_err(SendError::Handshake)?;
        self.tx_buf.extend_from_slice(&response);
        self.phase = Phase::Frames;
        self.extension = extension;
        self.extensions = answers;
        Ok(())
    }

    /// Accepts an upgrade `request` that an HTTP server parsed and will
    /// answer itself (hyper): negotiates extensions exactly as
    /// [`accept`](Self::accept) does (permessage-deflate per
    /// [`Config::deflate`]), and returns the open server connection, with
    /// the negotiated extension installed, and the header fields of the
    /// `101 Switching Protocols` response to send
    /// ([`Request::accept_headers`], including `Sec-WebSocket-Extensions`).
    pub fn accepted(
        config: Config,
        request: &Request,
        protocol: Option<&str>,
        headers: &Headers,
    ) -> Result<(Self, Headers), handshake::HandshakeError> {
        let (answers, extension) = negotiate_server_extensions(&config, request);
        let response = request.accept_headers(protocol, &answers, headers)?;
        let mut conn = Connection::open(Role::Server, config, None);
        conn.extension = extension;
        conn.extensions = answers;
        Ok((conn, response))
    }

    /// Answers the pending upgrade request with an HTTP error (for example
    /// 401 or 403) and the given headers and body — or a pending plain HTTP
    /// request ([`Event::HttpRequest`]) with any response. The connection is then
    /// closed once the output is written.
    pub fn reject(&mut self, status: u16, headers: &Headers, body: &[u8]) -> Result<(), SendError> {
        if !matches!(self.phase, Phase::ServerDecision(_) | Phase::ServerHttp) {
            return Err(SendError::NoPendingRequest);
        }
        self.tx_buf
            .extend_from_slice(&handshake::reject_response(status, headers, body));
        self.phase = Phase::Frames;
        self.failed = true;
        Ok(())
    }

    /// Hands the connection received bytes (copying them). Follow with
    /// [`poll_event`](Self::poll_event).
    ///
    /// While a server's request awaits the application's answer (see
    /// [`wants_input`](Self::wants_input)), bytes are kept up to
    /// [`Config::max_early_input`]; past it they are dropped and the request
    /// is refused (413) at the next `poll_event` or `accept`. Bytes after a
    /// plain HTTP request ([`Event::HttpRequest`]) are dropped: the
    /// connection closes once it is answered.
    pub fn feed(&mut self, data: &[u8]) {
        match self.phase {
            Phase::ServerHttp => return,
            Phase::ServerDecision(_)
                if self.rx.len().saturating_add(data.len()) > self.config.max_early_input =>
            {
                self.early_overflow = true;
                return;
            }
            _ => {}
        }
        self.rx.extend_from_slice(data);
    }

    /// Whether reading more input is of any use now. `false` while a
    /// server's upgrade request ([`Event::Request`]) or plain HTTP request
    /// ([`Event::HttpRequest`]) awaits the application's answer, and once
    /// the connection has failed: stop reading until it changes. Embedders
    /// that decide asynchronously should honour it; bytes fed meanwhile
    /// count against [`Config::max_early_input`].
    pub fn wants_input(&self) -> bool {
        !self.failed && !matches!(self.phase, Phase::ServerDecision(_) | Phase::ServerHttp)
    }

    /// The buffer received bytes go into: read from the transport straight
    /// into its spare capacity (reserve first) to avoid the copy `feed`
    /// makes. Follow with [`poll_event`](Self::poll_event).
    pub fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.rx
    }

    /// How many received bytes are buffered but not yet turned into events
    /// (a partial frame, or frames `poll_event` has not reached yet).
    /// Adapters write queued pongs once this is zero, so a burst of pings
    /// read in one go is answered once (RFC 6455 §5.5.3).
    pub fn buffered_input(&self) -> usize {
        self.rx.len()
    }

    /// How much room to make in the [input buffer](Self::input_buffer)
    /// before the next read: the rest of the current frame (or at least a
    /// header), and room for a whole frame as large as the last one
    /// received, so that a stream of large frames is read in one system
    /// call per frame and without growing the buffer by copies.
    ///
    /// The hint is bounded by what the peer has actually sent: beyond
    /// [`SMALL_READ`](Self::SMALL_READ), it never asks for more room than
    /// the last data frame took, so a header that merely announces a large
    /// payload cannot make the connection reserve it.
    pub fn input_hint(&self) -> usize {
        let buffered = self.rx.len();
        let earned = self.rx_last_frame.max(Self::SMALL_READ);
        let need = match &self.rx_frame {
            Some(f) => usize::try_from(f.remaining)
                .unwrap_or(usize::MAX)
                .saturating_sub(buffered)
                .min(earned),
            None => 2usize.saturating_sub(buffered),
        };
        need.max(self.rx_last_frame.saturating_sub(buffered)).max(1)
    }

    /// The room [`input_hint`](Self::input_hint) may ask for on the
    /// strength of a header alone: 64 KiB.
    pub const SMALL_READ: usize = 64 << 10;

    /// Tells the connection the transport ended (the peer closed it or it
    /// broke). Call [`poll_event`](Self::poll_event) afterwards: events
    /// already received are still delivered, followed by
    /// [`Error::UnexpectedEof`] if the closing handshake had not completed.
    pub fn feed_eof(&mut self) {
        self.eof = true;
    }

    /// Returns the next event, `Ok(None)` when more input is needed, or the
    /// error that failed the connection (reported once; the close frame or
    /// HTTP error response is already queued).
    pub fn poll_event(&mut self) -> Result<Option<Event>, Error> {
        // The open connection's path first, apart from the handshake's: it
        // runs several times per message.
        if !self.failed && matches!(self.phase, Phase::Frames) {
            if self.rx.is_empty() && self.rx_frame.is_none() && !self.eof {
                // Nothing buffered, no frame begun: the usual answer when
                // a caller asks again after the last event of a read, and
                // cheaper than the frame loop's set-up.
                self.release_idle_buffer();
                return Ok(None);
            }
            return self.poll_frames();
        }
        self.poll_other_event()
    }

    /// [`poll_event`](Self::poll_event) after a failure or during the
    /// opening handshake.
    #[inline(never)]
    fn poll_other_event(&mut self) -> Result<Option<Event>, Error> {
        if self.failed {
            // Nothing is read after a failure: drop what was fed since, so
            // a caller that keeps feeding cannot grow the buffer unbounded.
            self.rx.clear();
            return Ok(None);
        }
        if matches!(self.phase, Phase::ServerDecision(_)) && self.early_input_over_limit() {
            return Err(Error::Handshake(self.refuse_early_input()));
        }
        match &mut self.phase {
            Phase::Frames => self.poll_frames(),
            Phase::ServerDecision(_) => Ok(None),
            Phase::ServerHttp => {
                // Never read: the connection closes once it is answered.
                self.rx.clear();
                Ok(None)
            }
            Phase::ServerRequest(hs) => {
                let result = hs.feed(&self.rx);
                match result {
                    Ok(Some((request, used))) => {
                        bytes::Buf::advance(&mut self.rx, used);
                        if self.early_input_over_limit() {
                            return Err(Error::Handshake(self.refuse_early_input()));
                        }
                        let event = Event::Request(Box::new(request.clone()));
                        self.phase = Phase::ServerDecision(Box::new(request));
                        Ok(Some(event))
                    }
                    Ok(None) => {
                        self.rx.clear();
                        if self.eof {
                            self.failed = true;
                            return Err(Error::UnexpectedEof);
                        }
                        Ok(None)
                    }
                    Err(handshake::HandshakeError::NotAnUpgrade(request)) => {
                        self.rx.clear();
                        self.phase = Phase::ServerHttp;
                        Ok(Some(Event::HttpRequest(request)))
                    }
                    Err(e) => {
                        self.rx.clear();
                        self.tx_buf.extend_from_slice(&e.response());
                        self.phase = Phase::Frames;
                        self.failed = true;
                        Err(Error::Handshake(e))
                    }
                }
            }
            Phase::ClientResponse(hs) => {
                let result = if self.rx.is_empty() && self.eof {
                    Err(hs.feed_eof())
                } else {
                    hs.feed(&self.rx)
                };
                match result {
                    Ok(Some((response, used))) => {
                        bytes::Buf::advance(&mut self.rx, used);
                        self.phase = Phase::Frames;
                        if let Err(e) = self.install_client_deflate(&response) {
                            self.rx.clear();
                            self.failed = true;
                            return Err(Error::Handshake(e));
                        }
                        self.extensions = response.extensions.clone();
                        Ok(Some(Event::Connected(Box::new(response))))
                    }
                    Ok(None) => {
                        self.rx.clear();
                        if self.eof {
                            if let Phase::ClientResponse(hs) = &mut self.phase {
                                let e = hs.feed_eof();
                                self.phase = Phase::Frames;
                                self.failed = true;
                                return Err(Error::Handshake(e));
                            }
                        }
                        Ok(None)
                    }
                    Err(e) => {
                        self.rx.clear();
                        self.phase = Phase::Frames;
                        self.failed = true;
                        Err(Error::Handshake(e))
                    }
                }
            }
        }
    }

    /// Server: whether more input arrived behind the upgrade request than
    /// [`Config::max_early_input`] allows.
    fn early_input_over_limit(&self) -> bool {
        self.early_overflow || self.rx.len() > self.config.max_early_input
    }

    /// Server: refuses the upgrade request because of too much early input:
    /// queues the 413 response and fails the connection.
    fn refuse_early_input(&mut self) -> handshake::HandshakeError {
        let e = handshake::HandshakeError::EarlyInputTooLarge {
            limit: self.config.max_early_input,
        };
        self.tx_buf.extend_from_slice(&e.response());
        self.rx.clear();
        self.phase = Phase::Frames;
        self.failed = true;
        e
    }

    /// Client: checks the server's permessage-deflate answer, if any, and
    /// installs the extension. With several offers sent, the server may
    /// have accepted any one of them (RFC 7692 §5): the answer must fit one
    /// (the first that it fits sets the parameters); if it fits none, the
    /// error is the one against the first offer.
    fn install_client_deflate(
        &mut self,
        response: &Response,
    ) -> Result<(), handshake::HandshakeError> {
        let Some(cfg) = &self.config.deflate else {
            return Ok(());
        };
        let Some(answer) = response
            .extensions
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(deflate::EXTENSION_NAME))
        else {
            return Ok(());
        };
        let fail = handshake::HandshakeError::DeflateResponse;
        if let Some(other) = response
            .extensions
            .iter()
            .find(|e| deflate::uses_rsv1(&e.name))
        {
            return Err(fail(deflate::NegotiationError::ConflictingExtension(
                other.name.clone(),
            )));
        }
        let mut fits = self
            .deflate_offers
            .iter()
            .map(|offer| deflate::accept_response(cfg, offer, answer));
        let params = match fits.next() {
            Some(Ok(params)) => params,
            // The first later offer the answer fits, or the first error.
            Some(Err(e)) => fits.find_map(Result::ok).ok_or(e).map_err(fail)?,
            // No offer was sent, yet the server answered one.
            None => {
                return Err(fail(deflate::NegotiationError::NotOffered(
                    deflate::EXTENSION_NAME,
                )))
            }
        };
        self.extension = Some(Box::new(PerMessageDeflate::new(Role::Client, params, cfg)));
        Ok(())
    }

    /// Marks the connection failed with a protocol error: queue a close
    /// frame with the error's code (unless one was sent already) and drop
    /// all further input.
    fn fail(&mut self, e: crate::error::ProtocolError) -> Result<Option<Event>, Error> {
        if !self.close_sent {
            let code = e.close_code();
            self.queue_close(code, &[]);
        }
        self.failed = true;
        self.rx.clear();
        self.rx_frame = None;
        self.rx_msg = None;
        Err(Error::Protocol(e))
    }
}

#[cfg(test)]
pub(crate) mod tests;
