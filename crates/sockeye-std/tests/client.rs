//! The blocking client: redirects, proxies (in-process mocks; the real
//! tinyproxy and danted are in sockeye-cli's `real_proxies` tests), Unix
//! sockets, protocol version 8 and refused upgrades.

mod support;

use sockeye_std::proxy::{Proxy, ProxyError};
use sockeye_std::redirect::RedirectError;
use sockeye_std::{ClientOptions, CloseCode, Error, Message, ProtocolVersion};
use std::time::{Duration, Instant};
use support::*;

/// Runs `body` on a thread and fails the test if it takes longer than `secs`.
fn bounded(secs: u64, body: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        body();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => handle.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(_) => panic!("the test did not finish in {secs} s"),
    }
}

fn echo_once(url: &str, options: &ClientOptions) -> sockeye_std::Response {
    let (mut ws, response) = sockeye_std::connect_with(url, options).unwrap();
    ws.send("hello").unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("hello"));
    ws.close(CloseCode::NORMAL, "").unwrap();
    response
}

#[test]
fn redirects_are_followed_when_asked() {
    bounded(30, || {
        let (ws_addr, seen) = echo_server();
        // Same origin: /a -> /b (relative) on the redirect server, then a
        // cross-origin hop to the WebSocket server, through every status.
        let final_url = format!("http://{ws_addr}/final?x=1");
        let (addr, heads) = http_server(Duration::ZERO, move |head| {
            if head.starts_with("GET /a ") {
                redirect(301, "/b")
            } else if head.starts_with("GET /b ") {
                redirect(302, "c")
            } else if head.starts_with("GET /c ") {
                redirect(307, "/d")
            } else {
                redirect(308, &final_url)
            }
        });
        let options = ClientOptions::new()
            .follow_redirects(true)
            .header("Authorization", "Bearer secret")
            .header("Cookie", "session=1")
            .header("X-Trace", "kept");
        echo_once(&format!("ws://{addr}/a"), &options);
        for _ in 0..4 {
            let head = heads.recv().unwrap();
            assert!(
                head.contains("Authorization: Bearer secret"),
                "same origin keeps it: {head}"
            );
        }
        let last = seen.recv().unwrap();
        assert_eq!(last.target, "/final?x=1");
        assert_eq!(last.header("authorization"), None);
        assert_eq!(last.header("cookie"), None);
        assert_eq!(last.header("x-trace"), Some("kept"));
    });
}

#[test]
fn redirects_are_errors_by_default_and_bounded_when_followed() {
    bounded(30, || {
        let (addr, _) = http_server(Duration::ZERO, |_| redirect(302, "/again"));
        let url = format!("ws://{addr}/");
        let err = sockeye_std::connect(&url).unwrap_err();
        assert_eq!(err.http_status(), Some(302));
        let err =
            sockeye_std::connect_with(&url, &ClientOptions::new().max_redirects(3)).unwrap_err();
        assert!(
            matches!(err, Error::Redirect(RedirectError::TooMany { max: 3 })),
            "{err:?}"
        );

        let (addr, _) = http_server(Duration::ZERO, |_| {
            "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n".into()
        });
        let options = ClientOptions::new().follow_redirects(true);
        let err = sockeye_std::connect_with(&format!("ws://{addr}/"), &options).unwrap_err();
        assert!(matches!(
            err,
            Error::Redirect(RedirectError::MissingLocation { status: 302 })
        ));
        assert!(err.to_string().contains("without a Location"), "{err}");

        let (addr, _) = http_server(Duration::ZERO, |_| redirect(301, "ftp://example.com/"));
        let err = sockeye_std::connect_with(&format!("ws://{addr}/"), &options).unwrap_err();
        assert!(
            matches!(err, Error::Redirect(RedirectError::InvalidLocation { .. })),
            "{err:?}"
        );
    });
}

#[test]
fn the_handshake_timeout_covers_the_whole_redirect_chain() {
    bounded(30, || {
        // Each hop takes 300 ms; 100 hops are allowed but the timeout is 1 s.
        let (addr, _) = http_server(Duration::from_millis(300), |_| redirect(307, "/again"));
        let options = ClientOptions::new()
            .max_redirects(100)
            .handshake_timeout(Duration::from_secs(1));
        let start = Instant::now();
        let err = sockeye_std::connect_with(&format!("ws://{addr}/"), &options).unwrap_err();
        assert!(matches!(err, Error::HandshakeTimeout), "{err:?}");
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
    });
}

#[test]
fn an_unexpected_response_reaches_the_caller() {
    bounded(30, || {
        let (addr, _) = http_server(Duration::ZERO, |_| {
            "HTTP/1.1 403 Forbidden\r\nX-Reason: banned\r\nContent-Length: 9\r\n\r\nno entry\n"
                .into()
        });
        let err = sockeye_std::connect(&format!("ws://{addr}/")).unwrap_err();
        assert_eq!(err.http_status(), Some(403));
        let (headers, body) = err.http_response().unwrap();
        assert_eq!(headers.get("x-reason"), Some("banned"));
        assert_eq!(body, b"no entry\n");
    });
}

