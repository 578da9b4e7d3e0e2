//! ws's "broadcast" recipes: a chat server that sends every message to all
//! the other clients (encoded once for all of them).
//!
//! `cargo run -p sockeye-tokio --example broadcast` serves on
//! 127.0.0.1:8080; `-- --self-test` runs three clients against it and exits.

use sockeye_tokio::{Decision, Message, Server};
use std::net::SocketAddr;

/// Starts the chat server on `addr`; returns its address and the task.
pub async fn start(addr: &str) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let server = Server::bind(addr).await?;
    let local = server.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = server
            .serve(
                |_request| async { Decision::accept() },
                |mut client| async move {
                    while let Some(Ok(message)) = client.ws.recv().await {
                        if message.is_text() || message.is_binary() {
                            // To everyone else; `broadcast` would include the sender.
                            client.clients.broadcast_except(client.id, message);
                        }
                    }
                },
            )
            .await;
    });
    Ok((local, task))
}

/// Three clients: what one says, the other two hear, and it does not.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let (addr, server) = start("127.0.0.1:0").await?;
    let url = format!("ws://{addr}/");
    let (mut alice, _) = sockeye_tokio::connect(&url).await?;
    let (mut bob, _) = sockeye_tokio::connect(&url).await?;
    let (mut carol, _) = sockeye_tokio::connect(&url).await?;
    // Wait until the server tracks all three.
    bob.send("bob is here").await?;
    assert_eq!(
        alice.recv().await.transpose()?,
        Some(Message::text("bob is here"))
    );
    assert_eq!(
        carol.recv().await.transpose()?,
        Some(Message::text("bob is here"))
    );
    alice.send("hello from alice").await?;
    for ws in [&mut bob, &mut carol] {
        let got = ws.recv().await.transpose()?;
        assert_eq!(
            got.as_ref().and_then(Message::as_text),
            Some("hello from alice")
        );
    }
    // Alice got nothing back: the next thing she hears is carol.
    carol.send("carol too").await?;
    assert_eq!(
        alice.recv().await.transpose()?,
        Some(Message::text("carol too"))
    );
    for mut ws in [alice, bob, carol] {
        ws.close(sockeye_tokio::CloseCode::NORMAL, "").await?;
    }
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
    println!("chat on ws://{addr}/");
    let _ = server.await;
    Ok(())
}
