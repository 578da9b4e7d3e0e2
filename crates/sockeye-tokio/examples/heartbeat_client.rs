//! ws's client heartbeat recipe, built in: `ws.heartbeat(interval)` pings
//! the server each interval and ends the connection when a ping goes
//! unanswered. Also ws's round-trip-time recipe: time a ping's pong.
//!
//! `-- --self-test`: against a server that answers, the connection lives and
//! the round trip is measured; against one that does not, it is dropped.

use sockeye_tokio::{Config, Error, Message, ServerOptions};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A server that echoes, answering pings only if `answer_pings`.
pub async fn server(answer_pings: bool) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut config = Config::default();
    config.auto_pong = answer_pings;
    let options = ServerOptions::new().config(config);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let options = options.clone();
            tokio::spawn(async move {
                let Ok(mut ws) = sockeye_tokio::accept_with_options(tcp, &options, |_| {
                    sockeye_tokio::Decision::accept()
                })
                .await
                else {
                    return;
                };
                while let Some(Ok(_)) = ws.recv().await {}
            });
        }
    });
    Ok(addr)
}

/// Round-trip time: send a ping, wait for its pong.
pub async fn round_trip<S>(
    ws: &mut sockeye_tokio::WebSocketStream<S>,
) -> sockeye_tokio::Result<Duration>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let start = Instant::now();
    ws.ping(&b"rtt"[..]).await?;
    loop {
        match ws.recv().await.transpose()? {
            Some(Message::Pong(p)) if p == b"rtt"[..] => return Ok(start.elapsed()),
            Some(_) => continue,
            None => return Err(Error::ConnectionClosed),
        }
    }
}

/// A live server keeps the connection; a silent one loses it.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let interval = Duration::from_millis(300);
    let (ws, _) = sockeye_tokio::connect(&format!("ws://{}/", server(true).await?)).await?;
    let mut ws = ws.heartbeat(interval);
    let rtt = round_trip(&mut ws).await?;
    assert!(rtt < Duration::from_secs(5));
    // Several intervals pass: pongs come back, nothing ends.
    let quiet = tokio::time::timeout(interval * 4, async {
        while let Some(Ok(_)) = ws.recv().await {}
    });
    assert!(
        quiet.await.is_err(),
        "the connection to a live server ended"
    );

    let (ws, _) = sockeye_tokio::connect(&format!("ws://{}/", server(false).await?)).await?;
    let mut ws = ws.heartbeat(interval);
    let started = Instant::now();
    let end = loop {
        match ws.recv().await {
            Some(Ok(_)) => continue,
            other => break other,
        }
    };
    assert!(matches!(end, Some(Err(Error::HeartbeatTimeout))), "{end:?}");
    assert!(started.elapsed() >= interval * 2);
    assert!(ws.recv().await.is_none());
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> sockeye_tokio::Result<()> {
    if std::env::args().any(|a| a == "--self-test") {
        return self_test().await;
    }
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:8080/".into());
    let (ws, _) = sockeye_tokio::connect(&url).await?;
    let mut ws = ws.heartbeat(Duration::from_secs(30));
    println!("round trip: {:?}", round_trip(&mut ws).await?);
    while let Some(message) = ws.recv().await {
        println!("{:?}", message?);
    }
    Ok(())
}
