//! # sockeye-proto — the sans-I/O WebSocket core
//!
//! This crate implements the WebSocket protocol (RFC 6455, and the draft
//! HyBi-08 dialect as protocol version 8) without doing any I/O. It owns no
//! socket, reads no clock, spawns no thread and draws no random numbers of
//! its own: you hand it the bytes you received, it hands you events; you
//! hand it messages, it hands you bytes to write.
//!
//! The adapters `sockeye-std`, `sockeye-tokio` and `sockeye-async-std` are
//! thin shells around [`Connection`]; embedders with their own event loop
//! can drive it directly.
//!
//! ## Layers
//!
//! Each layer can be used on its own:
//!
//! * [`frame`] — frame header parsing and encoding;
//! * [`mask`] — the XOR masking kernel with a rolling key offset;
//! * [`utf8`] — incremental UTF-8 validation across fragments;
//! * [`handshake`] — the HTTP/1.1 upgrade for both roles;
//! * [`extension`] — the hook a per-message extension (permessage-deflate)
//!   plugs into;
//! * [`deflate`] — permessage-deflate (RFC 7692): negotiation, bounded
//!   inflation, windows of 8 to 15 bits;
//! * [`connection`] — the state machine of one connection, from the
//!   handshake to the end of the closing handshake;
//! * [`prepared`] — a message encoded once and queued on many connections
//!   (broadcast).
//!
//! ## Driving a connection by hand
//!
//! ```
//! use sockeye_proto::{Config, Connection, Event, handshake::ClientRequest};
//!
//! // A client and a server, connected by nothing but this code.
//! let request = ClientRequest::new("example.com", "/chat");
//! let rng = Box::new(sockeye_proto::XorShift::new(1));
//! let mut client = Connection::client(&request, Config::default(), rng).unwrap();
//! let mut server = Connection::server(Config::default());
//!
//! // Ferry the client's request to the server.
//! let bytes = client.take_output();
//! server.feed(&bytes);
//! let Some(Event::Request(req)) = server.poll_event().unwrap() else { panic!() };
//! assert_eq!(req.path, "/chat");
//! server.accept(None, &Default::default()).unwrap();
//!
//! // Ferry the 101 response back; the client is now open.
//! client.feed(&server.take_output());
//! assert!(matches!(client.poll_event().unwrap(), Some(Event::Connected(_))));
//!
//! client.send_text("hello").unwrap();
//! server.feed(&client.take_output());
//! match server.poll_event().unwrap() {
//!     Some(Event::Text(text)) => assert_eq!(text.as_str(), "hello"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```
#![no_std]
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod close;
pub mod config;
pub mod connection;
pub mod deflate;
pub mod error;
pub mod extension;
pub mod frame;
pub mod handshake;
pub mod mask;
pub mod message;
pub mod prepared;
pub mod rand;
pub mod url;
pub mod utf8;

#[cfg(test)]
mod test_support;

pub use bytes::{Bytes, BytesMut};
pub use close::{CloseCode, CloseFrame};
pub use config::Config;
pub use connection::SendOptions;
pub use connection::{Connection, Decision, Event, MessageKind, Role, State};
pub use deflate::DeflateConfig;
pub use error::{Error, ProtocolError, SendError};
pub use message::Message;
pub use prepared::PreparedMessage;
pub use rand::{RandomSource, XorShift};
pub use url::{UrlError, WsUrl};
pub use utf8::Utf8Bytes;
