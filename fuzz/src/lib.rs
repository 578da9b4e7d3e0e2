//! Helpers shared by the fuzz targets: splitting an input into chunks, a
//! counting allocator, and the harness that drives a whole `Connection`.
//!
//! ## Input layout
//!
//! Every target that feeds bytes "in arbitrary chunks" reads its split points
//! from the front of the input (see [`split`]): one byte whose low three bits
//! are a count `k`, then `k` chunk lengths (one byte each, cycled), then the
//! data. `k = 0` feeds the data in one piece, so a seed is simply `\0`
//! followed by the bytes a peer would send.
//!
//! The connection targets put two more bytes in front (see [`ConnSetup`]).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use sockeye_proto::deflate::{DeflateConfig, DeflateParams, PerMessageDeflate, EXTENSION_NAME};
use sockeye_proto::frame::MAX_HEADER_LEN;
use sockeye_proto::handshake::{ExtensionOffer, HandshakeLimits, Headers};
use sockeye_proto::{
    CloseCode, Config, Connection, Decision, Event, MessageKind, RandomSource, Role, SendOptions,
    State, XorShift,
};

// ---------------------------------------------------------------------------
// Counting allocator: lets the connection targets assert that memory stays
// within what the configured limits allow.

/// Wraps the system allocator and counts the bytes currently allocated.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments and
// only adds bookkeeping on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes currently allocated through the Rust global allocator.
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

// ---------------------------------------------------------------------------
// Chunking.

/// An input split into chunk lengths and data (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct Split<'a> {
    /// Chunk lengths, cycled; empty (or all zero) means one chunk.
    pub lens: &'a [u8],
    /// The bytes to feed.
    pub data: &'a [u8],
}

/// Reads the split points from the front of `input`.
pub fn split(input: &[u8]) -> Split<'_> {
    let Some((&first, rest)) = input.split_first() else {
        return Split {
            lens: &[],
            data: &[],
        };
    };
    let k = usize::from(first & 7).min(rest.len());
    let (lens, data) = rest.split_at(k);
    Split { lens, data }
}

impl<'a> Split<'a> {
    /// The chunks, in order. Zero lengths yield empty chunks (feeding
    /// nothing must be harmless too); the last chunk may be shorter.
    pub fn chunks(&self) -> Chunks<'a> {
        let lens = if self.lens.iter().all(|&l| l == 0) {
            &[][..]
        } else {
            self.lens
        };
        Chunks {
            lens,
            data: self.data,
            i: 0,
        }
    }
}

/// Iterator over the chunks of a [`Split`].
#[derive(Clone, Debug)]
pub struct Chunks<'a> {
    lens: &'a [u8],
    data: &'a [u8],
    i: usize,
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.data.is_empty() {
            return None;
        }
        let n = match self.lens {
            [] => self.data.len(),
            lens => usize::from(lens[self.i % lens.len()]).min(self.data.len()),
        };
        self.i += 1;
        let (chunk, rest) = self.data.split_at(n);
        self.data = rest;
        Some(chunk)
    }
}

// ---------------------------------------------------------------------------
// The connection harness.

/// A random source for the client role: the handshake nonce is RFC 6455's
/// "the sample nonce" (so seeds can carry the RFC's `Sec-WebSocket-Accept`),
/// mask keys come from a fixed xorshift.
pub struct FixedNonce {
    nonce_left: usize,
    rest: XorShift,
}

impl FixedNonce {
    /// RFC 6455 §1.3: `dGhlIHNhbXBsZSBub25jZQ==`.
    pub const NONCE: &'static [u8; 16] = b"the sample nonce";
    /// The matching `Sec-WebSocket-Accept`.
    pub const ACCEPT: &'static str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    /// A source whose first 16 bytes are [`FixedNonce::NONCE`].
    pub fn new() -> Self {
        FixedNonce {
            nonce_left: 16,
            rest: XorShift::new(7),
        }
    }
}

impl Default for FixedNonce {
    fn default() -> Self {
        FixedNonce::new()
    }
}

impl RandomSource for FixedNonce {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let mut dest = dest;
        while self.nonce_left > 0 && !dest.is_empty() {
            dest[0] = Self::NONCE[16 - self.nonce_left];
            self.nonce_left -= 1;
            dest = &mut dest[1..];
        }
        self.rest.fill_bytes(dest);
    }
}

