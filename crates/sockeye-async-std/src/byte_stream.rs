//! A connection as futures-io `AsyncRead + AsyncWrite` (ws's
//! `createWebSocketStream`).

use crate::stream::WebSocketStream;
use futures_io::{AsyncRead, AsyncWrite};
use futures_sink::Sink;
use sockeye_proto::{Message, State};
use sockeye_std::{ByteStreamCore, Framing, MessageChannel, Result};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A WebSocket connection as a futures-io byte stream (`AsyncRead +
/// AsyncWrite`, for async-std and smol), like ws's `createWebSocketStream`:
/// each write sends one message (binary or text, see [`Framing`]), reads
/// return received payloads in order (pings and pongs are skipped), the
/// peer's close frame is the end of the stream, and `close` sends a close
/// frame (1000).
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
    /// The connection, back.
    pub fn into_inner(self) -> WebSocketStream<S> {
        self.ws
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> MessageChannel for WebSocketStream<S> {
    fn poll_recv_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.poll_recv(cx)
    }

    fn poll_ready_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        Pin::new(self).poll_ready(cx)
    }

    fn queue_message(&mut self, message: Message) -> Result<()> {
        Pin::new(self).start_send(message)
    }

    fn poll_flush_messages(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        Pin::new(self).poll_flush(cx)
    }

    fn channel_state(&self) -> State {
        self.state()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for ByteStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.core.poll_read(&mut this.ws, cx, buf)
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

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.core.poll_shutdown(&mut this.ws, cx)
    }
}
