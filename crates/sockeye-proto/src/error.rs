//! Errors: what went wrong, which close code or HTTP status answers it, and
//! what to do about it.

use crate::close::CloseCode;
use crate::extension::ExtensionError;
use crate::handshake::HandshakeError;
use crate::utf8::Utf8Error;
use core::fmt;

/// The peer broke the WebSocket protocol. Each variant maps to the close
/// code the connection sends before closing ([`close_code`](Self::close_code)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame used a reserved opcode (3-7 or 0xB-0xF).
    ReservedOpcode(u8),
    /// A frame set RSV bits that no negotiated extension claims.
    ReservedBits(u8),
    /// A 64-bit payload length had its most significant bit set.
    InvalidLength,
    /// A control frame had FIN clear.
    FragmentedControl,
    /// A control frame carried more than 125 bytes.
    ControlTooLong,
    /// A client sent an unmasked frame.
    UnmaskedFrame,
    /// A server sent a masked frame.
    MaskedFrame,
    /// A continuation frame arrived with no message in progress.
    UnexpectedContinuation,
    /// A new text or binary frame arrived while a fragmented message was
    /// still in progress.
    ExpectedContinuation,
    /// A close frame carried one byte (a code needs two).
    CloseLengthOne,
    /// A close frame carried a code that may not be sent (RFC 6455 §7.4).
    InvalidCloseCode(u16),
    /// A text message or close reason was not valid UTF-8.
    InvalidUtf8(Utf8Error),
    /// A frame declared a payload larger than the frame limit.
    FrameTooBig {
        /// The declared payload length.
        len: u64,
        /// The configured limit (`Config::max_frame_size`).
        limit: usize,
    },
    /// A message grew beyond the message limit.
    MessageTooBig {
        /// The configured limit (`Config::max_message_size`).
        limit: usize,
    },
    /// A message consisted of more frames than allowed.
    TooManyFragments {
        /// The configured limit (`Config::max_fragments`).
        limit: usize,
    },
    /// The negotiated extension could not decode a message.
    Extension(ExtensionError),
}

impl ProtocolError {
    /// The close code sent to the peer for this error: 1002 for protocol
    /// violations, 1007 for invalid UTF-8, 1009 for size limits.
    pub fn close_code(&self) -> CloseCode {
        match self {
            ProtocolError::InvalidUtf8(_) => CloseCode::INVALID_PAYLOAD,
            ProtocolError::FrameTooBig { .. }
            | ProtocolError::MessageTooBig { .. }
            | ProtocolError::TooManyFragments { .. } => CloseCode::MESSAGE_TOO_BIG,
            ProtocolError::Extension(e) => e.close_code(),
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::ReservedOpcode(op) => write!(f, "the peer used reserved opcode {op:#x}"),
            ProtocolError::ReservedBits(bits) => write!(
                f,
                "the peer set reserved bits {:#05b} that no negotiated extension uses",
                bits >> 4
            ),
            ProtocolError::InvalidLength => {
                f.write_str("the peer sent a 64-bit frame length with the most significant bit set")
            }
            ProtocolError::FragmentedControl => f.write_str("the peer fragmented a control frame"),
            ProtocolError::ControlTooLong => {
                f.write_str("the peer sent a control frame with more than 125 bytes of payload")
            }
            ProtocolError::UnmaskedFrame => f.write_str(
                "the client sent an unmasked frame (set Config::accept_unmasked_frames to allow it)",
            ),
            ProtocolError::MaskedFrame => f.write_str("the server sent a masked frame"),
            ProtocolError::UnexpectedContinuation => {
                f.write_str("the peer sent a continuation frame with no message to continue")
            }
            ProtocolError::ExpectedContinuation => {
                f.write_str("the peer started a new message before finishing the previous one")
            }
            ProtocolError::CloseLengthOne => f.write_str("the peer sent a close frame with a 1-byte payload"),
            ProtocolError::InvalidCloseCode(code) => write!(f, "the peer sent invalid close code {code}"),
            ProtocolError::InvalidUtf8(e) => write!(f, "the peer sent invalid text: {e}"),
            ProtocolError::FrameTooBig { len, limit } => write!(
                f,
                "the peer sent a frame of {len} bytes, over the limit of {limit} (raise Config::max_frame_size to allow it)"
            ),
            ProtocolError::MessageTooBig { limit } => write!(
                f,
                "the peer sent a message over the limit of {limit} bytes (raise Config::max_message_size to allow it)"
            ),
            ProtocolError::TooManyFragments { limit } => write!(
                f,
                "the peer sent a message in more than {limit} frames (raise Config::max_fragments to allow it)"
            ),
            ProtocolError::Extension(e) => write!(f, "extension error: {e}"),
        }
    }
}

