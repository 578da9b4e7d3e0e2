//! Turning a [`Message`] into connection commands: shared by every adapter.

use sockeye_proto::{CloseCode, Connection, Message, MessageKind, SendError, SendOptions};

/// Queues `message` on `conn`: data messages whole (shared bytes, so a
/// server sends large payloads without a copy), control frames as such,
/// and `Close` as the start of the closing handshake.
pub fn queue_message(conn: &mut Connection, message: Message) -> Result<(), SendError> {
    match message {
        Message::Text(text) => {
            conn.send_message(MessageKind::Text, text.into_bytes(), SendOptions::default())
        }
        Message::Binary(data) => {
            conn.send_message(MessageKind::Binary, data, SendOptions::default())
        }
        Message::Ping(data) => conn.ping(&data),
        Message::Pong(data) => conn.pong(&data),
        Message::Close(Some(frame)) => conn.close(frame.code, frame.reason.as_str()),
        Message::Close(None) => conn.close(CloseCode::NO_STATUS, ""),
    }
}

/// The most output chunks handed to one vectored write.
pub const MAX_IOVECS: usize = 64;

/// Fills `slices` with `conn`'s queued output and returns how many.
pub fn output_slices<'a>(
    conn: &'a mut Connection,
    slices: &mut [std::io::IoSlice<'a>; MAX_IOVECS],
) -> usize {
    let mut chunks: [&[u8]; MAX_IOVECS] = [&[]; MAX_IOVECS];
    let n = conn.output_chunks(&mut chunks);
    for (slot, chunk) in slices.iter_mut().zip(&chunks[..n]) {
        *slot = std::io::IoSlice::new(chunk);
    }
    n
}

/// How many bytes to read next: what the current frame still needs,
/// between 4 KiB and 64 KiB.
pub fn read_size(conn: &Connection) -> usize {
    conn.input_hint().clamp(4 << 10, 64 << 10)
}
