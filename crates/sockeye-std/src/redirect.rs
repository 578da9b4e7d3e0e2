//! Following redirects: where a `Location` leads, and what the next hop may
//! send. Shared by every adapter's `connect_with`.

use crate::error::Error;
use crate::options::ClientOptions;
use sockeye_proto::handshake::{HandshakeError, Headers};
use sockeye_proto::{UrlError, WsUrl};
use std::fmt;

/// Why a redirect could not be followed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectError {
    /// More than [`ClientOptions::max_redirects`] redirects in a row.
    TooMany {
        /// The limit that was reached.
        max: usize,
    },
    /// A 3xx response without a `Location` header.
    MissingLocation {
        /// The status.
        status: u16,
    },
    /// `Location` is not a `ws`, `wss`, `http` or `https` URL (or a path).
    InvalidLocation {
        /// The `Location` header.
        location: String,
        /// What is wrong with it.
        error: UrlError,
    },
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectError::TooMany { max } => write!(f, "more than {max} redirects"),
            RedirectError::MissingLocation { status } => {
                write!(f, "redirect ({status}) without a Location header")
            }
            RedirectError::InvalidLocation { location, error } => {
                write!(f, "cannot follow the redirect to {location:?}: {error}")
            }
        }
    }
}

impl std::error::Error for RedirectError {}

/// Writes `url` back as text (`ws://`, `wss://` or `ws+unix:`).
pub fn url_string(url: &WsUrl) -> String {
    if url.unix {
        return format!("ws+unix:{}:{}", url.host, url.path);
    }
    let scheme = if url.secure { "wss" } else { "ws" };
    let host = if url.host.contains(':') {
        format!("[{}]", url.host)
    } else {
        url.host.clone()
    };
    format!("{scheme}://{host}:{}{}", url.port, url.path)
}

/// Resolves a `Location` header against the URL that answered with it, as
/// ws does: `http://` becomes `ws://` and `https://` `wss://`; relative
/// references (`/path`, `//host/path`, `path`) resolve against `base`, and
/// `.` and `..` segments are removed (RFC 3986 §5.2.4). A fragment is
/// dropped. Other schemes, `ws+unix:` included, are refused.
pub fn resolve_location(base: &WsUrl, location: &str) -> Result<WsUrl, UrlError> {
    let mut next = resolve_reference(base, location)?;
    next.path = remove_dot_segments(&next.path);
    Ok(next)
}

/// `path` (with its query, which is left alone) without `.` and `..`
/// segments, as RFC 3986 §5.2.4 removes them: `..` above the root stays at
/// the root, and a last `.` or `..` leaves a trailing slash.
fn remove_dot_segments(path: &str) -> String {
    let (path, query) = path.split_at(path.find('?').unwrap_or(path.len()));
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                out.pop();
            }
            other => {
                out.push(other);
                continue;
            }
        }
        if last {
            out.push("");
        }
    }
    format!("/{}{query}", out.join("/"))
}

/// [`resolve_location`] before dot segments are removed.
fn resolve_reference(base: &WsUrl, location: &str) -> Result<WsUrl, UrlError> {
    let location = location.split('#').next().unwrap_or_default();
    let scheme_end = location.find(':').filter(|&i| {
        location[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !location[..i].is_empty()
            && !location.starts_with('/')
    });
    if let Some(i) = scheme_end {
        let (scheme, rest) = location.split_at(i);
        let mapped = match scheme.to_ascii_lowercase().as_str() {
            "ws" | "http" => "ws",
            "wss" | "https" => "wss",
            other => return Err(UrlError::UnsupportedScheme(other.to_string())),
        };
        return WsUrl::parse(&format!("{mapped}{rest}"));
    }
    let mut next = base.clone();
    if let Some(rest) = location.strip_prefix("//") {
        let scheme = if base.secure { "wss" } else { "ws" };
        return WsUrl::parse(&format!("{scheme}://{rest}"));
    }
    next.path = if location.starts_with('/') {
        location.to_string()
    } else if location.is_empty() {
        base.path.clone()
    } else if let Some(query) = location.strip_prefix('?') {
        let path = base.path.split('?').next().unwrap_or("/");
        format!("{path}?{query}")
    } else {
        let path = base.path.split('?').next().unwrap_or("/");
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{location}")
    };
    if next.path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(UrlError::InvalidCharacter);
    }
    if !next.path.starts_with('/') {
        next.path.insert(0, '/');
    }
    Ok(next)
}

/// Whether `a` and `b` are the same origin (scheme, host and port).
pub fn same_origin(a: &WsUrl, b: &WsUrl) -> bool {
    a.secure == b.secure && a.unix == b.unix && a.host == b.host && a.port == b.port
}

