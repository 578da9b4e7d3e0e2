//! Receive buffers parked while their connection waits for input.
//!
//! A connection waiting for its peer needs no receive buffer. When a read
//! would block and nothing is buffered, the async driver parks the buffer
//! here, and the next read on the same thread (by any connection) takes it
//! back. Ten thousand idle connections then hold no receive memory, while a
//! busy connection reuses one allocation read after read: no allocation per
//! message, no buffer per idle socket.

use bytes::BytesMut;
use std::cell::RefCell;

/// Buffers kept per thread; more are freed.
const MAX_PARKED: usize = 16;
/// Buffers larger than this are freed rather than kept (one large message
/// must not pin its buffer forever).
const MAX_PARKED_CAPACITY: usize = 256 << 10;

thread_local! {
    static PARKED: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
}

/// A buffer to read into: a parked one if this thread has one, else a new
/// (unallocated) one.
pub(crate) fn take() -> BytesMut {
    PARKED
        .try_with(|parked| parked.borrow_mut().pop())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps an empty buffer's allocation for the next [`take`] on this thread.
pub(crate) fn park(mut buf: BytesMut) {
    buf.clear();
    if buf.capacity() == 0 || buf.capacity() > MAX_PARKED_CAPACITY {
        return;
    }
    let _ = PARKED.try_with(|parked| {
        let mut parked = parked.borrow_mut();
        if parked.len() < MAX_PARKED {
            parked.push(buf);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parked_buffers_are_reused_and_bounded() {
        let mut a = BytesMut::with_capacity(4096);
        let ptr = a.as_mut_ptr();
        a.extend_from_slice(b"seen");
        park(a);
        let mut b = take();
        assert!(b.is_empty(), "a parked buffer comes back empty");
        assert_eq!(b.as_mut_ptr(), ptr, "the same allocation is reused");
        assert_eq!(take().capacity(), 0, "only one was parked");
        for _ in 0..MAX_PARKED + 5 {
            park(BytesMut::with_capacity(64));
        }
        let kept = std::iter::from_fn(|| Some(take()))
            .take_while(|b| b.capacity() > 0)
            .count();
        assert_eq!(kept, MAX_PARKED);
        park(BytesMut::with_capacity(MAX_PARKED_CAPACITY + 1));
        assert_eq!(take().capacity(), 0, "a large buffer is freed");
    }
}
