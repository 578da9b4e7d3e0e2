//! The receive path: frames out of the input buffer, events out of frames.

use super::{Connection, Event, MessageKind, Role};
use crate::close::{CloseCode, CloseFrame};
use crate::error::{Error, ProtocolError};
use crate::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use crate::mask::apply_mask;
use crate::utf8::Utf8Bytes;
use bytes::{Buf, Bytes, BytesMut};

/// The frame whose payload is arriving.
pub(super) struct RxFrame {
    header: FrameHeader,
    /// Payload bytes not yet split off the input buffer.
    pub(super) remaining: u64,
    /// How many bytes at the start of the input buffer are already unmasked
    /// and validated.
    processed: usize,
    /// Key offset for the next byte to unmask.
    mask_offset: usize,
}

/// The data message being received.
pub(super) struct RxMessage {
    kind: MessageKind,
    /// Whether the negotiated extension transforms this message.
    transformed: bool,
    frames: usize,
    /// Payload bytes received so far (before decoding).
    size: usize,
    /// Streaming mode: bytes handed out so far (after decoding).
    decoded: usize,
    /// The payload assembled so far, for fragmented or transformed messages.
    buf: BytesMut,
    /// The payload of a single-frame message, kept without a copy.
    single: Option<Bytes>,
}

impl Connection {
    /// Parses frames until one produces an event or input runs out.
    pub(super) fn poll_frames(&mut self) -> Result<Option<Event>, Error> {
        loop {
            if self.close_received {
                // Nothing after the peer's close frame counts (RFC 6455 §5.5.1).
                self.rx.clear();
                return Ok(None);
            }
            if self.rx_frame.is_none() {
                match FrameHeader::parse(&self.rx) {
                    Ok(Some((header, len))) => {
                        if let Err(e) = self.check_header(&header) {
                            return self.fail(e);
                        }
                        self.rx.advance(len);
                        self.rx_frame = Some(RxFrame {
                            header,
                            remaining: header.payload_len,
                            processed: 0,
                            mask_offset: 0,
                        });
                    }
                    Ok(None) => return self.need_input(),
                    Err(e) => return self.fail(e),
                }
            }
            match self.progress_payload() {
                Ok(Some(event)) => return Ok(Some(event)),
                Ok(None) if self.rx_frame.is_some() => return self.need_input(),
                Ok(None) => continue,
                Err(e) => return self.fail(e),
            }
        }
    }

    /// No complete frame is buffered: either wait for input or, at the end of
    /// the transport, report it.
    fn need_input(&mut self) -> Result<Option<Event>, Error> {
        if self.eof && !self.close_received {
            self.failed = true;
            self.rx.clear();
            return Err(Error::UnexpectedEof);
        }
        self.release_idle_buffer();
        Ok(None)
    }

    /// Gives back an empty input buffer that a large message grew, once
    /// the messages are no longer that large.
    #[inline]
    pub(super) fn release_idle_buffer(&mut self) {
        if self.rx.is_empty()
            && self.rx.capacity() > Self::SMALL_READ.max(self.rx_last_frame.saturating_mul(2))
        {
            self.rx = BytesMut::new();
        }
    }

