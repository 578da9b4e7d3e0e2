//! The permessage-deflate [`Extension`] a connection uses once negotiated.

use super::codec::{Compressor, Inflater};
use super::negotiate::DeflateParams;
use super::pool::StatePool;
use super::DeflateConfig;
use crate::connection::Role;
use crate::extension::{Extension, ExtensionError};
use crate::frame::RSV1;
use alloc::sync::Arc;
use bytes::BytesMut;

/// permessage-deflate for one connection: compresses outgoing messages at
/// or above the threshold (unless the sender opts out), inflates incoming
/// messages that carry RSV1.
///
/// State is created on first use. Where the agreed parameters allow no
/// context takeover for a direction, that direction's state is handed back
/// to the pool (or freed) at the end of each message.
#[derive(Debug)]
pub struct PerMessageDeflate {
    params: DeflateParams,
    level: u8,
    threshold: usize,
    /// Window bits this end compresses with.
    own_bits: u8,
    /// This end resets its compression context after each message.
    own_reset: bool,
    /// The peer resets its context: the inflater may be dropped between
    /// messages.
    peer_reset: bool,
    pool: Option<Arc<dyn StatePool>>,
    compressor: Option<Compressor>,
    inflater: Option<Inflater>,
}

impl PerMessageDeflate {
    /// The extension for `role` with the agreed `params`, using the level,
    /// threshold and pool of `config`.
    pub fn new(role: Role, params: DeflateParams, config: &DeflateConfig) -> Self {
        let (own_bits, own_reset, peer_reset) = match role {
            Role::Server => (
                params.server_max_window_bits,
                params.server_no_context_takeover,
                params.client_no_context_takeover,
            ),
            Role::Client => (
                params.client_max_window_bits,
                params.client_no_context_takeover,
                params.server_no_context_takeover,
            ),
        };
        PerMessageDeflate {
            params,
            level: config.level,
            threshold: config.threshold,
            own_bits,
            own_reset,
            peer_reset,
            pool: config.pool.clone(),
            compressor: None,
            inflater: None,
        }
    }

    /// The agreed parameters.
    pub fn params(&self) -> DeflateParams {
        self.params
    }

    /// Whether this connection holds compression or inflate state right now
    /// (for memory accounting).
    pub fn holds_state(&self) -> (bool, bool) {
        (self.compressor.is_some(), self.inflater.is_some())
    }

    fn compressor(&mut self) -> &mut Compressor {
        let (level, bits) = (self.level, self.own_bits);
        let pool = &self.pool;
        self.compressor.get_or_insert_with(|| {
            match pool.as_ref().and_then(|p| p.take_compressor()) {
                Some(mut c) => {
                    c.reconfigure(level, bits);
                    c
                }
                None => Compressor::new(level, bits),
            }
        })
    }

    fn inflater(&mut self) -> &mut Inflater {
        let pool = &self.pool;
        self.inflater
            .get_or_insert_with(|| match pool.as_ref().and_then(|p| p.take_inflater()) {
                Some(mut i) => {
                    i.reset();
                    i
                }
                None => Inflater::new(),
            })
    }

    fn release_compressor(&mut self) {
        if let Some(c) = self.compressor.take() {
            if let Some(pool) = &self.pool {
                pool.put_compressor(c);
            }
        }
    }

    fn release_inflater(&mut self) {
        if let Some(i) = self.inflater.take() {
            if let Some(pool) = &self.pool {
                pool.put_inflater(i);
            }
        }
    }
}

impl Drop for PerMessageDeflate {
    fn drop(&mut self) {
        self.release_compressor();
        self.release_inflater();
    }
}

impl Extension for PerMessageDeflate {
    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn begin_decode(&mut self, rsv: u8) -> bool {
        rsv & RSV1 != 0
    }

    fn decode(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), ExtensionError> {
        let result = self.inflater().inflate(input, fin, out, limit);
        if result.is_err() {
            // The stream is unusable; never hand it to another connection
            // in this state (it is reset on reuse anyway).
            self.inflater = None;
        } else if fin && self.peer_reset {
            self.release_inflater();
        }
        result
    }

    fn begin_encode(&mut self, len: usize, requested: bool) -> Option<u8> {
        (requested && len >= self.threshold).then_some(RSV1)
    }

    fn encode(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut BytesMut,
    ) -> Result<(), ExtensionError> {
        let result = self.compressor().compress(input, fin, out);
        if result.is_err() {
            self.compressor = None;
        } else if fin && self.own_reset {
            self.release_compressor();
        }
        result
    }
}
