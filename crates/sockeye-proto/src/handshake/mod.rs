//! The HTTP/1.1 upgrade handshake of RFC 6455 §4 (and draft HyBi-08), sans I/O.
//!
//! Server side: feed received bytes into a [`ServerHandshake`] until it yields a
//! validated [`Request`]; let the application decide, then send either
//! [`Request::accept_response`] or [`reject_response`] (or, on a malformed
//! request, [`HandshakeError::response`]). Bytes past the request head belong to
//! the WebSocket connection.
//!
//! Client side: describe the request with a [`ClientRequest`], call
//! [`ClientRequest::encode`] with 16 random bytes, send the bytes, and feed the
//! peer's answer into the returned [`ClientHandshake`] until it yields a
//! [`Response`] (or a [`HandshakeError::Redirect`] /
//! [`HandshakeError::UnexpectedResponse`]).
//!
//! Both parsers keep every byte they are given exactly once and run `httparse`
//! only once the end of the head has been found, so the total work is linear in
//! the size of the head however the bytes are split across calls, and both are
//! bounded by [`HandshakeLimits`].
//!
//! The header grammar of `Sec-WebSocket-Extensions` and
//! `Sec-WebSocket-Protocol` ([`parse_extensions`], [`parse_protocols`]) is a
//! hand-written single-pass scanner: no regular expressions, no recursion.

#![forbid(unsafe_code)]

mod body;
mod client;
mod error;
mod grammar;
mod head;
mod headers;
mod response;
mod server;

#[cfg(test)]
mod tests;

use alloc::string::String;

use base64::Engine as _;

pub use client::{ClientHandshake, ClientRequest, Response};
pub use error::{HandshakeError, HttpSyntax};
pub use grammar::{parse_extensions, parse_protocols, Expected, ExtensionOffer, HeaderError};
pub use head::HandshakeLimits;
pub use headers::{Header, Headers};
pub use response::{reason_phrase, reject_response};
pub use server::{validate_request, HttpRequest, Request, ServerHandshake};

/// The magic GUID of RFC 6455 §1.3, appended to `Sec-WebSocket-Key` before
/// hashing to form `Sec-WebSocket-Accept`.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The most body bytes a [`ClientHandshake`] keeps from a non-101 response
/// (reported in [`HandshakeError::UnexpectedResponse`]); a longer body is cut
/// here and reported as soon as this much has arrived.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// Computes `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`:
/// `base64(SHA-1(key ++ GUID))`.
///
/// `key` is the key exactly as sent on the wire (its base64 text, not the
/// decoded nonce). Servers use it to answer a request; clients use it to check
/// the answer. [`Request::accept_response`] and [`ClientHandshake`] already call
/// it; call it yourself only when building handshakes by hand.
pub fn accept_key(key: &[u8]) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key);
    sha1.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha1.digest().bytes())
}

/// The WebSocket protocol version named by `Sec-WebSocket-Version`.
///
/// Version 13 is RFC 6455; version 8 is draft HyBi-08, which differs in the
/// handshake only by sending the origin as `Sec-WebSocket-Origin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProtocolVersion {
    /// RFC 6455 (`Sec-WebSocket-Version: 13`), the default.
    #[default]
    V13,
    /// Draft HyBi-08 (`Sec-WebSocket-Version: 8`), for old peers.
    V8,
}

impl ProtocolVersion {
    /// The number sent in `Sec-WebSocket-Version`: 13 or 8.
    pub fn as_u8(self) -> u8 {
        match self {
            ProtocolVersion::V13 => 13,
            ProtocolVersion::V8 => 8,
        }
    }

    /// Parses a `Sec-WebSocket-Version` value (`"13"` or `"8"`, surrounding
    /// spaces and tabs ignored); `None` for any other version.
    pub fn from_header(value: &str) -> Option<Self> {
        match value.trim_matches(|c| c == ' ' || c == '\t') {
            "13" => Some(ProtocolVersion::V13),
            "8" => Some(ProtocolVersion::V8),
            _ => None,
        }
    }

    /// The name of the header carrying the origin in this version:
    /// `Origin` for 13, `Sec-WebSocket-Origin` for 8.
    pub fn origin_header(self) -> &'static str {
        match self {
            ProtocolVersion::V13 => "Origin",
            ProtocolVersion::V8 => "Sec-WebSocket-Origin",
        }
    }
}
