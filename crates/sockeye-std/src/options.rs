//! Client and server options shared by every adapter.

use crate::proxy::{Proxy, ProxyError};
use sockeye_proto::handshake::{ClientRequest, Headers, HttpRequest, ProtocolVersion};
use sockeye_proto::Decision;
use sockeye_proto::{Config, DeflateConfig, WsUrl};
use std::sync::Arc;
use std::time::Duration;

/// The setters [`ClientOptions`] and [`ServerOptions`] share: the limits and
/// timeouts of one connection (fields `config`, `handshake_timeout`,
/// `close_timeout`, `write_buffer_limit`).
macro_rules! connection_setters {
    () => {
        /// Sets the largest message accepted (ws's `maxPayload`); a larger
        /// one fails the connection with close code 1009.
        pub fn max_message_size(mut self, bytes: usize) -> Self {
            self.config.max_message_size = bytes;
            self
        }

        /// Sets the largest frame accepted; a larger one fails the
        /// connection with close code 1009.
        pub fn max_frame_size(mut self, bytes: usize) -> Self {
            self.config.max_frame_size = bytes;
            self
        }

        /// Sets the handshake timeout (`None`: wait forever).
        pub fn handshake_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
            self.handshake_timeout = timeout.into();
            self
        }

        /// Sets how long `close` (and, async, a `recv` after a close sent
        /// otherwise) waits for the peer's close frame.
        pub fn close_timeout(mut self, timeout: Duration) -> Self {
            self.close_timeout = timeout;
            self
        }

        /// Sets the write buffer limit: the most output queued before
        /// sending waits for the transport (backpressure).
        pub fn write_buffer_limit(mut self, bytes: usize) -> Self {
            self.write_buffer_limit = bytes;
            self
        }
    };
}

/// How a client connects: headers, origin, subprotocols, protocol
/// version, compression, limits and timeouts. permessage-deflate is offered
/// by default (as ws clients do), with the process-wide
/// [`DeflatePool`](crate::DeflatePool); `.deflate(None)` turns it off.
/// Chain the setters, then pass it to the
/// adapter's `connect_with`.
///
/// ```
/// use sockeye_std::ClientOptions;
/// use std::time::Duration;
/// let options = ClientOptions::new()
///     .header("Authorization", "Bearer t0ken")
///     .protocol("chat.v2")
///     .max_message_size(1 << 20)
///     .handshake_timeout(Duration::from_secs(5));
/// ```
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Protocol limits and switches.
    pub config: Config,
    /// Extra request headers.
    pub headers: Headers,
    /// The Origin (Sec-WebSocket-Origin for version 8).
    pub origin: Option<String>,
    /// Subprotocols to offer, in order of preference.
    pub protocols: Vec<String>,
    /// Protocol version 13 (RFC 6455, default) or 8 (HyBi-08).
    pub version: ProtocolVersion,
    /// How long connecting and the opening handshake may take. Default 30 s.
    pub handshake_timeout: Option<Duration>,
    /// How long `close` waits for the peer's close frame, and (async
    /// adapters) how long `recv` waits for it after a close sent otherwise
    /// (a split writer, a `Sink`). Default 30 s (as ws).
    pub close_timeout: Duration,
    /// Output buffered beyond this many bytes makes senders wait (async) or
    /// get `WouldBlock` (non-blocking std). Default 1 MiB.
    pub write_buffer_limit: usize,
    /// Set TCP_NODELAY (default on, as ws).
    pub nodelay: bool,
    /// How many redirects (3xx with `Location`) `connect_with` follows; 0
    /// (the default, as ws) reports a redirect as an error.
    pub max_redirects: usize,
    /// The proxy to tunnel through (HTTP CONNECT or SOCKS5).
    pub proxy: Option<Proxy>,
    /// Without an explicit [`proxy`](Self::proxy), take one from the
    /// environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`...; see
    /// [`Proxy::from_env`]). Default off.
    pub proxy_from_env: bool,
    /// The TLS configuration for `wss://` (default: Mozilla's roots through
    /// `webpki-roots`, see [`tls::default_client_config`](crate::tls::default_client_config)).
    #[cfg(feature = "rustls")]
    pub tls_config: Option<Arc<rustls::ClientConfig>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        let mut config = Config::default();
        config.deflate = Some(crate::default_deflate());
        ClientOptions {
            config,
            headers: Headers::new(),
            origin: None,
            protocols: Vec::new(),
            version: ProtocolVersion::V13,
            handshake_timeout: Some(Duration::from_secs(30)),
            close_timeout: Duration::from_secs(30),
            write_buffer_limit: 1 << 20,
            nodelay: true,
            max_redirects: 0,
            proxy: None,
            proxy_from_env: false,
            #[cfg(feature = "rustls")]
            tls_config: None,
        }
    }
}

impl ClientOptions {
    /// Default options.
    pub fn new() -> Self {
        ClientOptions::default()
    }

