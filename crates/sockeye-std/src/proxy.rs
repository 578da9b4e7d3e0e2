//! Proxies: HTTP CONNECT (with Basic authentication) and SOCKS5 (RFC 1928,
//! with the username/password method of RFC 1929).
//!
//! [`Proxy`] says where the proxy is; [`Tunnel`] is the negotiation as a
//! small sans-I/O state machine — bytes to write out, bytes read fed in —
//! that every adapter drives over its own socket before the TLS and
//! WebSocket handshakes. Once [`Tunnel::is_established`], the socket is a
//! plain byte pipe to the target.
//!
//! ```
//! use sockeye_std::proxy::{Proxy, Tunnel};
//! let proxy = Proxy::parse("socks5://alice:secret@127.0.0.1:1080").unwrap();
//! let mut tunnel = proxy.tunnel("example.com", 443);
//! assert_eq!(tunnel.take_output(), [5, 2, 0, 2]); // greeting: no auth, or username/password
//! tunnel.feed(&[5, 0]).unwrap();                   // the proxy wants no authentication
//! let request = tunnel.take_output();              // CONNECT example.com:443
//! assert_eq!(&request[..5], &[5, 1, 0, 3, 11]);
//! tunnel.feed(&[5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90]).unwrap();
//! assert!(tunnel.is_established());
//! ```

use base64::Engine as _;
use sockeye_proto::WsUrl;
use std::fmt;
use std::io::{Read, Write};
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Which protocol a proxy speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyKind {
    /// An HTTP proxy, asked for a tunnel with `CONNECT host:port`.
    Http,
    /// A SOCKS5 proxy (RFC 1928). Host names are resolved by the proxy.
    Socks5,
}

/// A username and password for a proxy. `Debug` does not show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The username.
    pub username: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where a proxy is and how to talk to it.
///
/// ```
/// use sockeye_std::proxy::{Proxy, ProxyKind};
/// let p = Proxy::http("http://bob:pw@proxy.local:3128").unwrap();
/// assert_eq!((p.kind, p.host.as_str(), p.port), (ProxyKind::Http, "proxy.local", 3128));
/// assert_eq!(p.credentials.unwrap().username, "bob");
/// let p = Proxy::socks5("127.0.0.1:1080").unwrap();
/// assert_eq!(p.kind, ProxyKind::Socks5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// The protocol.
    pub kind: ProxyKind,
    /// The proxy's host name or IP address (IPv6 without brackets).
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// Credentials: Basic `Proxy-Authorization` for HTTP, the
    /// username/password method for SOCKS5.
    pub credentials: Option<Credentials>,
}

/// Why a proxy could not be used or refused the tunnel.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy address does not parse (`host:port`, or a URL with the
    /// scheme `http`, `socks5` or `socks5h`).
    InvalidAddress(String),
    /// The proxy URL's scheme is not `http`, `socks5` or `socks5h` (TLS to
    /// the proxy itself, `https://`, is not supported).
    UnsupportedScheme(String),
    /// The HTTP proxy answered `CONNECT` with this status (407, or 401 from
    /// some proxies such as tinyproxy: credentials missing or wrong).
    HttpStatus(u16),
    /// The HTTP proxy's response is not valid HTTP, or too long.
    MalformedHttpResponse,
    /// The SOCKS5 proxy accepts none of the offered authentication methods
    /// (without credentials, only "no authentication" is offered).
    NoAcceptableMethod,
    /// The SOCKS5 proxy refused the username and password.
    AuthenticationFailed,
    /// The SOCKS5 proxy refused the connection with this reply code
    /// (RFC 1928 §6: 2 not allowed by ruleset, 5 refused, ...).
    SocksReply(u8),
    /// The SOCKS5 proxy broke the protocol (wrong version byte, unknown
    /// address type...).
    MalformedSocksReply,
    /// A username, password or host name is longer than SOCKS5's 255 bytes.
    TooLong,
    /// The proxy closed the connection during the negotiation.
    Closed,
    /// The proxy sent more bytes than its reply: the target spoke before the
    /// client did, which neither WebSocket nor TLS servers do.
    UnexpectedData,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::InvalidAddress(a) => write!(f, "invalid proxy address {a:?}"),
            ProxyError::UnsupportedScheme(s) => write!(
                f,
                "unsupported proxy scheme {s:?}: use http://, socks5:// or socks5h://"
            ),
            ProxyError::HttpStatus(status @ (401 | 407)) => write!(
                f,
                "the HTTP proxy requires authentication ({status}): credentials missing or wrong"
            ),
            ProxyError::HttpStatus(403) => f.write_str(
                "the HTTP proxy refused CONNECT (403): the target or port is not allowed",
            ),
            ProxyError::HttpStatus(s) => {
                write!(f, "the HTTP proxy refused CONNECT with status {s}")
            }
            ProxyError::MalformedHttpResponse => {
                f.write_str("the HTTP proxy sent an invalid response to CONNECT")
            }
            ProxyError::NoAcceptableMethod => {
                f.write_str("the SOCKS5 proxy accepts none of the offered authentication methods")
            }
            ProxyError::AuthenticationFailed => {
                f.write_str("the SOCKS5 proxy refused the username and password")
            }
            ProxyError::SocksReply(code) => write!(
                f,
                "the SOCKS5 proxy refused the connection: {} (reply {code})",
                socks_reply_text(*code)
            ),
            ProxyError::MalformedSocksReply => f.write_str("the SOCKS5 proxy broke the protocol"),
            ProxyError::TooLong => {
                f.write_str("a SOCKS5 username, password or host name is longer than 255 bytes")
            }
            ProxyError::Closed => {
                f.write_str("the proxy closed the connection during the negotiation")
            }
            ProxyError::UnexpectedData => {
                f.write_str("the proxy sent unexpected bytes after its reply")
            }
        }
    }
}

