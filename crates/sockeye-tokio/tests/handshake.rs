//! Opening handshakes: rejection, subprotocols, timeouts, URLs.

mod common;

use common::{bounded, listener, url};
use sockeye_tokio::{ClientOptions, Decision, Error, ServerOptions};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejection_reaches_the_client_with_status_headers_and_body() {
    bounded(30, async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let result = sockeye_tokio::accept_with(stream, |request| {
                assert_eq!(request.path, "/private");
                assert!(request.peer_addr.is_some());
                assert!(request.headers.get("Authorization").is_none());
                Decision::reject(401)
                    .with_header("WWW-Authenticate", "Bearer realm=\"sockeye\"")
                    .with_body("a token is required")
            })
            .await;
            assert!(
                matches!(result, Err(Error::Rejected { status: 401 })),
                "{result:?}"
            );
        });
        let err = sockeye_tokio::connect(&format!("ws://{addr}/private"))
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(401), "{err:?}");
        let (headers, body) = err.http_response().expect("the response");
        assert_eq!(
            headers.get("www-authenticate"),
            Some("Bearer realm=\"sockeye\"")
        );
        assert_eq!(body, b"a token is required");
        server.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_selects_a_subprotocol() {
    bounded(30, async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = sockeye_tokio::accept_with(stream, |request| {
                assert_eq!(request.protocols, ["a", "b"]);
                assert_eq!(request.headers.get("X-Custom"), Some("yes"));
                Decision::accept()
                    .with_protocol("b")
                    .with_header("X-Server", "sockeye")
            })
            .await
            .unwrap();
            assert!(ws.peer_addr().is_some());
            while let Some(message) = ws.recv().await {
                assert!(message.unwrap().is_close());
            }
        });
        let options = ClientOptions::new()
            .protocol("a")
            .protocol("b")
            .header("X-Custom", "yes");
        let (mut ws, response) = sockeye_tokio::connect_with(&url(addr), &options)
            .await
            .unwrap();
        assert_eq!(response.status, 101);
        assert_eq!(response.protocol.as_deref(), Some("b"));
        assert_eq!(response.headers.get("x-server"), Some("sockeye"));
        assert!(ws.get_ref().tcp().unwrap().peer_addr().is_ok());
        ws.close(sockeye_tokio::CloseCode::NORMAL, "")
            .await
            .unwrap();
        server.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_hits_the_server_handshake_timeout() {
    bounded(30, async {
        let (listener, addr) = listener().await;
        let _silent = TcpStream::connect(addr).await.unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        let options = ServerOptions::new().handshake_timeout(Duration::from_millis(200));
        let started = Instant::now();
        let result =
            sockeye_tokio::accept_with_options(stream, &options, |_| Decision::accept()).await;
        assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_hits_the_client_handshake_timeout() {
    bounded(30, async {
        let (listener, addr) = listener().await;
        let holder = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(stream);
        });
        let options = ClientOptions::new().handshake_timeout(Duration::from_millis(200));
        let result = sockeye_tokio::connect_with(&url(addr), &options).await;
        assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
        holder.abort();
    })
    .await;
}

/// Sends `request` on a raw connection to a server accepting with
/// `options`; returns the server's result and the raw response.
async fn raw_request(
    request: &'static [u8],
    options: ServerOptions,
) -> (sockeye_tokio::Result<()>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (listener, addr) = listener().await;
    let client = tokio::spawn(async move {
        let mut raw = TcpStream::connect(addr).await.unwrap();
        raw.write_all(request).await.unwrap();
        let mut response = Vec::new();
        raw.read_to_end(&mut response).await.unwrap();
        String::from_utf8_lossy(&response).into_owned()
    });
    let (stream, _) = listener.accept().await.unwrap();
    let result = sockeye_tokio::accept_with_options(stream, &options, |_| Decision::accept())
        .await
        .map(drop);
    (result, client.await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_upgrade_request_gets_400() {
    bounded(30, async {
        let request =
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n";
        let (result, response) = raw_request(request, ServerOptions::new()).await;
        assert!(matches!(result, Err(Error::Handshake(_))), "{result:?}");
        assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_http_request_gets_426_or_the_handler_answer() {
    bounded(30, async {
        let request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        let (result, response) = raw_request(request, ServerOptions::new()).await;
        assert!(
            matches!(result, Err(Error::Rejected { status: 426 })),
            "{result:?}"
        );
        assert!(response.starts_with("HTTP/1.1 426"), "{response}");

        let options = ServerOptions::new().http_handler(|request| {
            assert_eq!(request.path, "/health");
            Decision::respond(200).with_body("ok")
        });
        let (result, response) = raw_request(request, options).await;
        assert!(
            matches!(result, Err(Error::Rejected { status: 200 })),
            "{result:?}"
        );
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with("\r\n\r\nok"), "{response}");
    })
    .await;
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    // (wss:// and ws+unix: are supported: see tests/tls.rs and tests/client.rs.)
    for bad in ["http://example.com/", "ftp://example.com/", "ws://[::1/"] {
        let result = sockeye_tokio::connect(bad).await;
        assert!(matches!(result, Err(Error::Url(_))), "{bad}: {result:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_over_an_in_memory_duplex_stream() {
    bounded(30, async {
        let (client_io, server_io) = tokio::io::duplex(4096);
        let server = tokio::spawn(async move {
            let mut ws = sockeye_tokio::accept(server_io).await.unwrap();
            assert_eq!(ws.peer_addr(), None);
            let message = ws.recv().await.unwrap().unwrap();
            ws.send(message).await.unwrap();
            assert!(matches!(
                ws.recv().await,
                Some(Ok(sockeye_tokio::Message::Close(_)))
            ));
        });
        let request = sockeye_tokio::proto::handshake::ClientRequest::new("localhost", "/");
        let (mut ws, _) =
            sockeye_tokio::client_handshake(client_io, &request, &ClientOptions::new())
                .await
                .unwrap();
        ws.send("over a pipe").await.unwrap();
        assert_eq!(
            ws.recv().await.unwrap().unwrap(),
            sockeye_tokio::Message::text("over a pipe")
        );
        ws.close(sockeye_tokio::CloseCode::NORMAL, "")
            .await
            .unwrap();
        server.await.unwrap();
    })
    .await;
}
