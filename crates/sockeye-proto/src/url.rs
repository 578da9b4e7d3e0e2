//! WebSocket URLs: `ws://`, `wss://` and `ws+unix:`.

use crate::handshake::ClientRequest;
use alloc::string::{String, ToString};
use core::fmt;

/// Where a WebSocket URL points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsUrl {
    /// Whether the scheme is `wss` (TLS).
    pub secure: bool,
    /// The host name or IP address (without brackets for IPv6), or for
    /// `ws+unix:` the socket path.
    pub host: String,
    /// The port, explicit or the scheme's default (80 or 443).
    pub port: u16,
    /// Whether the URL named the port.
    pub explicit_port: bool,
    /// The path and query, at least `/`.
    pub path: String,
    /// Whether this is a `ws+unix:` URL (host is a socket path).
    pub unix: bool,
}

/// A URL sockeye cannot connect to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The scheme is not `ws`, `wss` or `ws+unix` (for `http(s)`, use
    /// `ws(s)`).
    UnsupportedScheme(String),
    /// No host between `//` and the path.
    MissingHost,
    /// The port is not a number from 1 to 65535.
    InvalidPort,
    /// The URL contains a fragment (`#...`), which RFC 6455 forbids.
    Fragment,
    /// Userinfo (`user:pass@`) is not supported in WebSocket URLs; send an
    /// Authorization header instead.
    UserInfo,
    /// The URL contains whitespace or control characters.
    InvalidCharacter,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::UnsupportedScheme(s) => write!(
                f,
                "unsupported URL scheme {s:?}: use ws://, wss:// or ws+unix:"
            ),
            UrlError::MissingHost => f.write_str("the URL has no host"),
            UrlError::InvalidPort => f.write_str("the URL's port is not a number from 1 to 65535"),
            UrlError::Fragment => f.write_str("WebSocket URLs cannot contain a fragment (#...)"),
            UrlError::UserInfo => f.write_str(
                "user:password@ in WebSocket URLs is not supported; send an Authorization header",
            ),
            UrlError::InvalidCharacter => {
                f.write_str("the URL contains whitespace or control characters")
            }
        }
    }
}

impl core::error::Error for UrlError {}

impl WsUrl {
    /// Parses `ws://host[:port]/path?query`, `wss://...` or
    /// `ws+unix:/path/to/socket[:/request/path]` (ws's syntax).
    pub fn parse(url: &str) -> Result<WsUrl, UrlError> {
        if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError::InvalidCharacter);
        }
        if url.contains('#') {
            return Err(UrlError::Fragment);
        }
        let (scheme, rest) = url
            .split_once(':')
            .ok_or_else(|| UrlError::UnsupportedScheme(url.to_string()))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme == "ws+unix" {
            let (socket, path) = match rest.split_once(':') {
                Some((s, p)) => (s, p),
                None => (rest, "/"),
            };
            if socket.is_empty() {
                return Err(UrlError::MissingHost);
            }
            return Ok(WsUrl {
                secure: false,
                host: socket.to_string(),
                port: 0,
                explicit_port: false,
                path: if path.starts_with('/') {
                    path.to_string()
                } else {
                    alloc::format!("/{path}")
                },
                unix: true,
            });
        }
        let secure = match scheme.as_str() {
            "ws" => false,
            "wss" => true,
            _ => return Err(UrlError::UnsupportedScheme(scheme)),
        };
        let rest = rest.strip_prefix("//").ok_or(UrlError::MissingHost)?;
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or(UrlError::MissingHost)?;
            (h, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(UrlError::MissingHost);
        }
        let default = if secure { 443 } else { 80 };
        let (port, explicit_port) = match port {
            None | Some("") => (default, false),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => (n, true),
                _ => return Err(UrlError::InvalidPort),
            },
        };
        let path = if path.is_empty() {
            "/".to_string()
        } else if path.starts_with('?') {
            alloc::format!("/{path}")
        } else {
            path.to_string()
        };
        Ok(WsUrl {
            secure,
            host: host.to_ascii_lowercase(),
            port,
            explicit_port,
            path,
            unix: false,
        })
    }

    /// The client request for this URL (Host with the port when it is not
    /// the scheme's default).
    pub fn request(&self) -> ClientRequest {
        let host = if self.unix {
            "localhost".to_string()
        } else if self.host.contains(':') {
            alloc::format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let mut req = ClientRequest::new(host, self.path.clone()).secure(self.secure);
        if !self.unix {
            req = req.port(self.port);
        }
        req
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_urls() {
        let u = WsUrl::parse("ws://Example.com:8080/chat?x=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str(), u.secure),
            ("example.com", 8080, "/chat?x=1", false)
        );
        let u = WsUrl::parse("wss://example.com").unwrap();
        assert_eq!(
            (u.port, u.path.as_str(), u.explicit_port),
            (443, "/", false)
        );
        let u = WsUrl::parse("ws://[::1]:9001?q").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("::1", 9001, "/?q")
        );
        let u = WsUrl::parse("ws+unix:/tmp/sock:/path").unwrap();
        assert_eq!(
            (u.host.as_str(), u.path.as_str(), u.unix),
            ("/tmp/sock", "/path", true)
        );
    }

    #[test]
    fn rejects_bad_urls() {
        assert!(matches!(
            WsUrl::parse("http://x/"),
            Err(UrlError::UnsupportedScheme(_))
        ));
        assert_eq!(WsUrl::parse("ws:///x"), Err(UrlError::MissingHost));
        assert_eq!(WsUrl::parse("ws://x:0/"), Err(UrlError::InvalidPort));
        assert_eq!(WsUrl::parse("ws://x:99999/"), Err(UrlError::InvalidPort));
        assert_eq!(WsUrl::parse("ws://x/#frag"), Err(UrlError::Fragment));
        assert_eq!(WsUrl::parse("ws://u:p@x/"), Err(UrlError::UserInfo));
        assert_eq!(WsUrl::parse("ws://x/ y"), Err(UrlError::InvalidCharacter));
    }
}