impl std::error::Error for ProxyError {}

fn socks_reply_text(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown error",
    }
}

/// Decodes `%XX` escapes (userinfo in proxy URLs).
fn percent_decode(s: &str) -> Result<String, ProxyError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| ProxyError::InvalidAddress(s.to_string()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ProxyError::InvalidAddress(s.to_string()))
}

impl Proxy {
    /// Parses a proxy URL: `http://[user:pass@]host[:port]` (default port
    /// 80), `socks5://...` or `socks5h://...` (default port 1080; both let
    /// the proxy resolve host names), or a bare `host:port`, taken as HTTP.
    pub fn parse(url: &str) -> Result<Proxy, ProxyError> {
        let (kind, rest) = match url.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "http" => (ProxyKind::Http, rest),
                "socks5" | "socks5h" => (ProxyKind::Socks5, rest),
                other => return Err(ProxyError::UnsupportedScheme(other.to_string())),
            },
            None => (ProxyKind::Http, url),
        };
        Proxy::parse_authority(kind, rest, url)
    }

    /// An HTTP CONNECT proxy at `http://[user:pass@]host[:port]` or `host:port`.
    pub fn http(url: &str) -> Result<Proxy, ProxyError> {
        match url.split_once("://") {
            Some(_) => match Proxy::parse(url)? {
                p if p.kind == ProxyKind::Http => Ok(p),
                _ => Err(ProxyError::UnsupportedScheme(url.to_string())),
            },
            None => Proxy::parse_authority(ProxyKind::Http, url, url),
        }
    }

    /// A SOCKS5 proxy at `socks5://[user:pass@]host[:port]` or `host:port`.
    pub fn socks5(url: &str) -> Result<Proxy, ProxyError> {
        match url.split_once("://") {
            Some(_) => match Proxy::parse(url)? {
                p if p.kind == ProxyKind::Socks5 => Ok(p),
                _ => Err(ProxyError::UnsupportedScheme(url.to_string())),
            },
            None => Proxy::parse_authority(ProxyKind::Socks5, url, url),
        }
    }

    fn parse_authority(kind: ProxyKind, rest: &str, whole: &str) -> Result<Proxy, ProxyError> {
        let invalid = || ProxyError::InvalidAddress(whole.to_string());
        // A trailing slash (`http://proxy:3128/`) is common in environments.
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let credentials = match userinfo {
            Some(u) => {
                let (user, pass) = u.split_once(':').unwrap_or((u, ""));
                Some(Credentials {
                    username: percent_decode(user)?,
                    password: percent_decode(pass)?,
                })
            }
            None => None,
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(invalid)?;
            (h, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() || host.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(invalid());
        }
        let port = match port {
            None | Some("") => match kind {
                ProxyKind::Http => 80,
                ProxyKind::Socks5 => 1080,
            },
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p > 0)
                .ok_or_else(invalid)?,
        };
        Ok(Proxy {
            kind,
            host: host.to_ascii_lowercase(),
            port,
            credentials,
        })
    }

    /// Sets the username and password.
    pub fn with_credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials {
            username: username.into(),
            password: password.into(),
        });
        self
    }

    /// The proxy the environment names for `url`, if any: for `wss://`,
    /// `https_proxy` or `HTTPS_PROXY`; for `ws://`, `http_proxy` or
    /// `HTTP_PROXY`; then `all_proxy` or `ALL_PROXY` — unless `no_proxy` /
    /// `NO_PROXY` matches the host (see [`no_proxy_matches`]). `ws+unix:`
    /// URLs never use a proxy. Empty variables count as unset.
    pub fn from_env(url: &WsUrl) -> Result<Option<Proxy>, ProxyError> {
        Proxy::from_env_with(url, |name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables looked up by `var`
    /// (for tests, or a configuration that is not the process environment).
    pub fn from_env_with(
        url: &WsUrl,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Proxy>, ProxyError> {
        if url.unix {
            return Ok(None);
        }
        let get = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| var(n))
                .find(|v| !v.trim().is_empty())
        };
        if let Some(no_proxy) = get(&["no_proxy", "NO_PROXY"]) {
            if no_proxy_matches(&no_proxy, &url.host, url.port) {
                return Ok(None);
            }
        }
        // Under CGI, a request's `Proxy:` header arrives as HTTP_PROXY: a
        // remote client must not choose the proxy ("httpoxy",
        // CVE-2016-5385), so there only the lower-case name counts.
        let cgi = var("REQUEST_METHOD").is_some();
        let scheme_vars: &[&str] = match (url.secure, cgi) {
            (true, _) => &["https_proxy", "HTTPS_PROXY"],
            (false, false) => &["http_proxy", "HTTP_PROXY"],
            (false, true) => &["http_proxy"],
        };
        match get(scheme_vars).or_else(|| get(&["all_proxy", "ALL_PROXY"])) {
            Some(v) => Proxy::parse(v.trim()).map(Some),
            None => Ok(None),
        }
    }

    /// The negotiation that opens a tunnel through this proxy to `host:port`.
    pub fn tunnel(&self, host: &str, port: u16) -> Tunnel {
        Tunnel::new(self, host, port)
    }
}

