//! The `Server`'s client registry as its clients see it: a client is
//! listed, and reached by broadcasts, from the moment it has read its 101.

mod common;

use common::{bounded, url};
use sockeye_tokio::{Decision, Message, Server};
use std::time::Duration;

async fn next_text(
    ws: &mut sockeye_tokio::WebSocketStream<sockeye_tokio::MaybeTlsStream>,
) -> String {
    match bounded(5, ws.recv()).await {
        Some(Ok(Message::Text(text))) => text.to_string(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

/// Serves `server` in a task with handlers that only receive: its address,
/// clients, shutdown handle and task.
fn receiving(
    server: Server,
) -> (
    std::net::SocketAddr,
    sockeye_tokio::Clients,
    sockeye_tokio::ShutdownHandle,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let addr = server.local_addr().unwrap();
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = tokio::spawn(server.serve(
        |_request| async { Decision::accept() },
        |mut client| async move { while let Some(Ok(_)) = client.ws.recv().await {} },
    ));
    (addr, clients, stop, serving)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_is_listed_before_its_upgrade_is_answered() {
    let server = Server::bind("127.0.0.1:0").await.unwrap();
    let (addr, clients, stop, serving) = receiving(server.shutdown_timeout(Duration::from_secs(1)));
    let url = url(addr);
    for round in 0..20 {
        // `connect` returns once the 101 has been read: from then on the
        // client is listed, and a broadcast reaches it.
        let (mut ws, _) = sockeye_tokio::connect(&url).await.unwrap();
        assert_eq!(clients.len(), 1, "round {round}");
        assert_eq!(clients.broadcast("welcome"), 1, "round {round}");
        assert_eq!(next_text(&mut ws).await, "welcome");
        drop(ws);
        bounded(5, async {
            while !clients.is_empty() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
    }
    stop.shutdown();
    bounded(10, serving).await.unwrap().unwrap();
}

/// The broadcast limit counts what a client has not read yet, not what it
/// read already: a client that takes each broadcast as it comes is never a
/// slow peer, even with messages of more than half the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_each_broadcast_is_not_a_slow_peer() {
    let server = Server::bind("127.0.0.1:0").await.unwrap();
    let server = server
        .broadcast_limit(100_000)
        .shutdown_timeout(Duration::from_millis(500));
    let (addr, clients, stop, serving) = receiving(server);
    let (mut ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
    let payload = Message::binary(vec![7u8; 60_000]);
    for _ in 0..3 {
        assert_eq!(clients.broadcast(payload.clone()), 1);
        assert_eq!(bounded(5, ws.recv()).await.unwrap().unwrap(), payload);
        // Long after it was read: the server's task is idle meanwhile.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.shutdown();
    bounded(5, serving).await.unwrap().unwrap();
}
