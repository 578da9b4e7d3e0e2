//! The message type adapters send and receive.

use crate::close::CloseFrame;
use crate::connection::Event;
use crate::utf8::Utf8Bytes;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// A WebSocket message, as the adapters' `send` takes and `recv` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message: validated UTF-8, shared without copying.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping (up to 125 bytes). Received pings are answered automatically.
    Ping(Bytes),
    /// A pong (up to 125 bytes).
    Pong(Bytes),
    /// A close frame: received, the peer started or answered the closing
    /// handshake; sent, it starts it (`None` sends an empty close frame).
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message from anything that converts to [`Utf8Bytes`]
    /// (`String` moves without copying).
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Message::Text(text.into())
    }

    /// A binary message from anything that converts to `Bytes`
    /// (`Vec<u8>` moves without copying).
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Message::Binary(data.into())
    }

    /// A binary message holding numbers as little-endian bytes, like a
    /// JavaScript `Float32Array` sent by ws.
    pub fn from_le<T: LeBytes>(values: &[T]) -> Self {
        let mut out = Vec::with_capacity(core::mem::size_of_val(values));
        for v in values {
            v.extend_le(&mut out);
        }
        Message::Binary(Bytes::from(out))
    }

    /// Whether this is a text message.
    pub fn is_text(&self) -> bool {
        matches!(self, Message::Text(_))
    }

    /// Whether this is a binary message.
    pub fn is_binary(&self) -> bool {
        matches!(self, Message::Binary(_))
    }

    /// Whether this is a close frame.
    pub fn is_close(&self) -> bool {
        matches!(self, Message::Close(_))
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(t) => Some(t.as_str()),
            _ => None,
        }
    }

    /// Whether this is a ping.
    pub fn is_ping(&self) -> bool {
        matches!(self, Message::Ping(_))
    }

    /// Whether this is a pong.
    pub fn is_pong(&self) -> bool {
        matches!(self, Message::Pong(_))
    }

    /// The bytes, if this is a binary message.
    pub fn as_binary(&self) -> Option<&Bytes> {
        match self {
            Message::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The text, if this is a text message, without copying.
    pub fn into_text(self) -> Option<Utf8Bytes> {
        match self {
            Message::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The bytes, if this is a binary message, without copying.
    pub fn into_binary(self) -> Option<Bytes> {
        match self {
            Message::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The close frame (code and reason), if this is a close message that
    /// carries one.
    pub fn close_frame(&self) -> Option<&CloseFrame> {
        match self {
            Message::Close(frame) => frame.as_ref(),
            _ => None,
        }
    }

    /// The payload bytes (empty for a close frame).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(t) => t.as_str().as_bytes(),
            Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b,
            Message::Close(_) => &[],
        }
    }

    /// The payload as `Bytes`, without copying.
    pub fn into_bytes(self) -> Bytes {
        match self {
            Message::Text(t) => t.into_bytes(),
            Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b,
            Message::Close(_) => Bytes::new(),
        }
    }

    /// Payload length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The message an event carries, if it carries one (`Request`,
    /// `HttpRequest`, `Connected` and streaming `Fragment`s do not).
    pub fn from_event(event: Event) -> Option<Message> {
        Some(match event {
            Event::Text(t) => Message::Text(t),
            Event::Binary(b) => Message::Binary(b),
            Event::Ping(b) => Message::Ping(b),
            Event::Pong(b) => Message::Pong(b),
            Event::Close(frame) => Message::Close(Some(frame)),
            Event::Request(_)
            | Event::HttpRequest(_)
            | Event::Connected(_)
            | Event::Fragment { .. } => return None,
        })
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::text(s)
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::text(s)
    }
}

impl From<Vec<u8>> for Message {
    fn from(v: Vec<u8>) -> Self {
        Message::binary(v)
    }
}

impl From<&[u8]> for Message {
    fn from(v: &[u8]) -> Self {
        Message::Binary(Bytes::copy_from_slice(v))
    }
}

impl From<Bytes> for Message {
    fn from(b: Bytes) -> Self {
        Message::Binary(b)
    }
}

/// Numbers that [`Message::from_le`] can send as little-endian bytes.
pub trait LeBytes: Copy {
    /// Appends the little-endian encoding of `self`.
    fn extend_le(self, out: &mut Vec<u8>);
}

macro_rules! le_bytes {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            fn extend_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
le_bytes!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn numeric_arrays_are_little_endian() {
        let m = Message::from_le(&[1.0f32, -2.5]);
        assert_eq!(m.as_bytes(), &[0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0]);
        assert!(m.is_binary());
    }

    #[test]
    fn accessors() {
        let t = Message::text("hi");
        assert_eq!(t.as_binary(), None);
        assert_eq!(t.clone().into_text().unwrap(), "hi");
        assert_eq!(t.into_binary(), None);
        let b = Message::binary(vec![1u8, 2]);
        assert_eq!(b.as_binary().map(|b| &b[..]), Some(&[1u8, 2][..]));
        assert_eq!(
            b.clone().into_binary().unwrap(),
            Bytes::from_static(&[1, 2])
        );
        assert!(b.into_text().is_none());
        assert!(Message::Ping(Bytes::new()).is_ping());
        assert!(Message::Pong(Bytes::new()).is_pong());
        let frame = CloseFrame {
            code: crate::CloseCode::NORMAL,
            reason: "bye".into(),
        };
        assert_eq!(
            Message::Close(Some(frame.clone())).close_frame(),
            Some(&frame)
        );
        assert_eq!(Message::Close(None).close_frame(), None);
    }

    #[test]
    fn text_from_string_does_not_copy() {
        let s = String::from("moved");
        let ptr = s.as_ptr();
        let m = Message::from(s);
        assert_eq!(m.as_text(), Some("moved"));
        assert_eq!(m.as_bytes().as_ptr(), ptr);
    }
}