/// Whether a `NO_PROXY` list (comma- or space-separated) exempts
/// `host:port`: `*` matches everything; `example.com` and `.example.com`
/// match that host and its subdomains; an IP address matches itself; an
/// entry with `:port` matches only that port. CIDR ranges are not supported.
pub fn no_proxy_matches(no_proxy: &str, host: &str, port: u16) -> bool {
    // A fully qualified name's trailing dot changes nothing (as in curl).
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    no_proxy
        .split([',', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.to_ascii_lowercase();
            // `[::1]:80`, `::1`, `host:80`, `host`.
            let (name, entry_port) = if let Some(v6) = entry.strip_prefix('[') {
                match v6.split_once(']') {
                    Some((h, rest)) => (h.to_string(), rest.strip_prefix(':').map(str::to_string)),
                    None => (entry.clone(), None),
                }
            } else if entry.matches(':').count() == 1 {
                let (h, p) = entry.split_once(':').unwrap_or((&entry, ""));
                (h.to_string(), Some(p.to_string()))
            } else {
                (entry.clone(), None)
            };
            if let Some(p) = entry_port {
                if p.parse::<u16>().ok() != Some(port) {
                    return false;
                }
            }
            let name = name
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .trim_end_matches('.');
            host == name || host.ends_with(&format!(".{name}"))
        })
}

/// Where the negotiation is.
#[derive(Debug)]
enum State {
    /// HTTP: waiting for the head of the answer to CONNECT.
    HttpResponse,
    /// SOCKS5: waiting for the method selection.
    SocksMethod,
    /// SOCKS5: waiting for the username/password verdict.
    SocksAuth,
    /// SOCKS5: waiting for the reply to CONNECT.
    SocksReply,
    /// The tunnel is open.
    Established,
    /// The negotiation failed.
    Failed,
}

