//! ws's "multiple servers sharing a single HTTP server" recipe: several
//! endpoints on one listener, told apart by path in the accept callback.
//! `/echo` echoes, `/shout` answers in capitals, anything else is 404.

use sockeye_tokio::{Message, Server, UpgradeRequest, Verdict};
use std::net::SocketAddr;

/// The endpoints.
#[derive(Clone, Copy, Debug)]
pub enum Endpoint {
    /// Echoes messages.
    Echo,
    /// Echoes text in upper case.
    Shout,
}

/// Picks the endpoint by path (ws's `shouldHandle` + `handleUpgrade`).
fn route(request: &UpgradeRequest) -> Verdict<Endpoint> {
    match request.path.as_str() {
        "/echo" => Verdict::accept(Endpoint::Echo),
        "/shout" => Verdict::accept(Endpoint::Shout),
        _ => Verdict::reject(404),
    }
}

/// Starts the server on `addr`.
pub async fn start(addr: &str) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let server = Server::bind(addr).await?;
    let local = server.local_addr()?;
    let task = tokio::spawn(async move {
        let accept = |request: &UpgradeRequest| std::future::ready(route(request));
        let _ = server
            .serve(accept, |mut client| async move {
                while let Some(Ok(message)) = client.ws.recv().await {
                    let reply = match (client.context, message) {
                        (Endpoint::Shout, Message::Text(t)) => Message::text(t.to_uppercase()),
                        (_, m) if m.is_text() || m.is_binary() => m,
                        _ => continue,
                    };
                    if client.ws.send(reply).await.is_err() {
                        break;
                    }
                }
            })
            .await;
    });
    Ok((local, task))
}

/// Each path does its own thing; an unknown path is refused.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let (addr, server) = start("127.0.0.1:0").await?;
    for (path, reply) in [("echo", "hi there"), ("shout", "HI THERE")] {
        let (mut ws, _) = sockeye_tokio::connect(&format!("ws://{addr}/{path}")).await?;
        ws.send("hi there").await?;
        let got = ws.recv().await.transpose()?;
        assert_eq!(got.as_ref().and_then(Message::as_text), Some(reply));
        ws.close(sockeye_tokio::CloseCode::NORMAL, "").await?;
    }
    let missing = sockeye_tokio::connect(&format!("ws://{addr}/nope")).await;
    assert_eq!(missing.unwrap_err().http_status(), Some(404));
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
    println!("ws://{addr}/echo and ws://{addr}/shout");
    let _ = server.await;
    Ok(())
}