/// What the two leading bytes of a connection target's input select.
///
/// Byte 0 (flags): bit 0 streaming; bit 1 UTF-8 validation off; bit 2
/// auto-pong off; bit 3 accept unmasked frames; bits 4-5 the limits (0 tiny,
/// 1 small, 2-3 "64 KiB"); bit 6 echo every data message back; bit 7 start
/// from the opening handshake instead of an open connection.
///
/// Byte 1: bits 0-5 the chunk index after which this end starts the closing
/// handshake itself (0: never); bit 6 report EOF after the last chunk; bit 7
/// drain output in small pieces.
#[derive(Clone, Debug)]
pub struct ConnSetup {
    /// The configuration of the connection under test.
    pub config: Config,
    /// Echo data messages (exercises the send path while receiving).
    pub echo: bool,
    /// Start from the handshake.
    pub handshake: bool,
    /// Close after this chunk (1-based; 0 never).
    pub close_at: usize,
    /// Report EOF at the end.
    pub eof: bool,
    /// Drain output in small pieces.
    pub partial_drain: bool,
    /// permessage-deflate: for an open connection, the agreed parameters
    /// (installed on both ends); from the handshake, `config.deflate` is
    /// set and the handshake negotiates.
    pub deflate: Option<DeflateParams>,
}

impl ConnSetup {
    /// Decodes the two setup bytes.
    pub fn from_bytes(flags: u8, control: u8) -> Self {
        let mut config = Config::default();
        config.streaming = flags & 1 != 0;
        config.validate_utf8 = flags & 2 == 0;
        config.auto_pong = flags & 4 == 0;
        config.accept_unmasked_frames = flags & 8 != 0;
        // (message, frame, fragments, head bytes, headers, zero-copy threshold)
        let (message, frame, fragments, head, headers, zero_copy) = match (flags >> 4) & 3 {
            0 => (256, 128, 4, 1024, 16, 64),
            1 => (4096, 1024, 16, 4096, 32, 1024),
            _ => (64 << 10, 16 << 10, 128, 16 << 10, 128, 16 << 10),
        };
        config.max_message_size = message;
        config.max_frame_size = frame;
        config.max_fragments = fragments;
        config.handshake = HandshakeLimits {
            max_head_bytes: head,
            max_headers: headers,
        };
        config.zero_copy_threshold = zero_copy;
        ConnSetup {
            config,
            echo: flags & 0x40 != 0,
            handshake: flags & 0x80 != 0,
            close_at: usize::from(control & 0x3f),
            eof: control & 0x40 != 0,
            partial_drain: control & 0x80 != 0,
            deflate: None,
        }
    }

    /// Adds permessage-deflate, decoded from one more byte: bit 0
    /// `server_no_context_takeover`, bit 1 `client_no_context_takeover`,
    /// bits 2-4 and 5-7 the server's and the client's window bits (8 + n).
    /// The compression level and threshold follow from the same bits.
    pub fn with_deflate(mut self, byte: u8) -> Self {
        let params = DeflateParams {
            server_no_context_takeover: byte & 1 != 0,
            client_no_context_takeover: byte & 2 != 0,
            server_max_window_bits: 8 + ((byte >> 2) & 7),
            client_max_window_bits: 8 + ((byte >> 5) & 7),
        };
        let mut cfg = deflate_config(byte);
        cfg.server_no_context_takeover = params.server_no_context_takeover;
        cfg.client_no_context_takeover = params.client_no_context_takeover;
        // From the handshake: ask for (client) or allow (server) these windows.
        cfg.server_max_window_bits = Some(params.server_max_window_bits);
        cfg.client_max_window_bits = Some(params.client_max_window_bits);
        if self.handshake {
            self.config.deflate = Some(cfg);
        }
        self.deflate = Some(params);
        self
    }
}

/// Level and threshold for a deflate setup byte: levels 0 (stored), 1, 6
/// and 9; messages of any size compressed, or only from 64 bytes.
fn deflate_config(byte: u8) -> DeflateConfig {
    let mix = byte.count_ones() as usize;
    DeflateConfig::default()
        .level([0, 1, 6, 9][mix & 3])
        .threshold(if mix & 4 == 0 { 0 } else { 64 })
}

