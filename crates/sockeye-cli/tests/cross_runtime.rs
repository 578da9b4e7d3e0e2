//! Every adapter's client against every adapter's server, over loopback.

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use sockeye_std::{CloseCode, Message};
use std::net::TcpListener;
use std::time::Duration;

/// An async server's side: echoes data messages until the peer's close
/// frame and returns its code (the same for every async adapter).
async fn echo_until_close<W>(mut ws: W) -> Option<u16>
where
    W: Stream<Item = sockeye_std::Result<Message>>
        + Sink<Message, Error = sockeye_std::Error>
        + Unpin,
{
    while let Some(m) = ws.next().await {
        match m.unwrap() {
            m @ (Message::Text(_) | Message::Binary(_)) => ws.send(m).await.unwrap(),
            Message::Close(frame) => return frame.map(|f| f.code.0),
            _ => {}
        }
    }
    None
}

/// Starts a one-connection echo server on `runtime`; returns its URL and a
/// handle yielding the close code the server saw.
fn echo_server(runtime: &str) -> (String, std::thread::JoinHandle<Option<u16>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let handle = match runtime {
        "std" => std::thread::spawn(move || {
            let mut ws = sockeye_std::accept(listener.accept().unwrap().0).unwrap();
            loop {
                match ws.read() {
                    Ok(m @ (Message::Text(_) | Message::Binary(_))) => ws.send(m).unwrap(),
                    Ok(Message::Close(frame)) => return frame.map(|f| f.code.0),
                    Ok(_) => {}
                    Err(e) => panic!("std server: {e}"),
                }
            }
        }),
        "tokio" => std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                listener.set_nonblocking(true).unwrap();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let ws = sockeye_tokio::accept(listener.accept().await.unwrap().0)
                    .await
                    .unwrap();
                echo_until_close(ws).await
            })
        }),
        _ => std::thread::spawn(move || {
            async_std::task::block_on(async move {
                let listener = async_std::net::TcpListener::from(listener);
                let ws = sockeye_async_std::accept(listener.accept().await.unwrap().0)
                    .await
                    .unwrap();
                echo_until_close(ws).await
            })
        }),
    };
    (url, handle)
}

fn big() -> Vec<u8> {
    (0..70_000u32).map(|i| (i % 251) as u8).collect()
}

fn client_std(url: &str) {
    let (mut ws, _) = sockeye_std::connect(url).unwrap();
    ws.send("hello").unwrap();
    assert_eq!(ws.read().unwrap().as_text(), Some("hello"));
    ws.send(Message::binary(big())).unwrap();
    assert_eq!(ws.read().unwrap(), Message::binary(big()));
    ws.ping(b"p").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Pong("p".into()));
    ws.close(CloseCode(4000), "bye").unwrap();
}

async fn client_tokio(url: &str) {
    let (mut ws, _) = sockeye_tokio::connect(url).await.unwrap();
    ws.send("hello").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hello"));
    ws.send(Message::binary(big())).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap(), Message::binary(big()));
    ws.ping("p").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap(), Message::Pong("p".into()));
    ws.close(CloseCode(4000), "bye").await.unwrap();
}

async fn client_async_std(url: &str) {
    let (mut ws, _) = sockeye_async_std::connect(url).await.unwrap();
    ws.send("hello").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hello"));
    ws.send(Message::binary(big())).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap(), Message::binary(big()));
    ws.ping("p").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap(), Message::Pong("p".into()));
    ws.close(CloseCode(4000), "bye").await.unwrap();
}

#[test]
fn every_client_against_every_server() {
    for server in ["std", "tokio", "async-std"] {
        for client in ["std", "tokio", "async-std"] {
            let (url, handle) = echo_server(server);
            let done = std::thread::spawn(move || match client {
                "std" => client_std(&url),
                "tokio" => tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(client_tokio(&url)),
                _ => async_std::task::block_on(client_async_std(&url)),
            });
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while !done.is_finished() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{client} client vs {server} server timed out"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            done.join()
                .unwrap_or_else(|_| panic!("{client} client vs {server} server failed"));
            assert_eq!(
                handle.join().unwrap(),
                Some(4000),
                "{client} client vs {server} server"
            );
        }
    }
}
