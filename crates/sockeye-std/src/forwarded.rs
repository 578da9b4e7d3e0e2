//! The client's address behind proxies (ws's `X-Forwarded-For` recipe).

use crate::server::UpgradeRequest;
use std::net::IpAddr;

impl UpgradeRequest {
    /// The first hop of `X-Forwarded-For` (the address the first proxy saw,
    /// i.e. the original client), trimmed: ws's
    /// `req.headers['x-forwarded-for'].split(',')[0].trim()`. Only trust it
    /// when the server sits behind a proxy you control; anyone can send the
    /// header.
    pub fn forwarded_for(&self) -> Option<&str> {
        let value = self.request.headers.get("X-Forwarded-For")?;
        let first = value.split(',').next()?.trim_matches([' ', '\t']);
        (!first.is_empty()).then_some(first)
    }

    /// The client's IP address: the first `X-Forwarded-For` hop when it
    /// parses as an address (a bare IP, or `[v6]:port` / `v4:port`), else the
    /// peer's address. See [`forwarded_for`](Self::forwarded_for) about
    /// trusting the header.
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.forwarded_for()
            .and_then(parse_hop)
            .or_else(|| self.peer_addr.map(|a| a.ip()))
    }
}

/// Parses one `X-Forwarded-For` element: an IP, possibly with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sockeye_proto::handshake::{validate_request, Headers};

    fn request(xff: Option<&str>) -> UpgradeRequest {
        let mut headers = Headers::new();
        headers.push("Host", "example.com");
        headers.push("Upgrade", "websocket");
        headers.push("Connection", "Upgrade");
        headers.push("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        headers.push("Sec-WebSocket-Version", "13");
        if let Some(v) = xff {
            headers.push("X-Forwarded-For", v);
        }
        UpgradeRequest {
            request: validate_request("GET", "/", true, headers).unwrap(),
            peer_addr: Some("10.0.0.9:4000".parse().unwrap()),
        }
    }

    #[test]
    fn first_hop_or_peer() {
        let r = request(Some(" 203.0.113.7 , 10.0.0.1"));
        assert_eq!(r.forwarded_for(), Some("203.0.113.7"));
        assert_eq!(r.client_ip(), "203.0.113.7".parse().ok());
        let r = request(Some("[2001:db8::1]:443, 10.0.0.1"));
        assert_eq!(r.client_ip(), "2001:db8::1".parse().ok());
        let r = request(Some("unknown"));
        assert_eq!(r.forwarded_for(), Some("unknown"));
        assert_eq!(r.client_ip(), "10.0.0.9".parse().ok());
        let r = request(None);
        assert_eq!(r.forwarded_for(), None);
        assert_eq!(r.client_ip(), "10.0.0.9".parse().ok());
        assert_eq!(request(Some(" ,x")).forwarded_for(), None);
    }
}
