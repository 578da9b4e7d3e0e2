//! The hyper integration: upgrades, bytes pipelined behind the request,
//! plain HTTP on the same port, rejections, permessage-deflate.
#![cfg(feature = "hyper")]

mod common;

#[path = "../examples/hyper_upgrade.rs"]
mod hyper_upgrade;

use common::bounded;
use sockeye_tokio::proto::handshake::ClientRequest;
use sockeye_tokio::proto::{Connection, Event, XorShift};
use sockeye_tokio::{default_deflate, Config, Message, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn the_example_runs() {
    bounded(20, hyper_upgrade::self_test()).await.unwrap();
}

/// The client writes its request and a text frame in one write: hyper
/// reads both, and the frame must reach the WebSocket.
#[tokio::test]
async fn a_frame_pipelined_behind_the_request_is_kept() {
    bounded(20, async {
        let (addr, server) = hyper_upgrade::start("127.0.0.1:0").await.unwrap();
        let mut client = Connection::client(
            &ClientRequest::new("localhost", "/ws"),
            Config::default(),
            Box::new(XorShift::new(7)),
        )
        .unwrap();
        let mut bytes = client.take_output();
        // The frame is queued on the client before the handshake is done,
        // by a connection opened as if the handshake had happened.
        let mut early = Connection::open(
            sockeye_tokio::proto::Role::Client,
            Config::default(),
            Some(Box::new(XorShift::new(9))),
        );
        early.send_text("early bird").unwrap();
        bytes.extend_from_slice(&early.take_output());
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(&bytes).await.unwrap();
        // Read the 101 and the echo of the early frame.
        let mut echoed = None;
        let mut buf = vec![0u8; 4096];
        while echoed.is_none() {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "the server closed");
            client.feed(&buf[..n]);
            while let Some(event) = client.poll_event().unwrap() {
                if let Event::Text(t) = event {
                    echoed = Some(t.to_string());
                }
            }
        }
        assert_eq!(echoed.as_deref(), Some("early bird"));
        server.abort();
    })
    .await;
}

#[tokio::test]
async fn invalid_upgrades_get_http_errors() {
    bounded(20, async {
        let (addr, server) = hyper_upgrade::start("127.0.0.1:0").await.unwrap();
        // Version 12 is not spoken: 426 with the versions that are.
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 12\r\n\r\n",
        )
        .await
        .unwrap();
        let mut answer = vec![0u8; 4096];
        let n = tcp.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]).to_lowercase();
        assert!(answer.starts_with("http/1.1 426"), "{answer}");
        assert!(answer.contains("sec-websocket-version: 13, 8"), "{answer}");
        server.abort();
    })
    .await;
}

#[tokio::test]
async fn rejections_carry_status_and_headers() {
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    use sockeye_tokio::{Decision, ServerOptions};
    bounded(20, async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let service = service_fn(|mut req| async move {
                let refuse = |_: &sockeye_tokio::UpgradeRequest| {
                    Decision::reject(401)
                        .with_header("WWW-Authenticate", "Basic")
                        .with_body("who are you?")
                };
                let response =
                    match sockeye_tokio::hyper::upgrade(&mut req, &ServerOptions::new(), refuse) {
                        Ok((response, _)) => response,
                        Err(e) => e.into_response(),
                    };
                Ok::<_, std::convert::Infallible>(response)
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades()
                .await;
        });
        let err = sockeye_tokio::connect(&format!("ws://{addr}/"))
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(401));
        let (headers, body) = err.http_response().unwrap();
        assert_eq!(headers.get("www-authenticate"), Some("Basic"));
        assert_eq!(body, b"who are you?");
    })
    .await;
}

/// About 1 MiB of text that compresses well, but not to nothing.
fn compressible_text() -> String {
    (0..30_000)
        .map(|i| format!("line {i}: the quick brown fox jumps over the lazy dog\n"))
        .collect()
}