#[cfg(unix)]
#[test]
fn unix_domain_sockets() {
    bounded(30, || {
        let path = socket_path("std");
        let seen = unix_echo_server(&path);
        let url = format!("ws+unix:{}:/over/unix?q=1", path.display());
        let (mut ws, _) = sockeye_std::connect(&url).unwrap();
        assert!(ws.get_ref().tcp().is_none());
        ws.send("via a socket file").unwrap();
        assert_eq!(ws.read().unwrap(), Message::text("via a socket file"));
        ws.close(CloseCode::NORMAL, "").unwrap();
        let req = seen.recv().unwrap();
        assert_eq!(req.target, "/over/unix?q=1");
        // No path: `/`.
        echo_once(
            &format!("ws+unix:{}", path.display()),
            &ClientOptions::new(),
        );
        assert_eq!(seen.recv().unwrap().target, "/");
        let _ = std::fs::remove_file(&path);
    });
}

#[test]
fn protocol_version_8_end_to_end() {
    bounded(30, || {
        let (addr, seen) = echo_server();
        let options = ClientOptions::new()
            .version(ProtocolVersion::V8)
            .origin("http://old.example");
        echo_once(&format!("ws://{addr}/v8"), &options);
        let req = seen.recv().unwrap();
        assert_eq!(req.version, ProtocolVersion::V8);
        assert_eq!(req.header("sec-websocket-version"), Some("8"));
        assert_eq!(
            req.header("sec-websocket-origin"),
            Some("http://old.example")
        );
        assert_eq!(req.header("origin"), None);
        assert_eq!(req.origin.as_deref(), Some("http://old.example"));
    });
}

#[test]
fn through_an_http_connect_proxy() {
    bounded(30, || {
        let (ws_addr, _) = echo_server();
        let (proxy, targets) = http_proxy(Some(("alice", "s3cret")));
        let url = format!("ws://{ws_addr}/");
        let good = Proxy::http(&format!("http://alice:s3cret@{proxy}")).unwrap();
        echo_once(&url, &ClientOptions::new().proxy(good));
        assert_eq!(targets.recv().unwrap(), ws_addr.to_string());

        let bad = Proxy::http(&proxy.to_string())
            .unwrap()
            .with_credentials("alice", "wrong");
        let err = sockeye_std::connect_with(&url, &ClientOptions::new().proxy(bad)).unwrap_err();
        assert!(
            matches!(err, Error::Proxy(ProxyError::HttpStatus(407))),
            "{err:?}"
        );
        let none = Proxy::http(&proxy.to_string()).unwrap();
        let err = sockeye_std::connect_with(&url, &ClientOptions::new().proxy(none)).unwrap_err();
        assert!(err.to_string().contains("407"), "{err}");
    });
}

#[test]
fn through_a_socks5_proxy() {
    bounded(30, || {
        let (ws_addr, _) = echo_server();
        let url = format!("ws://localhost:{}/", ws_addr.port());
        let (open, targets) = socks5_proxy(None);
        echo_once(
            &url,
            &ClientOptions::new().proxy(Proxy::socks5(&open.to_string()).unwrap()),
        );
        // The host name goes to the proxy unresolved.
        assert_eq!(
            targets.recv().unwrap(),
            format!("localhost:{}", ws_addr.port())
        );

        let (authed, _) = socks5_proxy(Some(("bob", "pw")));
        let good = Proxy::socks5(&format!("socks5://bob:pw@{authed}")).unwrap();
        echo_once(&url, &ClientOptions::new().proxy(good));
        let bad = Proxy::socks5(&format!("socks5://bob:nope@{authed}")).unwrap();
        let err = sockeye_std::connect_with(&url, &ClientOptions::new().proxy(bad)).unwrap_err();
        assert!(
            matches!(err, Error::Proxy(ProxyError::AuthenticationFailed)),
            "{err:?}"
        );
        let anonymous = Proxy::socks5(&authed.to_string()).unwrap();
        let err =
            sockeye_std::connect_with(&url, &ClientOptions::new().proxy(anonymous)).unwrap_err();
        assert!(
            matches!(err, Error::Proxy(ProxyError::NoAcceptableMethod)),
            "{err:?}"
        );
        // The proxy cannot reach the target: reply 5, connection refused.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let good = Proxy::socks5(&format!("socks5://bob:pw@{authed}")).unwrap();
        let err = sockeye_std::connect_with(
            &format!("ws://{closed}/"),
            &ClientOptions::new().proxy(good),
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Proxy(ProxyError::SocksReply(5))),
            "{err:?}"
        );
    });
}

/// A proxy that dribbles its answer (one byte every 100 ms, each read
/// returning well within any per-read timeout) cannot stretch the
/// handshake timeout: HTTP CONNECT and SOCKS5 alike.
#[test]
fn a_dribbling_proxy_is_bounded_by_the_handshake_timeout() {
    let http = slow_peer(b"HTTP/1.1 200 OK\r\nX-Slow: ", &[b'a'; 50]);
    // SOCKS5: "no authentication" at once, then a reply naming a 64-byte
    // host, one byte at a time.
    let socks = slow_peer(
        b"\x05\x00",
        b"\x05\x00\x00\x03\x40aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    );
    for proxy in [
        Proxy::http(&http.to_string()).unwrap(),
        Proxy::socks5(&socks.to_string()).unwrap(),
    ] {
        bounded(10, move || {
            let options = ClientOptions::new()
                .proxy(proxy)
                .handshake_timeout(Duration::from_millis(500));
            assert_times_out(|| sockeye_std::connect_with("ws://127.0.0.1:9/", &options));
        });
    }
}
