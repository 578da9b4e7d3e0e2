//! A connection as `AsyncRead + AsyncWrite` (ws's `createWebSocketStream`).

use crate::websocket::WebSocketStream;
use sockeye_proto::{Message, State};
use sockeye_std::{ByteStreamCore, Framing, MessageChannel, Result};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A WebSocket connection as a tokio byte stream (`AsyncRead +
/// AsyncWrite`), like ws's `createWebSocketStream`: each write sends one
/// message (binary or text, see [`Framing`]), reads return the payloads of
/// received messages one after the other (pings and pongs are answered and
/// skipped), and the peer's close frame is the end of the stream.
/// `shutdown` sends a close frame (1000). Use it with `tokio::io::copy`,
/// codecs, or anything that speaks bytes.
///
/// ```no_run
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// # async fn run() -> sockeye_tokio::Result<()> {
/// let (ws, _) = sockeye_tokio::connect("ws://127.0.0.1:9001/").await?;
/// let mut stream = ws.into_byte_stream(sockeye_tokio::Framing::Binary);
/// stream.write_all(b"hello").await?;
/// let mut reply = [0u8; 5];
/// stream.read_exact(&mut reply).await?;
/// stream.shutdown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ByteStream<S> {
    ws: WebSocketStream<S>,
    core: ByteStreamCore,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketStream<S> {
    /// This connection as a byte stream; writes are framed as `framing`.
    pub fn into_byte_stream(self, framing: Framing) -> ByteStream<S> {
        ByteStream {
            ws: self,
            core: ByteStreamCore::new(framing),
        }
    }
}

impl<S> ByteStream<S> {
    /// The connection, back (what was read of a message and not yet
    /// returned is lost).
    pub fn into_inner(self) -> WebSocketStream<S> {
        self.ws
    }

    /// The connection.
    pub fn get_ref(&self) -> &WebSocketStream<S> {
        &self.ws
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> MessageChannel for WebSocketStream<S> {
    fn poll_recv_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.poll_recv(cx)
    }

    fn poll_ready_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.driver.poll_ready(cx)
    }

    fn queue_message(&mut self, message: Message) -> Result<()> {
        self.driver.queue(message)
    }

    fn poll_flush_messages(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.driver.poll_flush(cx)
    }

    fn channel_state(&self) -> State {
        self.state()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for ByteStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let out = buf.initialize_unfilled();
        let n = std::task::ready!(this.core.poll_read(&mut this.ws, cx, out))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for ByteStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.core.poll_write(&mut this.ws, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.core.poll_flush(&mut this.ws, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.core.poll_shutdown(&mut this.ws, cx)
    }
}
