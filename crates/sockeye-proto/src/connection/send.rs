//! The send path: commands in, frames queued as output chunks.

use super::{Connection, MessageKind, Phase, Role};
use crate::close::{CloseCode, CloseFrame};
use crate::error::SendError;
use crate::frame::{FrameHeader, OpCode, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::apply_mask;
use crate::prepared::PreparedMessage;
use alloc::vec::Vec;
use bytes::{Buf, Bytes};

/// Room made in the write buffer when a header of a zero-copy frame does not
/// fit: enough for a few dozen headers, so that the buffer is allocated
/// again (or taken back from the written headers) only every so often.
const HEADER_ROOM: usize = 512;

/// The write-buffer (and compression scratch) memory a connection keeps
/// once its output is written, whatever it sent; beyond this, only room for
/// twice the largest frame it copied since the last drain, so a burst's
/// memory is given back once the frames are no longer that large.
const RETAINED_OUTPUT: usize = 64 << 10;

/// Per-message options for [`Connection::send_message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendOptions {
    /// Whether this frame ends the message. Send a message in pieces by
    /// passing `fin: false` for all but the last.
    pub fin: bool,
    /// Whether the negotiated extension (compression) may transform this
    /// message. Only the first piece's choice counts.
    pub compress: bool,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            fin: true,
            compress: true,
        }
    }
}

/// A payload to frame: borrowed (copied into the write buffer) or shared
/// (queued as its own chunk when large enough and the role allows).
enum Payload<'a> {
    Borrowed(&'a [u8]),
    Shared(Bytes),
}

impl Payload<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Borrowed(s) => s,
            Payload::Shared(b) => b,
        }
    }
}