/// The agreed parameters of a `permessage-deflate` response (as
/// `Connection::extensions` reports it): absent window bits are 15.
pub fn params_of(response: &ExtensionOffer) -> DeflateParams {
    let bits = |name| {
        response
            .get_param(name)
            .flatten()
            .and_then(|v| v.parse::<u8>().ok())
            .unwrap_or(15)
    };
    DeflateParams {
        server_no_context_takeover: response.get_param("server_no_context_takeover").is_some(),
        client_no_context_takeover: response.get_param("client_no_context_takeover").is_some(),
        server_max_window_bits: bits("server_max_window_bits"),
        client_max_window_bits: bits("client_max_window_bits"),
    }
}

/// Whether `SOCKEYE_FUZZ_DEBUG` is set: the harness then prints every event,
/// for reproducing a crash by hand (`target/.../connection_server crash-file`).
pub fn debug() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("SOCKEYE_FUZZ_DEBUG").is_some())
}

/// Drives one connection through a fuzz input and checks its invariants:
/// no panic; after every feed, every event consumed and all output drained
/// (and nothing left queued); the input buffer within the frame limit and
/// all memory within a bound set by the configured limits; once `Closed`,
/// always `Closed` with no further event; an error reported at most once
/// and only as the connection closes; and everything it writes is valid
/// WebSocket for a peer (checked by feeding it to a second connection).
pub struct Harness {
    conn: Connection,
    setup: ConnSetup,
    /// The peer's view: our output (past the HTTP head) fed to a
    /// connection of the other role, which must never see a protocol error.
    observer: Connection,
    /// Our output while the HTTP head is still being written.
    head: Option<Vec<u8>>,
    /// Whether the head we wrote was a 101 (frames follow).
    upgraded: bool,
    peer_role: Role,
    /// The incomplete code point at the end of the streamed text so far.
    text_carry: Vec<u8>,
    closed: bool,
    errors: usize,
    baseline: usize,
    max_chunk: usize,
    chunks_fed: usize,
}

impl Harness {
    /// A harness for `role` with `setup`. Starts from the handshake if
    /// `setup.handshake`.
    pub fn new(role: Role, setup: ConnSetup) -> Self {
        let baseline = live_bytes();
        let config = setup.config.clone();
        let conn = match (role, setup.handshake) {
            (Role::Server, true) => Connection::server(config),
            (Role::Client, true) => {
                let request = sockeye_proto::handshake::ClientRequest::new("example.com", "/chat")
                    .origin("http://example.com")
                    .protocol("chat")
                    .protocol("superchat");
                Connection::client(&request, config, Box::new(FixedNonce::new()))
                    .expect("the fixed request encodes")
            }
            (Role::Server, false) => Connection::open(Role::Server, config, None),
            (Role::Client, false) => {
                Connection::open(Role::Client, config, Some(Box::new(XorShift::new(3))))
            }
        };
        let mut conn = conn;
        let peer_role = match role {
            Role::Server => Role::Client,
            Role::Client => Role::Server,
        };
        let mut peer_config = Config::default();
        // With validation off, streamed text pieces are unchecked and an
        // echo may carry invalid UTF-8 back: the peer must then not check
        // (and only streaming skips the check of whole text messages).
        if setup.config.streaming && !setup.config.validate_utf8 {
            peer_config.validate_utf8 = false;
            peer_config.streaming = true;
        }
        let mut observer =
            Connection::open(peer_role, peer_config, Some(Box::new(XorShift::new(5))));
        if let (Some(params), false) = (setup.deflate, setup.handshake) {
            let cfg = deflate_config(0);
            conn.set_extension(Box::new(PerMessageDeflate::new(role, params, &cfg)));
            observer.set_extension(Box::new(PerMessageDeflate::new(peer_role, params, &cfg)));
        }
        Harness {
            conn,
            head: setup.handshake.then(Vec::new),
            upgraded: !setup.handshake,
            setup,
            observer,
            text_carry: Vec::new(),
            peer_role,
            closed: false,
            errors: 0,
            baseline,
            max_chunk: 0,
            chunks_fed: 0,
        }
    }

    /// Runs the whole input: the chunks, the optional local close and EOF.
    pub fn run(&mut self, split: Split<'_>) {
        // The client's request (handshake mode) is output before any input.
        self.drain();
        for (i, chunk) in split.chunks().enumerate() {
            self.feed(chunk, i % 2 == 1);
            if i + 1 == self.setup.close_at {
                self.local_close();
            }
        }
        if self.setup.eof {
            self.conn.feed_eof();
            self.pump();
            self.drain();
            self.check();
            // After EOF nothing can still be open.
            assert!(
                self.conn.state() == State::Closed || self.conn.state() == State::Connecting,
                "still {:?} after EOF",
                self.conn.state()
            );
        }
    }

