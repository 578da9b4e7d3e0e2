//! permessage-deflate (RFC 7692) on `miniz_oxide`: negotiation in both
//! roles, compression with any window size from 8 to 15 bits, and inflation
//! bounded by the message size limit.
//!
//! Most users never touch this module: put a [`DeflateConfig`] in
//! [`Config::deflate`](crate::Config::deflate) and the [`Connection`](crate::Connection)
//! offers (client) or accepts (server) the extension during the opening
//! handshake and installs a [`PerMessageDeflate`] when it is agreed.
//! Embedders that perform the handshake themselves (for example in an HTTP
//! server) call [`negotiate_server`] / [`accept_response`] and
//! [`Connection::set_extension`](crate::Connection::set_extension).
//!
//! * [`negotiate`](self::negotiate_server): offers, responses, and the strict
//!   validation of all four parameters;
//! * [`Compressor`] and [`Inflater`]: the codec, usable on their own;
//! * [`StatePool`]: where compression state waits between messages when
//!   there is no context takeover;
//! * [`PerMessageDeflate`]: the [`Extension`](crate::extension::Extension)
//!   a connection uses.

mod codec;
mod extension;
mod negotiate;
mod pool;

#[cfg(test)]
mod tests;

pub use codec::{Compressor, Inflater};
pub use extension::PerMessageDeflate;
pub use negotiate::{
    accept_response, client_offer, negotiate_server, uses_rsv1, DeflateParams, NegotiationError,
};
pub use pool::StatePool;

use alloc::sync::Arc;

/// The extension's registered name.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// How permessage-deflate is offered, accepted and used.
///
/// The same struct serves both roles; each field says what it means for a
/// client (what it offers) and for a server (what it accepts and answers).
/// [`Config::deflate`](crate::Config::deflate) is `None` by default (no
/// compression, the right default for a server, as in ws);
/// `sockeye_std::ClientOptions::default()` sets it to
/// `Some(DeflateConfig::default())` so clients offer compression, as ws
/// clients do. Window bits outside 8..=15 are clamped into that range.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// Compression level, 0 (stored blocks, no compression) to 9 (best).
    /// Values above 9 count as 9. Default: 1, miniz_oxide's fast path,
    /// about six times the throughput of level 6 for a somewhat larger
    /// output (see docs/deflate.md; gorilla/websocket also defaults to 1,
    /// ws to zlib's 6).
    pub level: u8,
    /// Messages smaller than this many bytes (the first frame's payload,
    /// when sent in pieces) are sent uncompressed. Default: 1024 (as ws).
    pub threshold: usize,
    /// Client: ask the server not to keep its compression context between
    /// messages. Server: never keep it (always answer
    /// `server_no_context_takeover`). Default: `false`.
    pub server_no_context_takeover: bool,
    /// Client: do not keep the compression context between messages (and
    /// say so in the offer). Server: require the client not to keep it
    /// (answer `client_no_context_takeover`), which lets the server drop its
    /// inflate state between messages. Default: `false`.
    pub client_no_context_takeover: bool,
    /// Client: ask the server to use at most this window (`None`: do not
    /// ask). Server: the largest window it compresses with (`None`: 15, or
    /// what the client asked for). Default: `None`.
    pub server_max_window_bits: Option<u8>,
    /// Client: the largest window it compresses with; `None` offers the
    /// parameter without a value, letting the server choose. Server: the
    /// largest window it lets the client use, answered when the client
    /// offered the parameter (`None`: whatever the client offered).
    /// Default: `None`.
    pub client_max_window_bits: Option<u8>,
    /// Where compression state waits between messages when there is no
    /// context takeover (and when a connection ends). `None`: allocate per
    /// message and free afterwards. The std adapters install a
    /// process-wide pool.
    pub pool: Option<Arc<dyn StatePool>>,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            level: 1,
            threshold: 1024,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: None,
            pool: None,
        }
    }
}

impl DeflateConfig {
    /// Sets the compression level (0-9), builder-style.
    pub fn level(mut self, level: u8) -> Self {
        self.level = level;
        self
    }

    /// Sets the size under which messages go uncompressed, builder-style.
    pub fn threshold(mut self, bytes: usize) -> Self {
        self.threshold = bytes;
        self
    }

    /// Sets `server_no_context_takeover`, builder-style.
    pub fn server_no_context_takeover(mut self, on: bool) -> Self {
        self.server_no_context_takeover = on;
        self
    }

    /// Sets `client_no_context_takeover`, builder-style.
    pub fn client_no_context_takeover(mut self, on: bool) -> Self {
        self.client_no_context_takeover = on;
        self
    }

    /// Sets `server_max_window_bits` (8-15), builder-style.
    pub fn server_max_window_bits(mut self, bits: Option<u8>) -> Self {
        self.server_max_window_bits = bits;
        self
    }

    /// Sets `client_max_window_bits` (8-15), builder-style.
    pub fn client_max_window_bits(mut self, bits: Option<u8>) -> Self {
        self.client_max_window_bits = bits;
        self
    }

    /// Sets the state pool, builder-style.
    pub fn pool(mut self, pool: Option<Arc<dyn StatePool>>) -> Self {
        self.pool = pool;
        self
    }
}

/// Clamps window bits into the range RFC 7692 allows.
pub(crate) fn clamp_bits(bits: u8) -> u8 {
    bits.clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS)
}

/// The smallest LZ77 window RFC 7692 allows, in bits.
pub const MIN_WINDOW_BITS: u8 = 8;
/// The largest LZ77 window (32 KiB), in bits; the default.
pub const MAX_WINDOW_BITS: u8 = 15;
