//! ws's server heartbeat recipe (`isAlive`, ping, `terminate`), built in:
//! `Server::heartbeat(interval)` pings every client each interval and drops
//! those that did not answer the previous ping.
//!
//! `-- --self-test`: a client that stops reading is dropped; one that keeps
//! reading (and so answers pings) stays.

use sockeye_tokio::{Decision, Error, Server};
use std::net::SocketAddr;
use std::time::Duration;

/// Starts a server pinging every `interval`; the handler reports how each
/// connection ended on `ended`.
pub async fn start(
    addr: &str,
    interval: Duration,
    ended: tokio::sync::mpsc::UnboundedSender<String>,
) -> std::io::Result<(
    SocketAddr,
    sockeye_tokio::Clients,
    tokio::task::JoinHandle<()>,
)> {
    let server = Server::bind(addr).await?.heartbeat(interval);
    let local = server.local_addr()?;
    let clients = server.clients();
    let task = tokio::spawn(async move {
        let _ = server
            .serve(
                |_request| async { Decision::accept() },
                move |mut client| {
                    let ended = ended.clone();
                    async move {
                        let why = loop {
                            match client.ws.recv().await {
                                Some(Ok(_)) => continue,
                                Some(Err(e)) => break e.to_string(),
                                None => break "closed".to_string(),
                            }
                        };
                        let _ = ended.send(why);
                    }
                },
            )
            .await;
    });
    Ok((local, clients, task))
}

/// The silent client is terminated; the live one is kept.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let interval = Duration::from_millis(300);
    let (tx, mut ended) = tokio::sync::mpsc::unbounded_channel();
    let (addr, clients, server) = start("127.0.0.1:0", interval, tx).await?;
    let url = format!("ws://{addr}/");
    let (mut live, _) = sockeye_tokio::connect(&url).await?;
    let (mut silent, _) = sockeye_tokio::connect(&url).await?;
    // The live client keeps receiving (pings are answered as it does).
    let keep_reading = tokio::spawn(async move { while let Some(Ok(_)) = live.recv().await {} });
    let why = ended.recv().await.expect("a connection ended");
    assert_eq!(why, Error::HeartbeatTimeout.to_string());
    // The silent client finds its connection gone once it looks.
    loop {
        match silent.recv().await {
            Some(Ok(m)) if m.is_ping() => continue,
            Some(Err(_)) | None => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    // The live one is still there after several more intervals.
    tokio::time::sleep(interval * 3).await;
    assert_eq!(clients.len(), 1);
    assert!(!keep_reading.is_finished());
    server.abort();
    keep_reading.abort();
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> sockeye_tokio::Result<()> {
    if std::env::args().any(|a| a == "--self-test") {
        return self_test().await;
    }
    let (tx, mut ended) = tokio::sync::mpsc::unbounded_channel();
    let (addr, _, _server) = start("127.0.0.1:8080", Duration::from_secs(30), tx).await?;
    println!("ws://{addr}/ pings every 30 s");
    while let Some(why) = ended.recv().await {
        println!("a client left: {why}");
    }
    Ok(())
}
