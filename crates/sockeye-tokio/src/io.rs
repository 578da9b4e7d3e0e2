//! The driver's view of a tokio stream.

use bytes::BytesMut;
use sockeye_std::driver::AsyncTransport;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite};

/// A tokio stream as an [`AsyncTransport`].
pub(crate) struct TokioIo<S>(pub(crate) S);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncTransport for TokioIo<S> {
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
        want: usize,
    ) -> Poll<io::Result<usize>> {
        // Read straight into the connection's buffer, into all its spare
        // room: a read that comes back short of the room tells tokio the
        // socket is drained, so the next read waits for readiness instead
        // of costing a system call that returns EAGAIN.
        buf.reserve(want);
        tokio_util::io::poll_read_buf(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
