//! # sockeye-std — WebSocket over `std::io`
//!
//! Blocking clients and servers on `std::net` (and any `Read + Write`
//! stream), non-blocking sockets driven by your own poll loop, and the std
//! glue every sockeye adapter shares: the [`Error`] type, [`ClientOptions`]
//! and [`ServerOptions`], operating-system randomness for mask keys, and
//! the poll-based [`driver`] that `sockeye-tokio` and `sockeye-async-std`
//! run on. The protocol itself lives in `sockeye-proto`.
//!
//! ```no_run
//! use std::net::TcpListener;
//! // An echo server.
//! let listener = TcpListener::bind("127.0.0.1:9001")?;
//! for stream in listener.incoming() {
//!     std::thread::spawn(move || -> sockeye_std::Result<()> {
//!         let mut ws = sockeye_std::accept(stream?)?;
//!         loop {
//!             match ws.read()? {
//!                 msg if msg.is_text() || msg.is_binary() => ws.send(msg)?,
//!                 _ => {}
//!             }
//!         }
//!     });
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! For a ws-style server (tracked clients, encode-once broadcasts, the
//! heartbeat, a graceful shutdown) with a thread per connection, see
//! [`Server`]; [`serve`] holds what the servers of every adapter share.
#![warn(missing_docs)]

mod byte_stream;
mod client;
mod deflate_pool;
pub mod driver;
mod error;
mod forwarded;
#[cfg(any(feature = "async-std", feature = "smol"))]
mod futures_peer;
mod options;
pub mod proxy;
mod queue;
mod read_pool;
pub mod redirect;
mod rng;
pub mod serve;
mod server;
mod stream;
#[cfg(feature = "rustls")]
pub mod tls;
#[cfg(feature = "tokio")]
mod tokio_peer;
mod transport;
mod websocket;

pub use byte_stream::{ByteStream, ByteStreamCore, Framing, MessageChannel};
pub use client::{client_handshake, connect, connect_stream, connect_tcp, connect_with};
pub use deflate_pool::{default_deflate, DeflatePool};
pub use error::{Error, Result};
pub use options::{answer_http, ClientOptions, HttpHandler, ServerOptions};
pub use queue::{queue_message, read_size, zeroed_room, MAX_ZEROED_READ};
pub use rng::{os_random, OsRandom};
pub use serve::{Client, ClientId, Clients, Server, ServerSocket, ShutdownHandle, Verdict};
pub use server::{accept, accept_with, accept_with_options, UpgradeRequest};
pub use stream::MaybeTlsStream;
pub use transport::{PeerAddr, Transport};
pub use websocket::{close_frame, WebSocket};

pub use sockeye_proto as proto;
pub use sockeye_proto::handshake::{Headers, HttpRequest, ProtocolVersion, Request, Response};
pub use sockeye_proto::{
    CloseCode, CloseFrame, Config, Decision, DeflateConfig, Message, Utf8Bytes,
};
