//! The hook a per-message extension (permessage-deflate, RFC 7692) plugs
//! into.
//!
//! An extension claims RSV bits, and transforms whole messages: the first
//! frame of a transformed message carries the extension's RSV bit, the
//! following frames do not, and control frames are never transformed.

use crate::close::CloseCode;
use bytes::BytesMut;
use core::fmt;

/// A per-message transform negotiated in the handshake.
pub trait Extension: Send {
    /// The RSV bits this extension claims (e.g. [`RSV1`](crate::frame::RSV1)).
    fn rsv_bits(&self) -> u8;

    /// Called for the first frame of each received data message with that
    /// frame's RSV bits (only bits this extension claims). Returns whether the
    /// message is transformed and so must be passed through
    /// [`decode`](Self::decode).
    fn begin_decode(&mut self, rsv: u8) -> bool;

    /// Decodes the next piece of a transformed message's payload, appending
    /// the result to `out`. `fin` is true for the last piece of the message.
    /// Must fail with [`ExtensionError::TooBig`] rather than let `out` grow
    /// past `limit` bytes in total.
    fn decode(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), ExtensionError>;

    /// Called before the first frame of each outgoing data message. `len` is
    /// the size of that first frame's payload (the whole message when not
    /// fragmented) and `requested` the sender's per-message choice. Returns
    /// the RSV bits to set on the first frame, or `None` to send the
    /// message untransformed.
    fn begin_encode(&mut self, len: usize, requested: bool) -> Option<u8>;

    /// Encodes the next piece of an outgoing transformed message into `out`.
    /// `fin` is true for the last piece of the message.
    fn encode(&mut self, input: &[u8], fin: bool, out: &mut BytesMut)
        -> Result<(), ExtensionError>;
}

/// An extension could not transform a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtensionError {
    /// The received data is not valid for this extension (close 1007).
    Corrupt,
    /// The decoded message would exceed the message limit (close 1009).
    TooBig,
    /// The extension failed for a reason of its own (close 1011).
    Internal,
}

impl ExtensionError {
    /// The close code for this error.
    pub fn close_code(&self) -> CloseCode {
        match self {
            ExtensionError::Corrupt => CloseCode::INVALID_PAYLOAD,
            ExtensionError::TooBig => CloseCode::MESSAGE_TOO_BIG,
            ExtensionError::Internal => CloseCode::INTERNAL_ERROR,
        }
    }
}

impl fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExtensionError::Corrupt => "the peer sent data the extension cannot decode",
            ExtensionError::TooBig => "the decoded message exceeds the message size limit",
            ExtensionError::Internal => "the extension failed",
        })
    }
}

impl core::error::Error for ExtensionError {}
