//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// Runs a test body, failing it if it takes longer than `secs`.
pub async fn bounded<T>(secs: u64, body: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), body)
        .await
        .expect("the test did not finish in time")
}

/// A listener on an ephemeral loopback port.
pub async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// The `ws://` URL of `addr`.
pub fn url(addr: SocketAddr) -> String {
    format!("ws://{addr}/")
}

/// An echo server: every accepted connection sends its text and binary
/// messages back until the client closes.
pub async fn echo_server() -> SocketAddr {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = sockeye_tokio::accept(stream).await else {
                    return;
                };
                while let Some(Ok(message)) = ws.recv().await {
                    if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// A proxy in front of `upstream` that forwards what the server sends in
/// `chunk`-byte pieces with a pause after each, so that messages arrive
/// slowly over many reads.
pub async fn slow_proxy(upstream: SocketAddr, chunk: usize, pause: Duration) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = TcpStream::connect(upstream).await.unwrap();
        let (mut client_rx, mut client_tx) = client.into_split();
        let (mut server_rx, mut server_tx) = server.into_split();
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut client_rx, &mut server_tx).await;
            let _ = server_tx.shutdown().await;
        });
        let mut buf = vec![0u8; chunk];
        loop {
            match server_rx.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if client_tx.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
            }
        }
        let _ = client_tx.shutdown().await;
    });
    addr
}

/// Deterministic pseudo-random bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Deterministic pseudo-random text, including multi-byte characters.
pub fn text_pattern(len: usize, seed: u64) -> String {
    const ALPHABET: [&str; 6] = ["a", "Z", "7", " ", "é", "€"];
    let mut s = String::with_capacity(len);
    for b in pattern(len, seed) {
        let piece = ALPHABET[b as usize % ALPHABET.len()];
        if s.len() + piece.len() > len {
            break;
        }
        s.push_str(piece);
    }
    while s.len() < len {
        s.push('x');
    }
    s
}
