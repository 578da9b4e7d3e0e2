//! The glue between futures-io streams and the shared driver.

use bytes::BytesMut;
use futures_io::{AsyncRead, AsyncWrite};
use sockeye_std::driver::AsyncTransport;
use sockeye_std::serve::HeartbeatTimer;
use sockeye_std::PeerAddr;
use std::future::Future;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A futures-io stream seen as the driver's [`AsyncTransport`].
pub(crate) struct Io<S> {
    pub(crate) stream: S,
    /// Half-closes the stream after `poll_close`, for streams whose
    /// `poll_close` only flushes (see [`shutdown_hook`]).
    shutdown: Option<fn(&S) -> io::Result<()>>,
}

impl<S> Io<S> {
    /// A stream whose `poll_close` is taken to end the writing side.
    pub(crate) fn new(stream: S) -> Self {
        Io {
            stream,
            shutdown: None,
        }
    }

    /// A stream that may be one of the runtime streams whose `poll_close`
    /// does not end the writing side.
    pub(crate) fn with_shutdown_hook(stream: S) -> Self
    where
        S: 'static,
    {
        Io {
            stream,
            shutdown: Some(shutdown_hook::<S>),
        }
    }
}

/// async-std's TCP and Unix streams and async-io's `Async<TcpStream>`
/// (`smol::Async`) implement `AsyncWrite::poll_close` as a mere flush: the
/// peer never sees the end of the stream, so a client waiting for the
/// server to close TCP first (RFC 6455 §7.1.1) would wait until the server
/// drops the socket. For those types (found by `TypeId`, as futures-io has
/// no half-close), shut the writing side down explicitly. smol's
/// `smol::net` streams shut down in `poll_close` already.
fn shutdown_hook<S: 'static>(stream: &S) -> io::Result<()> {
    use std::net::Shutdown::Write;
    let stream: &dyn std::any::Any = stream;
    if let Some(tcp) = stream.downcast_ref::<async_std::net::TcpStream>() {
        return tcp.shutdown(Write);
    }
    if let Some(tcp) = stream.downcast_ref::<WithPeerAddr<async_std::net::TcpStream>>() {
        return tcp.0.shutdown(Write);
    }
    if let Some(tcp) = stream.downcast_ref::<async_io::Async<std::net::TcpStream>>() {
        return tcp.get_ref().shutdown(Write);
    }
    #[cfg(unix)]
    {
        use std::os::unix::net::UnixStream;
        if let Some(unix) = stream.downcast_ref::<async_std::os::unix::net::UnixStream>() {
            return unix.shutdown(Write);
        }
        if let Some(unix) = stream.downcast_ref::<async_io::Async<UnixStream>>() {
            return unix.get_ref().shutdown(Write);
        }
    }
    Ok(())
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncTransport for Io<S> {
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
        want: usize,
    ) -> Poll<io::Result<usize>> {
        // futures-io reads into initialized memory: grow the buffer with
        // zeros, read into the tail, and cut it back to what arrived.
        let len = sockeye_std::zeroed_room(buf, want);
        let result = Pin::new(&mut self.stream).poll_read(cx, &mut buf[len..]);
        let got = match &result {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        buf.truncate(len + got);
        result
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(Pin::new(&mut self.stream).poll_close(cx))?;
        match self.shutdown {
            Some(shutdown) => Poll::Ready(shutdown(&self.stream)),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// Any stream together with its peer's address, for streams that cannot
/// implement [`PeerAddr`] themselves (a TLS stream from another crate, a
/// proxied connection whose real client address came from a header...).
///
/// ```no_run
/// # async fn demo(tls: async_std::net::TcpStream) -> sockeye_async_std::Result<()> {
/// use sockeye_async_std::WithPeerAddr;
/// let addr = tls.peer_addr().ok();
/// let ws = sockeye_async_std::accept(WithPeerAddr(tls, addr)).await?;
/// assert_eq!(ws.peer_addr(), addr);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct WithPeerAddr<S>(
    /// The stream.
    pub S,
    /// The address [`PeerAddr::peer_addr`] reports.
    pub Option<SocketAddr>,
);

impl<S> PeerAddr for WithPeerAddr<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.1
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WithPeerAddr<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_read_vectored(cx, bufs)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WithPeerAddr<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_close(cx)
    }
}

/// Races `future` against a timer that works under async-std and smol
/// alike (both run async-io's reactor); `None` when the time ran out.
pub(crate) async fn timeout<F: Future>(
    limit: Option<std::time::Duration>,
    future: F,
) -> Option<F::Output> {
    let Some(limit) = limit else {
        return Some(future.await);
    };
    let mut future = std::pin::pin!(future);
    let mut timer = async_io::Timer::after(limit);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        match Pin::new(&mut timer).poll(cx) {
            Poll::Ready(_) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// The heartbeat and server mailbox of a futures-io connection.
pub(crate) type Extras = sockeye_std::serve::Extras<IoTimer>;

/// async-io's timer (driven under async-std and smol alike) as the
/// heartbeat's timer.
#[derive(Debug)]
pub(crate) struct IoTimer(async_io::Timer);

impl HeartbeatTimer for IoTimer {
    fn start(after: std::time::Duration) -> Self {
        IoTimer(async_io::Timer::after(after))
    }

    fn poll_fire(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(|_| ())
    }

    fn restart(&mut self, after: std::time::Duration) {
        self.0.set_after(after);
    }
}
