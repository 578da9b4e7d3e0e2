//! ws's `createWebSocketStream`: a connection as `AsyncRead + AsyncWrite`,
//! here fed with `tokio::io::copy`. The server turns its connection into a
//! byte stream and echoes it with `tokio::io::copy`; the client writes a
//! payload and reads it back.

use sockeye_tokio::Framing;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Echoes `payload` through a byte-stream echo server; returns what came back.
pub async fn round_trip(payload: Vec<u8>, framing: Framing) -> sockeye_tokio::Result<Vec<u8>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let ws = sockeye_tokio::accept(tcp).await?;
        let (mut rx, mut tx) = tokio::io::split(ws.into_byte_stream(framing));
        tokio::io::copy(&mut rx, &mut tx).await?;
        tx.shutdown().await?;
        Ok::<_, sockeye_tokio::Error>(())
    });
    let (ws, _) = sockeye_tokio::connect(&format!("ws://{addr}/")).await?;
    let (mut rx, mut tx) = tokio::io::split(ws.into_byte_stream(framing));
    let writer = tokio::spawn(async move {
        tx.write_all(&payload).await?;
        tx.shutdown().await?;
        Ok::<_, std::io::Error>(())
    });
    let mut back = Vec::new();
    rx.read_to_end(&mut back).await?;
    writer.await.expect("the writer")?;
    server.await.expect("the server")?;
    Ok(back)
}

/// Text and binary round trips.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let text = "Grüße, 世界! ".repeat(10_000).into_bytes();
    assert_eq!(round_trip(text.clone(), Framing::Text).await?, text);
    let binary: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7) as u8).collect();
    assert_eq!(round_trip(binary.clone(), Framing::Binary).await?, binary);
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> sockeye_tokio::Result<()> {
    self_test().await?;
    println!("copied text and binary through WebSocket byte streams");
    Ok(())
}
