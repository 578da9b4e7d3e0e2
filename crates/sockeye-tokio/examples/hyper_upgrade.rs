//! ws's "external HTTP server" recipe with hyper 1.x (axum: see
//! `axum_upgrade`): plain requests get HTTP answers, `/ws` upgrades to an
//! echo WebSocket with permessage-deflate, and bytes a client sends right
//! behind its request are kept.
//!
//! `cargo run -p sockeye-tokio --features hyper --example hyper_upgrade`

use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sockeye_tokio::hyper::{is_upgrade_request, upgrade};
use sockeye_tokio::{default_deflate, Bytes, Decision, ServerOptions};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

/// The HTTP service: a page, and the WebSocket endpoint at `/ws`.
pub async fn service(
    mut req: Request<Incoming>,
    options: &ServerOptions,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if !is_upgrade_request(&req) {
        let body = format!("plain HTTP: {} {}\n", req.method(), req.uri().path());
        return Ok(Response::new(Full::new(Bytes::from(body))));
    }
    let decide = |request: &sockeye_tokio::UpgradeRequest| match request.path.as_str() {
        "/ws" => Decision::accept().with_header("X-Served-By", "hyper"),
        _ => Decision::reject(404),
    };
    match upgrade(&mut req, options, decide) {
        Ok((response, pending)) => {
            tokio::spawn(async move {
                let Ok(mut ws) = pending.await else { return };
                while let Some(Ok(message)) = ws.recv().await {
                    if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err()
                    {
                        break;
                    }
                }
            });
            Ok(response)
        }
        Err(refused) => Ok(refused.into_response()),
    }
}

/// Runs the hyper server on `addr`, with permessage-deflate on.
pub async fn start(addr: &str) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    start_with(addr, ServerOptions::new().deflate(Some(default_deflate()))).await
}

/// Runs the hyper server on `addr`, upgrading with `options`.
pub async fn start_with(
    addr: &str,
    options: ServerOptions,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let options = Arc::new(options);
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let options = Arc::clone(&options);
            tokio::spawn(async move {
                let service = service_fn(|req| service(req, &options));
                let connection = http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .with_upgrades();
                let _ = connection.await;
            });
        }
    });
    Ok((local, task))
}

/// A WebSocket client and a plain HTTP request on the same port.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (addr, server) = start("127.0.0.1:0").await?;
    let (mut ws, response) = sockeye_tokio::connect(&format!("ws://{addr}/ws")).await?;
    assert_eq!(response.headers.get("x-served-by"), Some("hyper"));
    let extensions = response.headers.get("sec-websocket-extensions");
    assert!(extensions.is_some_and(|e| e.starts_with("permessage-deflate")));
    ws.send("through hyper").await?;
    let echo = ws.recv().await.transpose()?;
    assert_eq!(
        echo.as_ref().and_then(|m| m.as_text()),
        Some("through hyper")
    );
    ws.close(sockeye_tokio::CloseCode::NORMAL, "").await?;

    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.write_all(b"GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await?;
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await?;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("plain HTTP: GET /page\n"), "{answer}");

    let refused = sockeye_tokio::connect(&format!("ws://{addr}/elsewhere")).await;
    assert_eq!(refused.unwrap_err().http_status(), Some(404));
    server.abort();
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> sockeye_tokio::Result<()> {
    if std::env::args().any(|a| a == "--self-test") {
        return self_test().await;
    }
    let (addr, server) = start("127.0.0.1:8080").await?;
    println!("http://{addr}/ and ws://{addr}/ws");
    let _ = server.await;
    Ok(())
}