    fn feed(&mut self, chunk: &[u8], via_buffer: bool) {
        self.chunks_fed += 1;
        self.max_chunk = self.max_chunk.max(chunk.len());
        if via_buffer {
            self.conn.input_buffer().extend_from_slice(chunk);
        } else {
            self.conn.feed(chunk);
        }
        self.pump();
        self.drain();
        self.check();
    }

    fn local_close(&mut self) {
        let before = self.conn.state();
        let r = self.conn.close(CloseCode::NORMAL, "bye");
        match before {
            State::Open => {
                assert!(r.is_ok(), "close on an open connection: {r:?}");
                assert_eq!(self.conn.state(), State::Closing);
            }
            State::Closed => assert_eq!(self.conn.state(), State::Closed),
            _ => {}
        }
        self.drain();
        self.check();
    }

    /// Consumes every event, answering requests and echoing messages.
    fn pump(&mut self) {
        loop {
            let r = self.conn.poll_event();
            if self.closed {
                assert!(
                    matches!(r, Ok(None)),
                    "event after the connection closed: {r:?}"
                );
            }
            match r {
                Ok(Some(event)) => self.on_event(event),
                Ok(None) => break,
                Err(e) => {
                    if debug() {
                        eprintln!("error {e:?}");
                    }
                    self.errors += 1;
                    assert_eq!(self.errors, 1, "second error {e:?}");
                    assert_eq!(
                        self.conn.state(),
                        State::Closed,
                        "error {e:?} but not closed"
                    );
                    let _ = e.close_code();
                    let _ = format!("{e}");
                }
            }
            self.note_state();
        }
        self.note_state();
    }

    fn note_state(&mut self) {
        let state = self.conn.state();
        if self.closed {
            assert_eq!(state, State::Closed, "left Closed");
        }
        self.closed = state == State::Closed;
    }

    fn on_event(&mut self, event: Event) {
        if debug() {
            eprintln!("event {event:?} -> {:?}", self.conn.state());
        }
        match event {
            Event::Request(request) => {
                let protocol = request.protocols.first().map(String::as_str);
                if self.conn.accept(protocol, &Headers::new()).is_err() {
                    self.conn
                        .reject(500, &Headers::new(), b"")
                        .expect("a pending request can be rejected");
                }
                self.negotiated();
            }
            Event::HttpRequest(_) => {
                self.conn
                    .decide(&Decision::respond(200).with_body("not a websocket"))
                    .expect("a pending HTTP request can be answered");
            }
            Event::Connected(response) => {
                assert_eq!(response.status, 101);
                self.negotiated();
            }
            Event::Text(text) => {
                assert!(std::str::from_utf8(text.as_bytes()).is_ok());
                assert!(text.len() <= self.setup.config.max_message_size);
                if self.setup.echo {
                    let _ = self.conn.send_text(&text);
                }
            }
            Event::Binary(data) => {
                assert!(data.len() <= self.setup.config.max_message_size);
                if self.setup.echo {
                    let _ = self.conn.send_binary(&data);
                }
            }
            Event::Fragment { kind, data, fin } => {
                assert!(
                    self.setup.config.streaming,
                    "fragment outside streaming mode"
                );
                if kind == MessageKind::Text && self.setup.config.validate_utf8 {
                    // Pieces may split a code point, but together they are
                    // valid UTF-8.
                    self.text_carry.extend_from_slice(&data);
                    let valid = match std::str::from_utf8(&self.text_carry) {
                        Ok(_) => self.text_carry.len(),
                        Err(e) => {
                            assert!(e.error_len().is_none(), "invalid UTF-8 in a text piece");
                            e.valid_up_to()
                        }
                    };
                    self.text_carry.drain(..valid);
                    if fin {
                        assert!(self.text_carry.is_empty(), "text ends inside a code point");
                    }
                }
                if self.setup.echo {
                    let _ = self.conn.send_message(
                        kind,
                        data,
                        SendOptions {
                            fin,
                            compress: true,
                        },
                    );
                }
            }
            Event::Ping(payload) => {
                assert!(payload.len() <= 125);
                if !self.setup.config.auto_pong {
                    let _ = self.conn.pong(&payload);
                }
            }
            Event::Pong(payload) => assert!(payload.len() <= 125),
            Event::Close(frame) => {
                assert!(frame.reason.len() <= 123);
            }
        }
    }

