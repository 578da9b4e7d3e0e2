//! Independently owned read and write halves.

use crate::io::TokioIo;
use crate::timeout::Extras;
use crate::websocket::WebSocketStream;
use futures_core::Stream;
use futures_sink::Sink;
use sockeye_proto::{CloseCode, Message};
use sockeye_std::driver::{RecvHalf, SendHalf};
use sockeye_std::{Error, Result};
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// The receiving half of a [`WebSocketStream`], made by
/// [`WebSocketStream::split`]. It still answers pings and replies to the
/// peer's close frame.
pub struct WebSocketReader<S> {
    half: RecvHalf<TokioIo<S>>,
    close_timeout: Duration,
    /// Heartbeat and server mailbox, moved here by `split`.
    pub(crate) extras: Extras,
}

/// The sending half of a [`WebSocketStream`], made by
/// [`WebSocketStream::split`].
pub struct WebSocketWriter<S> {
    half: SendHalf<TokioIo<S>>,
    close_timeout: Duration,
}

impl<S> std::fmt::Debug for WebSocketReader<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketReader").finish_non_exhaustive()
    }
}

impl<S> std::fmt::Debug for WebSocketWriter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketWriter").finish_non_exhaustive()
    }
}

/// The halves given to [`WebSocketReader::reunite`] came from different
/// connections; here they are back.
pub struct ReuniteError<S>(pub WebSocketReader<S>, pub WebSocketWriter<S>);

impl<S> std::fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ReuniteError").finish_non_exhaustive()
    }
}

impl<S> std::fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves of different WebSocket connections")
    }
}

impl<S> std::error::Error for ReuniteError<S> {}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketReader<S> {
    pub(crate) fn new(half: RecvHalf<TokioIo<S>>, close_timeout: Duration) -> Self {
        WebSocketReader {
            half,
            close_timeout,
            extras: Extras::default(),
        }
    }

    /// Receives the next message: `None` once the connection is closed.
    /// Cancel-safe; see [`WebSocketStream::recv`].
    pub async fn recv(&mut self) -> Option<Result<Message>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The poll form of [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.extras.poll_recv_half(cx, &self.half)
    }

    /// Puts the halves back together into one [`WebSocketStream`]. Fails,
    /// returning both, if they come from different connections.
    pub fn reunite(
        self,
        writer: WebSocketWriter<S>,
    ) -> Result<WebSocketStream<S>, ReuniteError<S>> {
        let close_timeout = self.close_timeout;
        let writer_timeout = writer.close_timeout;
        let extras = self.extras;
        match self.half.reunite(writer.half) {
            Ok(driver) => {
                let mut ws = WebSocketStream::new(driver, close_timeout);
                ws.extras = extras;
                Ok(ws)
            }
            Err((recv, send)) => {
                let mut reader = WebSocketReader::new(recv, close_timeout);
                reader.extras = extras;
                Err(ReuniteError(
                    reader,
                    WebSocketWriter::new(send, writer_timeout),
                ))
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketWriter<S> {
    pub(crate) fn new(half: SendHalf<TokioIo<S>>, close_timeout: Duration) -> Self {
        WebSocketWriter {
            half,
            close_timeout,
        }
    }

    /// Sends a message and returns once it is written, waiting first while
    /// more than the write buffer limit is queued. See
    /// [`WebSocketStream::send`].
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<()> {
        let message = message.into();
        poll_fn(|cx| self.half.poll_ready(cx)).await?;
        self.half.queue(message)?;
        poll_fn(|cx| self.half.poll_flush(cx)).await
    }

    /// Starts the closing handshake: sends a close frame with `code` and
    /// `reason` and flushes, waiting at most the close timeout for it to be
    /// written ([`Error::CloseTimeout`](sockeye_std::Error::CloseTimeout)
    /// then). The reader receives the peer's reply (as [`Message::Close`])
    /// and then ends; nothing more can be sent.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        self.half.with_connection(|conn| conn.close(code, reason))?;
        let flush = poll_fn(|cx| self.half.poll_flush(cx));
        tokio::time::timeout(self.close_timeout, flush)
            .await
            .unwrap_or(Err(sockeye_std::Error::CloseTimeout))
    }

    /// Puts the halves back together; see [`WebSocketReader::reunite`].
    pub fn reunite(
        self,
        reader: WebSocketReader<S>,
    ) -> Result<WebSocketStream<S>, ReuniteError<S>> {
        reader.reunite(self)
    }
}

/// Received messages; ends once the connection is closed.
impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketReader<S> {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx)
    }
}

/// Sending messages, as for [`WebSocketStream`]; `poll_close` sends a
/// close frame (if still open) and flushes, and the reader sees the reply.
impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocketWriter<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.half.poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<()> {
        self.half.queue(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.half.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.half.poll_close(cx)
    }
}
