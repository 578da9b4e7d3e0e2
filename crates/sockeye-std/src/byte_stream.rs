//! A connection seen as a byte stream, like ws's `createWebSocketStream`:
//! each write becomes one message, reads return the payloads of received
//! messages one after the other, and the peer's close frame is the end of
//! the stream.
//!
//! [`ByteStream`] is the blocking form (`Read + Write`); the async adapters
//! build their `AsyncRead + AsyncWrite` forms on [`ByteStreamCore`], which
//! drives any [`MessageChannel`].

use crate::driver::{AsyncTransport, Driver};
use crate::error::{Error, Result};
use crate::transport::Transport;
use crate::websocket::WebSocket;
use bytes::{Buf, Bytes};
use sockeye_proto::{CloseCode, Message, State};
use std::io::{self, Read, Write};
use std::task::{ready, Context, Poll};

/// How writes are framed: as binary messages (any bytes) or as text
/// messages (the bytes must be UTF-8; a code point split between two
/// writes is carried over to the next one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Framing {
    /// Every write is a binary message (ws's default).
    #[default]
    Binary,
    /// Every write is a text message; invalid UTF-8 fails the write with
    /// `ErrorKind::InvalidData`.
    Text,
}

/// Turns written bytes into messages.
#[derive(Debug, Default)]
struct Framer {
    framing: Framing,
    /// The start of a code point cut by the end of the previous write.
    carry: Vec<u8>,
}

impl Framer {
    fn new(framing: Framing) -> Self {
        Framer {
            framing,
            carry: Vec::new(),
        }
    }

    /// The message for one write of `buf` (`None` when `buf` only
    /// completes part of a code point).
    fn frame(&mut self, buf: &[u8]) -> io::Result<Option<Message>> {
        if self.framing == Framing::Binary {
            return Ok(Some(Message::Binary(Bytes::copy_from_slice(buf))));
        }
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&data) {
            Ok(_) => data.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        self.carry = data.split_off(valid);
        if data.is_empty() {
            return Ok(None);
        }
        match String::from_utf8(data) {
            Ok(text) => Ok(Some(Message::text(text))),
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        }
    }

    /// Whether a cut code point is still waiting for its end.
    fn has_carry(&self) -> bool {
        !self.carry.is_empty()
    }
}

/// Copies received payloads into read buffers.
#[derive(Debug, Default)]
struct Reader {
    /// What is left of the message being read.
    pending: Bytes,
    eof: bool,
}

impl Reader {
    /// Takes `message` in; returns whether the stream ended.
    fn take(&mut self, message: Option<Result<Message>>) -> io::Result<()> {
        match message {
            Some(Ok(Message::Text(t))) => self.pending = t.into_bytes(),
            Some(Ok(Message::Binary(b))) => self.pending = b,
            Some(Ok(Message::Close(_))) | None => self.eof = true,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Err(Error::ConnectionClosed)) => self.eof = true,
            Some(Err(Error::UnexpectedEof)) => {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            Some(Err(e)) => return Err(e.into()),
        }
        Ok(())
    }

    /// Copies pending bytes into `out`.
    fn copy(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.pending.len());
        out[..n].copy_from_slice(&self.pending[..n]);
        self.pending.advance(n);
        n
    }
}

/// The poll operations a byte stream needs from an async connection.
/// Implemented for [`Driver`]; the adapters implement it for their
/// connection types.
pub trait MessageChannel {
    /// Receives the next message (`None` once closed).
    fn poll_recv_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>>;
    /// Ready when a message may be queued (backpressure).
    fn poll_ready_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>>;
    /// Queues a message.
    fn queue_message(&mut self, message: Message) -> Result<()>;
    /// Writes everything queued.
    fn poll_flush_messages(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>>;
    /// The connection's state.
    fn channel_state(&self) -> State;
}

impl<T: AsyncTransport> MessageChannel for Driver<T> {
    fn poll_recv_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.poll_recv(cx, true)
    }

    fn poll_ready_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.poll_ready(cx)
    }

    fn queue_message(&mut self, message: Message) -> Result<()> {
        self.queue(message)
    }

    fn poll_flush_messages(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.poll_flush(cx)
    }

    fn channel_state(&self) -> State {
        self.conn.state()
    }
}

/// The state of an async byte stream: the message being read and the
/// framing of writes. The adapters' `AsyncRead + AsyncWrite` types call
/// these methods with their connection.
#[derive(Debug, Default)]
pub struct ByteStreamCore {
    reader: Reader,
    framer: Framer,
}

impl ByteStreamCore {
    /// A byte stream writing messages framed as `framing`.
    pub fn new(framing: Framing) -> Self {
        ByteStreamCore {
            reader: Reader::default(),
            framer: Framer::new(framing),
        }
    }

