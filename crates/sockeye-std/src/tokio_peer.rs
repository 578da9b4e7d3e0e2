//! [`PeerAddr`] for tokio's streams. It lives here rather than in
//! `sockeye-tokio` because of the orphan rule (a foreign trait cannot be
//! implemented for a foreign type); `sockeye-tokio` enables the feature.

use crate::transport::PeerAddr;
use std::net::SocketAddr;

impl PeerAddr for tokio::net::TcpStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        tokio::net::TcpStream::peer_addr(self).ok()
    }

    fn set_nodelay(&self, nodelay: bool) -> std::io::Result<()> {
        tokio::net::TcpStream::set_nodelay(self, nodelay)
    }
}

/// Unix socket addresses are paths, not `SocketAddr`s: always `None`.
#[cfg(unix)]
impl PeerAddr for tokio::net::UnixStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        None
    }
}

/// An in-memory pipe has no address: always `None`.
impl PeerAddr for tokio::io::DuplexStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        None
    }
}

/// A TLS stream accepted with tokio-rustls reports the address of the
/// socket underneath.
#[cfg(feature = "tokio-rustls")]
impl<S: PeerAddr> PeerAddr for tokio_rustls::server::TlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().0.peer_addr()
    }

    fn set_nodelay(&self, nodelay: bool) -> std::io::Result<()> {
        self.get_ref().0.set_nodelay(nodelay)
    }
}

/// A client TLS stream of tokio-rustls reports the address of the socket
/// underneath.
#[cfg(feature = "tokio-rustls")]
impl<S: PeerAddr> PeerAddr for tokio_rustls::client::TlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().0.peer_addr()
    }

    fn set_nodelay(&self, nodelay: bool) -> std::io::Result<()> {
        self.get_ref().0.set_nodelay(nodelay)
    }
}
