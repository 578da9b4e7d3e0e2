//! A client: sends a few messages, prints the replies, closes.
//!
//! ```sh
//! cargo run -p sockeye-tokio --example echo_server &
//! cargo run -p sockeye-tokio --example client -- ws://127.0.0.1:9001/
//! ```

use sockeye_tokio::{CloseCode, Message};

#[tokio::main]
async fn main() -> sockeye_tokio::Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001/".into());
    let (mut ws, response) = sockeye_tokio::connect(&url).await?;
    println!("connected (protocol {:?})", response.protocol);

    ws.send("hello").await?;
    ws.send(vec![1u8, 2, 3]).await?;
    ws.ping(&b"are you there?"[..]).await?;
    for _ in 0..3 {
        match ws.recv().await {
            Some(Ok(Message::Text(text))) => println!("text: {text}"),
            Some(Ok(Message::Binary(data))) => println!("binary: {data:?}"),
            Some(Ok(Message::Pong(data))) => println!("pong: {data:?}"),
            Some(Ok(other)) => println!("other: {other:?}"),
            Some(Err(e)) => return Err(e),
            None => break,
        }
    }
    ws.close(CloseCode::NORMAL, "bye").await?;
    println!("closed");
    Ok(())
}
