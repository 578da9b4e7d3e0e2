//! ws's "how to get the IP address of the client" recipe: the peer address
//! of the connection, or, behind a proxy, the first `X-Forwarded-For` hop,
//! believed only when the connection comes from the proxy (here: one on
//! the same machine, a loopback address).

use sockeye_tokio::{ClientOptions, Decision, Server};
use std::net::SocketAddr;

/// Starts a server that tells each client its address.
pub async fn start(addr: &str) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let server = Server::bind(addr).await?;
    let local = server.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = server
            .serve(
                |_request| async { Decision::accept() },
                |mut client| async move {
                    let peer = client.request.peer_addr;
                    let forwarded = client.request.forwarded_for().map(String::from);
                    // Only a proxy of ours may tell who the client is.
                    let ip = client.request.client_ip(|proxy| proxy.is_loopback());
                    let text = format!("peer={peer:?} forwarded={forwarded:?} ip={ip:?}");
                    let _ = client.ws.send(text).await;
                    while let Some(Ok(_)) = client.ws.recv().await {}
                },
            )
            .await;
    });
    Ok((local, task))
}

/// Directly, the client's own address; through a proxy, the header's.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let (addr, server) = start("127.0.0.1:0").await?;
    let url = format!("ws://{addr}/");
    let (mut ws, _) = sockeye_tokio::connect(&url).await?;
    let text = ws.recv().await.transpose()?.expect("the answer");
    let text = text.as_text().unwrap_or_default();
    assert!(text.starts_with("peer=Some(127.0.0.1:"), "{text}");
    assert!(
        text.ends_with("forwarded=None ip=Some(127.0.0.1)"),
        "{text}"
    );
    ws.close(sockeye_tokio::CloseCode::NORMAL, "").await?;
    let proxied = ClientOptions::new().header("X-Forwarded-For", "203.0.113.9, 10.0.0.1");
    let (mut ws, _) = sockeye_tokio::connect_with(&url, &proxied).await?;
    let text = ws.recv().await.transpose()?.expect("the answer");
    assert!(text
        .as_text()
        .unwrap()
        .ends_with("forwarded=Some(\"203.0.113.9\") ip=Some(203.0.113.9)"));
    ws.close(sockeye_tokio::CloseCode::NORMAL, "").await?;
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
    println!("ws://{addr}/ tells you your address");
    let _ = server.await;
    Ok(())
}
