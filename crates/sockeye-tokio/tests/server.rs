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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_is_listed_before_its_upgrade_is_answered() {
    let server = Server::bind("127.0.0.1:0")
        .await
        .unwrap()
        .shutdown_timeout(Duration::from_secs(1));
    let addr = server.local_addr().unwrap();
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = tokio::spawn(server.serve(
        |_request| async { Decision::accept() },
        |mut client| async move { while let Some(Ok(_)) = client.ws.recv().await {} },
    ));
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