/// The longest HTTP response head accepted from a proxy.
const MAX_HTTP_HEAD: usize = 16 * 1024;

/// A proxy negotiation, sans I/O: write what [`take_output`](Self::take_output)
/// returns, read, [`feed`](Self::feed) what arrived, until
/// [`is_established`](Self::is_established) (or an error). The proxy never
/// speaks first, so the first output is available at once.
pub struct Tunnel {
    state: State,
    output: Vec<u8>,
    input: Vec<u8>,
    /// HTTP: how much of `input` has been searched for the end of the head.
    scanned: usize,
    credentials: Option<Credentials>,
    target: (String, u16),
}

/// Leaves out the bytes in flight: until taken, the output holds the
/// proxy credentials (`Proxy-Authorization`, or the SOCKS5 password).
impl fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tunnel")
            .field("state", &self.state)
            .field("credentials", &self.credentials)
            .field("target", &self.target)
            .field("output_len", &self.output.len())
            .field("input_len", &self.input.len())
            .finish()
    }
}

impl Tunnel {
    /// The negotiation with `proxy` for a tunnel to `host:port`.
    pub fn new(proxy: &Proxy, host: &str, port: u16) -> Tunnel {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let mut tunnel = Tunnel {
            state: State::Failed,
            output: Vec::new(),
            input: Vec::new(),
            scanned: 0,
            credentials: proxy.credentials.clone(),
            target: (host, port),
        };
        match proxy.kind {
            ProxyKind::Http => {
                let (host, port) = &tunnel.target;
                let authority = if host.contains(':') {
                    format!("[{host}]:{port}")
                } else {
                    format!("{host}:{port}")
                };
                let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
                if let Some(c) = &tunnel.credentials {
                    let token = base64::engine::general_purpose::STANDARD
                        .encode(format!("{}:{}", c.username, c.password));
                    request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
                }
                request.push_str("\r\n");
                tunnel.output = request.into_bytes();
                tunnel.state = State::HttpResponse;
            }
            ProxyKind::Socks5 => {
                // Version 5; "no authentication", and username/password
                // when there are credentials.
                tunnel.output = if tunnel.credentials.is_some() {
                    vec![5, 2, 0, 2]
                } else {
                    vec![5, 1, 0]
                };
                tunnel.state = State::SocksMethod;
            }
        }
        tunnel
    }

    /// Bytes to send to the proxy now (empty when waiting for its answer).
    pub fn take_output(&mut self) -> Vec<u8> {
        mem::take(&mut self.output)
    }

    /// Whether the tunnel is open: from now on the stream carries the
    /// target's bytes.
    pub fn is_established(&self) -> bool {
        matches!(self.state, State::Established)
    }

    /// The error for a proxy that closed the connection mid-negotiation.
    pub fn feed_eof(&mut self) -> ProxyError {
        self.state = State::Failed;
        ProxyError::Closed
    }

    /// Feeds bytes read from the proxy. Afterwards, send
    /// [`take_output`](Self::take_output) if not empty, and read again
    /// unless [`is_established`](Self::is_established).
    pub fn feed(&mut self, input: &[u8]) -> Result<(), ProxyError> {
        if matches!(self.state, State::Established) && !input.is_empty() {
            self.state = State::Failed;
            return Err(ProxyError::UnexpectedData);
        }
        self.input.extend_from_slice(input);
        let result = self.step();
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    fn step(&mut self) -> Result<(), ProxyError> {
        loop {
            let used = match self.state {
                State::Failed => return Err(ProxyError::Closed),
                State::Established => {
                    return match self.input.is_empty() {
                        true => Ok(()),
                        false => Err(ProxyError::UnexpectedData),
                    }
                }
                State::HttpResponse => self.http_response()?,
                State::SocksMethod => self.socks_method()?,
                State::SocksAuth => self.socks_auth()?,
                State::SocksReply => self.socks_reply()?,
            };
            let Some(used) = used else { return Ok(()) };
            self.input.drain(..used);
            // A step that is not the last expects the proxy to wait for our
            // next message: anything more is a protocol violation.
            if !self.input.is_empty() && !matches!(self.state, State::Established) {
                return Err(ProxyError::UnexpectedData);
            }
        }
    }

    fn http_response(&mut self) -> Result<Option<usize>, ProxyError> {
        loop {
            let Some(len) = self.http_head_len() else {
                if self.input.len() > MAX_HTTP_HEAD {
                    return Err(ProxyError::MalformedHttpResponse);
                }
                return Ok(None);
            };
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.input[..len]) {
                Ok(httparse::Status::Complete(_)) => {}
                _ => return Err(ProxyError::MalformedHttpResponse),
            }
            let status = response.code.ok_or(ProxyError::MalformedHttpResponse)?;
            if (100..200).contains(&status) {
                // An interim response (100 Continue): the final one follows.
                self.input.drain(..len);
                self.scanned = 0;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(ProxyError::HttpStatus(status));
            }
            self.state = State::Established;
            return Ok(Some(len));
        }
    }

