//! The stream a client connects over: TCP, Unix or TLS; and opening it
//! (Unix socket, or TCP through an optional proxy, then TLS).

use sockeye_proto::WsUrl;
use sockeye_std::proxy::{establish_async, first_hop};
use sockeye_std::{ClientOptions, Result};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// What [`connect`](crate::connect) opens: TCP (possibly tunnelled through
/// a proxy), a Unix socket (`ws+unix:`), or TLS over TCP (`wss://`,
/// feature `rustls`).
#[derive(Debug)]
#[non_exhaustive]
pub enum MaybeTlsStream {
    /// Plain TCP (`ws://`).
    Plain(TcpStream),
    /// A Unix domain socket (`ws+unix:`).
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    /// TLS over TCP (`wss://`).
    #[cfg(feature = "rustls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl MaybeTlsStream {
    /// The TCP socket underneath, if any.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            MaybeTlsStream::Plain(s) => Some(s),
            #[cfg(unix)]
            MaybeTlsStream::Unix(_) => None,
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Tls(s) => Some(s.get_ref().0),
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

/// Forwards a poll to whichever stream this is (all are `Unpin`).
macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match $self.get_mut() {
            MaybeTlsStream::Plain($s) => $e,
            #[cfg(unix)]
            MaybeTlsStream::Unix($s) => $e,
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Tls($s) => $e,
        }
    };
}

impl AsyncRead for MaybeTlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        each!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for MaybeTlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each!(self, s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each!(self, s => Pin::new(s).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTlsStream::Plain(s) => s.is_write_vectored(),
            #[cfg(unix)]
            MaybeTlsStream::Unix(s) => s.is_write_vectored(),
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}

/// Opens the transport for `url` — a Unix socket, or TCP (through the
/// proxy of `options`, if any), then TLS for `wss://` — without the
/// WebSocket handshake. No timeout of its own: `connect_with` runs it
/// within the handshake timeout.
pub async fn connect_stream(url: &WsUrl, options: &ClientOptions) -> Result<MaybeTlsStream> {
    if url.unix {
        #[cfg(unix)]
        return Ok(MaybeTlsStream::Unix(
            tokio::net::UnixStream::connect(&url.host).await?,
        ));
        #[cfg(not(unix))]
        return Err(sockeye_std::Error::Url(
            sockeye_proto::UrlError::UnsupportedScheme("ws+unix".into()),
        ));
    }
    #[cfg(not(feature = "rustls"))]
    if url.secure {
        return Err(sockeye_std::Error::Url(
            sockeye_proto::UrlError::UnsupportedScheme("wss (enable the rustls feature)".into()),
        ));
    }
    let (host, port, tunnel) = first_hop(url, options)?;
    let mut stream = TcpStream::connect((host.as_str(), port)).await?;
    stream.set_nodelay(options.nodelay)?;
    if let Some(tunnel) = tunnel {
        establish_async(&mut crate::io::TokioIo(&mut stream), tunnel).await?;
    }
    #[cfg(feature = "rustls")]
    if url.secure {
        let config = options
            .tls_config
            .clone()
            .unwrap_or_else(sockeye_std::tls::default_client_config);
        let name = sockeye_std::tls::server_name(&url.host)?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, stream)
            .await?;
        return Ok(MaybeTlsStream::Tls(Box::new(tls)));
    }
    Ok(MaybeTlsStream::Plain(stream))
}
