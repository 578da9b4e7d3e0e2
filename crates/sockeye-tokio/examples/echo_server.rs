//! An echo server: sends every text and binary message back.
//!
//! ```sh
//! cargo run -p sockeye-tokio --example echo_server -- 127.0.0.1:9001
//! ```

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("echo server on ws://{}/", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let mut ws = match sockeye_tokio::accept(stream).await {
                Ok(ws) => ws,
                Err(e) => return eprintln!("{peer}: handshake failed: {e}"),
            };
            while let Some(message) = ws.recv().await {
                match message {
                    Ok(message) if message.is_text() || message.is_binary() => {
                        if let Err(e) = ws.send(message).await {
                            return eprintln!("{peer}: {e}");
                        }
                    }
                    Ok(_) => {}
                    Err(e) => return eprintln!("{peer}: {e}"),
                }
            }
        });
    }
}