/// Decides what follows a failed connection attempt to `url`. A redirect,
/// when `options` allow one more, gives the next URL (and, across origins,
/// drops `Authorization`, `Cookie` and an explicit `Host` from
/// `options.headers`); any other error comes back unchanged.
pub fn follow(
    url: &WsUrl,
    options: &mut ClientOptions,
    error: Error,
    hops: &mut usize,
) -> Result<WsUrl, Error> {
    let Error::Handshake(HandshakeError::Redirect { status, location }) = &error else {
        return Err(error);
    };
    if options.max_redirects == 0 {
        return Err(error);
    }
    if *hops >= options.max_redirects {
        return Err(Error::Redirect(RedirectError::TooMany {
            max: options.max_redirects,
        }));
    }
    let Some(location) = location else {
        return Err(Error::Redirect(RedirectError::MissingLocation {
            status: *status,
        }));
    };
    let next = resolve_location(url, location).map_err(|error| {
        Error::Redirect(RedirectError::InvalidLocation {
            location: location.clone(),
            error,
        })
    })?;
    if !same_origin(url, &next) {
        options.headers = strip_credentials(&options.headers);
    }
    *hops += 1;
    Ok(next)
}

/// The headers without `Authorization`, `Cookie` and `Host`.
fn strip_credentials(headers: &Headers) -> Headers {
    headers
        .iter()
        .filter(|h| {
            !["authorization", "cookie", "host"]
                .iter()
                .any(|n| h.name.eq_ignore_ascii_case(n))
        })
        .map(|h| (h.name.clone(), h.value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> WsUrl {
        WsUrl::parse(s).unwrap()
    }

    #[test]
    fn locations() {
        let base = u("ws://a.example:8080/dir/page?x=1");
        let r = |l: &str| resolve_location(&base, l).map(|u| url_string(&u));
        assert_eq!(r("http://b.example/x").unwrap(), "ws://b.example:80/x");
        assert_eq!(r("https://b.example/x").unwrap(), "wss://b.example:443/x");
        assert_eq!(r("WSS://b.example:9/").unwrap(), "wss://b.example:9/");
        assert_eq!(r("/other?q").unwrap(), "ws://a.example:8080/other?q");
        assert_eq!(r("next").unwrap(), "ws://a.example:8080/dir/next");
        assert_eq!(r("?y=2").unwrap(), "ws://a.example:8080/dir/page?y=2");
        assert_eq!(r("//c.example/p#frag").unwrap(), "ws://c.example:80/p");
        assert!(matches!(r("ftp://x/"), Err(UrlError::UnsupportedScheme(_))));
        assert!(matches!(
            r("ws+unix:/tmp/s"),
            Err(UrlError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            r("javascript:alert(1)"),
            Err(UrlError::UnsupportedScheme(_))
        ));
        // Dot segments go, as WHATWG's URL (which ws uses) removes them.
        let base = u("ws://a.example/dir/sub/page");
        let r = |l: &str| url_string(&resolve_location(&base, l).unwrap());
        assert_eq!(r("../up"), "ws://a.example:80/dir/up");
        assert_eq!(r("./here"), "ws://a.example:80/dir/sub/here");
        assert_eq!(r("/a/./b/../c?x=/../y"), "ws://a.example:80/a/c?x=/../y");
        assert_eq!(r("../../../../x"), "ws://a.example:80/x");
        assert_eq!(r(".."), "ws://a.example:80/dir/");
        assert_eq!(r("."), "ws://a.example:80/dir/sub/");
        assert_eq!(r("/a//b/"), "ws://a.example:80/a//b/");
        assert_eq!(r("ws://b.example/p/../q"), "ws://b.example:80/q");
        assert_eq!(url_string(&u("ws+unix:/tmp/s:/p")), "ws+unix:/tmp/s:/p");
        assert_eq!(url_string(&u("ws://[::1]:9/")), "ws://[::1]:9/");
    }

    #[test]
    fn credentials_dropped_across_origins() {
        let redirect = |location: &str| {
            Error::Handshake(HandshakeError::Redirect {
                status: 302,
                location: Some(location.to_string()),
            })
        };
        let base = ClientOptions::new()
            .header("Authorization", "Bearer x")
            .header("cookie", "a=b")
            .header("X-Keep", "1")
            .max_redirects(2);
        let url = u("ws://a.example/");
        let (mut options, mut hops) = (base.clone(), 0);
        let next = follow(&url, &mut options, redirect("/b"), &mut hops).unwrap();
        assert_eq!(
            (next.path.as_str(), hops, options.headers.len()),
            ("/b", 1, 3)
        );
        for other in ["ws://b.example/", "wss://a.example/", "ws://a.example:81/"] {
            let (mut options, mut hops) = (base.clone(), 0);
            follow(&url, &mut options, redirect(other), &mut hops).unwrap();
            assert_eq!(options.headers.get("Authorization"), None, "{other}");
            assert_eq!(options.headers.get("Cookie"), None);
            assert_eq!(options.headers.get("X-Keep"), Some("1"));
        }
        let mut hops = 2;
        assert!(matches!(
            follow(&url, &mut options, redirect("/c"), &mut hops),
            Err(Error::Redirect(RedirectError::TooMany { max: 2 }))
        ));
        let mut hops = 0;
        let missing = Error::Handshake(HandshakeError::Redirect {
            status: 301,
            location: None,
        });
        assert!(matches!(
            follow(&url, &mut options, missing, &mut hops),
            Err(Error::Redirect(RedirectError::MissingLocation {
                status: 301
            }))
        ));
        // Off: the redirect itself is the error, as before.
        let mut off = ClientOptions::new();
        assert!(matches!(
            follow(&url, &mut off, redirect("/x"), &mut hops),
            Err(Error::Handshake(HandshakeError::Redirect { .. }))
        ));
    }
}
