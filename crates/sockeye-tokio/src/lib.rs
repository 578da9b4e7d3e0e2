//! # sockeye-tokio — WebSocket on tokio
//!
//! Clients and servers over any tokio stream (`TcpStream`, `UnixStream`,
//! TLS streams, `DuplexStream`...). A [`WebSocketStream`] receives with
//! [`recv`](WebSocketStream::recv) or as a `futures` `Stream`, sends with
//! [`send`](WebSocketStream::send) or as a `Sink`, closes with a timeout,
//! and [`split`](WebSocketStream::split)s into a reader and a writer for
//! separate tasks. Pings are answered automatically; a bounded write buffer
//! makes senders wait for slow readers.
//!
//! This crate is a thin shell: the protocol (framing, limits, close codes)
//! lives in `sockeye-proto` and the poll loop in `sockeye_std::driver`, so
//! it behaves exactly like the other sockeye adapters. Timeouts use
//! `tokio::time`, so the runtime needs its time driver (the default with
//! `#[tokio::main]`).
//!
//! ## Client
//!
//! ```no_run
//! use sockeye_tokio::{CloseCode, Message};
//!
//! #[tokio::main]
//! async fn main() -> sockeye_tokio::Result<()> {
//!     let (mut ws, _response) = sockeye_tokio::connect("ws://127.0.0.1:9001/").await?;
//!     ws.send("hello").await?;
//!     if let Some(message) = ws.recv().await {
//!         match message? {
//!             Message::Text(text) => println!("got {text}"),
//!             other => println!("got {other:?}"),
//!         }
//!     }
//!     ws.close(CloseCode::NORMAL, "done").await
//! }
//! ```
//!
//! ## Server
//!
//! ```no_run
//! use sockeye_tokio::Decision;
//! use tokio::net::TcpListener;
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:9001").await?;
//!     loop {
//!         let (stream, _) = listener.accept().await?;
//!         tokio::spawn(async move {
//!             // Look at the request: reject, or pick a subprotocol.
//!             let ws = sockeye_tokio::accept_with(stream, |request| {
//!                 if request.path != "/echo" {
//!                     return Decision::reject(404);
//!                 }
//!                 Decision::accept()
//!             });
//!             let Ok(mut ws) = ws.await else { return };
//!             // Echo data messages until the client closes.
//!             while let Some(Ok(message)) = ws.recv().await {
//!                 if message.is_text() || message.is_binary() {
//!                     if ws.send(message).await.is_err() {
//!                         break;
//!                     }
//!                 }
//!             }
//!         });
//!     }
//! }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod byte_stream;
mod client;
#[cfg(feature = "hyper")]
pub mod hyper;
mod io;
mod serve;
mod server;
mod split;
mod stream;
mod timeout;
#[cfg(feature = "rustls")]
pub mod tls;
mod websocket;

pub use byte_stream::ByteStream;
pub use client::{client_handshake, connect, connect_with};
pub use serve::{accept_async, Client, ClientId, Clients, Server, ShutdownHandle, Verdict};
pub use server::{accept, accept_with, accept_with_options};
pub use split::{ReuniteError, WebSocketReader, WebSocketWriter};
pub use stream::{connect_stream, MaybeTlsStream};
pub use websocket::WebSocketStream;

/// The sans-I/O core (`Connection`, `State`, `Event`...), for what this
/// crate does not re-export.
pub use sockeye_std::proto;

pub use sockeye_proto::{Bytes, MessageKind, PreparedMessage, Utf8Bytes};
pub use sockeye_std::{
    default_deflate, ClientOptions, CloseCode, CloseFrame, Config, Decision, Error, Framing,
    Headers, HttpHandler, HttpRequest, Message, PeerAddr, ProtocolVersion, Request, Response,
    Result, ServerOptions, UpgradeRequest,
};