    /// Adds a request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(name, value);
        self
    }

    /// Sets the Origin.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Offers a subprotocol (call again for more, in order of preference).
    pub fn protocol(mut self, name: impl Into<String>) -> Self {
        self.protocols.push(name.into());
        self
    }

    /// Selects protocol version 13 or 8.
    pub fn version(mut self, version: ProtocolVersion) -> Self {
        self.version = version;
        self
    }

    /// Replaces the protocol configuration (including
    /// [`Config::deflate`]: keep it `Some` to go on offering compression).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Sets what permessage-deflate offer to make (`None`: offer none).
    /// See [`default_deflate`](crate::default_deflate) for the default.
    pub fn deflate(mut self, deflate: Option<DeflateConfig>) -> Self {
        self.config.deflate = deflate;
        self
    }

    connection_setters!();

    /// Follows redirects (up to 10, as ws's `followRedirects`), or not (the
    /// default). On a cross-origin hop (another scheme, host or port) the
    /// `Authorization` and `Cookie` headers are dropped; the handshake
    /// timeout covers the whole chain.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.max_redirects = if follow { 10 } else { 0 };
        self
    }

    /// Follows at most `n` redirects (0: none).
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = n;
        self
    }

    /// Connects through `proxy`:
    /// `.proxy(Proxy::http("http://user:pass@proxy:3128")?)` or
    /// `.proxy(Proxy::socks5("socks5://user:pass@proxy:1080")?)`.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Uses the proxy the environment names, if any (see
    /// [`Proxy::from_env`]), unless [`proxy`](Self::proxy) set one.
    pub fn proxy_from_env(mut self) -> Self {
        self.proxy_from_env = true;
        self
    }

    /// The proxy to use for `url`: the explicit one, else (when asked) the
    /// environment's, never one for `ws+unix:`.
    pub fn proxy_for(&self, url: &WsUrl) -> Result<Option<Proxy>, ProxyError> {
        if url.unix {
            return Ok(None);
        }
        match (&self.proxy, self.proxy_from_env) {
            (Some(p), _) => Ok(Some(p.clone())),
            (None, true) => Proxy::from_env(url),
            (None, false) => Ok(None),
        }
    }

    /// Uses `config` for `wss://` (custom roots, client certificates, ALPN...).
    #[cfg(feature = "rustls")]
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// Trusts the certificate authorities in `roots` (instead of Mozilla's)
    /// for `wss://`.
    #[cfg(feature = "rustls")]
    pub fn root_certificates(self, roots: rustls::RootCertStore) -> Self {
        self.tls_config(crate::tls::client_config_with_roots(roots))
    }

    /// The upgrade request for `url` with these options.
    pub fn request(&self, url: &WsUrl) -> ClientRequest {
        let mut req = url.request().version(self.version);
        req.headers = self.headers.clone();
        req.protocols = self.protocols.clone();
        req.origin = self.origin.clone();
        req
    }
}

/// Answers a plain HTTP request (no `Upgrade` header) that reached a
/// WebSocket server: return `Decision::respond(200)` with a page, or any
/// other status. Without one, such requests get 426 Upgrade Required.
pub type HttpHandler = Arc<dyn Fn(&HttpRequest) -> Decision + Send + Sync>;

/// How a server accepts connections: compression, limits and timeouts.
/// permessage-deflate is off by default (as in ws); turn it on with
/// [`deflate`](Self::deflate).
#[derive(Clone)]
pub struct ServerOptions {
    /// Protocol limits and switches.
    pub config: Config,
    /// How long a client may take to send its upgrade request (cuts off
    /// slowloris clients). Default 30 s.
    pub handshake_timeout: Option<Duration>,
    /// How long `close` waits for the peer's close frame, and (async
    /// adapters) how long `recv` waits for it after a close sent otherwise
    /// (a split writer, a `Sink`). Default 30 s (as ws).
    pub close_timeout: Duration,
    /// Output buffered beyond this many bytes makes senders wait. Default 1 MiB.
    pub write_buffer_limit: usize,
    /// Set TCP_NODELAY on accepted sockets (default on, as ws).
    pub nodelay: bool,
    /// Answers plain HTTP requests on the same port (default: none, 426).
    pub http_handler: Option<HttpHandler>,
}

impl std::fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerOptions")
            .field("config", &self.config)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("write_buffer_limit", &self.write_buffer_limit)
            .field("nodelay", &self.nodelay)
            .field("http_handler", &self.http_handler.is_some())
            .finish()
    }
}

/// The answer to a plain HTTP request: `handler` if there is one, else
/// 426 Upgrade Required (as ws answers).
pub fn answer_http(handler: Option<&HttpHandler>, request: &HttpRequest) -> Decision {
    match handler {
        Some(h) => h(request),
        None => Decision::reject(426)
            .with_header("Upgrade", "websocket")
            .with_header("Content-Type", "text/plain; charset=utf-8")
            .with_body("Upgrade Required: this endpoint speaks WebSocket\n"),
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            config: Config::default(),
            handshake_timeout: Some(Duration::from_secs(30)),
            close_timeout: Duration::from_secs(30),
            write_buffer_limit: 1 << 20,
            nodelay: true,
            http_handler: None,
        }
    }
}

impl ServerOptions {
    /// Answers plain HTTP requests with `handler` (see [`HttpHandler`]).
    pub fn http_handler(
        mut self,
        handler: impl Fn(&HttpRequest) -> Decision + Send + Sync + 'static,
    ) -> Self {
        self.http_handler = Some(Arc::new(handler));
        self
    }

    /// Default options.
    pub fn new() -> Self {
        ServerOptions::default()
    }

    /// Replaces the protocol configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Accepts permessage-deflate offers per `deflate` (`None`: decline
    /// them all, the default), e.g.
    /// `ServerOptions::new().deflate(Some(sockeye_std::default_deflate()))`.
    pub fn deflate(mut self, deflate: Option<DeflateConfig>) -> Self {
        self.config.deflate = deflate;
        self
    }

    connection_setters!();
}
