//! A client on smol: sends a few messages to an echo server, prints the
//! replies, and closes.
//!
//! ```text
//! cargo run -p sockeye-async-std --example async_std_echo_server &
//! cargo run -p sockeye-async-std --example smol_client -- ws://127.0.0.1:9001/
//! ```

use sockeye_async_std::proto::WsUrl;
use sockeye_async_std::{client_handshake, ClientOptions, CloseCode, Message};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001/".into());
    smol::block_on(async {
        let options = ClientOptions::new()
            .protocol("echo")
            .handshake_timeout(Duration::from_secs(5));
        // smol's own TCP stream, handshaken by sockeye.
        let parsed = WsUrl::parse(&url)?;
        let stream = smol::net::TcpStream::connect((parsed.host.as_str(), parsed.port)).await?;
        stream.set_nodelay(true)?;
        let (mut ws, response) =
            client_handshake(stream, &options.request(&parsed), &options).await?;
        println!("connected to {url}, subprotocol {:?}", response.protocol);

        ws.send("hello from smol").await?;
        ws.send(vec![1u8, 2, 3]).await?;
        ws.ping(&b"are you there?"[..]).await?;
        let mut replies = 0;
        while replies < 3 {
            match ws.recv().await {
                Some(Ok(Message::Text(text))) => println!("text: {text}"),
                Some(Ok(Message::Binary(data))) => println!("binary: {data:?}"),
                Some(Ok(Message::Pong(data))) => println!("pong: {data:?}"),
                Some(Ok(other)) => println!("other: {other:?}"),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            }
            replies += 1;
        }
        ws.close(CloseCode::NORMAL, "done").await?;
        println!("closed");
        Ok(())
    })
}