    /// After the handshake: the observer takes on the extension agreed.
    fn negotiated(&mut self) {
        let agreed: Vec<_> = self.conn.extensions().to_vec();
        if self.setup.config.deflate.is_none() {
            assert!(agreed.is_empty(), "extension agreed without one configured");
        }
        for e in &agreed {
            assert!(e.name.eq_ignore_ascii_case(EXTENSION_NAME), "{e:?}");
            let params = params_of(e);
            for bits in [params.server_max_window_bits, params.client_max_window_bits] {
                assert!((8..=15).contains(&bits), "{e:?}");
            }
            let cfg = deflate_config(0);
            let ext = PerMessageDeflate::new(self.peer_role, params, &cfg);
            self.observer.set_extension(Box::new(ext));
        }
    }

    /// Writes all output, in pieces if asked, passing it to the observer.
    fn drain(&mut self) {
        let mut wire = Vec::new();
        while self.conn.has_output() {
            let mut slots: [&[u8]; 2] = [&[]; 2];
            let n = self.conn.output_chunks(&mut slots);
            let total: usize = slots[..n].iter().map(|s| s.len()).sum();
            assert!(n > 0 && total > 0, "has_output but nothing to write");
            let amount = if self.setup.partial_drain {
                (total / 3).max(1)
            } else {
                total
            };
            let mut left = amount;
            for s in &slots[..n] {
                let take = left.min(s.len());
                wire.extend_from_slice(&s[..take]);
                left -= take;
            }
            self.conn.consume_output(amount);
        }
        assert_eq!(self.conn.output_len(), 0, "output left after draining");
        self.observe(&wire);
    }

    /// Feeds our output to the observer (past the HTTP head, if any).
    fn observe(&mut self, wire: &[u8]) {
        let Some(head) = &mut self.head else {
            if self.upgraded {
                self.feed_observer(wire);
            }
            return;
        };
        head.extend_from_slice(wire);
        let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
            return;
        };
        let head = self.head.take().unwrap_or_default();
        // A client's request is followed by frames once accepted; a
        // server's 101 by frames, any other answer by its body only.
        self.upgraded = match self.conn.role() {
            Role::Client => true,
            Role::Server => head.starts_with(b"HTTP/1.1 101 "),
        };
        if self.upgraded {
            self.feed_observer(&head[end + 4..]);
        }
    }

    fn feed_observer(&mut self, frames: &[u8]) {
        if frames.is_empty() {
            return;
        }
        self.observer.feed(frames);
        loop {
            match self.observer.poll_event() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => panic!("our output is invalid for the peer: {e:?}"),
            }
        }
        // The observer's own output (pongs, its close reply) goes nowhere.
        self.observer.take_output();
    }

    /// Checks the bounds after a feed has been fully processed.
    fn check(&mut self) {
        let config = &self.setup.config;
        // A compressed frame may carry DEFLATE's overhead past the limit.
        let payload_limit = match self.setup.deflate {
            Some(_) => config.max_compressed_frame_size(),
            None => config.max_frame_size,
        };
        let frame_limit = payload_limit.max(125) + MAX_HEADER_LEN;
        let rx = self.conn.input_buffer().len();
        if self.conn.state() != State::Connecting {
            assert!(
                rx <= frame_limit,
                "{rx} bytes buffered in state {:?}, limit {frame_limit}",
                self.conn.state()
            );
        }
        // Memory: a message being assembled (and the observer's copy of
        // its echo), a frame in progress, the handshake head, the largest
        // chunk fed (the input buffer may keep its capacity), and slack
        // for fixed-size state. Capacities may be up to twice the length.
        let bound = 4 * (config.max_message_size + frame_limit + 125)
            + 4 * config.handshake.max_head_bytes
            + 2 * self.max_chunk
            + (16 << 10)
            // Compressor and inflaters (ours and the observer's).
            + if self.setup.deflate.is_some() { 2 << 20 } else { 0 };
        let live = live_bytes().saturating_sub(self.baseline);
        assert!(
            live <= bound,
            "{live} bytes live after {} chunks, bound {bound}",
            self.chunks_fed
        );
    }
}