    /// The length of the HTTP head at the start of `input` once its empty
    /// line has arrived (CRLF or bare LF line ends, RFC 9112 §2.2). Each
    /// byte is searched once, however the head is split across reads.
    fn http_head_len(&mut self) -> Option<usize> {
        let from = self.scanned.saturating_sub(2);
        self.scanned = self.input.len();
        let rest = self.input.get(from..)?;
        rest.iter().enumerate().find_map(|(i, &b)| {
            let end = match (b, rest.get(i + 1), rest.get(i + 2)) {
                (b'\n', Some(b'\n'), _) => i + 2,
                (b'\n', Some(b'\r'), Some(b'\n')) => i + 3,
                _ => return None,
            };
            Some(from + end)
        })
    }

    fn socks_method(&mut self) -> Result<Option<usize>, ProxyError> {
        let [version, method] = match self.input.get(..2) {
            Some(&[v, m]) => [v, m],
            _ => return Ok(None),
        };
        if version != 5 {
            return Err(ProxyError::MalformedSocksReply);
        }
        match (method, &self.credentials) {
            (0, _) => self.socks_connect()?,
            (2, Some(c)) => {
                let (user, pass) = (c.username.as_bytes(), c.password.as_bytes());
                let user_len = u8::try_from(user.len()).map_err(|_| ProxyError::TooLong)?;
                let pass_len = u8::try_from(pass.len()).map_err(|_| ProxyError::TooLong)?;
                // RFC 1929: version 1, ULEN, UNAME, PLEN, PASSWD.
                self.output.push(1);
                self.output.push(user_len);
                self.output.extend_from_slice(user);
                self.output.push(pass_len);
                self.output.extend_from_slice(pass);
                self.state = State::SocksAuth;
            }
            _ => return Err(ProxyError::NoAcceptableMethod),
        }
        Ok(Some(2))
    }

    fn socks_auth(&mut self) -> Result<Option<usize>, ProxyError> {
        let status = match self.input.get(..2) {
            Some(&[_, status]) => status,
            _ => return Ok(None),
        };
        if status != 0 {
            return Err(ProxyError::AuthenticationFailed);
        }
        self.socks_connect()?;
        Ok(Some(2))
    }

    /// Queues CONNECT with the target's address (a name is resolved by the
    /// proxy, as with `socks5h`).
    fn socks_connect(&mut self) -> Result<(), ProxyError> {
        let (host, port) = &self.target;
        let mut request = vec![5, 1, 0];
        if let Ok(v4) = host.parse::<Ipv4Addr>() {
            request.push(1);
            request.extend_from_slice(&v4.octets());
        } else if let Ok(v6) = host.parse::<Ipv6Addr>() {
            request.push(4);
            request.extend_from_slice(&v6.octets());
        } else {
            let len = u8::try_from(host.len()).map_err(|_| ProxyError::TooLong)?;
            request.push(3);
            request.push(len);
            request.extend_from_slice(host.as_bytes());
        }
        request.extend_from_slice(&port.to_be_bytes());
        self.output.extend_from_slice(&request);
        self.state = State::SocksReply;
        Ok(())
    }

