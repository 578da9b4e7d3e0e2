//! An echo server on async-std: every text or binary message comes back.
//!
//! ```text
//! cargo run -p sockeye-async-std --example async_std_echo_server -- 127.0.0.1:9001
//! ```
//!
//! Connect with `smol_client` (or any WebSocket client) to
//! `ws://127.0.0.1:9001/`.

use async_std::net::TcpListener;
use sockeye_async_std::{Decision, Message};

#[async_std::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on ws://{}/", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        async_std::task::spawn(async move {
            // Pick the "echo" subprotocol when offered.
            let accepted = sockeye_async_std::accept_with(stream, |req| {
                if req.protocols.iter().any(|p| p == "echo") {
                    Decision::accept().with_protocol("echo")
                } else {
                    Decision::accept()
                }
            });
            let mut ws = match accepted.await {
                Ok(ws) => ws,
                Err(e) => return eprintln!("{peer}: handshake failed: {e}"),
            };
            while let Some(message) = ws.recv().await {
                match message {
                    Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                        if let Err(e) = ws.send(m).await {
                            eprintln!("{peer}: {e}");
                            break;
                        }
                    }
                    Ok(Message::Close(frame)) => println!("{peer}: closed {frame:?}"),
                    Ok(_) => {} // pings are answered automatically
                    Err(e) => {
                        eprintln!("{peer}: {e}");
                        break;
                    }
                }
            }
        });
    }
}