impl core::error::Error for ProtocolError {}

/// Everything [`Connection::poll_event`](crate::Connection::poll_event) can
/// report. After an error the connection is closed: a close frame (or an
/// HTTP error response) is queued for output, and no more events follow.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The peer broke the protocol; a close frame with
    /// [`ProtocolError::close_code`] is queued.
    Protocol(ProtocolError),
    /// The opening handshake failed. On a server, the HTTP error response
    /// is queued.
    Handshake(HandshakeError),
    /// The transport ended before the closing handshake finished (close code
    /// 1006 in ws terms).
    UnexpectedEof,
}

impl Error {
    /// The close code that describes this error (1006 for an unexpected
    /// end of the transport), or `None` for handshake errors.
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Error::Protocol(e) => Some(e.close_code()),
            Error::Handshake(_) => None,
            Error::UnexpectedEof => Some(CloseCode::ABNORMAL),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Protocol(e) => fmt::Display::fmt(e, f),
            Error::Handshake(e) => write!(f, "handshake failed: {e}"),
            Error::UnexpectedEof => f.write_str("the connection ended without a closing handshake"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Protocol(e) => Some(e),
            Error::Handshake(e) => Some(e),
            Error::UnexpectedEof => None,
        }
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Handshake(e)
    }
}

/// A command could not be queued. Nothing was queued when this is returned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The opening handshake has not completed yet.
    NotOpen,
    /// A close frame was already sent or the connection failed: no more
    /// messages may be sent.
    Closed,
    /// A ping or pong payload was longer than 125 bytes.
    ControlTooLong,
    /// A close reason was longer than 123 bytes.
    ReasonTooLong,
    /// The close code may not be sent (1004-1006, 1015, unassigned, or
    /// outside 1000-4999).
    InvalidCloseCode(u16),
    /// A whole message or a new fragmented message was sent while a
    /// fragmented message was still in progress; finish it first
    /// (`fin: true`).
    FragmentInProgress,
    /// A continuation was sent with a different kind than the message it
    /// continues.
    KindMismatch,
    /// The extension failed to encode the message.
    Extension(ExtensionError),
    /// `accept`/`reject` was called when there is no request to answer.
    NoPendingRequest,
    /// The response could not be built (for example an extra header with a
    /// line break, or a subprotocol the client did not offer).
    Handshake(HandshakeError),
    /// A client connection was opened without a random source
    /// ([`Connection::open`](crate::Connection::open) with `None`): it has
    /// no mask keys, so it sends nothing. Open it with one.
    NoRandomSource,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::NotOpen => {
                f.write_str("the connection is not open yet: wait for the handshake to complete")
            }
            SendError::Closed => {
                f.write_str("the connection is closing or closed: nothing more can be sent")
            }
            SendError::ControlTooLong => {
                f.write_str("ping and pong payloads are limited to 125 bytes")
            }
            SendError::ReasonTooLong => f.write_str("close reasons are limited to 123 bytes"),
            SendError::InvalidCloseCode(c) => write!(
                f,
                "close code {c} may not be sent: use 1000-1003, 1007-1014 or 3000-4999"
            ),
            SendError::FragmentInProgress => f.write_str(
                "a fragmented message is in progress: send its last fragment (fin) first",
            ),
            SendError::KindMismatch => {
                f.write_str("a continuation must have the kind of the message it continues")
            }
            SendError::Extension(e) => write!(f, "extension error: {e}"),
            SendError::NoPendingRequest => {
                f.write_str("there is no handshake request waiting for an answer")
            }
            SendError::Handshake(e) => write!(f, "cannot build the handshake response: {e}"),
            SendError::NoRandomSource => f.write_str(
                "a client connection needs a random source for mask keys: open it with one",
            ),
        }
    }
}

impl core::error::Error for SendError {}
