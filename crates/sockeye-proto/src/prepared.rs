//! Messages encoded once and sent to many connections.
//!
//! A server's frames are not masked, so one encoded frame is the same bytes
//! on every connection: a broadcast encodes it once as a
//! [`PreparedMessage`] and queues the shared bytes on each connection with
//! [`Connection::send_prepared`](crate::Connection::send_prepared), which
//! copies nothing for large payloads (only a reference count changes).

use crate::connection::MessageKind;
use crate::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use crate::message::Message;
use bytes::{Bytes, BytesMut};

/// A whole data message encoded as one unmasked frame, ready to be queued
/// on any number of server connections without being encoded again.
///
/// ```
/// use sockeye_proto::{MessageKind, PreparedMessage};
/// let m = PreparedMessage::new(MessageKind::Text, b"hi".as_slice().into());
/// assert_eq!(&m.frame()[..], &[0x81, 0x02, b'h', b'i']);
/// assert_eq!(&m.payload()[..], b"hi");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedMessage {
    kind: MessageKind,
    frame: Bytes,
    header_len: usize,
}

impl PreparedMessage {
    /// Encodes `payload` as one final, unmasked frame of `kind`. For text,
    /// the caller guarantees `payload` is valid UTF-8 (a `Message::Text`
    /// always is).
    pub fn new(kind: MessageKind, payload: Bytes) -> Self {
        let header = FrameHeader {
            fin: true,
            rsv: 0,
            opcode: match kind {
                MessageKind::Text => OpCode::Text,
                MessageKind::Binary => OpCode::Binary,
            },
            mask: None,
            payload_len: payload.len() as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let header_len = header.encode(&mut head);
        let mut frame = BytesMut::with_capacity(header_len + payload.len());
        frame.extend_from_slice(&head[..header_len]);
        frame.extend_from_slice(&payload);
        PreparedMessage {
            kind,
            frame: frame.freeze(),
            header_len,
        }
    }

    /// Prepares a text or binary [`Message`]; `None` for control frames.
    pub fn from_message(message: Message) -> Option<Self> {
        match message {
            Message::Text(text) => Some(Self::new(MessageKind::Text, text.into_bytes())),
            Message::Binary(data) => Some(Self::new(MessageKind::Binary, data)),
            _ => None,
        }
    }

    /// The kind of message.
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The encoded frame: header and payload.
    pub fn frame(&self) -> &Bytes {
        &self.frame
    }

    /// The payload alone, sharing the frame's memory.
    pub fn payload(&self) -> Bytes {
        self.frame.slice(self.header_len..)
    }

    /// The payload length in bytes.
    pub fn len(&self) -> usize {
        self.frame.len() - self.header_len
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{Connection, Event, Role, SendOptions};
    use crate::{Config, SendError, XorShift};
    use alloc::boxed::Box;
    use alloc::vec;

    fn server() -> Connection {
        Connection::open(Role::Server, Config::default(), None)
    }

    #[test]
    fn same_bytes_as_send_message() {
        for len in [0usize, 5, 125, 126, 70_000] {
            let payload = Bytes::from(vec![7u8; len]);
            let prepared = PreparedMessage::new(MessageKind::Binary, payload.clone());
            assert_eq!(prepared.len(), len);
            let mut a = server();
            a.send_prepared(&prepared).unwrap();
            let mut b = server();
            b.send_message(MessageKind::Binary, payload, SendOptions::default())
                .unwrap();
            assert_eq!(a.take_output(), b.take_output(), "length {len}");
        }
    }

    #[test]
    fn large_frames_are_shared_not_copied() {
        let prepared = PreparedMessage::new(MessageKind::Binary, Bytes::from(vec![1u8; 1 << 20]));
        let mut conns = [server(), server(), server()];
        for conn in &mut conns {
            conn.send_text("before").unwrap();
            conn.send_prepared(&prepared).unwrap();
            let mut chunks: [&[u8]; 4] = [&[]; 4];
            let n = conn.output_chunks(&mut chunks);
            assert_eq!(n, 2);
            assert_eq!(chunks[1].as_ptr(), prepared.frame().as_ptr());
            assert_eq!(chunks[1].len(), prepared.frame().len());
        }
    }

    #[test]
    fn a_client_masks_its_own_copy() {
        let prepared = PreparedMessage::from_message(Message::text("hello")).unwrap();
        let mut client = Connection::open(
            Role::Client,
            Config::default(),
            Some(Box::new(XorShift::new(3))),
        );
        client.send_prepared(&prepared).unwrap();
        let wire = client.take_output();
        assert_eq!(wire[1] & 0x80, 0x80, "masked");
        let mut srv = server();
        srv.feed(&wire);
        assert!(matches!(srv.poll_event(), Ok(Some(Event::Text(t))) if t == "hello"));
    }

    #[test]
    fn refused_once_closing_or_mid_fragment() {
        let prepared = PreparedMessage::new(MessageKind::Text, Bytes::from_static(b"x"));
        let mut conn = server();
        conn.send_message(
            MessageKind::Binary,
            Bytes::from_static(b"part"),
            SendOptions {
                fin: false,
                compress: true,
            },
        )
        .unwrap();
        assert_eq!(
            conn.send_prepared(&prepared),
            Err(SendError::FragmentInProgress)
        );
        let mut conn = server();
        conn.close(crate::CloseCode::NORMAL, "").unwrap();
        assert_eq!(conn.send_prepared(&prepared), Err(SendError::Closed));
        assert!(PreparedMessage::from_message(Message::Ping(Bytes::new())).is_none());
    }
}