/// A sockeye client (which offers permessage-deflate by default) against
/// the hyper server with deflate on: the 101 answers the offer, both ends
/// install the extension, and large messages echo intact.
#[tokio::test]
async fn deflate_is_negotiated_when_the_server_enables_it() {
    bounded(20, async {
        let options = ServerOptions::new().deflate(Some(default_deflate()));
        let (addr, server) = hyper_upgrade::start_with("127.0.0.1:0", options)
            .await
            .unwrap();
        let (mut ws, response) = sockeye_tokio::connect(&format!("ws://{addr}/ws"))
            .await
            .unwrap();
        assert_eq!(
            response.headers.get("sec-websocket-extensions"),
            Some("permessage-deflate")
        );
        let negotiated: Vec<String> = ws
            .connection()
            .extensions()
            .iter()
            .map(|e| e.to_header_value())
            .collect();
        assert_eq!(negotiated, ["permessage-deflate"]);

        let text = compressible_text();
        ws.send(text.as_str()).await.unwrap();
        let echo = ws.recv().await.unwrap().unwrap();
        assert_eq!(echo.as_text(), Some(text.as_str()));
        let binary: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        ws.send(Message::binary(binary.clone())).await.unwrap();
        let echo = ws.recv().await.unwrap().unwrap();
        assert_eq!(echo.as_binary().map(|b| &b[..]), Some(&binary[..]));
        ws.close(sockeye_tokio::CloseCode::NORMAL, "")
            .await
            .unwrap();
        server.abort();
    })
    .await;
}

#[tokio::test]
async fn deflate_is_not_negotiated_when_the_server_leaves_it_off() {
    bounded(20, async {
        let (addr, server) = hyper_upgrade::start_with("127.0.0.1:0", ServerOptions::new())
            .await
            .unwrap();
        let (mut ws, response) = sockeye_tokio::connect(&format!("ws://{addr}/ws"))
            .await
            .unwrap();
        assert_eq!(response.headers.get("sec-websocket-extensions"), None);
        assert!(ws.connection().extensions().is_empty());
        let text = compressible_text();
        ws.send(text.as_str()).await.unwrap();
        let echo = ws.recv().await.unwrap().unwrap();
        assert_eq!(echo.as_text(), Some(text.as_str()));
        server.abort();
    })
    .await;
}

/// Sends `text` from a core client offering permessage-deflate over raw
/// TCP, and returns the echo and how many bytes the server sent in all
/// (its 101 included).
async fn echo_counting_bytes(addr: std::net::SocketAddr, text: &str) -> (String, usize) {
    let mut config = Config::default();
    config.deflate = Some(default_deflate());
    let request = ClientRequest::new("localhost", "/ws");
    let mut client = Connection::client(&request, config, Box::new(XorShift::new(3))).unwrap();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(&client.take_output()).await.unwrap();
    let (mut received, mut buf) = (0, vec![0u8; 64 * 1024]);
    loop {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed");
        received += n;
        client.feed(&buf[..n]);
        while let Some(event) = client.poll_event().unwrap() {
            match event {
                Event::Connected(_) => {
                    client.send_text(text).unwrap();
                    tcp.write_all(&client.take_output()).await.unwrap();
                }
                Event::Text(echo) => return (echo.to_string(), received),
                _ => {}
            }
        }
    }
}

/// On the wire: with deflate on, the upgraded connection inflates what the
/// client compressed and compresses its echo; with it off, the echo comes
/// back at full size.
#[tokio::test]
async fn the_upgraded_connection_compresses_on_the_wire() {
    bounded(20, async {
        let text = compressible_text();
        let on = ServerOptions::new().deflate(Some(default_deflate()));
        let (addr, server) = hyper_upgrade::start_with("127.0.0.1:0", on).await.unwrap();
        let (echo, received) = echo_counting_bytes(addr, &text).await;
        assert_eq!(echo, text);
        assert!(
            received < text.len() / 4,
            "{received} bytes for {}",
            text.len()
        );
        server.abort();

        let (addr, server) = hyper_upgrade::start_with("127.0.0.1:0", ServerOptions::new())
            .await
            .unwrap();
        let (echo, received) = echo_counting_bytes(addr, &text).await;
        assert_eq!(echo, text);
        assert!(received > text.len(), "{received} bytes for {}", text.len());
        server.abort();
    })
    .await;
}
