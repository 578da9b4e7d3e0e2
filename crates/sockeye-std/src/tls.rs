//! TLS through rustls (feature `rustls`), with the `ring` crypto provider:
//! client configurations for `wss://` and a server configuration helper.
//!
//! The blocking adapter runs over `rustls::StreamOwned` (client:
//! [`MaybeTlsStream::Tls`](crate::MaybeTlsStream); server: accept a
//! `StreamOwned<ServerConnection, TcpStream>`); sockeye-tokio and
//! sockeye-async-std use tokio-rustls and futures-rustls.
//!
//! ```no_run
//! use sockeye_std::tls::{self, rustls};
//! use std::net::TcpListener;
//! # fn demo(chain: Vec<rustls::pki_types::CertificateDer<'static>>,
//! #         key: rustls::pki_types::PrivateKeyDer<'static>) -> sockeye_std::Result<()> {
//! let config = tls::server_config(chain, key)?;
//! let listener = TcpListener::bind("127.0.0.1:9443")?;
//! let (tcp, _) = listener.accept()?;
//! let conn = rustls::ServerConnection::new(config).map_err(tls::to_io)?;
//! let mut ws = sockeye_std::accept(rustls::StreamOwned::new(conn, tcp))?;
//! ws.send("hello over TLS")?;
//! # Ok(()) }
//! ```

pub use rustls;
use rustls::client::ClientConnection;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::transport::{DeadlineIo, PeerAddr, Transport};

/// The crypto provider sockeye builds its configurations with (`ring`).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration trusting `roots`.
pub fn client_config_with_roots(roots: RootCertStore) -> Arc<ClientConfig> {
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// The default client configuration: Mozilla's root certificates
/// (`webpki-roots`), built once.
pub fn default_client_config() -> Arc<ClientConfig> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            client_config_with_roots(roots)
        })
        .clone()
}

/// A server configuration presenting `cert_chain` (leaf first) with `key`,
/// without client authentication.
pub fn server_config(
    cert_chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> io::Result<Arc<ServerConfig>> {
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(to_io)?
        .with_no_client_auth()
        .with_single_cert(cert_chain, key)
        .map_err(to_io)?;
    Ok(Arc::new(config))
}

/// The name the server's certificate must match: a DNS name or an IP
/// address (IPv6 without brackets).
pub fn server_name(host: &str) -> io::Result<ServerName<'static>> {
    ServerName::try_from(host.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

/// A rustls error as an `io::Error` (kind `InvalidData`), as rustls's
/// streams report them.
pub fn to_io(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Wraps a connected stream in a client TLS session for `host`, using
/// `config` or [`default_client_config`]. The TLS handshake itself runs on
/// the first read or write (during the WebSocket handshake).
pub fn client_stream<S: io::Read + io::Write>(
    stream: S,
    host: &str,
    config: Option<Arc<ClientConfig>>,
) -> io::Result<StreamOwned<ClientConnection, S>> {
    let config = config.unwrap_or_else(default_client_config);
    let conn = ClientConnection::new(config, server_name(host)?).map_err(to_io)?;
    Ok(StreamOwned::new(conn, stream))
}

/// Runs the TLS handshake to its end with every read of `sock` waiting at
/// most until `deadline` (rustls would otherwise run it inside the first
/// read or write, each of its reads as long as the socket lets it wait).
fn finish_tls_handshake<D: rustls::SideData, S: Transport>(
    conn: &mut rustls::ConnectionCommon<D>,
    sock: &mut S,
    deadline: Option<Instant>,
) -> io::Result<()> {
    let mut io = DeadlineIo::new(sock, deadline);
    while conn.is_handshaking() {
        if conn.complete_io(&mut io)? == (0, 0) {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(())
}

/// Sends close_notify, then shuts the socket's writing side down.
fn shutdown_tls<C, S, D>(tls: &mut StreamOwned<C, S>) -> io::Result<()>
where
    C: std::ops::DerefMut + std::ops::Deref<Target = rustls::ConnectionCommon<D>>,
    S: Transport,
    D: rustls::SideData,
{
    tls.conn.send_close_notify();
    while tls.conn.wants_write() {
        if tls.conn.write_tls(&mut tls.sock)? == 0 {
            break;
        }
    }
    tls.sock.flush()?;
    tls.sock.shutdown()
}

macro_rules! tls_transport {
    ($conn:ty) => {
        impl<S: Transport> Transport for StreamOwned<$conn, S> {
            fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
                self.sock.set_read_timeout(timeout)
            }

            fn shutdown(&mut self) -> io::Result<()> {
                shutdown_tls(self)
            }

            fn peer_addr(&self) -> Option<SocketAddr> {
                self.sock.peer_addr()
            }

            fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
                self.sock.set_nodelay(nodelay)
            }

            fn finish_handshake(&mut self, deadline: Option<Instant>) -> io::Result<()> {
                finish_tls_handshake(&mut self.conn, &mut self.sock, deadline)
            }
        }

        impl<S: PeerAddr + io::Read + io::Write> PeerAddr for StreamOwned<$conn, S> {
            fn peer_addr(&self) -> Option<SocketAddr> {
                self.sock.peer_addr()
            }

            fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
                PeerAddr::set_nodelay(&self.sock, nodelay)
            }
        }
    };
}

tls_transport!(ServerConnection);
tls_transport!(ClientConnection);