impl Connection {
    /// Queues a whole text message (copied into the write buffer).
    pub fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        self.check_no_fragment()?;
        self.send_data(
            MessageKind::Text,
            Payload::Borrowed(text.as_bytes()),
            SendOptions::default(),
        )
    }

    /// Queues a whole binary message (copied into the write buffer).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.check_no_fragment()?;
        self.send_data(
            MessageKind::Binary,
            Payload::Borrowed(data),
            SendOptions::default(),
        )
    }

    /// Queues a message, or one piece of a message (`options.fin`), from
    /// shared bytes. A server queues large payloads as their own output
    /// chunk, without copying them. For text, the caller guarantees the
    /// whole message is valid UTF-8 (a piece may split a code point).
    pub fn send_message(
        &mut self,
        kind: MessageKind,
        payload: Bytes,
        options: SendOptions,
    ) -> Result<(), SendError> {
        self.send_data(kind, Payload::Shared(payload), options)
    }

    /// Queues a message encoded once for many connections (a broadcast).
    ///
    /// A server without a per-message extension queues the prepared frame
    /// itself: a large one as a shared chunk (no copy, only a reference
    /// count), a small one copied into the write buffer like any small
    /// frame. A client (which must mask) or a connection whose extension
    /// transforms messages (compression) frames the payload as
    /// [`send_message`](Self::send_message) does. Fails like `send_message`
    /// when the connection cannot send, or while a fragmented message is in
    /// progress.
    pub fn send_prepared(&mut self, message: &PreparedMessage) -> Result<(), SendError> {
        self.check_no_fragment()?;
        if self.role == Role::Client || self.extension.is_some() {
            return self.send_data(
                message.kind(),
                Payload::Shared(message.payload()),
                SendOptions::default(),
            );
        }
        self.check_can_send()?;
        self.flush_pending_pong();
        let frame = message.frame();
        if frame.len() >= self.config.zero_copy_threshold {
            self.seal_tx_buf();
            self.tx_chunks.push_back(frame.clone());
        } else {
            self.tx_buf.extend_from_slice(frame);
        }
        Ok(())
    }

    /// Queues a ping with up to 125 bytes of payload.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Ping, payload)
    }

    /// Queues an unsolicited pong (a heartbeat) with up to 125 bytes of
    /// payload. Pongs answering pings are queued automatically unless
    /// [`Config::auto_pong`](crate::Config::auto_pong) is off.
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Pong, payload)
    }

    /// Starts the closing handshake: queues a close frame with `code` and a
    /// reason of up to 123 bytes. [`CloseCode::NO_STATUS`] sends an empty
    /// close frame. Calling it again once a close frame was sent does
    /// nothing. The connection is `Closing` until the peer's close arrives.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), SendError> {
        self.check_handshake_done()?;
        if self.close_sent || self.failed {
            return Ok(());
        }
        if code != CloseCode::NO_STATUS && !code.is_sendable() {
            return Err(SendError::InvalidCloseCode(code.0));
        }
        if reason.len() > CloseFrame::MAX_REASON {
            return Err(SendError::ReasonTooLong);
        }
        self.queue_close(code, reason.as_bytes());
        Ok(())
    }

    /// Whether a new whole message may be sent: the connection can send at
    /// all (checked first, so a closing connection says `Closed`), and no
    /// fragmented message is in progress.
    fn check_no_fragment(&self) -> Result<(), SendError> {
        self.check_can_send()?;
        match self.tx_msg {
            Some(_) => Err(SendError::FragmentInProgress),
            None => Ok(()),
        }
    }

    fn check_handshake_done(&self) -> Result<(), SendError> {
        if !matches!(self.phase, Phase::Frames) {
            Err(SendError::NotOpen)
        } else if self.cannot_mask() {
            Err(SendError::NoRandomSource)
        } else {
            Ok(())
        }
    }

    /// A client opened without a random source: it has no mask keys, so it
    /// writes no frame at all (RFC 6455 §5.3 wants each key unpredictable).
    fn cannot_mask(&self) -> bool {
        self.role == Role::Client && self.rng.is_none()
    }

    fn check_can_send(&self) -> Result<(), SendError> {
        self.check_handshake_done()?;
        if self.close_sent || self.failed {
            Err(SendError::Closed)
        } else {
            Ok(())
        }
    }

    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), SendError> {
        self.check_can_send()?;
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlTooLong);
        }
        self.queue_frame(opcode, 0, true, Payload::Borrowed(payload));
        Ok(())
    }

    /// Queues a close frame and records that it was sent.
    pub(super) fn queue_close(&mut self, code: CloseCode, reason: &[u8]) {
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let len = if code == CloseCode::NO_STATUS {
            0
        } else {
            payload[..2].copy_from_slice(&code.0.to_be_bytes());
            let n = reason.len().min(CloseFrame::MAX_REASON);
            payload[2..2 + n].copy_from_slice(&reason[..n]);
            2 + n
        };
        // `queue_frame` sends a pong owed for an earlier ping before the close.
        self.queue_frame(OpCode::Close, 0, true, Payload::Borrowed(&payload[..len]));
        self.close_sent = true;
    }

    fn send_data(
        &mut self,
        kind: MessageKind,
        payload: Payload<'_>,
        options: SendOptions,
    ) -> Result<(), SendError> {
        self.check_can_send()?;
        let (opcode, transformed, rsv) = match self.tx_msg {
            Some((k, _)) if k != kind => return Err(SendError::KindMismatch),
            Some((_, transformed)) => (OpCode::Continuation, transformed, 0),
            None => {
                let rsv = match &mut self.extension {
                    Some(ext) => ext.begin_encode(payload.as_slice().len(), options.compress),
                    None => None,
                };
                let opcode = match kind {
                    MessageKind::Text => OpCode::Text,
                    MessageKind::Binary => OpCode::Binary,
                };
                (opcode, rsv.is_some(), rsv.unwrap_or(0))
            }
        };
        if transformed {
            let mut out = core::mem::take(&mut self.tx_scratch);
            out.clear();
            let ext = self.extension.as_mut().ok_or(SendError::Closed)?;
            ext.encode(payload.as_slice(), options.fin, &mut out)
                .map_err(SendError::Extension)?;
            self.queue_frame(opcode, rsv, options.fin, Payload::Borrowed(&out));
            self.tx_scratch = out;
        } else {
            self.queue_frame(opcode, rsv, options.fin, payload);
        }
        self.tx_msg = if options.fin {
            None
        } else {
            Some((kind, transformed))
        };
        Ok(())
    }

    /// Encodes one frame into the output queue, masking it in the client
    /// role.
    fn queue_frame(&mut self, opcode: OpCode, rsv: u8, fin: bool, payload: Payload<'_>) {
        self.flush_pending_pong();
        self.write_frame(opcode, rsv, fin, payload);
    }

    fn write_frame(&mut self, opcode: OpCode, rsv: u8, fin: bool, payload: Payload<'_>) {
        let data = payload.as_slice();
        let mask = match (self.role, self.rng.as_mut()) {
            (Role::Client, Some(rng)) => {
                let mut key = [0u8; 4];
                rng.fill_bytes(&mut key);
                Some(key)
            }
            // No key to mask with: nothing is written (explicit sends were
            // refused with `NoRandomSource`; this drops automatic pongs and
            // close replies).
            (Role::Client, None) => return,
            (Role::Server, _) => None,
        };
        let header = FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len: data.len() as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        match (mask, payload) {
            (None, Payload::Shared(bytes))
                if bytes.len() >= self.config.zero_copy_threshold && !bytes.is_empty() =>
            {
                // Large payload: keep it as its own chunk, no copy, after
                // its header. Room for many headers at once: each is split
                // off the write buffer's allocation, which is taken back
                // once they are written, so a stream of large messages
                // allocates nothing per message.
                if self.tx_buf.capacity() - self.tx_buf.len() < head_len {
                    self.tx_buf.reserve(HEADER_ROOM);
                }
                self.tx_buf.extend_from_slice(&head[..head_len]);
                self.seal_tx_buf();
                self.tx_chunks.push_back(bytes);
            }
            (mask, payload) => {
                let payload = payload.as_slice();
                self.tx_recent_frame = self.tx_recent_frame.max(head_len + payload.len());
                self.tx_buf.extend_from_slice(&head[..head_len]);
                let start = self.tx_buf.len();
                self.tx_buf.extend_from_slice(payload);
                if let Some(key) = mask {
                    apply_mask(&mut self.tx_buf[start..], key, 0);
                }
            }
        }
    }

    /// Moves the frames copied into the write buffer so far into a chunk of
    /// their own, so that a shared chunk queued next follows them. The write
    /// buffer keeps the rest of its allocation.
    fn seal_tx_buf(&mut self) {
        if !self.tx_buf.is_empty() {
            let head = self.tx_buf.split().freeze();
            self.tx_chunks.push_back(head);
        }
    }

    /// Queues the pong owed for the latest ping, if any.
    pub(super) fn flush_pending_pong(&mut self) {
        if let Some(payload) = self.pending_pong.take() {
            self.write_frame(OpCode::Pong, 0, true, Payload::Borrowed(&payload));
        }
    }

    /// Whether there are bytes waiting to be written.
    pub fn has_output(&self) -> bool {
        !self.tx_chunks.is_empty() || !self.tx_buf.is_empty() || self.pending_pong.is_some()
    }

    /// How many bytes are queued for output (a pong owed for a ping counts
    /// once it is queued). Adapters compare it with their write-buffer limit
    /// to apply backpressure.
    pub fn output_len(&self) -> usize {
        self.tx_chunks.iter().map(Bytes::len).sum::<usize>() + self.tx_buf.len()
    }

    /// How many slices [`output_chunks`](Self::output_chunks) would fill
    /// given room for all of them (an owed pong counts: it is written into
    /// the copied tail). Adapters use it to pick how large an array of
    /// slices to hand over.
    pub fn output_chunk_count(&self) -> usize {
        let tail = !self.tx_buf.is_empty() || self.pending_pong.is_some();
        self.tx_chunks.len() + usize::from(tail)
    }

    /// Fills `out` with the queued output, in order, as separate slices fit
    /// for one vectored write, and returns how many it filled. Write them,
    /// then call [`consume_output`](Self::consume_output) with the number of
    /// bytes written.
    pub fn output_chunks<'a>(&'a mut self, out: &mut [&'a [u8]]) -> usize {
        self.flush_pending_pong();
        let chunks = self.tx_chunks.iter().map(|b| &b[..]);
        let tail = (!self.tx_buf.is_empty()).then_some(&self.tx_buf[..]);
        let mut n = 0;
        for (slot, chunk) in out.iter_mut().zip(chunks.chain(tail)) {
            *slot = chunk;
            n += 1;
        }
        n
    }

    /// Drops the first `n` bytes of queued output, which the caller wrote.
    pub fn consume_output(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.tx_chunks.front_mut() else {
                break;
            };
            if n < front.len() {
                front.advance(n);
                return;
            }
            n -= front.len();
            self.tx_chunks.pop_front();
        }
        let n = n.min(self.tx_buf.len());
        self.tx_buf.advance(n);
        if self.tx_buf.is_empty() && self.tx_chunks.is_empty() {
            // All output is written, the headers split off the buffer
            // included: the next ones get its whole allocation again, unless
            // a burst grew it (the capacity an advanced buffer reports is
            // what is left past its start, so it is judged once reclaimed).
            let _ = self.tx_buf.try_reclaim(HEADER_ROOM);
            let recent = core::mem::take(&mut self.tx_recent_frame);
            let keep = RETAINED_OUTPUT.max(recent.saturating_mul(2));
            if self.tx_buf.capacity() > keep {
                self.tx_buf = bytes::BytesMut::new();
            }
            if self.tx_scratch.capacity() > keep {
                self.tx_scratch = bytes::BytesMut::new();
            }
        }
    }

    /// Takes all queued output as one contiguous buffer. Convenient when
    /// driving a connection by hand or in tests; adapters use
    /// [`output_chunks`](Self::output_chunks) to avoid the copy.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.flush_pending_pong();
        let mut out = Vec::with_capacity(self.output_len());
        for chunk in &self.tx_chunks {
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(&self.tx_buf);
        let len = out.len();
        self.consume_output(len);
        out
    }
}