    /// Checks the rules a header must meet given the connection's state.
    fn check_header(&mut self, h: &FrameHeader) -> Result<(), ProtocolError> {
        match (self.role, h.mask.is_some()) {
            (Role::Server, false) if !self.config.accept_unmasked_frames => {
                return Err(ProtocolError::UnmaskedFrame)
            }
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        let ext_bits = match (&self.extension, h.opcode) {
            (Some(ext), OpCode::Text | OpCode::Binary) => ext.rsv_bits(),
            _ => 0,
        };
        if h.rsv & !ext_bits != 0 {
            return Err(ProtocolError::ReservedBits(h.rsv));
        }
        if h.opcode.is_control() {
            return Ok(());
        }
        // A compressed frame may carry DEFLATE's framing on top of the
        // limit: peers compress even incompressible data, which grows by up
        // to about 2% (stored blocks, full flushes for small windows).
        let compressed = h.rsv & ext_bits != 0
            || (h.opcode == OpCode::Continuation
                && self.rx_msg.as_ref().is_some_and(|m| m.transformed));
        let frame_limit = match compressed {
            true => self.config.max_compressed_frame_size(),
            false => self.config.max_frame_size,
        };
        if h.payload_len > frame_limit as u64 {
            return Err(ProtocolError::FrameTooBig {
                len: h.payload_len,
                limit: frame_limit,
            });
        }
        let kind = match h.opcode {
            OpCode::Text => Some(MessageKind::Text),
            OpCode::Binary => Some(MessageKind::Binary),
            _ => None,
        };
        match (&mut self.rx_msg, kind) {
            (None, None) => return Err(ProtocolError::UnexpectedContinuation),
            (Some(_), Some(_)) => return Err(ProtocolError::ExpectedContinuation),
            (None, Some(kind)) => {
                let transformed = match &mut self.extension {
                    Some(ext) if h.rsv != 0 => ext.begin_decode(h.rsv),
                    _ => false,
                };
                self.rx_msg = Some(RxMessage {
                    kind,
                    transformed,
                    frames: 0,
                    size: 0,
                    decoded: 0,
                    buf: BytesMut::new(),
                    single: None,
                });
            }
            (Some(_), None) => {}
        }
        let msg = self
            .rx_msg
            .as_mut()
            .ok_or(ProtocolError::UnexpectedContinuation)?;
        msg.frames += 1;
        if msg.frames > self.config.max_fragments {
            return Err(ProtocolError::TooManyFragments {
                limit: self.config.max_fragments,
            });
        }
        // The payload length is checked against the message limit before a
        // byte of it is buffered (compressed payloads with DEFLATE's
        // allowance, as frames); decoded sizes are checked while decoding.
        let total = (msg.size as u64).saturating_add(h.payload_len);
        let wire_limit = match msg.transformed {
            true => self.config.max_compressed_message_size(),
            false => self.config.max_message_size,
        };
        if total > wire_limit as u64 {
            return Err(ProtocolError::MessageTooBig {
                limit: self.config.max_message_size,
            });
        }
        msg.size = total as usize;
        Ok(())
    }

    /// Unmasks and validates newly arrived payload bytes of the current
    /// frame; when the frame is complete (or, in streaming mode, when there
    /// is data to hand out) turns it into an event.
    fn progress_payload(&mut self) -> Result<Option<Event>, ProtocolError> {
        let Some(frame) = self.rx_frame.as_mut() else {
            return Ok(None);
        };
        let available = (self.rx.len() as u64).min(frame.remaining) as usize;
        if available > frame.processed {
            let fresh = &mut self.rx[frame.processed..available];
            if let Some(key) = frame.header.mask {
                frame.mask_offset = apply_mask(fresh, key, frame.mask_offset);
            }
            // Plain text is validated as it arrives, to fail at the first
            // invalid byte rather than at the end of the message.
            if let Some(msg) = &self.rx_msg {
                if msg.kind == MessageKind::Text
                    && !msg.transformed
                    && self.config.validate_utf8
                    && !frame.header.opcode.is_control()
                {
                    self.utf8.feed(fresh).map_err(ProtocolError::InvalidUtf8)?;
                }
            }
            frame.processed = available;
        }
        let complete = frame.processed as u64 == frame.remaining;
        let header = frame.header;
        if complete && !header.opcode.is_control() {
            self.rx_last_frame = usize::try_from(header.payload_len)
                .unwrap_or(usize::MAX)
                .saturating_add(MAX_HEADER_LEN);
        }
        if header.opcode.is_control() {
            if !complete {
                return Ok(None);
            }
            let payload = self.rx.split_to(frame.processed).freeze();
            self.rx_frame = None;
            return self.on_control(header.opcode, payload);
        }
        if self.config.streaming {
            if frame.processed == 0 && !complete {
                return Ok(None);
            }
            let piece = self.rx.split_to(frame.processed).freeze();
            frame.remaining -= frame.processed as u64;
            frame.processed = 0;
            if complete {
                self.rx_frame = None;
            }
            return self.on_stream_piece(piece, complete && header.fin);
        }
        if !complete {
            return Ok(None);
        }
        let payload = self.rx.split_to(frame.processed).freeze();
        self.rx_frame = None;
        self.on_data_frame(payload, header.fin)
    }

    /// A complete data frame in whole-message mode.
    fn on_data_frame(&mut self, payload: Bytes, fin: bool) -> Result<Option<Event>, ProtocolError> {
        let limit = self.config.max_message_size;
        let Some(msg) = self.rx_msg.as_mut() else {
            return Err(ProtocolError::UnexpectedContinuation);
        };
        if msg.transformed {
            let ext = self
                .extension
                .as_mut()
                .ok_or(ProtocolError::UnexpectedContinuation)?;
            let before = msg.buf.len();
            ext.decode(&payload, fin, &mut msg.buf, limit)
                .map_err(ProtocolError::Extension)?;
            if msg.buf.len() > limit {
                return Err(ProtocolError::MessageTooBig { limit });
            }
            if msg.kind == MessageKind::Text && self.config.validate_utf8 {
                self.utf8
                    .feed(&msg.buf[before..])
                    .map_err(ProtocolError::InvalidUtf8)?;
            }
        } else if msg.frames == 1 && fin {
            msg.single = Some(payload);
        } else {
            msg.buf.extend_from_slice(&payload);
        }
        if !fin {
            return Ok(None);
        }
        let msg = self
            .rx_msg
            .take()
            .ok_or(ProtocolError::UnexpectedContinuation)?;
        let data = match msg.single {
            Some(bytes) => bytes,
            None => msg.buf.freeze(),
        };
        Ok(Some(match msg.kind {
            MessageKind::Binary => Event::Binary(data),
            MessageKind::Text => Event::Text(self.finish_text(data)?),
        }))
    }

    /// Completes a text message's validation and wraps it.
    fn finish_text(&mut self, data: Bytes) -> Result<Utf8Bytes, ProtocolError> {
        if self.config.validate_utf8 {
            self.utf8.finish().map_err(ProtocolError::InvalidUtf8)?;
            Ok(Utf8Bytes::from_validated(data))
        } else {
            Utf8Bytes::try_from_bytes(data).map_err(|_| {
                ProtocolError::InvalidUtf8(crate::utf8::Utf8Error { truncated: false })
            })
        }
    }

    /// Streaming mode: the next piece of a data message.
    fn on_stream_piece(&mut self, piece: Bytes, end: bool) -> Result<Option<Event>, ProtocolError> {
        let limit = self.config.max_message_size;
        let Some(msg) = self.rx_msg.as_mut() else {
            return Err(ProtocolError::UnexpectedContinuation);
        };
        let kind = msg.kind;
        let data = if msg.transformed {
            let ext = self
                .extension
                .as_mut()
                .ok_or(ProtocolError::UnexpectedContinuation)?;
            let mut out = core::mem::take(&mut msg.buf);
            out.clear();
            ext.decode(&piece, end, &mut out, limit.saturating_sub(msg.decoded))
                .map_err(ProtocolError::Extension)?;
            msg.decoded += out.len();
            if kind == MessageKind::Text && self.config.validate_utf8 {
                self.utf8.feed(&out).map_err(ProtocolError::InvalidUtf8)?;
            }
            out.freeze()
        } else {
            piece
        };
        if end {
            self.rx_msg = None;
            if kind == MessageKind::Text && self.config.validate_utf8 {
                self.utf8.finish().map_err(ProtocolError::InvalidUtf8)?;
            }
        } else if data.is_empty() {
            return Ok(None);
        }
        Ok(Some(Event::Fragment {
            kind,
            data,
            fin: end,
        }))
    }

    /// A complete control frame.
    fn on_control(
        &mut self,
        opcode: OpCode,
        payload: Bytes,
    ) -> Result<Option<Event>, ProtocolError> {
        match opcode {
            OpCode::Ping => {
                if self.config.auto_pong && !self.close_sent {
                    // Every ping gets its pong while output is not backed
                    // up; past the backlog only the latest is answered.
                    if self.output_len() < self.config.pong_backlog {
                        self.flush_pending_pong();
                    }
                    self.pending_pong = Some(payload.clone());
                }
                Ok(Some(Event::Ping(payload)))
            }
            OpCode::Pong => Ok(Some(Event::Pong(payload))),
            _ => {
                let frame = parse_close(&payload)?;
                self.close_received = true;
                if !self.close_sent {
                    // Echo the code (RFC 6455 §5.5.1); an empty close gets an
                    // empty reply.
                    self.queue_close(frame.code, &[]);
                }
                self.rx.clear();
                self.rx_msg = None;
                Ok(Some(Event::Close(frame)))
            }
        }
    }
}

/// Decodes and checks a close frame's payload.
fn parse_close(payload: &[u8]) -> Result<CloseFrame, ProtocolError> {
    match payload {
        [] => Ok(CloseFrame {
            code: CloseCode::NO_STATUS,
            reason: Utf8Bytes::new(),
        }),
        [_] => Err(ProtocolError::CloseLengthOne),
        [hi, lo, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
            if !code.is_sendable() {
                return Err(ProtocolError::InvalidCloseCode(code.0));
            }
            let reason =
                Utf8Bytes::try_from_bytes(Bytes::copy_from_slice(reason)).map_err(|_| {
                    ProtocolError::InvalidUtf8(crate::utf8::Utf8Error { truncated: false })
                })?;
            Ok(CloseFrame { code, reason })
        }
    }
}