    fn socks_reply(&mut self) -> Result<Option<usize>, ProxyError> {
        let input = &self.input;
        if input.len() >= 2 {
            if input[0] != 5 {
                return Err(ProxyError::MalformedSocksReply);
            }
            if input[1] != 0 {
                return Err(ProxyError::SocksReply(input[1]));
            }
        }
        if input.len() < 5 {
            return Ok(None);
        }
        let address = match input[3] {
            1 => 4,
            4 => 16,
            3 => 1 + usize::from(input[4]),
            _ => return Err(ProxyError::MalformedSocksReply),
        };
        let total = 4 + address + 2;
        if input.len() < total {
            return Ok(None);
        }
        self.state = State::Established;
        Ok(Some(total))
    }
}

/// Opens the tunnel over a blocking stream already connected to the proxy.
/// The stream's read timeout, if any, bounds each read.
pub fn establish<S: Read + Write>(stream: &mut S, mut tunnel: Tunnel) -> crate::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let out = tunnel.take_output();
        if !out.is_empty() {
            stream.write_all(&out)?;
            stream.flush()?;
        }
        if tunnel.is_established() {
            return Ok(());
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(tunnel.feed_eof().into());
        }
        tunnel.feed(&buf[..n])?;
    }
}

/// Opens the tunnel over an async stream already connected to the proxy,
/// seen through the driver's [`AsyncTransport`](crate::driver::AsyncTransport):
/// sockeye-tokio and sockeye-async-std share this loop.
pub async fn establish_async<T>(io: &mut T, mut tunnel: Tunnel) -> crate::Result<()>
where
    T: crate::driver::AsyncTransport,
{
    use std::future::poll_fn;
    let mut buf = bytes::BytesMut::new();
    loop {
        let out = tunnel.take_output();
        let mut written = 0;
        while written < out.len() {
            let slice = [std::io::IoSlice::new(&out[written..])];
            let n = poll_fn(|cx| io.poll_write_vectored(cx, &slice)).await?;
            if n == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::WriteZero).into());
            }
            written += n;
        }
        poll_fn(|cx| io.poll_flush(cx)).await?;
        if tunnel.is_established() {
            return Ok(());
        }
        buf.clear();
        let n = poll_fn(|cx| io.poll_read_buf(cx, &mut buf, 1024)).await?;
        if n == 0 {
            return Err(tunnel.feed_eof().into());
        }
        tunnel.feed(&buf)?;
    }
}

