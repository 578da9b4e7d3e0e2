//! Limits and behaviour switches of a connection.

use crate::deflate::DeflateConfig;
use crate::handshake::HandshakeLimits;

/// Every limit has a safe default and a knob. Build one with
/// `Config::default()` and change the fields you care about.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// The largest message accepted, in bytes (after decompression).
    /// Exceeding it closes the connection with 1009. Default: 64 MiB.
    pub max_message_size: usize,
    /// The largest single frame accepted, in bytes. Exceeding it closes with
    /// 1009. Default: 16 MiB. A compressed (permessage-deflate) frame may
    /// exceed it by 1/32 plus 1 KiB, DEFLATE's overhead when a peer
    /// compresses incompressible data ([`Config::max_compressed_frame_size`]);
    /// the decompressed message is bounded by `max_message_size`.
    pub max_frame_size: usize,
    /// The most frames one message may consist of. Exceeding it closes with
    /// 1009. Default: 131,072 (as ws).
    pub max_fragments: usize,
    /// Limits on the HTTP upgrade request or response.
    pub handshake: HandshakeLimits,
    /// Server: the most bytes kept that a client sent after its upgrade
    /// request while the application has not answered it yet (between
    /// [`Event::Request`](crate::Event::Request) and
    /// [`accept`](crate::Connection::accept) or
    /// [`reject`](crate::Connection::reject)); RFC 6455 §4.1 has clients
    /// wait for the answer, so only a client that pipelines frames sends
    /// any. Beyond it the request is refused with 413
    /// ([`HandshakeError::EarlyInputTooLarge`](crate::handshake::HandshakeError::EarlyInputTooLarge)).
    /// Default: 64 KiB, more than one read of the adapters.
    pub max_early_input: usize,
    /// Accept unmasked frames from a client (RFC 6455 requires masking; some
    /// embedded peers skip it). Default: `false`, such frames close with 1002.
    pub accept_unmasked_frames: bool,
    /// Validate text messages as they arrive, failing at the first invalid
    /// byte with 1007. Default: `true`.
    ///
    /// Turning it off (like ws's `skipUTF8Validation`) skips the incremental
    /// check; because Rust's `str` must hold valid UTF-8, a whole text message
    /// is still checked once when it completes (at memory speed). In
    /// streaming mode, text fragments are then delivered unchecked.
    pub validate_utf8: bool,
    /// Answer pings automatically with a pong carrying the same payload.
    /// Every ping is answered while less than
    /// [`pong_backlog`](Self::pong_backlog) bytes of output are queued;
    /// beyond that (the peer sends pings but does not read), only the latest
    /// is answered (RFC 6455 §5.5.3), so a ping flood cannot grow memory.
    /// Default: `true`.
    pub auto_pong: bool,
    /// How much queued output still lets every ping get its own pong (see
    /// [`auto_pong`](Self::auto_pong)). Default: 64 KiB.
    pub pong_backlog: usize,
    /// Deliver data frames as [`Event::Fragment`](crate::Event::Fragment)s as
    /// they arrive instead of whole messages, for embedders that must not
    /// buffer whole messages. Default: `false`.
    pub streaming: bool,
    /// Payloads at least this large are queued for output as their own
    /// chunk instead of being copied into the write buffer (server role;
    /// clients must mask, which needs a copy). Default: 16 KiB.
    pub zero_copy_threshold: usize,
    /// permessage-deflate (RFC 7692). `None` (the default): never offered
    /// and never accepted. `Some`: a client offers it (built from the
    /// [`DeflateConfig`]) and a server accepts the first acceptable offer.
    ///
    /// `Config` serves both roles, so its default is the server's (off, as
    /// in ws); `sockeye_std::ClientOptions::default()` turns it on for
    /// clients, which offer compression by default as ws clients do.
    pub deflate: Option<DeflateConfig>,
}

impl Config {
    /// The largest payload a compressed (permessage-deflate) frame may
    /// carry: `max_frame_size` plus 1/32 and 1 KiB for DEFLATE's overhead
    /// on incompressible data. Size receive buffers for a connection with
    /// compression by this, not by `max_frame_size`.
    pub fn max_compressed_frame_size(&self) -> usize {
        with_deflate_overhead(self.max_frame_size)
    }

    /// The most payload a compressed (permessage-deflate) message may
    /// carry on the wire: `max_message_size` with the same allowance as
    /// [`max_compressed_frame_size`](Self::max_compressed_frame_size). What
    /// it inflates to is held to `max_message_size` itself.
    pub fn max_compressed_message_size(&self) -> usize {
        with_deflate_overhead(self.max_message_size)
    }
}

/// `limit` plus 1/32 and 1 KiB: what DEFLATE may add to incompressible data.
fn with_deflate_overhead(limit: usize) -> usize {
    limit.saturating_add(limit / 32).saturating_add(1024)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_message_size: 64 << 20,
            max_frame_size: 16 << 20,
            max_fragments: 131_072,
            handshake: HandshakeLimits::default(),
            max_early_input: 64 << 10,
            accept_unmasked_frames: false,
            validate_utf8: true,
            auto_pong: true,
            pong_backlog: 64 << 10,
            streaming: false,
            zero_copy_threshold: 16 << 10,
            deflate: None,
        }
    }
}
