//! The client cases every async adapter runs (tokio; async-std and smol):
//! redirects, proxies (in-process mocks; the real tinyproxy and danted are
//! in sockeye-cli's `real_proxies` tests), Unix sockets, protocol version 8
//! and refused upgrades, against the blocking servers of `support`. One body
//! for both: each adapter's `tests/client.rs` includes this file by path and
//! instantiates `async_client_cases!` with its crate, its test attribute
//! and a name for its Unix socket, next to a `bounded` function that runs a
//! future under its runtime's timeout.

/// Defines the client tests for the adapter crate `$adapter` (which exports
/// `connect`, `connect_with`, `ClientOptions`, `CloseCode`, `Error`,
/// `Message` and `ProtocolVersion`), each marked `#[$test]`. Expects
/// `bounded` and the `support` servers in scope where it is invoked.
macro_rules! async_client_cases {
    ($test:meta, $adapter:ident, $name:literal) => {
        use $adapter::{ClientOptions, CloseCode, Error, Message, ProtocolVersion};
        use sockeye_std::proxy::{Proxy, ProxyError};
        use sockeye_std::redirect::RedirectError;
        use std::time::{Duration, Instant};
        use support::*;

        async fn echo_once(url: &str, options: &ClientOptions) {
            let (mut ws, _) = $adapter::connect_with(url, options).await.unwrap();
            ws.send("hello").await.unwrap();
            assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text("hello"));
            ws.close(CloseCode::NORMAL, "").await.unwrap();
        }

        #[$test]
        async fn redirects() {
            bounded(async {
                let (ws_addr, seen) = echo_server();
                let target = format!("http://{ws_addr}/final");
                let (addr, heads) = http_server(Duration::ZERO, move |head| {
                    if head.starts_with("GET /a ") {
                        redirect(302, "/b")
                    } else {
                        redirect(308, &target)
                    }
                });
                let url = format!("ws://{addr}/a");
                let err = $adapter::connect(&url).await.unwrap_err();
                assert_eq!(err.http_status(), Some(302));
                let _ = heads.recv();
                let options = ClientOptions::new()
                    .follow_redirects(true)
                    .header("Cookie", "c=1")
                    .header("Authorization", "Basic x");
                echo_once(&url, &options).await;
                assert!(heads.recv().unwrap().contains("Cookie: c=1"));
                assert!(heads.recv().unwrap().contains("Authorization: Basic x"));
                let last = seen.recv().unwrap();
                assert_eq!(
                    (
                        last.target.as_str(),
                        last.header("cookie"),
                        last.header("authorization")
                    ),
                    ("/final", None, None)
                );
                let err = $adapter::connect_with(&url, &ClientOptions::new().max_redirects(1))
                    .await
                    .unwrap_err();
                assert!(
                    matches!(err, Error::Redirect(RedirectError::TooMany { max: 1 })),
                    "{err:?}"
                );
            })
            .await;
        }

        #[$test]
        async fn the_handshake_timeout_covers_the_redirect_chain() {
            bounded(async {
                let (addr, _) = http_server(Duration::from_millis(300), |_| redirect(301, "/loop"));
                let options = ClientOptions::new()
                    .max_redirects(50)
                    .handshake_timeout(Duration::from_secs(1));
                let start = Instant::now();
                let err = $adapter::connect_with(&format!("ws://{addr}/"), &options)
                    .await
                    .unwrap_err();
                assert!(matches!(err, Error::HandshakeTimeout), "{err:?}");
                assert!(start.elapsed() < Duration::from_secs(3));
            })
            .await;
        }

        #[$test]
        async fn an_unexpected_response_reaches_the_caller() {
            bounded(async {
                let (addr, _) = http_server(Duration::ZERO, |_| {
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 5\r\n\r\nwho?\n".into()
                });
                let err = $adapter::connect(&format!("ws://{addr}/")).await.unwrap_err();
                assert_eq!(err.http_status(), Some(401));
                let (headers, body) = err.http_response().unwrap();
                assert_eq!(headers.get("www-authenticate"), Some("Bearer"));
                assert_eq!(body, b"who?\n");
            })
            .await;
        }

        #[cfg(unix)]
        #[$test]
        async fn unix_domain_sockets() {
            bounded(async {
                let path = socket_path($name);
                let seen = unix_echo_server(&path);
                echo_once(
                    &format!("ws+unix:{}:/{}", path.display(), $name),
                    &ClientOptions::new(),
                )
                .await;
                assert_eq!(seen.recv().unwrap().target, format!("/{}", $name));
                let _ = std::fs::remove_file(&path);
            })
            .await;
        }

        #[$test]
        async fn protocol_version_8_end_to_end() {
            bounded(async {
                let (addr, seen) = echo_server();
                let options = ClientOptions::new()
                    .version(ProtocolVersion::V8)
                    .origin("http://old.example");
                echo_once(&format!("ws://{addr}/"), &options).await;
                let req = seen.recv().unwrap();
                assert_eq!(req.version, ProtocolVersion::V8);
                assert_eq!(
                    req.header("sec-websocket-origin"),
                    Some("http://old.example")
                );
            })
            .await;
        }

        /// Connects through `good` to the echo server at `ws_addr` (checked
        /// against what the proxy reports on `targets`), then through `bad`,
        /// and returns `bad`'s error.
        async fn good_then_bad_proxy(
            ws_addr: std::net::SocketAddr,
            good: Proxy,
            targets: std::sync::mpsc::Receiver<String>,
            bad: Proxy,
        ) -> Error {
            let url = format!("ws://{ws_addr}/");
            echo_once(&url, &ClientOptions::new().proxy(good)).await;
            assert_eq!(targets.recv().unwrap(), ws_addr.to_string());
            $adapter::connect_with(&url, &ClientOptions::new().proxy(bad))
                .await
                .unwrap_err()
        }

        #[$test]
        async fn through_proxies() {
            bounded(async {
                let (ws_addr, _) = echo_server();
                let (http, targets) = http_proxy(Some(("alice", "pw")));
                let good = Proxy::http(&format!("http://alice:pw@{http}")).unwrap();
                let bad = Proxy::http(&format!("http://alice:no@{http}")).unwrap();
                let err = good_then_bad_proxy(ws_addr, good, targets, bad).await;
                assert!(
                    matches!(err, Error::Proxy(ProxyError::HttpStatus(407))),
                    "{err:?}"
                );

                let (socks, targets) = socks5_proxy(Some(("bob", "pw")));
                let good = Proxy::socks5(&format!("socks5://bob:pw@{socks}")).unwrap();
                let bad = Proxy::socks5(&format!("socks5://bob:no@{socks}")).unwrap();
                let err = good_then_bad_proxy(ws_addr, good, targets, bad).await;
                assert!(
                    matches!(err, Error::Proxy(ProxyError::AuthenticationFailed)),
                    "{err:?}"
                );
            })
            .await;
        }
    };
}
