//! The stream a blocking client connects over: TCP, Unix or TLS.

use crate::transport::Transport;
use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// What [`connect`](crate::connect) opens: a TCP connection (possibly
/// tunnelled through a proxy), a Unix socket (`ws+unix:`), or TLS over TCP
/// (`wss://`, feature `rustls`).
#[derive(Debug)]
#[non_exhaustive]
pub enum MaybeTlsStream {
    /// Plain TCP (`ws://`).
    Plain(TcpStream),
    /// A Unix domain socket (`ws+unix:`).
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
    /// TLS over TCP (`wss://`).
    #[cfg(feature = "rustls")]
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl MaybeTlsStream {
    /// The TCP socket underneath, if any (to set options on it).
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            MaybeTlsStream::Plain(s) => Some(s),
            #[cfg(unix)]
            MaybeTlsStream::Unix(_) => None,
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Tls(s) => Some(&s.sock),
        }
    }

    /// Puts the socket into or out of non-blocking mode (see
    /// [`WebSocket`](crate::WebSocket) on `WouldBlock`).
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        match self {
            MaybeTlsStream::Plain(s) => s.set_nonblocking(nonblocking),
            #[cfg(unix)]
            MaybeTlsStream::Unix(s) => s.set_nonblocking(nonblocking),
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Tls(s) => s.sock.set_nonblocking(nonblocking),
        }
    }

    /// Whether the stream is encrypted.
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "rustls")]
        if let MaybeTlsStream::Tls(_) = self {
            return true;
        }
        false
    }
}

/// Forwards a call to whichever stream this is.
macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match $self {
            MaybeTlsStream::Plain($s) => $e,
            #[cfg(unix)]
            MaybeTlsStream::Unix($s) => $e,
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Tls($s) => $e,
        }
    };
}

impl Read for MaybeTlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        each!(self, s => s.read(buf))
    }
}

impl Write for MaybeTlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        each!(self, s => s.write(buf))
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        each!(self, s => s.write_vectored(bufs))
    }

    fn flush(&mut self) -> io::Result<()> {
        each!(self, s => s.flush())
    }
}

impl Transport for MaybeTlsStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        each!(self, s => Transport::set_read_timeout(s, timeout))
    }

    fn shutdown(&mut self) -> io::Result<()> {
        each!(self, s => Transport::shutdown(s))
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        each!(self, s => Transport::peer_addr(s))
    }

    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        each!(self, s => Transport::set_nodelay(s, nodelay))
    }

    fn finish_handshake(&mut self, deadline: Option<std::time::Instant>) -> io::Result<()> {
        each!(self, s => Transport::finish_handshake(s, deadline))
    }
}
