//! # sockeye-async-std — WebSocket on futures-io
//!
//! The sockeye adapter for the runtimes built on the `futures-io` traits:
//! **async-std** and **smol** run the same code. Any `AsyncRead +
//! AsyncWrite` stream works (TCP, Unix, TLS...); [`connect`] dials
//! `ws://` URLs over `async_std::net::TcpStream` and accepting works on
//! any stream, with [`PeerAddr`] implemented for async-std's and smol's
//! TCP and Unix streams (wrap other streams in [`WithPeerAddr`]).
//!
//! This crate is a thin shell: the protocol lives in `sockeye-proto` and
//! the poll loop in `sockeye_std::driver`, shared with every adapter, so
//! limits, errors and close codes are the same everywhere. Timeouts use
//! `async-io` timers, which both runtimes drive.
//!
//! ## A client (async-std)
//!
//! ```no_run
//! use sockeye_async_std::{CloseCode, Message};
//!
//! # fn main() -> sockeye_async_std::Result<()> {
//! async_std::task::block_on(async {
//!     let (mut ws, response) = sockeye_async_std::connect("ws://127.0.0.1:9001/chat").await?;
//!     println!("subprotocol: {:?}", response.protocol);
//!     ws.send("hello").await?;
//!     if let Some(Ok(Message::Text(reply))) = ws.recv().await {
//!         println!("got {reply}");
//!     }
//!     ws.close(CloseCode::NORMAL, "bye").await
//! })
//! # }
//! ```
//!
//! ## A server (ws's `WebSocketServer`)
//!
//! [`Server`] binds, accepts with an async callback that returns a
//! [`Verdict`] (a context for the handler, or a rejection with a status
//! and headers), tracks its [`Clients`] for broadcasting (each frame
//! encoded once), pings with [`Server::heartbeat`], and shuts down
//! gracefully through its [`ShutdownHandle`]. Connection tasks go to
//! `async_std::task::spawn`; under smol, pass
//! `.spawner(|task| smol::spawn(task).detach())`.
//!
//! ## An echo server (smol)
//!
//! ```no_run
//! use sockeye_async_std::Decision;
//!
//! # fn main() -> std::io::Result<()> {
//! smol::block_on(async {
//!     let listener = smol::net::TcpListener::bind("127.0.0.1:9001").await?;
//!     loop {
//!         let (stream, _) = listener.accept().await?;
//!         smol::spawn(async move {
//!             let accepted = sockeye_async_std::accept_with(stream, |req| {
//!                 if req.path == "/chat" { Decision::accept() } else { Decision::reject(404) }
//!             });
//!             let Ok(mut ws) = accepted.await else { return };
//!             while let Some(Ok(message)) = ws.recv().await {
//!                 if message.is_text() || message.is_binary() {
//!                     if ws.send(message).await.is_err() {
//!                         break;
//!                     }
//!                 }
//!             }
//!         })
//!         .detach();
//!     }
//! })
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod byte_stream;
mod client_stream;
mod handshake;
mod io;
mod serve;
mod stream;
#[cfg(feature = "rustls")]
pub mod tls;

pub use byte_stream::ByteStream;
pub use client_stream::{connect_stream, MaybeTlsStream};
pub use handshake::{
    accept, accept_with, accept_with_options, client_handshake, connect, connect_with,
};
pub use io::WithPeerAddr;
pub use serve::{accept_async, Client, Server, Task};
pub use stream::{WebSocketReader, WebSocketStream, WebSocketWriter};

pub use sockeye_proto::handshake::{
    ClientRequest, Headers, HttpRequest, ProtocolVersion, Request, Response,
};
pub use sockeye_proto::PreparedMessage;
pub use sockeye_proto::{
    Bytes, CloseCode, CloseFrame, Config, Decision, Message, State, Utf8Bytes,
};
/// The sans-I/O protocol core, for what this crate does not wrap.
pub use sockeye_std::proto;
pub use sockeye_std::{
    ClientId, ClientOptions, Clients, Error, Framing, HttpHandler, PeerAddr, Result, ServerOptions,
    ShutdownHandle, UpgradeRequest, Verdict,
};