    /// Reads into `out`: `Ok(0)` at the end of the stream (the peer's close
    /// frame, or the connection closed).
    pub fn poll_read<C: MessageChannel>(
        &mut self,
        channel: &mut C,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        while self.reader.pending.is_empty() && !self.reader.eof {
            let message = ready!(channel.poll_recv_message(cx));
            self.reader.take(message)?;
        }
        Poll::Ready(Ok(self.reader.copy(out)))
    }

    /// Writes `buf` as one message, waiting first while the connection's
    /// write buffer is full. The message is queued and written out as far
    /// as the transport takes it; `poll_flush` writes the rest.
    pub fn poll_write<C: MessageChannel>(
        &mut self,
        channel: &mut C,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(channel.poll_ready_message(cx))?;
        if let Some(message) = self.framer.frame(buf)? {
            channel.queue_message(message)?;
            // Start writing now; what the transport cannot take yet stays
            // queued (bounded by the write buffer limit).
            if let Poll::Ready(Err(e)) = channel.poll_flush_messages(cx) {
                return Poll::Ready(Err(e.into()));
            }
        }
        Poll::Ready(Ok(buf.len()))
    }

    /// Writes everything queued.
    pub fn poll_flush<C: MessageChannel>(
        &mut self,
        channel: &mut C,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(ready!(channel.poll_flush_messages(cx)).map_err(io::Error::from))
    }

    /// Ends the writing side: sends a close frame (1000) and flushes. The
    /// reading side still returns what arrives until the peer's close
    /// frame. A text stream ending inside a code point fails with
    /// `InvalidData`.
    pub fn poll_shutdown<C: MessageChannel>(
        &mut self,
        channel: &mut C,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        if self.framer.has_carry() {
            self.framer.carry.clear();
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the text stream ended inside a UTF-8 code point",
            )));
        }
        if channel.channel_state() == State::Open {
            channel.queue_message(crate::close_frame(CloseCode::NORMAL, ""))?;
        }
        self.poll_flush(channel, cx)
    }
}

/// A blocking WebSocket connection as a byte stream (`Read + Write`), like
/// ws's `createWebSocketStream`. Each `write` sends one message; `read`
/// returns received payloads in order (pings and pongs are skipped); the
/// peer's close frame is the end of the stream (`Ok(0)`).
///
/// ```no_run
/// use std::io::{Read, Write};
/// use sockeye_std::{ByteStream, Framing};
/// let (ws, _) = sockeye_std::connect("ws://127.0.0.1:9001/")?;
/// let mut stream = ByteStream::new(ws, Framing::Binary);
/// stream.write_all(b"hello")?;
/// let mut buf = [0u8; 5];
/// stream.read_exact(&mut buf)?;
/// stream.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ByteStream<S> {
    ws: WebSocket<S>,
    reader: Reader,
    framer: Framer,
}

impl<S: Transport> ByteStream<S> {
    /// Wraps an open connection; writes are framed as `framing`.
    pub fn new(ws: WebSocket<S>, framing: Framing) -> Self {
        ByteStream {
            ws,
            reader: Reader::default(),
            framer: Framer::new(framing),
        }
    }

    /// Closes the connection (1000) and waits for the peer's close frame
    /// (up to the close timeout).
    pub fn close(mut self) -> Result<()> {
        self.ws.close(CloseCode::NORMAL, "")
    }

    /// The connection, back.
    pub fn into_inner(self) -> WebSocket<S> {
        self.ws
    }

    /// The connection.
    pub fn get_ref(&self) -> &WebSocket<S> {
        &self.ws
    }
}

impl<S: Transport> Read for ByteStream<S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.reader.pending.is_empty() && !self.reader.eof {
            let message = self.ws.read();
            self.reader.take(Some(message))?;
        }
        Ok(self.reader.copy(out))
    }
}

/// `write` takes all of `buf` as one message, or (an error) none of it: it
/// waits for room first, as `io::Write` wants an error to mean "nothing
/// taken". Once queued, a failure to write it out shows at the next
/// `write` or `flush`.
impl<S: Transport> Write for ByteStream<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.ws.make_room()?;
        if let Some(message) = self.framer.frame(buf)? {
            self.ws.write(message)?;
            let _ = self.ws.flush();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(self.ws.flush()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_framing_carries_split_code_points() {
        let mut f = Framer::new(Framing::Text);
        let word = "héllo wörld".as_bytes();
        let mut out = String::new();
        for piece in word.chunks(2) {
            if let Some(m) = f.frame(piece).unwrap() {
                out.push_str(m.as_text().unwrap());
            }
        }
        assert!(!f.has_carry());
        assert_eq!(out, "héllo wörld");
        assert_eq!(f.frame(&[0xc3]).unwrap(), None);
        assert!(f.has_carry());
        let e = Framer::new(Framing::Text).frame(&[b'a', 0xff]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn binary_framing_is_one_message_per_write() {
        let mut f = Framer::new(Framing::Binary);
        assert_eq!(
            f.frame(&[0xff, 0]).unwrap(),
            Some(Message::binary(vec![0xff, 0]))
        );
    }
}
