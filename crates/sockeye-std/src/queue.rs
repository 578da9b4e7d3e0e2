//! Turning a [`Message`] into connection commands: shared by every adapter.

use sockeye_proto::{CloseCode, Connection, Message, MessageKind, SendError, SendOptions};
use std::io::IoSlice;

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

/// Room for the usual output: small frames are copied together into one
/// buffer, and a large payload adds its header and itself.
const FEW_IOVECS: usize = 4;

/// Calls `write` once with `conn`'s queued output as I/O slices, in order
/// (at most [`MAX_IOVECS`] of them), and returns what it returned. Write
/// them, then hand the number of bytes written to
/// [`Connection::consume_output`].
pub fn write_output<R>(conn: &mut Connection, write: impl FnOnce(&[IoSlice<'_>]) -> R) -> R {
    // A small array when it is enough: filling 64 slots costs more than
    // the write's own bookkeeping for a small message.
    if conn.output_chunk_count() <= FEW_IOVECS {
        write_slices::<FEW_IOVECS, R>(conn, write)
    } else {
        write_slices::<MAX_IOVECS, R>(conn, write)
    }
}

fn write_slices<const N: usize, R>(
    conn: &mut Connection,
    write: impl FnOnce(&[IoSlice<'_>]) -> R,
) -> R {
    let mut chunks: [&[u8]; N] = [&[]; N];
    let n = conn.output_chunks(&mut chunks);
    let slices = chunks.map(IoSlice::new);
    write(&slices[..n])
}

/// How many bytes to make room for before the next read: the
/// connection's [`input_hint`](Connection::input_hint), at least 4 KiB.
pub fn read_size(conn: &Connection) -> usize {
    conn.input_hint().max(4 << 10)
}

/// The most room zeroed before one read by adapters whose readers need
/// initialized memory (`std::io::Read`, futures-io): zeroing is a pass over
/// memory the read may not fill, so it is kept to what one read usually
/// returns.
pub const MAX_ZEROED_READ: usize = 256 << 10;

/// Prepares `buf` for a reader that needs initialized memory: reserves
/// `want` bytes (a large frame then arrives in one allocation, without
/// copies as it grows) and zero-fills up to [`MAX_ZEROED_READ`] of them.
/// Returns the length before; read into `buf[len..]`, then truncate to
/// `len + n`.
pub fn zeroed_room(buf: &mut bytes::BytesMut, want: usize) -> usize {
    let len = buf.len();
    buf.reserve(want);
    buf.resize(len + want.min(MAX_ZEROED_READ), 0);
    len
}
