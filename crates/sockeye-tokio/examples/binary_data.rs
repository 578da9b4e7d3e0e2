//! ws's "sending binary data" recipe: a typed array (here `&[f32]`) sent as
//! little-endian bytes, and read back on the other side.

use sockeye_tokio::Message;

/// Decodes little-endian `f32`s.
pub fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Sends a `Float32Array`'s worth of numbers to an echo server and back.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut ws = sockeye_tokio::accept(tcp).await?;
        while let Some(message) = ws.recv().await {
            let message = message?;
            if let Some(data) = message.as_binary() {
                println!("server got {:?}", floats(data));
                ws.send(message).await?;
            }
        }
        Ok::<_, sockeye_tokio::Error>(())
    });
    let (mut ws, _) = sockeye_tokio::connect(&format!("ws://{addr}/")).await?;
    let values = [0.5f32, -1.25, 3.0e8, f32::MIN_POSITIVE];
    ws.send(Message::from_le(&values)).await?;
    let back = ws.recv().await.transpose()?.and_then(Message::into_binary);
    assert_eq!(floats(&back.expect("the echo")), values);
    ws.close(sockeye_tokio::CloseCode::NORMAL, "").await?;
    server.await.expect("the server task")?;
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> sockeye_tokio::Result<()> {
    self_test().await
}
