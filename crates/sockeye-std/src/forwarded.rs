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

    /// The client's IP address for a server that may sit behind a proxy:
    /// when the connection comes from a peer that `is_trusted_proxy`
    /// accepts (your proxy's address: `|ip| ip.is_loopback()` for one on the
    /// same machine), the first `X-Forwarded-For` hop if it parses as an
    /// address (a bare IP, `[v6]`, or `[v6]:port` / `v4:port`); otherwise
    /// the peer's own address. Anyone can send the header, so it is only
    /// believed from a proxy you trust; `|_| false` never believes it.
    pub fn client_ip(&self, is_trusted_proxy: impl Fn(IpAddr) -> bool) -> Option<IpAddr> {
        let peer = self.peer_addr.map(|a| a.ip());
        match peer {
            Some(ip) if is_trusted_proxy(ip) => self.forwarded_for().and_then(parse_hop).or(peer),
            _ => peer,
        }
    }
}

/// Parses one `X-Forwarded-For` element: an IP, possibly bracketed (v6),
/// possibly with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let bare = hop
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(hop);
    if let Ok(ip) = bare.parse() {
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
    fn first_hop_from_a_trusted_proxy_or_peer() {
        // The peer, 10.0.0.9, is the proxy in front of this server.
        let ours = |ip: IpAddr| ip == "10.0.0.9".parse::<IpAddr>().unwrap();
        let r = request(Some(" 203.0.113.7 , 10.0.0.1"));
        assert_eq!(r.forwarded_for(), Some("203.0.113.7"));
        assert_eq!(r.client_ip(ours), "203.0.113.7".parse().ok());
        let r = request(Some("[2001:db8::1]:443, 10.0.0.1"));
        assert_eq!(r.client_ip(ours), "2001:db8::1".parse().ok());
        let r = request(Some("[2001:db8::2]"));
        assert_eq!(r.client_ip(ours), "2001:db8::2".parse().ok());
        let r = request(Some("unknown"));
        assert_eq!(r.forwarded_for(), Some("unknown"));
        assert_eq!(r.client_ip(ours), "10.0.0.9".parse().ok());
        let r = request(None);
        assert_eq!(r.forwarded_for(), None);
        assert_eq!(r.client_ip(ours), "10.0.0.9".parse().ok());
        assert_eq!(request(Some(" ,x")).forwarded_for(), None);
        // From a peer that is not a trusted proxy, the header is a claim:
        // the peer's own address it is.
        let r = request(Some("127.0.0.1"));
        assert_eq!(r.client_ip(|_| false), "10.0.0.9".parse().ok());
        assert_eq!(r.client_ip(|ip| ip.is_loopback()), "10.0.0.9".parse().ok());
    }
}
