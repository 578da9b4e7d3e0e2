//! sockeye used from axum: a WebSocket route and a plain route of one
//! `Router`, on one port (the `axum_upgrade` example).
#![cfg(feature = "hyper")]

mod common;

#[path = "../examples/axum_upgrade.rs"]
mod axum_upgrade;

use common::bounded;
use sockeye_tokio::{CloseCode, Message};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain `GET path` over TCP; the whole response.
async fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn a_sockeye_client_echoes_through_an_axum_route() {
    bounded(20, async {
        let (addr, server) = axum_upgrade::start("127.0.0.1:0").await.unwrap();
        let (mut ws, response) = sockeye_tokio::connect(&format!("ws://{addr}/ws"))
            .await
            .unwrap();
        assert_eq!(
            response.headers.get("sec-websocket-extensions"),
            Some("permessage-deflate")
        );
        ws.send("through axum").await.unwrap();
        let echo = ws.recv().await.unwrap().unwrap();
        assert_eq!(echo.as_text(), Some("through axum"));
        let binary: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        ws.send(Message::binary(binary.clone())).await.unwrap();
        let echo = ws.recv().await.unwrap().unwrap();
        assert_eq!(echo.as_binary().map(|b| &b[..]), Some(&binary[..]));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        server.abort();
    })
    .await;
}

#[tokio::test]
async fn plain_http_on_the_same_port_gets_ordinary_responses() {
    bounded(20, async {
        let (addr, server) = axum_upgrade::start("127.0.0.1:0").await.unwrap();
        let page = http_get(addr, "/").await;
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(page.ends_with("\r\n\r\nplain HTTP from axum\n"), "{page}");
        // The WebSocket route without an upgrade: 426, saying what to send.
        let refused = http_get(addr, "/ws").await.to_lowercase();
        assert!(refused.starts_with("http/1.1 426"), "{refused}");
        assert!(refused.contains("upgrade: websocket"), "{refused}");
        // Unrouted paths are axum's: 404.
        let missing = http_get(addr, "/nowhere").await;
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
        // The WebSocket keeps working after plain requests.
        let (mut ws, _) = sockeye_tokio::connect(&format!("ws://{addr}/ws"))
            .await
            .unwrap();
        ws.send(Message::binary(&b"\x00\x01\x02"[..]))
            .await
            .unwrap();
        let echo = ws.recv().await.unwrap().unwrap();
        assert_eq!(echo.as_binary().map(|b| &b[..]), Some(&b"\x00\x01\x02"[..]));
        server.abort();
    })
    .await;
}
