//! What the blocking adapter needs from a byte stream beyond `Read + Write`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A byte stream a [`WebSocket`](crate::WebSocket) can run over. Only
/// `Read + Write` are required; the other methods let the adapter apply
/// timeouts and close the transport cleanly, and default to doing nothing.
pub trait Transport: Read + Write {
    /// Sets the timeout for blocking reads (`None`: block forever).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let _ = timeout;
        Ok(())
    }

    /// Shuts down the writing side, telling the peer no more bytes follow.
    fn shutdown(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// The peer's address, if the transport has one.
    fn peer_addr(&self) -> Option<SocketAddr> {
        None
    }

    /// Sets TCP_NODELAY where the transport is a TCP socket.
    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        let _ = nodelay;
        Ok(())
    }

    /// Completes the transport's own handshake (TLS), if it has one still
    /// to do, with every read waiting at most until `deadline`: the blocking
    /// client and server call it before the WebSocket handshake, so that
    /// the handshake timeout covers TLS too. The default does nothing.
    fn finish_handshake(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let _ = deadline;
        Ok(())
    }
}

/// Sets `io`'s read timeout to what is left until `deadline` (with one),
/// so that its next read waits no longer however the peer spreads its
/// bytes; `TimedOut` once the deadline has passed.
pub(crate) fn limit_next_read<S: Transport + ?Sized>(
    io: &mut S,
    deadline: Option<Instant>,
) -> io::Result<()> {
    if let Some(deadline) = deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        io.set_read_timeout(Some(left))?;
    }
    Ok(())
}

/// A transport whose every read waits at most until a deadline (and fails
/// with `TimedOut` once it has passed), however the peer spreads its bytes:
/// for handshakes (TLS, a proxy's answer) that a slow peer must not
/// stretch past their timeout.
pub(crate) struct DeadlineIo<'a, S> {
    io: &'a mut S,
    deadline: Option<Instant>,
}

impl<'a, S: Transport> DeadlineIo<'a, S> {
    pub(crate) fn new(io: &'a mut S, deadline: Option<Instant>) -> Self {
        DeadlineIo { io, deadline }
    }
}

impl<S: Transport> Read for DeadlineIo<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        limit_next_read(self.io, self.deadline)?;
        self.io.read(buf)
    }
}

impl<S: Transport> Write for DeadlineIo<'_, S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.io.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.io.flush()
    }
}

impl Transport for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        TcpStream::shutdown(self, Shutdown::Write)
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        TcpStream::peer_addr(self).ok()
    }

    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        TcpStream::set_nodelay(self, nodelay)
    }
}

#[cfg(unix)]
impl Transport for std::os::unix::net::UnixStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_read_timeout(self, timeout)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        std::os::unix::net::UnixStream::shutdown(self, Shutdown::Write)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        (**self).set_read_timeout(timeout)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        (**self).shutdown()
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        (**self).peer_addr()
    }

    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        (**self).set_nodelay(nodelay)
    }

    fn finish_handshake(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        (**self).finish_handshake(deadline)
    }
}

/// Streams that know the address of their peer, so that a server's accept
/// callback can see it ([`UpgradeRequest::peer_addr`](crate::UpgradeRequest)).
/// It is implemented here for std's `TcpStream` and, behind the `tokio`,
/// `async-std` and `smol` features (which the adapters turn on), for those
/// runtimes' TCP and Unix streams; implement it for your own stream types
/// (returning `None` is fine).
pub trait PeerAddr {
    /// The peer's address, if known.
    fn peer_addr(&self) -> Option<SocketAddr>;

    /// Sets TCP_NODELAY where the stream is a TCP socket (servers apply
    /// `ServerOptions::nodelay`, on by default as in ws); does nothing
    /// otherwise.
    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        let _ = nodelay;
        Ok(())
    }
}

impl PeerAddr for TcpStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        TcpStream::peer_addr(self).ok()
    }

    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        TcpStream::set_nodelay(self, nodelay)
    }
}
