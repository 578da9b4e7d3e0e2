//! [`PeerAddr`] for the streams of the futures-io runtimes (async-std and
//! smol), so that `sockeye-async-std` can accept them directly: the orphan
//! rule keeps these impls out of the adapter crate.

use crate::transport::PeerAddr;
use std::net::SocketAddr;

#[cfg(feature = "async-std")]
impl PeerAddr for async_std::net::TcpStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        async_std::net::TcpStream::peer_addr(self).ok()
    }

    fn set_nodelay(&self, nodelay: bool) -> std::io::Result<()> {
        async_std::net::TcpStream::set_nodelay(self, nodelay)
    }
}

#[cfg(all(feature = "async-std", unix))]
impl PeerAddr for async_std::os::unix::net::UnixStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        None
    }
}

#[cfg(feature = "smol")]
impl PeerAddr for async_net::TcpStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        async_net::TcpStream::peer_addr(self).ok()
    }

    fn set_nodelay(&self, nodelay: bool) -> std::io::Result<()> {
        async_net::TcpStream::set_nodelay(self, nodelay)
    }
}

#[cfg(all(feature = "smol", unix))]
impl PeerAddr for async_net::unix::UnixStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        None
    }
}

#[cfg(feature = "smol")]
impl PeerAddr for async_io::Async<std::net::TcpStream> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().peer_addr().ok()
    }

    fn set_nodelay(&self, nodelay: bool) -> std::io::Result<()> {
        self.get_ref().set_nodelay(nodelay)
    }
}

#[cfg(all(feature = "smol", unix))]
impl PeerAddr for async_io::Async<std::os::unix::net::UnixStream> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        None
    }
}

/// A TLS stream accepted with futures-rustls reports the address of the
/// socket underneath.
#[cfg(feature = "futures-rustls")]
impl<S: PeerAddr> PeerAddr for futures_rustls::server::TlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().0.peer_addr()
    }

    fn set_nodelay(&self, nodelay: bool) -> std::io::Result<()> {
        self.get_ref().0.set_nodelay(nodelay)
    }
}

/// A client TLS stream of futures-rustls reports the address of the socket
/// underneath.
#[cfg(feature = "futures-rustls")]
impl<S: PeerAddr> PeerAddr for futures_rustls::client::TlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().0.peer_addr()
    }

    fn set_nodelay(&self, nodelay: bool) -> std::io::Result<()> {
        self.get_ref().0.set_nodelay(nodelay)
    }
}
