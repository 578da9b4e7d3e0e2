//! Stopping a server cleanly (ws's `wss.close()` plus closing every client):
//! stop accepting, send every client a close frame with 1001, wait a bounded
//! time for the handlers, then drop what is left.

use sockeye_tokio::{CloseCode, Decision, Message, Server};
use std::time::Duration;

/// Two clients: one closes politely when asked, one ignores the close; the
/// server still stops within its shutdown timeout.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let server = Server::bind("127.0.0.1:0")
        .await?
        .shutdown_timeout(Duration::from_millis(300));
    let url = format!("ws://{}/", server.local_addr()?);
    let stop = server.shutdown_handle();
    let clients = server.clients();
    let serving = tokio::spawn(server.serve(
        |_request| async { Decision::accept() },
        |mut client| async move { while let Some(Ok(_)) = client.ws.recv().await {} },
    ));
    let (mut polite, _) = sockeye_tokio::connect(&url).await?;
    let (_deaf, _) = sockeye_tokio::connect(&url).await?;
    while clients.len() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = std::time::Instant::now();
    stop.shutdown();
    // The polite client sees the server's 1001 and answers it.
    match polite.recv().await.transpose()? {
        Some(Message::Close(Some(frame))) => assert_eq!(frame.code, CloseCode::GOING_AWAY),
        other => panic!("expected a close frame, got {other:?}"),
    }
    // The deaf client never answers: the server gives up on it in time.
    serving.await.expect("the server task")?;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(clients.len(), 0);
    // New connections are refused.
    assert!(sockeye_tokio::connect(&url).await.is_err());
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> sockeye_tokio::Result<()> {
    if std::env::args().any(|a| a == "--self-test") {
        return self_test().await;
    }
    let server = Server::bind("127.0.0.1:8080").await?;
    let stop = server.shutdown_handle();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.shutdown();
    });
    println!("ws://{}/ — Ctrl-C stops it cleanly", server.local_addr()?);
    server
        .serve(
            |_request| async { Decision::accept() },
            |mut client| async move {
                while let Some(Ok(m)) = client.ws.recv().await {
                    if m.is_text() || m.is_binary() {
                        let _ = client.ws.send(m).await;
                    }
                }
            },
        )
        .await?;
    Ok(())
}