/// The first hop of a TCP connection to `url` under `options`: the proxy's
/// address and the tunnel to open through it, or the target's address.
pub fn first_hop(
    url: &WsUrl,
    options: &crate::ClientOptions,
) -> Result<(String, u16, Option<Tunnel>), ProxyError> {
    Ok(match options.proxy_for(url)? {
        Some(p) => (p.host.clone(), p.port, Some(p.tunnel(&url.host, url.port))),
        None => (url.host.clone(), url.port, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> WsUrl {
        WsUrl::parse(u).unwrap()
    }

    #[test]
    fn parses_proxy_urls() {
        let p = Proxy::parse("socks5h://a%40b:p%3Aw@[::1]:9050/").unwrap();
        assert_eq!(
            (p.kind, p.host.as_str(), p.port),
            (ProxyKind::Socks5, "::1", 9050)
        );
        let c = p.credentials.unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("a@b", "p:w"));
        assert_eq!(Proxy::parse("proxy:3128").unwrap().kind, ProxyKind::Http);
        assert_eq!(Proxy::parse("http://proxy").unwrap().port, 80);
        assert_eq!(Proxy::socks5("proxy").unwrap().port, 1080);
        assert!(matches!(
            Proxy::parse("https://p:1"),
            Err(ProxyError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            Proxy::http("socks5://p:1"),
            Err(ProxyError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            Proxy::parse("p:0"),
            Err(ProxyError::InvalidAddress(_))
        ));
        assert!(matches!(
            Proxy::parse("http://:80"),
            Err(ProxyError::InvalidAddress(_))
        ));
        assert!(!format!("{:?}", Proxy::parse("http://u:hunter2@p").unwrap()).contains("hunter2"));
    }

    #[test]
    fn environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let vars = &[
            ("HTTPS_PROXY", "http://secure:1"),
            ("http_proxy", "plain:2"),
            ("ALL_PROXY", "socks5://all:3"),
            (
                "NO_PROXY",
                "localhost, .internal.example,10.0.0.1, other:8080",
            ),
        ];
        let port_of = |u: &str| {
            Proxy::from_env_with(&url(u), env(vars))
                .unwrap()
                .map(|p| p.port)
        };
        assert_eq!(port_of("wss://example.com/"), Some(1));
        assert_eq!(port_of("ws://example.com/"), Some(2));
        assert_eq!(port_of("ws://localhost/"), None);
        assert_eq!(port_of("wss://a.internal.example/"), None);
        assert_eq!(port_of("wss://internal.example/"), None);
        assert_eq!(port_of("wss://10.0.0.1/"), None);
        assert_eq!(port_of("ws://other:8080/"), None);
        assert_eq!(port_of("ws://other:8081/"), Some(2));
        assert_eq!(port_of("ws+unix:/tmp/s"), None);
        let only_all = &[("all_proxy", "socks5://all:3"), ("https_proxy", "")];
        assert_eq!(
            Proxy::from_env_with(&url("wss://x/"), env(only_all))
                .unwrap()
                .map(|p| p.kind),
            Some(ProxyKind::Socks5)
        );
        assert!(no_proxy_matches("*", "anything", 1));
        assert!(no_proxy_matches("[::1]:80", "::1", 80));
        assert!(!no_proxy_matches("example.com", "notexample.com", 80));
        // A trailing dot (a fully qualified name) on either side.
        assert!(no_proxy_matches(
            ".internal.example",
            "db.internal.example.",
            443
        ));
        assert!(no_proxy_matches(
            "internal.example.",
            "internal.example",
            443
        ));
        assert!(!no_proxy_matches(
            ".internal.example",
            "internal.example.evil",
            443
        ));
        // httpoxy: under CGI (REQUEST_METHOD set), HTTP_PROXY is a request
        // header, not configuration; lower-case http_proxy still counts.
        let cgi = &[("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "attacker:8080")];
        assert_eq!(
            Proxy::from_env_with(&url("ws://internal.example/"), env(cgi)).unwrap(),
            None
        );
        let cgi_lower = &[("REQUEST_METHOD", "GET"), ("http_proxy", "mine:3128")];
        assert_eq!(
            Proxy::from_env_with(&url("ws://x/"), env(cgi_lower))
                .unwrap()
                .map(|p| p.port),
            Some(3128)
        );
        let not_cgi = &[("HTTP_PROXY", "corporate:8080")];
        assert_eq!(
            Proxy::from_env_with(&url("ws://x/"), env(not_cgi))
                .unwrap()
                .map(|p| p.port),
            Some(8080)
        );
        assert_eq!(
            Proxy::from_env_with(&url("ws://x/"), |_| None).unwrap(),
            None
        );
    }

    #[test]
    fn http_connect() {
        let proxy = Proxy::http("http://alice:s3cret@p:8080").unwrap();
        let mut t = proxy.tunnel("::1", 9001);
        // Debug shows neither the password nor the token that encodes it.
        let debug = format!("{t:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("89, 87, 120"),
            "{debug}"
        );
        for kind in ["socks5", "http"] {
            let p = Proxy::parse(&format!("{kind}://alice:s3cret@p:1")).unwrap();
            let shown = format!("{:?}", p.tunnel("h", 1));
            assert!(
                !shown.contains("s3cret") && !shown.contains("115, 51, 99"),
                "{shown}"
            );
        }
        let request = String::from_utf8(t.take_output()).unwrap();
        assert_eq!(
            request,
            "CONNECT [::1]:9001 HTTP/1.1\r\nHost: [::1]:9001\r\n\
             Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n"
        );
        // The answer arrives one byte at a time.
        let answer = b"HTTP/1.1 200 Connection established\r\nProxy-Agent: x\r\n\r\n";
        for b in answer.chunks(1) {
            assert!(!t.is_established());
            t.feed(b).unwrap();
            assert!(t.take_output().is_empty());
        }
        assert!(t.is_established());
        assert_eq!(t.feed(b"x"), Err(ProxyError::UnexpectedData));
        // Interim responses first, bare LF line ends, and a head split at
        // every byte: still one tunnel, and the bytes after it are refused.
        let answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nX: y\n\n";
        for split in 0..answer.len() {
            let mut t = proxy.tunnel("h", 1);
            t.take_output();
            t.feed(&answer[..split]).unwrap();
            assert!(!t.is_established() || split == answer.len());
            t.feed(&answer[split..]).unwrap();
            assert!(t.is_established(), "split at {split}");
        }
        let mut t = proxy.tunnel("h", 1);
        t.take_output();
        assert_eq!(
            t.feed(b"HTTP/1.1 100 Continue\n\nHTTP/1.1 403 No\r\n\r\n"),
            Err(ProxyError::HttpStatus(403))
        );

        let mut t = Proxy::http("p:1").unwrap().tunnel("h", 80);
        assert!(!String::from_utf8(t.take_output())
            .unwrap()
            .contains("Authorization"));
        assert_eq!(
            t.feed(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"),
            Err(ProxyError::HttpStatus(407))
        );
        let mut t = Proxy::http("p:1").unwrap().tunnel("h", 80);
        assert_eq!(
            t.feed(b"SSH-2.0\r\n\r\n"),
            Err(ProxyError::MalformedHttpResponse)
        );
        let mut t = Proxy::http("p:1").unwrap().tunnel("h", 80);
        assert_eq!(
            t.feed(&[b'a'; MAX_HTTP_HEAD + 1]),
            Err(ProxyError::MalformedHttpResponse)
        );
        let mut t = Proxy::http("p:1").unwrap().tunnel("h", 80);
        assert_eq!(
            t.feed(b"HTTP/1.1 200 OK\r\n\r\nearly"),
            Err(ProxyError::UnexpectedData)
        );
        assert_eq!(t.feed_eof(), ProxyError::Closed);
    }

    #[test]
    fn socks5_with_password() {
        let proxy = Proxy::socks5("socks5://bob:pw@p").unwrap();
        let mut t = proxy.tunnel("10.1.2.3", 443);
        assert_eq!(t.take_output(), [5, 2, 0, 2]);
        t.feed(&[5, 2]).unwrap();
        assert_eq!(t.take_output(), [1, 3, b'b', b'o', b'b', 2, b'p', b'w']);
        t.feed(&[1, 0]).unwrap();
        assert_eq!(t.take_output(), [5, 1, 0, 1, 10, 1, 2, 3, 1, 187]);
        // A reply with a domain name, in pieces.
        let reply = [5, 0, 0, 3, 3, b'a', b'b', b'c', 0, 80];
        t.feed(&reply[..4]).unwrap();
        t.feed(&reply[4..9]).unwrap();
        assert!(!t.is_established());
        t.feed(&reply[9..]).unwrap();
        assert!(t.is_established());
    }

    #[test]
    fn socks5_failures() {
        let plain = Proxy::socks5("p:1").unwrap();
        let mut t = plain.tunnel("example.com", 80);
        assert_eq!(t.take_output(), [5, 1, 0]);
        assert_eq!(t.feed(&[5, 2]), Err(ProxyError::NoAcceptableMethod));
        let mut t = plain.tunnel("example.com", 80);
        assert_eq!(t.feed(&[5, 0xff]), Err(ProxyError::NoAcceptableMethod));
        let mut t = plain.tunnel("example.com", 80);
        assert_eq!(t.feed(&[4, 0]), Err(ProxyError::MalformedSocksReply));
        let mut t = plain.tunnel("::1", 80);
        t.take_output();
        t.feed(&[5, 0]).unwrap();
        let request = t.take_output();
        assert_eq!(request[3], 4);
        assert_eq!(request.len(), 4 + 16 + 2);
        assert_eq!(t.feed(&[5, 5]), Err(ProxyError::SocksReply(5)));
        let authed = Proxy::socks5("p:1").unwrap().with_credentials("u", "bad");
        let mut t = authed.tunnel("h", 1);
        t.feed(&[5, 2]).unwrap();
        assert_eq!(t.feed(&[1, 1]), Err(ProxyError::AuthenticationFailed));
        let long = Proxy::socks5("p:1")
            .unwrap()
            .with_credentials("u".repeat(256), "");
        let mut t = long.tunnel("h", 1);
        assert_eq!(t.feed(&[5, 2]), Err(ProxyError::TooLong));
        let mut t = plain.tunnel(&"h".repeat(256), 1);
        assert_eq!(t.feed(&[5, 0]), Err(ProxyError::TooLong));
        let mut t = plain.tunnel("h", 1);
        assert_eq!(t.feed(&[5, 0, 5]), Err(ProxyError::UnexpectedData));
    }
}
